"""OpenSLO v1 → obsc services: `SLO` objects grouped by `spec.service`, with their `SLI` (inline or by
`indicatorRef`) and `AlertPolicy` objects resolved across all the files of one import.

obsc counts occurrences (good and total events) over a rolling period. Ratio metrics over Prometheus
queries carry over; time slices, calendar windows, threshold metrics and alert conditions are reported.
Each objective of an SLO becomes one obsc SLO.
"""

from __future__ import annotations

import re
from typing import Any

from compiler.importers import histogram_sli, openslo_objective, promql_text
from compiler.importers.common import (
    ERROR_RATIO_NOTE,
    event_groups,
    note_alert_differences,
    note_ratio_groups,
    obsc_name,
    pick_team,
    split_ratio_note,
)
from compiler.importers.openslo_policies import alert_policies
from compiler.importers.render import GuessedSelector, ServiceOut, SloOut
from compiler.importers.source import Source, shown
from compiler.importers.window_mean import note_window_means
from compiler.importers.zero_fallback import fallback_note, without_zero_fallback
from compiler.model.promql import Selector, parse_selector
from compiler.spec.document import Path

API = "openslo/v1"
_LINKED_KINDS = ("SLI", "AlertPolicy", "AlertCondition", "Service")
# How an SLO reaches each linked kind: one nothing refers to is said so, not "obsc has no equivalent".
_REFERENCED_BY = {
    "SLI": "an SLO's indicatorRef",
    "AlertPolicy": "an SLO's alertPolicyRef",
    "AlertCondition": "an alert policy's conditionRef",
    "Service": "an SLO's spec.service",
}


def is_openslo(data: Any) -> bool:
    return isinstance(data, dict) and str(data.get("apiVersion", "")).startswith("openslo/")


def import_docs(sources: list[Source], team: str | None) -> list[ServiceOut]:
    objects: dict[tuple[str, str], Source] = {}
    slos: list[Source] = []
    for src in sources:
        data = src.doc.data
        if not isinstance(data, dict) or src.take(("apiVersion",)) != API:
            found = data.get("apiVersion") if isinstance(data, dict) else None
            why = f"unsupported OpenSLO version {shown(found)}: expected {API} (or v1alpha, the one Sloth reads)"
            if found is None or found == "":  # it said "unsupported OpenSLO version null"
                why = f"no apiVersion: an OpenSLO object starts with apiVersion: {API} (and its kind)"
            src.error(("apiVersion",), why)
            src.take(())  # one error for the document, not one per field
            continue
        kind = str(src.take(("kind",)) or "")
        src.enter(("metadata",))
        key = (kind, str(src.take(("metadata", "name")) or ""))
        # A reference to a name defined twice resolved to whichever file came last. SLOs are never referenced
        # (their names need only be unique within a service, checked where they meet).
        if key in objects and kind != "SLO":
            first = objects[key].at(("metadata", "name"))
            src.error(
                ("metadata", "name"),
                f"another {kind} named {key[1]!r} is defined at {first}: OpenSLO names are unique per kind "
                "(references resolve by name); rename one",
            )
            src.take(())  # one error for the document, not one per field
            continue
        objects.setdefault(key, src)
        if kind == "SLO":
            slos.append(src)
        elif kind not in _LINKED_KINDS:
            src.drop(("spec",), f"OpenSLO {kind} objects have no obsc equivalent (routing lives in platform.yaml)")
    services: dict[str, ServiceOut] = {}
    for src in slos:
        _slo(src, objects, team, services)
    for (kind, name), src in objects.items():
        if kind in _REFERENCED_BY and ("spec",) not in src.entered:  # read where an imported SLO refers to it
            src.drop(("spec",), f"no imported SLO refers to this {kind} ({_REFERENCED_BY[kind]}: {name})")
    return list(services.values())


