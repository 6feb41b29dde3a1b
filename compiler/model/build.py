"""Raw spec dicts → the typed model. The only reader of raw dicts.

Merge order, key by key: built-in defaults (defaults.yaml) ← platform `defaults:` ← service spec.
Problems are collected as located diagnostics; building continues so one run reports them all.
"""

from __future__ import annotations

import difflib
import functools
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from importlib import resources
from typing import Any

import yaml

from compiler import conventions
from compiler.errors import Diagnostic, Location
from compiler.model.alert_kinds import KINDS
from compiler.model.alerts import NEEDS_SELECTOR
from compiler.model.checks import business_hours_problems, receiver_problems
from compiler.model.promql import Matcher, Selector, expand, matchers_from_labels, parse_selector
from compiler.model.secrets import Owner, claim_problem, link_problems, platform_policy
from compiler.model.secrets import receiver_problems as secret_problems
from compiler.model.types import (
    AlertKind,
    AlertmanagerBase,
    BusinessHours,
    Integration,
    KeyAlert,
    Metric,
    MetricType,
    Platform,
    Receiver,
    Route,
    Service,
    Sli,
    SliKind,
    Slo,
    SloAlerting,
    Team,
    ThresholdType,
    Tier,
    TimeRange,
)
from compiler.model.units import parse_duration, parse_duration_seconds, parse_percent, parse_rate
from compiler.spec.document import Document, Path

_EXPR_METRICS = ("cpu", "memory", "disk")  # utilisation expressions, not series selectors
_DEFAULT_TYPES = {
    "requests": MetricType.COUNTER,
    "errors": MetricType.COUNTER,
    "latency": MetricType.HISTOGRAM,
    "cpu": MetricType.GAUGE,
    "memory": MetricType.GAUGE,
    "disk": MetricType.GAUGE,
    "build_info": MetricType.GAUGE,
}


@functools.cache
def builtin_defaults() -> dict[str, Any]:
    text = resources.files("compiler.model").joinpath("defaults.yaml").read_text(encoding="utf-8")
    loaded: dict[str, Any] = yaml.safe_load(text)
    return loaded


@dataclass
class _Ctx:
    """Where we are: the document being read and the diagnostics found so far."""

    doc: Document | None
    diagnostics: list[Diagnostic] = field(default_factory=list)

    def loc(self, path: Path, key: bool = False) -> Location:
        return self.doc.locate(path, key=key) if self.doc else Location("<defaults>")

    def error(self, path: Path, message: str, key: bool = False) -> None:
        self.diagnostics.append(Diagnostic(self.loc(path, key), path, message))


@dataclass(frozen=True)
class _Layer:
    """One source of defaults and where its values live (for error locations)."""

    data: Mapping[str, Any]
    ctx: _Ctx
    base: Path


Defaults = _Layer  # the platform's defaults, as build_platform returns them for build_service


# ---------------------------------------------------------------- platform


def build_platform(doc: Document | None, diagnostics: list[Diagnostic]) -> tuple[Platform, list[Receiver], _Layer]:
    ctx = _Ctx(doc, diagnostics)
    data: dict[str, Any] = doc.data if doc else {}
    am = data.get("alertmanager") or {}
    am_global: Mapping[str, Any] = am.get("global") or {}
    policy, problems = platform_policy(data, doc.file if doc else "")
    for where, message in problems:
        ctx.error(where, message)
    platform_owner = Owner(None, policy)  # named receivers and defaults.routing: the platform's own
    receivers = []
    for name, body in sorted((data.get("receivers") or {}).items()):
        receivers.append(
            _receiver(name, body, conventions.PLATFORM_SCOPE, ctx, ("receivers", name), am_global, platform_owner)
        )
    teams = tuple(
        _team(name, body, ctx, receivers, am_global, Owner(name, policy))
        for name, body in sorted((data.get("teams") or {}).items())
    )
    platform = Platform(
        runbook_url=str(data.get("runbook_url", "{path}")),
        grafana_url=str(data.get("grafana_url", "")).rstrip("/"),
        teams=teams,
        alertmanager=AlertmanagerBase(
            default_receiver=str(am.get("default_receiver", "")),
            templates=tuple(str(t) for t in am.get("templates") or ()),
            global_settings=tuple(sorted((str(k), v) for k, v in (am.get("global") or {}).items())),
        ),
        standard_dashboards=tuple(sorted((str(k), str(v)) for k, v in (data.get("standard_dashboards") or {}).items())),
        location=ctx.loc(()),
    )
    defaults = _Layer(data.get("defaults") or {}, ctx, ("defaults",))
    platform_routes = _routes(
        defaults.data.get("routing") or {},
        conventions.PLATFORM_SCOPE,
        ctx,
        ("defaults", "routing"),
        receivers,
        am_global,
        platform_owner,
    )
    if platform.alertmanager.default_receiver and not any(
        r.name == platform.alertmanager.default_receiver for r in receivers
    ):
        ctx.error(
            ("alertmanager", "default_receiver"),
            f"receiver {platform.alertmanager.default_receiver!r} is not defined under receivers:"
            + _did_you_mean(platform.alertmanager.default_receiver, [r.name for r in receivers]),
        )
    # Platform-wide routes are held as a pseudo team "" so service resolution is one lookup chain.
    platform = Platform(
        runbook_url=platform.runbook_url,
        grafana_url=platform.grafana_url,
        teams=(*teams, Team(name="", routes=platform_routes)),
        alertmanager=platform.alertmanager,
        standard_dashboards=platform.standard_dashboards,
        location=platform.location,
        secrets=policy,
    )
    return platform, receivers, defaults


