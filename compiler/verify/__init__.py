"""`obsc verify`: check specs against a live Prometheus (read-only), each finding located at the spec line.

The face: `verify(paths, options) -> Report` (findings, and notes that are no finding), and
`verify_specs(paths, options) -> list[Diagnostic]` (the findings). Raises InputError for bad specs, `Unreachable`
when the server does not answer within the bounded retries (`NotPrometheus`, a subclass, when what answers
is not a Prometheus API), and `QueryRejected` when Prometheus refuses a query obsc itself builds.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from compiler import conventions
from compiler.api import CompileOptions, compile_specs
from compiler.errors import Diagnostic, InputError, Location, sort_key
from compiler.model.types import Service
from compiler.model.units import format_duration, parse_duration
from compiler.spec import loader
from compiler.spec.document import Document
from compiler.verify import forged_alerts, group_bound, kept_restart, relay_pace, restarts, rules, scrapes
from compiler.verify.checks import Context, check_service
from compiler.verify.client import NotPrometheus, Prometheus, QueryRejected, Unreachable

__all__ = [
    "NotPrometheus",
    "QueryRejected",
    "Report",
    "Unreachable",
    "VerifyOptions",
    "lookback_range",
    "verify",
    "verify_specs",
]


@dataclass(frozen=True)
class VerifyOptions:
    prometheus: str
    lookback: str = "1h"
    timeout: float = 5.0
    retries: int = 2
    jsonnet_paths: tuple[str, ...] = ()
    platform_file: str | None = None


@dataclass(frozen=True)
class Report:
    findings: list[Diagnostic]  # the spec does not match the server: exit 1
    notes: list[Diagnostic]  # worth a look, and how a healthy service can look too


def verify_specs(paths: Sequence[str], options: VerifyOptions) -> list[Diagnostic]:
    return verify(paths, options).findings


def verify(paths: Sequence[str], options: VerifyOptions) -> Report:
    compile_options = CompileOptions(jsonnet_paths=options.jsonnet_paths, platform_file=options.platform_file, jobs=1)
    compilation = compile_specs(paths, compile_options)  # the rules to compare with the loaded ones
    fleet = compilation.fleet
    docs = _documents(paths, options)
    prometheus = Prometheus(options.prometheus, options.timeout, options.retries)

    @functools.cache
    def metric_names() -> list[str]:
        return sorted(prometheus.label_values("__name__"))

    @functools.cache
    def label_names() -> list[str]:
        try:  # an API without the label names: the checks that ask them are not run
            return prometheus.label_names()
        except (NotPrometheus, QueryRejected):
            return []

    @functools.cache
    def rule_groups() -> list[dict[str, Any]]:
        return prometheus.rule_groups()

    @functools.cache
    def retention() -> str | None:
        try:  # Thanos, Mimir and other Prometheus APIs have no runtimeinfo: nothing to compare
            said = prometheus.runtime_info().get("storageRetention")
        except (NotPrometheus, QueryRejected):
            return None
        return said if isinstance(said, str) else None

    def rule_file(service: str) -> str | None:
        artifact = compilation.bundle.get(conventions.prometheus_rules_path(service))
        return artifact.content if artifact is not None else None

    @functools.cache
    def job_intervals() -> dict[str, int] | None:
        return scrapes.job_intervals(prometheus)

    @functools.cache
    def lookback_delta() -> int:
        return scrapes.lookback_delta(prometheus)

    @functools.cache
    def active_targets() -> list[dict[str, Any]]:
        return relay_pace.active_targets(prometheus)

    services = tuple(s.name for s in fleet.services)
    declared, bound, restart_place, evaluation_said = _declared(fleet.platform.location.file, options)
    ctx = Context(
        prometheus,
        options.lookback,
        metric_names,
        rule_groups,
        rule_file,
        services,
        retention,
        declared,
        job_intervals,
        lookback_delta,
        label_names=label_names,
        groups=bound,
    )
    findings: list[Diagnostic] = []
    notes: list[Diagnostic] = []
    for service in fleet.services:
        found, noted = check_service(service, docs.get(service.name), ctx)
        findings.extend(found)
        notes.extend(noted)
    at = {s.name: _at_service(s, docs, findings) for s in fleet.services}
    loaded_groups = {name: groups for name in services if (groups := rules.owned_groups(rule_groups(), name, services))}
    for ask in restarts.check_restarts(loaded_groups, restarts.restart_flags(prometheus) if loaded_groups else None):
        if restart_place is None:  # no platform file: the spec whose rules set the bound
            at[ask.service](ask.message)
        else:
            findings.append(Diagnostic(restart_place, restarts.SETTING, ask.message))
    kept = kept_restart.kept_across_restart(loaded_groups)
    if kept is not None:  # beside the restart flags' findings: at the platform file's, or at a spec's
        if restart_place is None:
            _at_service(next(s for s in fleet.services if s.name == kept.service), docs, notes)(kept.message)
        else:
            notes.append(Diagnostic(restart_place, restarts.SETTING, kept.message))
    relay_pace.check_relay_pace(
        fleet.services,
        lambda name: rules.owned_groups(rule_groups(), name, (*services, name)),
        (fleet.platform.evaluation_seconds, evaluation_said),
        lambda s: relay_pace.scrape_of(
            s, active_targets(), job_intervals(), relay_pace.Scrape(declared.seconds, declared.said())
        ),
        lambda s, message: findings.append(_at_relay(s, docs, message)),
    )
    forged_alerts.forging_rules(rule_groups(), fleet.services, lambda name, message: at[name](message))
    loaded = functools.cache(lambda name: bool(rules.owned_groups(rule_groups(), name, services)))
    ours = {id(g) for name in services for g in rules.owned_groups(rule_groups(), name, services)}
    forged_alerts.impostor_rules(rule_groups(), lambda g: id(g) in ours, fleet.services, lambda n, m: at[n](m))
    forged_alerts.stray_series(prometheus, fleet.services, loaded, lambda name, message: at[name](message))
    return Report(sorted(set(findings), key=sort_key), sorted(set(notes), key=sort_key))


def lookback_range(text: str) -> str:
    """--lookback as the PromQL range it becomes, in Prometheus's spelling (`30m1h` is refused there); at least
    1s, since Prometheus refuses `[0s]`. ValueError says why not."""
    try:
        seconds = parse_duration(text)
    except ValueError as exc:
        raise ValueError(f"{exc} (like 1h or 30m)") from None
    if seconds < 1:
        raise ValueError(f"{text!r} is shorter than 1s: nothing could be found in it")
    return format_duration(seconds)


def _declared(
    platform_file: str, options: VerifyOptions
) -> tuple[scrapes.Declared, group_bound.Bound, Location | None, str]:
    """The platform file's `defaults.slo_alerts.scrape_interval` and `defaults.max_groups`, each with where it is
    written (the compile read the same file; the model keeps neither place), and where a restart flag finding goes:
    its `defaults.slo_alerts` (restarts.SETTING, or the nearest key written above it). The server flags are the
    platform's to set, for every service at once, and that block sets the burn pairs' holds, the shortest obsc
    writes; one team's spec could not act on them, and the finding would move whenever another spec's hold did.
    Last, how the evaluation interval is said: written there, or obsc's default."""
    unsaid = "obsc's default: the platform does not set evaluation_interval"
    if not platform_file:
        return scrapes.Declared(), group_bound.Bound(), None, unsaid
    try:
        docs = loader.load_file(platform_file, loader.JsonnetOptions(options.jsonnet_paths))
    except (InputError, OSError):
        return scrapes.Declared(), group_bound.Bound(), None, unsaid  # the compile has reported it already
    if not docs:
        return scrapes.Declared(), group_bound.Bound(), None, unsaid
    data, locate = docs[0].data, docs[0].locate
    restart_place = docs[0].locate(restarts.SETTING, key=True)
    written = isinstance(data, dict) and "evaluation_interval" in ((data.get("defaults") or {}).get("slo_alerts") or {})
    said = "slo_alerts.evaluation_interval" if written else unsaid
    return scrapes.declared(data, locate), group_bound.declared(data, locate), restart_place, said