def _slo(src: Source, objects: dict[tuple[str, str], Source], team: str | None, out: dict[str, ServiceOut]) -> None:
    spec: Path = ("spec",)
    src.enter(spec)
    src.take(("metadata", "displayName"))
    base_name = obsc_name(src, ("metadata", "name"), src.get(("metadata", "name")), "SLO name")
    service = obsc_name(src, (*spec, "service"), src.take((*spec, "service")), "service")
    description = src.take_text((*spec, "description")) or src.take_text(("metadata", "displayName"))
    period = openslo_objective.period(src, (*spec, "timeWindow"))
    occurrences = _occurrences(src, spec)
    composite = openslo_objective.composite(src, spec)
    sli = _indicator(src, objects, required=not composite)
    alerting = alert_policies(src, objects, period)
    objectives = src.enter_list((*spec, "objectives"))
    if not objectives:
        src.error((*spec, "objectives"), "an SLO needs at least one objective")
    if service is None or base_name is None or period is None or sli is None or not occurrences or composite:
        src.take((*spec, "objectives"))  # the reason the SLO is skipped was reported where it lies
        openslo_objective.report_metadata(src, skipped=True)
        return
    chosen = _team(src, team)
    openslo_objective.report_metadata(src, skipped=False)
    key = f"{service}\n{chosen}"  # one service of two teams is two specs (merge_services names them apart)
    if key not in out:
        out[key] = ServiceOut(
            name=service,
            team=chosen,
            selector={},
            origin=src.at(spec),
            fields=src.origins(service=(*spec, "service")),
            owner=chosen,
        )
        described = objects.get(("Service", str(src.get((*spec, "service")))))
        if described is not None:  # an OpenSLO Service object: its description is the spec's
            described.enter(("spec",))
            out[key].description = str(described.get(("spec", "description")) or "").strip()  # (for each team)
            described.take(("spec", "description"))
    target = out[key]
    queries, body, by = sli
    if not target.selector:
        target.selector = promql_text.common_matchers(queries) or GuessedSelector(job=service)
        if isinstance(target.selector, GuessedSelector):
            guess = "with `targets: false` (nothing reads `up` with a guess): edit both"
            src.note((*spec, "service"), f"selector set to {{job: {service}}} {guess}")
    body = _as_metrics(body, target, base_name)
    linked = objects.get(("SLI", str(src.get((*spec, "indicatorRef")))))
    inline = src.get((*spec, "indicator")) is not None
    sli_origin = src.origins(sli=(*spec, "indicator")) if inline or linked is None else linked.origins(sli=("spec",))
    guard, holds = "error_ratio" not in body.get("raw", {}), alerting["critical"] or alerting["warning"]
    note_alert_differences(src, (*spec, "objectives"), "OpenSLO", guard=guard, holds=holds)
    if src.doc.file not in target.sources:
        target.sources.append(src.doc.file)
    for i, _ in enumerate(objectives):
        path: Path = (*spec, "objectives", i)
        name = base_name if len(objectives) == 1 else _objective_name(src, path, base_name, i)
        objective = openslo_objective.target(src, path)
        for key, why in (
            ("timeSliceTarget", "the SLO budgets occurrences; time slices apply to Timeslices budgeting only"),
            ("timeSliceWindow", "the SLO budgets occurrences; time slices apply to Timeslices budgeting only"),
            ("op", "threshold comparisons apply to threshold metrics, which obsc does not import"),
            ("value", "threshold comparisons apply to threshold metrics, which obsc does not import"),
            ("compositeWeight", "weights apply to composite SLOs, whose objectives name their own SLIs"),
        ):
            src.drop((*path, key), why)
        clash = next((slo for slo in target.slos if slo.name == name), None)
        if clash is not None:
            src.error(path, f"service {service!r} already has an SLO {name!r} ({clash.origin})")
        elif name is not None and objective is not None:
            slo = SloOut(name, objective, period, body, dict(alerting), description, src.at(path), by=by)
            slo.fields = src.origins(
                name=("metadata", "name"),
                objective=(*path, "target" if src.get((*path, "targetPercent")) is None else "targetPercent"),
                period=(*spec, "timeWindow"),
                alerts=(*spec, "alertPolicies"),
            )
            slo.fields.update(sli_origin)
            if "sli" in sli_origin:
                slo.fields["by"] = sli_origin["sli"]
            target.slos.append(slo)


def _team(src: Source, team: str | None) -> str:
    """The owning team: --team, else the SLO's `team` label (OpenSLO labels may hold lists: one value), as
    Sloth's `labels.team` and Pyrra's `pyrra.dev/team` are read; it was dropped and the team left `imported`."""
    label: Path = ("metadata", "labels", "team")
    owner = src.get(label)
    if isinstance(owner, list) and len(owner) == 1:
        owner = owner[0]
    if isinstance(owner, list) and not team:
        names = ", ".join(map(str, owner))
        src.note(label, f"the team label names several teams ({names}); a spec has one owner: pass --team")
    if owner in (None, "") or isinstance(owner, list):
        return pick_team(src, ("spec", "service"), team, None, "")
    src.take(label)
    return pick_team(src, label, team, owner, "metadata.labels.team")