def _team(
    name: str, body: Mapping[str, Any], ctx: _Ctx, receivers: list[Receiver], am_global: Mapping[str, Any], owner: Owner
) -> Team:
    path: Path = ("teams", name)
    hours = body.get("business_hours")
    if hours:
        for where, message in business_hours_problems(hours):
            ctx.error((*path, "business_hours", *where), message)
    return Team(
        name=name,
        routes=_routes(
            body.get("routing") or {},
            conventions.team_scope(name),
            ctx,
            (*path, "routing"),
            receivers,
            am_global,
            owner,
        ),
        business_hours=BusinessHours(
            weekdays=tuple(hours["weekdays"]),
            times=tuple(TimeRange(t["start"], t["end"]) for t in hours["times"]),
            location=str(hours.get("location", "UTC")),
        )
        if hours
        else None,
        links=tuple(sorted((body.get("links") or {}).items())),
        location=ctx.loc(path, key=True),
    )


def _receiver(
    name: str, body: Mapping[str, Any], scope: str, ctx: _Ctx, path: Path, am_global: Mapping[str, Any], owner: Owner
) -> Receiver:
    integrations = tuple(
        Integration(kind, tuple(sorted((str(k), v) for k, v in settings.items())))
        for kind, settings in sorted(body.items())
    )
    receiver = Receiver(name=name, integrations=integrations, scope=scope, location=ctx.loc(path, key=True))
    for kind, message in receiver_problems(receiver, am_global):
        ctx.error((*path, kind), message)
    for where, message in secret_problems(body, owner):  # whose secret files, which URLs
        ctx.error((*path, *where), message)
    return receiver


def _routes(
    routing: Mapping[str, Any],
    prefix: str,
    ctx: _Ctx,
    path: Path,
    receivers: list[Receiver],
    am_global: Mapping[str, Any],
    owner: Owner,
) -> tuple[Route, ...]:
    """Tier → receiver. Inline receivers are named `<prefix>-<tier>` and added to `receivers`."""
    routes = []
    for tier in Tier:
        value = routing.get(tier.value)
        if value is None:
            continue
        where = (*path, tier.value)
        if isinstance(value, str):
            routes.append(Route(tier, value, ctx.loc(where), where))
        else:
            name = conventions.receiver_name(prefix, tier.value)
            receivers.append(_receiver(name, value, prefix, ctx, where, am_global, owner))
            routes.append(Route(tier, name, ctx.loc(where), where))
    return tuple(routes)


# ---------------------------------------------------------------- service


def build_service(
    doc: Document, platform: Platform, defaults: _Layer, receivers: list[Receiver], diagnostics: list[Diagnostic]
) -> Service | None:
    ctx = _Ctx(doc, diagnostics)
    data: dict[str, Any] = doc.data
    before = len(diagnostics)
    selector = matchers_from_labels({str(k): str(v) for k, v in data["selector"].items()})
    metrics = _metrics(data, defaults, selector, ctx)
    slos = _slos(data, defaults, metrics, ctx, selector)
    key_alerts = _key_alerts(data, defaults, metrics, ctx)
    routes = _service_routes(data, platform, receivers, ctx)
    if claim := claim_problem(doc.file, data["team"], platform.secrets):  # `team:` proven by where the spec lives
        ctx.error(("team",), claim)
    for where, message in link_problems(data.get("links") or {}, ("links",)):
        ctx.error(where, message)
    dashboards = _dashboards(data, defaults, platform, ctx)
    if len(diagnostics) > before:
        return None
    return Service(
        name=data["service"],
        team=data["team"],
        description=str(data.get("description", "")).strip(),
        selector=selector,
        links=tuple(sorted((data.get("links") or {}).items())),
        metrics=tuple(sorted(metrics.values(), key=lambda m: m.name)),
        slos=tuple(slos),
        key_alerts=tuple(key_alerts),
        routes=routes,
        dashboards=dashboards,
        labels=tuple(sorted((data.get("labels") or {}).items())),
        location=ctx.loc(("service",)),
    )


