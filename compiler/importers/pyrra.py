"""Pyrra `ServiceLevelObjective` (pyrra.dev/v1alpha1, the Kubernetes resource and the same object in a plain
file) → one obsc service per objective.

Pyrra's metrics are series selectors: when they share a label matcher (usually `job`), it becomes the
service selector and the metrics are written without it (obsc adds it back to every metric); otherwise the
SLI is written as raw PromQL so no matcher is added that the source did not have.
"""

from __future__ import annotations

import re
from typing import Any

from compiler.importers import promql_text
from compiler.importers.burn_pairs import note_pairs, pyrra_pairs
from compiler.importers.common import (
    note_alert_differences,
    note_alert_labels,
    note_selector,
    objective_percent,
    obsc_name,
    pick_team,
)
from compiler.importers.histogram_sli import histogram_count
from compiler.importers.pyrra_meta import PREFIX, propagated
from compiler.importers.render import GuessedSelector, MetricOut, ServiceOut, SloOut
from compiler.importers.source import Source, shown
from compiler.model.promql import Selector, parse_selector
from compiler.model.units import HISTOGRAM_SECONDS, histogram_unit_in_name, parse_duration
from compiler.spec.document import Path

API = "pyrra.dev/v1alpha1"
KIND = "ServiceLevelObjective"
_BOOL_GAUGE = (
    "Pyrra's bool_gauge counts the scraped samples of every series that are 0; obsc's time slices (good_when) "
    "judge one aggregated gauge per rule evaluation, which differs with several series or another interval; "
    "the objective is not imported (write a good_when SLI by hand, docs/slo-kinds.md)"
)


def is_pyrra(data: Any) -> bool:
    return isinstance(data, dict) and str(data.get("apiVersion", "")).startswith("pyrra.dev/")


def import_doc(src: Source, team: str | None) -> ServiceOut | None:
    data = src.doc.data
    if not isinstance(data, dict) or data.get("apiVersion") != API or data.get("kind") != KIND:
        src.error(("kind",), f"not a Pyrra objective: expected apiVersion {API} and kind {KIND}")
        return None
    src.take(("apiVersion",))
    src.take(("kind",))
    src.enter(("metadata",))
    name = obsc_name(src, ("metadata", "name"), src.take(("metadata", "name")), "objective name")
    namespace = src.take(("metadata", "namespace"))
    labels, annotations = propagated(src, "labels"), propagated(src, "annotations")
    team_label: Path = ("metadata", "labels", f"{PREFIX}team")
    if src.get(team_label) not in (None, ""):  # on every Pyrra alert as `team`: the owning team, as Sloth's labels.team
        chosen = pick_team(src, team_label, team, src.take(team_label), f"metadata.labels.{PREFIX}team")
    else:
        chosen = pick_team(src, ("metadata", "namespace"), team, namespace, "metadata.namespace")
    spec: Path = ("spec",)
    src.enter(spec)
    objective = objective_percent(src, (*spec, "target"), src.take((*spec, "target")))
    period = str(src.take((*spec, "window")) or "")
    if not period:  # Pyrra's CRD requires it; read as '' it said "window '' is not a duration"
        src.error((*spec, "window"), "an objective needs a window (Pyrra requires it): a duration like 2w or 28d")
        return None
    try:
        period_seconds = parse_duration(period)
    except ValueError:
        src.error((*spec, "window"), f"window {period!r} is not a duration like 2w or 28d")
        return None
    description = src.take_text((*spec, "description"))
    alerting = _alerting(src, (*spec, "alerting"))
    built = _indicator(src, (*spec, "indicator"), name or "service")
    if name is None or objective is None or built is None or alerting is None:
        return None
    slo_name, selector, metrics, sli, by = built
    if alerting:
        note_alert_differences(src, (*spec, "indicator"), "Pyrra", guard=True, holds=False)
        note_pairs(src, (*spec, "window"), "Pyrra", period_seconds, pyrra_pairs(period_seconds), [objective])
        theirs = f"Pyrra's alerts are {src.get((*spec, 'alerting', 'name')) or 'ErrorBudgetBurn'}"
        note_alert_labels(src, ("metadata", "name"), f"{theirs} with slo={name} and severity", slo_name)
    alerts = {"critical": alerting, "warning": alerting, "info": False}  # Pyrra has no budget-left alerts
    slo = SloOut(slo_name, objective, period, sli, alerts, description, src.at(spec), labels, annotations, by=by)
    slo.fields = src.origins(
        name=("metadata", "name"),  # (the SLO is named after its indicator, within the service this names)
        objective=(*spec, "target"),
        period=(*spec, "window"),
        description=(*spec, "description"),
        sli=(*spec, "indicator"),
        alerts=(*spec, "alerting"),
        labels=("metadata", "labels"),
        annotations=("metadata", "annotations"),
        by=(*spec, "indicator"),
    )
    # A Kubernetes object is its namespace and name: a plain file without a namespace is in `default`.
    owner = re.sub(r"[^a-z0-9]+", "-", str(namespace or "default").lower()).strip("-") or "default"
    return ServiceOut(
        name=name,
        team=chosen,
        selector=selector,
        metrics=metrics,
        slos=[slo],
        origin=src.at(("metadata", "name")),
        owner=owner,
        owner_kind="namespace",
        fields=src.origins(service=("metadata", "name"), team=("metadata", "namespace"), metrics=("spec", "indicator")),
    )