_TIME_SLICES = (
    "their target counts good time slices (each timeSliceWindow at or above timeSliceTarget), not events, and "
    "obsc's own time slices (good_when) judge a gauge condition per rule evaluation; read as events, a steady 1% "
    "error rate paged for good where every 1m slice met a 95% slice target"
)


def _occurrences(src: Source, spec: Path) -> bool:
    """Whether the SLO budgets occurrences, the one method obsc has; a located error otherwise."""
    method = src.take((*spec, "budgetingMethod"))
    if method == "Occurrences":
        return True
    if method in ("Timeslices", "RatioTimeslices"):
        src.error(
            (*spec, "budgetingMethod"),
            f"{method} SLOs are not imported: {_TIME_SLICES}; leave this SLO out of the import, or rewrite it: "
            "budgetingMethod: Occurrences over good/total counters (its target then counts events, another SLO), "
            'or in obsc a time-slice SLI, sli: {good_when: "<gauge> <op> <number>"} (docs/slo-kinds.md)',
        )
        return False
    if method is not None:
        src.error(
            (*spec, "budgetingMethod"),
            f"budgetingMethod {method!r} is not one of Occurrences, Timeslices, "
            "RatioTimeslices (OpenSLO spells them so)",
        )
        return False
    objectives = src.get((*spec, "objectives"))
    sliced = [
        i
        for i, o in enumerate(objectives if isinstance(objectives, list) else [])
        if isinstance(o, dict) and ("timeSliceTarget" in o or "timeSliceWindow" in o)
    ]
    if sliced:
        src.error(
            (*spec, "objectives", sliced[0]),
            "no budgetingMethod (OpenSLO requires it) beside a time-slice "
            "objective: obsc imports Occurrences SLOs only; write budgetingMethod: Occurrences if you mean it",
        )
        return False
    src.note(spec, "no budgetingMethod (OpenSLO requires one): read as Occurrences (good or bad events / all events)")
    return True


def _as_metrics(body: dict[str, Any], service: ServiceOut, base: str | None) -> dict[str, Any]:
    """`{good, total}` over two selectors carrying the service selector becomes obsc's `{good, total}` SLI over
    named metrics (obsc adds the selector back): the queries obsc writes for it are the source's. Other queries
    stay raw, with a note saying why and what the raw SLI goes without."""
    pair = body.pop("selectors", None)
    if pair is None or base is None:
        return body
    (good, total), src, ratio = pair
    parts = (("good", good), ("total", total))
    unread = [key for key, selector in parts if selector is None]
    shared = set(service.selector.items())
    equal = {key: {(m.label, m.value) for m in sel.matchers if m.op == "="} for key, sel in parts if sel is not None}
    lacking = [key for key, pairs in equal.items() if not shared <= pairs]
    if unread or lacking:
        why = (
            f"the {' and '.join(unread)} {'query is' if len(unread) == 1 else 'queries are'} neither a selector "
            "nor sum(rate(<selector>[<range>]))"
            if unread
            else f"the {' and '.join(lacking)} {'selector lacks' if len(lacking) == 1 else 'selectors lack'} the "
            f"service selector {{{promql_text.matchers_text(service.selector)}}} (taken from the service's first SLO)"
        )
        src.note((*ratio, (unread or lacking)[0]), _STAYS_RAW.format(why=why))
        return body
    assert good is not None and total is not None
    if (latency := histogram_sli.as_latency(good, total, service, base)) is not None:
        src.note((*ratio, "good"), histogram_sli.IMPORTED)
        return latency
    names = (f"{base.replace('-', '_')}_good"[:63], f"{base.replace('-', '_')}_total"[:63])
    for name, selector in zip(names, (good, total), strict=True):
        rendered = promql_text.render_selector(promql_text.without(selector, service.selector))
        # read with rate() in the source: counters. obsc asks a `_count` or `_sum` to say so (also a gauge's name)
        counted = selector.metric.endswith("_total")
        service.metrics[name] = rendered if counted else {"selector": rendered, "type": "counter"}
    return {"good": names[0], "total": names[1]}


_STAYS_RAW = (
    "good/total imported as raw errors (total - good) and total: {why}. As obsc's {{good, total}} SLI (a selector or "
    "sum(rate(<selector>[<range>])) each, both with the service selector) it would also get SLODataMissing's "
    "check for total series without a label the good selector tests, and dashboard panels of both metrics"
)