def _dashboards(data: Mapping[str, Any], defaults: _Layer, platform: Platform, ctx: _Ctx) -> tuple[str, ...]:
    if "dashboards" in data:
        names, where, base = data["dashboards"], ctx, ("dashboards",)  # type: Any, _Ctx, Path
    else:
        names, where, base = (
            defaults.data.get("dashboards", builtin_defaults()["dashboards"]),
            defaults.ctx,
            (
                *defaults.base,
                "dashboards",
            ),
        )
    known = ["service", *(name for name, _ in platform.standard_dashboards)]
    for i, name in enumerate(names):
        if name not in known:
            where.error(
                (*base, i),
                f"dashboard {name!r} is neither 'service' nor a platform standard dashboard"
                + _did_you_mean(name, known),
            )
    return tuple(names)


def _metrics(data: Mapping[str, Any], defaults: _Layer, selector: Any, ctx: _Ctx) -> dict[str, Metric]:
    merged: dict[str, tuple[Any, _Ctx, Path]] = {}
    for name, value in (defaults.data.get("metrics") or {}).items():
        merged[name] = (value, defaults.ctx, (*defaults.base, "metrics", name))
    for name, value in (data.get("metrics") or {}).items():
        merged[name] = (value, ctx, ("metrics", name))
    out: dict[str, Metric] = {}
    for name, (value, where, path) in sorted(merged.items()):
        body = {"expr": value} if isinstance(value, str) and name in _EXPR_METRICS else value
        body = {"selector": body} if isinstance(body, str) else body
        mtype = MetricType(body.get("type", _DEFAULT_TYPES.get(name, "counter" if "selector" in body else "gauge")))
        metric_selector: Selector | None = None
        expr: str | None = None
        if "selector" in body:
            try:
                metric_selector = parse_selector(body["selector"]).with_matchers(selector)
            except ValueError as exc:
                where.error(path, str(exc))
                continue
        else:
            expr = expand(body["expr"], selector)
        if name == "latency" and mtype != MetricType.HISTOGRAM:
            where.error(path, "latency must be a histogram (its _bucket and _count series are read)")
        out[name] = Metric(
            name=name,
            type=mtype,
            selector=metric_selector,
            expr=expr,
            unit=str(body.get("unit", "")),
            title=str(body.get("title", "")),
            location=where.loc(path),
        )
    return out


def _slos(
    data: Mapping[str, Any], defaults: _Layer, metrics: dict[str, Metric], ctx: _Ctx, selector: tuple[Matcher, ...]
) -> list[Slo]:
    period_text = str(defaults.data.get("period", builtin_defaults()["period"]))
    budget_default = (defaults.data.get("slo_alerts") or {}).get(
        "budget_left", builtin_defaults()["slo_alerts"]["budget_left"]
    )
    out: list[Slo] = []
    first_seen: dict[str, int] = {}
    for i, raw in enumerate(data.get("slos") or []):
        path: Path = ("slos", i)
        name = raw["name"]
        if name in first_seen:
            line = ctx.loc(("slos", first_seen[name], "name")).line
            ctx.error((*path, "name"), f"duplicate SLO name {name!r} (first defined on line {line})")
            continue
        first_seen[name] = i
        objective = Decimal(repr(raw["objective"]))
        if objective >= 100:
            ctx.error(
                (*path, "objective"),
                "an objective of 100% leaves no error budget: every failure would breach it; use e.g. 99.99",
            )
            continue
        sli = _sli(raw["sli"], metrics, ctx, (*path, "sli"), selector)
        alerts = raw.get("alerts") or {}
        try:
            min_traffic = parse_rate(raw.get("min_traffic", 0))
        except ValueError as exc:
            ctx.error((*path, "min_traffic"), str(exc))
            continue
        budget_left = parse_percent(str(alerts.get("budget_left", budget_default)))
        if not 0 < budget_left < 1:
            ctx.error(
                (*path, "alerts", "budget_left"),
                "budget_left must be between 0% and 100% (exclusive): at 0% the low-budget alert could never fire",
            )
            continue
        if sli is None:
            continue
        out.append(
            Slo(
                name=name,
                objective=objective,
                period_seconds=parse_duration(str(raw.get("period", period_text))),
                sli=sli,
                alerting=SloAlerting(
                    critical=bool(alerts.get("critical", True)),
                    warning=bool(alerts.get("warning", True)),
                    info=bool(alerts.get("info", True)),
                    budget_left=budget_left,
                ),
                description=str(raw.get("description", "")).strip(),
                min_traffic=min_traffic,
                location=ctx.loc(path),
            )
        )
    return out