def _alerting(src: Source, path: Path) -> bool | None:
    """Whether Pyrra's burn-rate alerts are on (its default), None after a located error; names and absent
    alerts are reported."""
    body = src.enter(path)
    if body is None:
        return True
    if not isinstance(body, dict):  # `alerting: false` left every alert on, unsaid (Pyrra's CRD refuses it)
        src.take(path)
        src.error(path, f"alerting is a mapping (disabled: true switches the alerts off), not {shown(body)}")
        return None
    src.drop((*path, "name"), "obsc names its burn-rate alerts itself; custom names are not supported yet")
    src.drop((*path, "absent"), "obsc does not emit absent() alerts; `obsc verify` checks that the metrics exist")
    switches = {key: src.take((*path, key)) for key in ("disabled", "burnrates")}
    # Pyrra's CRD types both as booleans: `disabled: "true"` (quoted) is refused there, and read here as
    # "not true" it left the alerts on that the author switched off.
    wrong = [key for key, value in switches.items() if value is not None and not isinstance(value, bool)]
    for key in wrong:
        src.error((*path, key), f"{key} must be true or false (unquoted), not {shown(switches[key])}")
    if wrong:
        return None
    return switches["burnrates"] is not False and switches["disabled"] is not True


def _indicator(
    src: Source, path: Path, service: str
) -> tuple[str, dict[str, str], dict[str, MetricOut], dict[str, Any], tuple[str, ...]] | None:
    body = src.enter(path)
    if not isinstance(body, dict) or not body:
        src.error(path, "an objective needs an indicator (ratio or latency)")
        return None
    if "ratio" in body:
        kind, bad_key, total_key = "ratio", "errors", "total"
    elif "latency" in body:
        kind, bad_key, total_key = "latency", "success", "total"
    else:
        for key in body:
            why = _BOOL_GAUGE if key == "bool_gauge" else f"Pyrra's {key} indicator has no obsc SLI kind"
            src.drop((*path, key), why if key == "bool_gauge" else f"{why}; the objective is not imported")
        return None
    base: Path = (*path, kind)
    src.enter(base)
    grouping = src.take((*base, "grouping"))
    if grouping is not None and not (isinstance(grouping, list) and all(isinstance(g, str) for g in grouping)):
        src.error((*base, "grouping"), "grouping is a list of label names")
        return None
    by = tuple(grouping or ())
    first = _selector(src, (*base, bad_key, "metric"))
    total = _selector(src, (*base, total_key, "metric"))
    src.enter((*base, bad_key))
    src.enter((*base, total_key))
    if first is None or total is None:
        return None
    built = (
        _ratio(src, base, service, first, total, by)
        if kind == "ratio"
        else _latency(src, base, service, first, total, by)
    )
    return None if built is None else (*built, by)


def _selector(src: Source, path: Path) -> Selector | None:
    text = src.take(path)
    if text is None or text == "":  # read as '', it said "'' is not a series selector"
        src.error(path, f'the {path[-2]} metric is missing: a series selector like http_requests_total{{job="api"}}')
        return None
    try:
        return parse_selector(str(text))
    except ValueError as exc:
        src.error(path, f"{exc}")
        return None