def _objective_name(src: Source, path: Path, base: str, index: int) -> str | None:
    display = src.take((*path, "displayName"))
    suffix = re.sub(r"[^a-z0-9]+", "-", str(display or "").lower()).strip("-") or str(index + 1)
    return obsc_name(src, (*path, "displayName"), f"{base}-{suffix}"[:63], "objective name")


def _indicator(
    src: Source, objects: dict[tuple[str, str], Source], required: bool = True
) -> tuple[list[str], dict[str, Any], tuple[str, ...]] | None:
    if src.get(("spec", "indicator")) is not None:
        src.enter(("spec", "indicator"))
        src.take(("spec", "indicator", "metadata"))
        return _sli(src, ("spec", "indicator", "spec"))
    ref = src.take(("spec", "indicatorRef"))
    if ref is None:  # (a composite SLO's objectives name theirs: that error is said at them)
        if required:
            src.error(("spec",), "an SLO needs an indicator or an indicatorRef (the name of an SLI)")
        return None
    linked = objects.get(("SLI", str(ref)))
    if linked is None:
        src.error(("spec", "indicatorRef"), f"no SLI named {ref!r} in the imported files")
        return None
    return _sli(linked, ("spec",))


def _sli(src: Source, path: Path) -> tuple[list[str], dict[str, Any], tuple[str, ...]] | None:
    """(queries, the SLI, its group labels); `{good, total}` over selectors keeps them in `selectors` (_as_metrics)."""
    src.enter(path)
    src.take((*path, "description"))
    if src.get((*path, "thresholdMetric")) is not None:
        src.drop(
            (*path, "thresholdMetric"),
            "obsc has no threshold-metric SLI (use a latency histogram or good/total counters); "
            "the SLO is not imported",
        )
        return None
    ratio: Path = (*path, "ratioMetric")
    if src.enter(ratio) is None:
        src.error(path, "an SLI needs ratioMetric or thresholdMetric")
        return None
    counter = src.take((*ratio, "counter"))
    if counter is not None and not isinstance(counter, bool):
        src.error((*ratio, "counter"), f"counter must be true or false (unquoted), not {shown(counter)}")
        return None
    if src.get((*ratio, "raw")) is not None:  # `counter` has no effect on a raw query (the spec)
        return _raw(src, ratio)
    if counter is False:
        src.drop((*ratio, "counter"), "obsc SLIs count events with counters; gauge ratio metrics are not imported")
        for key in ("good", "bad", "total"):  # (said above; listed as "no equivalent" they read as more reasons)
            src.take((*ratio, key))
        return None
    if src.get((*ratio, "rawType")) is not None:
        src.error((*ratio, "rawType"), "rawType goes with raw only (good or bad already say which ratio it is)")
        return None
    if src.get((*ratio, "good")) is not None and src.get((*ratio, "bad")) is not None:
        src.take((*ratio, "good"))
        src.take((*ratio, "bad"))
        src.error(ratio, "a ratio metric takes good or bad beside total, not both: keep the one you mean")
        return None
    numerator = "bad" if src.get((*ratio, "bad")) is not None else "good"
    total = _query(src, (*ratio, "total"))
    counted = _query(src, (*ratio, numerator)) if src.get((*ratio, numerator)) is not None else None
    if total is None or counted is None:
        if total is not None and src.get((*ratio, numerator)) is None:  # (a query that failed said why)
            src.error(ratio, "a ratio metric needs good or bad beside total")
        return None
    if (bare := without_zero_fallback(counted)) is not None:
        src.note(_query_path(src, (*ratio, numerator)), fallback_note("errors" if numerator == "bad" else "good"))
        counted = bare
    by = event_groups(
        src, [(_query_path(src, (*ratio, numerator)), counted), (_query_path(src, (*ratio, "total")), total)]
    )
    if by is None:
        return None
    note_window_means(
        src,
        [(_query_path(src, (*ratio, numerator)), counted), (_query_path(src, (*ratio, "total")), total)],
        "OpenSLO evaluates the query over each window",
    )
    if numerator == "bad":
        return [total, counted], {"raw": {"errors": counted, "total": total}}, by
    # A good series absent (a new deploy failing every request) is no good events, never "no errors".
    body: dict[str, Any] = {"raw": {"errors": f"{total} - ({counted} or 0 * {total})", "total": total}}
    # `_as_metrics` decides once the service selector is known; grouped pairs too (`by` is the SLO's `by:`: kept
    # raw, a grouped bucket over its count read a build without that bucket as every request slow)
    body["selectors"] = ((_selector(src, (*ratio, "good")), _selector(src, (*ratio, "total"))), src, ratio)
    return [total, counted], body, by