_SLI_FORMS = "one of {errors, total}, {good, total}, {latency, threshold} or {raw: {errors, total}}"


def _sli(
    raw: Mapping[str, Any], metrics: dict[str, Metric], ctx: _Ctx, path: Path, selector: tuple[Matcher, ...]
) -> Sli | None:
    keys = frozenset(raw)
    if keys == {"raw"}:
        bodies = raw["raw"]
        for key in ("errors", "total"):
            if "$window" not in bodies[key]:
                ctx.error(
                    (*path, "raw", key),
                    "raw SLI queries must contain $window (obsc evaluates them over each alert window)",
                )
                return None
        # $selector is filled now; $window stays for each target to fill per window.
        return Sli(
            SliKind.RAW,
            raw_errors=expand(bodies["errors"].strip(), selector),
            raw_total=expand(bodies["total"].strip(), selector),
        )
    if keys in ({"errors", "total"}, {"good", "total"}):
        refs = {k: _metric_ref(raw[k], metrics, ctx, (*path, k), MetricType.COUNTER) for k in sorted(keys)}
        if any(v is None for v in refs.values()):
            return None
        return Sli(SliKind.RATIO, total=refs["total"], errors=refs.get("errors"), good=refs.get("good"))
    if keys == {"latency", "threshold"}:
        histogram = _metric_ref(raw["latency"], metrics, ctx, (*path, "latency"), MetricType.HISTOGRAM)
        threshold = parse_duration_seconds(raw["threshold"])
        if threshold <= 0:
            ctx.error((*path, "threshold"), "latency threshold must be greater than 0")
            return None
        return None if histogram is None else Sli(SliKind.LATENCY, latency=histogram, threshold_seconds=threshold)
    ctx.error(path, f"SLI has keys {', '.join(sorted(keys))}; expected {_SLI_FORMS}")
    return None


def _metric_ref(name: str, metrics: dict[str, Metric], ctx: _Ctx, path: Path, expected: MetricType) -> Metric | None:
    metric = metrics.get(name)
    if metric is None:
        ctx.error(path, f"metric {name!r} is not defined under metrics:" + _did_you_mean(name, list(metrics)))
        return None
    if metric.type != expected or metric.selector is None:
        ctx.error(path, f"metric {name!r} must be a {expected.value} series selector (it is a {metric.type.value})")
        return None
    return metric


def _key_alerts(data: Mapping[str, Any], defaults: _Layer, metrics: dict[str, Metric], ctx: _Ctx) -> list[KeyAlert]:
    layers: list[tuple[Mapping[str, Any], _Ctx, Path]] = [
        (builtin_defaults()["alerts"], _Ctx(None), ("alerts",)),
        (defaults.data.get("alerts") or {}, defaults.ctx, (*defaults.base, "alerts")),
        (data.get("alerts") or {}, ctx, ("alerts",)),
    ]
    out: list[KeyAlert] = []
    for kind, info in KINDS.items():
        tiers: dict[Tier, tuple[Any, _Ctx, Path]] = {}
        for layer, where, base in layers:
            if kind.value not in layer:
                continue
            value = layer[kind.value]
            if value is False:
                tiers = {}
                continue
            if value is True:
                continue  # "on": keep inherited tiers
            for tier in Tier:
                if tier.value in value:
                    tiers[tier] = (value[tier.value], where, (*base, kind.value, tier.value))
        if tiers and not all(m in metrics for m in info.requires):
            continue  # explained by explain_skipped(); the service simply lacks the metric
        for tier, (value, where, path) in sorted(tiers.items(), key=lambda t: t[0].rank):
            alert = _key_alert(kind, tier, value, info.threshold, info.default_for[tier], where, path)
            if alert is not None:
                out.append(alert)
    return out