def _at_service(service: Service, docs: dict[str, Document], into: list[Diagnostic]) -> Callable[[str], None]:
    """A finding about the service as a whole, located at its `service:` key."""
    doc = docs.get(service.name)
    where = doc.locate(("service",)) if doc is not None else service.location
    return lambda message: into.append(Diagnostic(where, ("service",), message))


def _at_relay(service: Service, docs: dict[str, Document], message: str) -> Diagnostic:
    """A finding about the held page, located at the spec's `relay:` (what holds it behind the relay's)."""
    doc = docs.get(service.name)
    fallback = service.relay.location if service.relay is not None else service.location
    return Diagnostic(doc.locate(("relay",)) if doc is not None else fallback, ("relay",), message)


def _documents(paths: Sequence[str], options: VerifyOptions) -> dict[str, Document]:
    """Each service's spec document, to locate findings at the exact key (the model keeps coarser places)."""
    specs, _, _ = loader.discover(paths)
    out: dict[str, Document] = {}
    for path in specs:
        try:
            docs = loader.load_file(path, loader.JsonnetOptions(options.jsonnet_paths))
        except InputError:
            continue  # load_fleet has reported it already
        for doc in docs:
            if isinstance(doc.data, dict) and isinstance(doc.data.get("service"), str):
                out.setdefault(doc.data["service"], doc)
    return out