def _raw(src: Source, ratio: Path) -> tuple[list[str], dict[str, Any], tuple[str, ...]] | None:
    """A precomputed ratio: `rawType` says of what (required with raw, `success` or `failure`, as spelled)."""
    query = _query(src, (*ratio, "raw"), as_rate=False)
    kind = src.take((*ratio, "rawType"))
    for other in ("good", "bad", "total"):
        if src.get((*ratio, other)) is not None:
            src.take((*ratio, other))
            src.error((*ratio, other), f"raw cannot be used together with {other} (OpenSLO): keep one form")
            return None
    if kind not in ("success", "failure"):
        where = (*ratio, "rawType") if kind is not None else (*ratio, "raw")
        found = f"rawType {kind!r} is" if kind is not None else "rawType is missing; it is"
        src.error(where, f"{found} required with raw and is success (good/total) or failure (bad/total), as spelled")
        return None
    if query is None:
        return None
    query_path = _query_path(src, (*ratio, "raw"))
    if (parts := promql_text.error_events(query, failures=kind == "failure")) is not None:
        # A ratio of two rates over the window is traffic-weighted over every window; as an error_ratio SLI
        # obsc's 1d and 3d windows averaged 5m ratios (a busy day failing 20% after quiet nights never ticketed).
        errors, total, of_successes, counted = parts
        by = event_groups(src, [(query_path, counted), (query_path, total)])  # the labels the query divides
        if by is None:
            return None
        src.note(
            query_path,
            split_ratio_note("the query itself does over each window", of_successes=of_successes, query=query),
        )
        return [errors, total], {"raw": {"errors": errors, "total": total}}, by
    src.note((*ratio, "raw"), ERROR_RATIO_NOTE)
    note_ratio_groups(src, query_path, query)
    return [query], {"raw": {"error_ratio": query if kind == "failure" else f"1 - ({query})"}}, ()


def _query_path(src: Source, path: Path) -> Path:
    source: Path = (*path, "metricSource", "spec")
    return (*source, "query" if src.get((*source, "query")) is not None else "promql")


def _selector(src: Source, path: Path) -> Selector | None:
    query = promql_text.with_window(str(src.get(_query_path(src, path)) or ""))
    return promql_text.counted_selector(without_zero_fallback(query) or query)


def _query(src: Source, path: Path, *, as_rate: bool = True) -> str | None:
    """A metric source's query as PromQL over `$window`."""
    src.enter(path)
    source: Path = (*path, "metricSource")
    src.enter(source)
    kind = str(src.take((*source, "type")) or "")
    src.drop((*source, "metricSourceRef"), "data sources are Prometheus here; the reference is not kept")
    if kind.lower() != "prometheus":
        src.note((*source, "type"), f"metric source type {kind or 'unset'!r} is read as a Prometheus query")
    src.enter((*source, "spec"))
    key = "query" if src.get((*source, "spec", "query")) is not None else "promql"
    query = str(src.take((*source, "spec", key)) or "").strip()
    if not query:
        src.error((*source, "spec"), "a Prometheus query (spec.query) is required")
        return None
    if promql_text.has_window(query):
        return promql_text.with_window(query)
    try:
        parse_selector(query)
        return f"sum(rate({query}[$window]))" if as_rate else query
    except ValueError:
        pass
    summed = promql_text.summed_counter(query) if as_rate else None
    if summed is not None:
        selector, by = summed
        kept = f" by ({', '.join(by)}) " if by else ""
        src.note(
            (*source, "spec", key),
            f"a counter's total is read as its increase over each window: sum{kept}(rate(<selector>[$window]))",
        )
        return f"sum{kept}(rate({selector}[$window]))"
    ranges = promql_text.fixed_ranges(query)
    if ranges:
        src.note((*source, "spec", key), f"fixed range {ranges[0]} replaced by each alert window ($window)")
        return re.sub(promql_text.RANGE_PATTERN, "[$window]", query)
    why = "cannot evaluate this query over a window: write a selector or use [{{.window}}]"
    if kind.lower() not in ("prometheus", ""):  # a Datadog query (the spec's own example) is no PromQL to fix
        foreign = f"metric source type {kind!r}: obsc imports Prometheus queries only, and this is not one it can read"
        why = f"{foreign}; {why}"
    src.error((*source, "spec", key), why)
    return None