def _key_alert(
    kind: AlertKind, tier: Tier, value: Any, ttype: ThresholdType, default_for: int, ctx: _Ctx, path: Path
) -> KeyAlert | None:
    for_seconds = default_for
    if isinstance(value, dict):
        if "for" in value:
            for_seconds = parse_duration(value["for"])
        value = value.get("threshold", True)
    if value is False:
        return None
    try:
        threshold = _threshold(value, ttype)
    except ValueError as exc:
        ctx.error(path, f"{kind.value}: {exc}")
        return None
    return KeyAlert(kind, tier, threshold, for_seconds, ctx.loc(path))


def _threshold(value: Any, ttype: ThresholdType) -> Decimal | None:
    if ttype == ThresholdType.FLAG:
        if value is not True:
            raise ValueError(f"expected true or false, got {value!r}")
        return None
    if value is True:
        raise ValueError(f"needs a threshold ({'e.g. 5%' if ttype == ThresholdType.RATIO else 'e.g. 5s'})")
    if ttype == ThresholdType.RATIO:
        if not isinstance(value, str):
            raise ValueError(f"write the threshold as a percentage, e.g. '{value}%'")
        ratio = parse_percent(value)
        if ratio <= 0:
            raise ValueError("threshold must be greater than 0%")
        return ratio
    if ttype == ThresholdType.DURATION:
        seconds = parse_duration_seconds(str(value))
        if seconds <= 0:
            raise ValueError("threshold must be longer than 0s")
        return seconds
    return Decimal(repr(value))


def explain_skipped(service: Service, data: Mapping[str, Any]) -> list[str]:
    """Human notes for `-v`: alerts that a service does not get, and why."""
    notes = []
    present = {m.name for m in service.metrics}
    enabled = {a.kind for a in service.key_alerts}
    for kind, info in KINDS.items():
        missing = [m for m in info.requires if m not in present]
        if kind not in enabled and missing:
            notes.append(f"{kind.value} alert skipped: metrics.{', metrics.'.join(missing)} not defined")
        needed = NEEDS_SELECTOR.get(kind)
        metric = service.metric(needed) if needed else None
        if kind in enabled and metric is not None and metric.selector is None:
            notes.append(f"{kind.value} alert skipped: metrics.{needed} is an expression; it needs a series selector")
    for route in service.routes:
        if route.path == _DEFAULT_RECEIVER_PATH:  # legal, but a page landing in a catch-all deserves a word
            notes.append(
                f"{route.tier.value} alerts go to the catch-all default receiver {route.receiver!r}: no "
                f"routing.{route.tier.value} in this spec, in teams.{service.team} or in platform defaults.routing"
            )
    return notes


_DEFAULT_RECEIVER_PATH: Path = ("alertmanager", "default_receiver")


def _service_routes(
    data: Mapping[str, Any], platform: Platform, receivers: list[Receiver], ctx: _Ctx
) -> tuple[Route, ...]:
    am_global = dict(platform.alertmanager.global_settings)
    owner = Owner(data["team"], platform.secrets)  # a spec's receivers use its own team's secrets only
    own = _routes(data.get("routing") or {}, data["service"], ctx, ("routing",), receivers, am_global, owner)
    team = platform.team(data["team"]) or Team(data["team"])
    chain = [own, team.routes, (platform.team("") or Team("")).routes]
    resolved: list[Route] = []
    for tier in Tier:
        route = next((r for routes in chain for r in routes if r.tier == tier), None)
        if route is None and platform.alertmanager.default_receiver:
            route = Route(tier, platform.alertmanager.default_receiver, platform.location, _DEFAULT_RECEIVER_PATH)
        if route is None:
            # Name both places: this spec and the team definition (or where it is missing).
            platform_file = platform.location.file if platform.location.line else "the platform file"
            where_team = (
                f"team {team.name!r} ({team.location}) has no routing.{tier.value}"
                if platform.team(team.name)
                else f"team {team.name!r} is not defined under teams: in {platform_file}"
            )
            ctx.error(
                ("routing",),
                f"no receiver for {tier.value} alerts: {where_team}; set routing.{tier.value} here, under "
                f"teams.{team.name} in the platform file, or platform defaults.routing / alertmanager.default_receiver",
            )
            continue
        resolved.append(route)
    return tuple(resolved)


def _did_you_mean(name: str, options: list[str]) -> str:
    close = difflib.get_close_matches(name, options, n=1, cutoff=0.6)
    if close:
        return f" (did you mean {close[0]!r}?)"
    return f" (defined: {', '.join(sorted(options))})" if options else " (none are defined)"