def _guess(src: Source, path: Path, service: str, how: str = "the SLI is written as raw PromQL") -> dict[str, str]:
    src.note(
        path,
        f"the metrics share no label matcher; {how} and the selector set to "
        f"{{job: {service}}} with `targets: false` (nothing reads `up` with a guess): edit both to match the "
        "service's targets",
    )
    return GuessedSelector(job=service)


def _counter(selector: Selector) -> MetricOut:
    """Pyrra reads a ratio's metrics with increase(): counters, whatever their names say. obsc takes requests
    and errors named unlike a counter (no `_total`) for a recorded rate, so such a one says its type."""
    rendered = promql_text.render_selector(selector)
    if selector.metric.endswith(("_total", "_count", "_sum")):
        return rendered
    return {"selector": rendered, "type": "counter"}


def _ratio(
    src: Source, base: Path, service: str, errors: Selector, total: Selector, by: tuple[str, ...]
) -> tuple[str, dict[str, str], dict[str, MetricOut], dict[str, Any]]:
    shared = promql_text.common_matchers([errors.render(), total.render()])
    if shared:
        note_selector(src, base, shared)
        metrics: dict[str, MetricOut] = {
            "requests": _counter(promql_text.without(total, shared)),
            "errors": _counter(promql_text.without(errors, shared)),
        }
        return "availability", shared, metrics, {"errors": "errors", "total": "requests"}
    raw = {"errors": _sum(errors, by), "total": _sum(total, by)}
    return "availability", _guess(src, base, service), {}, {"raw": raw}


def _latency(
    src: Source, base: Path, service: str, success: Selector, total: Selector, by: tuple[str, ...]
) -> tuple[str, dict[str, str], dict[str, MetricOut], dict[str, Any]] | None:
    buckets, bound = promql_text.split_le(success)
    if bound is None or not success.metric.endswith("_bucket"):
        src.error((*base, "success", "metric"), 'expected a histogram bucket selector with le="<seconds>"')
        return None
    histogram = success.metric.removesuffix("_bucket")
    unit = histogram_unit_in_name(histogram)  # le="250" of a `_milliseconds` histogram is 250 ms, not 250 s
    threshold = promql_text.scaled_duration(bound, HISTOGRAM_SECONDS[unit or "s"])
    counted = histogram_count(total, histogram)
    same = counted is not None and sorted(counted.matchers) == sorted(buckets.matchers)
    shared = promql_text.common_matchers([buckets.render(), total.render()])
    if same and threshold is not None:
        latency = Selector(histogram, buckets.matchers)
        metric: dict[str, str | bool] = {"unit": unit} if unit else {}
        if shared:
            note_selector(src, base, shared)
            latency = promql_text.without(latency, shared)
        else:
            # No shared matcher to make the selector: the histogram is read as Pyrra wrote it. Still obsc's
            # latency SLI, not raw `count - bucket`, which read a series without the threshold bucket (a build
            # with other buckets) as every request slow and paged a healthy service until the build was gone.
            shared = _guess(src, base, service, "the histogram is read as written (service_selector: false)")
            metric["service_selector"] = False
        rendered = promql_text.render_selector(latency)
        metrics: dict[str, MetricOut] = {"latency": {"selector": rendered, **metric} if metric else rendered}
        return "latency", shared, metrics, {"latency": "latency", "threshold": threshold}
    good, everything = _sum(success, by), _sum(total, by)
    raw = {"errors": f"{everything} - ({good} or 0 * {everything})", "total": everything}
    if shared:  # the raw queries keep their matchers; the one they share still names the service's targets
        note_selector(src, base, shared)
        return "latency", shared, {}, {"raw": raw}
    return "latency", _guess(src, base, service), {}, {"raw": raw}


def _sum(selector: Selector, by: tuple[str, ...]) -> str:
    """A raw SLI rate, kept per Pyrra's grouping labels (obsc sums the query `by` them again)."""
    kept = f" by ({', '.join(by)})" if by else ""
    return f"sum{kept}(rate({selector.render()}[$window]))"
