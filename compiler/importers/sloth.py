"""Sloth specs → obsc services: `version: prometheus/v1` files and the Kubernetes
`PrometheusServiceLevel` resource (`sloth.slok.dev/v1`, camelCase keys).

Sloth SLIs are free PromQL over `{{.window}}`; they become obsc raw SLIs over `$window`, unchanged. An
`error_ratio_query` (a ratio, not two rates) becomes obsc's one-expression SLI `raw: {error_ratio}`, which
has no min_bad_events guard (a guard multiplying a ratio by the window's seconds is no event count: at
99.999% it held pages back until an 83x burn); one written `sum(rate(bad)) / sum(rate(all))` is two event rates
and becomes `{errors, total}`, traffic-weighted over every window as Sloth's own queries are. A histogram's count
less its bucket (`error_query`, or `1 - bucket / count` as `error_ratio_query`) becomes obsc's latency SLI
(histogram_sli.py): kept as written, a build without that bucket read as every request fast (events) or slow (ratio).
Sloth's page alert is obsc's critical tier, its ticket alert the warning tier; Sloth has no budget alerts,
so obsc's info tier is off.
"""

from __future__ import annotations

from typing import Any

from compiler.importers import histogram_sli, promql_text
from compiler.importers.burn_pairs import note_pairs, sloth_pairs
from compiler.importers.common import (
    ERROR_RATIO_NOTE,
    RESERVED_ANNOTATIONS,
    event_groups,
    note_alert_differences,
    note_alert_labels,
    note_ratio_groups,
    note_selector,
    objective_percent,
    obsc_name,
    pick_team,
    service_labels,
    split_ratio_note,
)
from compiler.importers.render import GuessedSelector, ServiceOut, SloOut
from compiler.importers.sloth_tiers import alert_labels, service_tier_labels, tier_labels_origin
from compiler.importers.sloth_windows import Windows
from compiler.importers.source import Source, shown
from compiler.importers.window_mean import note_window_means
from compiler.importers.zero_fallback import fallback_note, without_zero_fallback
from compiler.model.units import parse_duration
from compiler.spec.document import Path

K8S_API = "sloth.slok.dev/v1"
K8S_KIND = "PrometheusServiceLevel"
_CAMEL = {
    "error_query": "errorQuery",
    "total_query": "totalQuery",
    "error_ratio_query": "errorRatioQuery",
    "page_alert": "pageAlert",
    "ticket_alert": "ticketAlert",
}
# what reads an event query over the long windows in Sloth
_THEIRS = "Sloth's [1d] and [3d] rules evaluate the query over those windows"
# Sloth refuses the spec without it, so the setup being migrated never ran; obsc does not carry the name
_NAME_REQUIRED = (
    "Sloth needs alerting.name when page or ticket alerts are on (obsc names its alerts itself, but Sloth refuses "
    "this spec): write a name (name: MyServiceHighErrorRate), or switch both alerts off ({page}: {{disable: true}} "
    "and {ticket}: {{disable: true}})"
)
_NO_PER_TIER = "obsc has no {what} per SLO and tier (only per SLO, or per tier for the whole service)"
_SLOTH_LABELS = (
    "Sloth's alerts carry sloth_service, sloth_slo and sloth_id, and sloth_severity page or ticket (besides "
    "alerting.labels)"
)
# Sloth writes `title` on every alert unless alerting.annotations sets it; notification templates read it.
_NO_TITLE = (
    "Sloth's alerts carry the annotation title (\"(page) <service> <slo> SLO error budget burn rate is too "
    "fast.\", ticket likewise); obsc's burn alerts of {slos} have none (they carry summary, description, "
    "runbook_url and dashboard_url): Alertmanager templates reading .Annotations.title or "
    ".CommonAnnotations.title print nothing; read summary there, or give the SLO an annotation title"
)
_ALERT_NAME = (
    "obsc names its burn-rate alerts itself (SLOErrorBudgetBurnFast / Slow); custom names are not supported yet"
)


def is_sloth(data: Any) -> bool:
    return isinstance(data, dict) and (
        str(data.get("version", "")).startswith("prometheus/") or data.get("apiVersion") == K8S_API
    )


def import_doc(
    src: Source, team: str | None, period: str, windows: dict[int, Windows] | None = None
) -> ServiceOut | None:
    """One Sloth document as an obsc service; `windows`: Sloth's windows files by period (they replace its
    built-in catalog for that period)."""
    data = src.doc.data
    if not isinstance(data, dict):
        src.error((), "not a Sloth spec (expected a mapping)")
        return None
    if "apiVersion" in data:
        if src.take(("apiVersion",)) != K8S_API or src.take(("kind",)) != K8S_KIND:
            src.error(("kind",), f"not a Sloth resource: expected apiVersion {K8S_API} and kind {K8S_KIND}")
            return None
        src.drop(("metadata",), "Kubernetes object metadata (name, namespace) has no meaning in an obsc spec")
        root: Path = ("spec",)
        src.enter(root)
        keys = _CAMEL
    else:
        if src.take(("version",)) != "prometheus/v1":
            src.error(
                ("version",),
                f"unsupported Sloth spec version {shown(data.get('version'))}: expected prometheus/v1 (write "
                'version: "prometheus/v1"; the Kubernetes form is apiVersion: sloth.slok.dev/v1, kind: '
                "PrometheusServiceLevel)",
            )
            return None
        root, keys = (), {k: k for k in _CAMEL}
    if not src.get((*root, "service")):
        src.error(
            (*root, "service"),
            "a Sloth spec needs a service name: write the service its SLOs measure (service: checkout)",
        )
        return None
    name = obsc_name(src, (*root, "service"), src.take((*root, "service")), "service")
    written = src.get((*root, "labels"))
    # `team` is obsc's own alert label, so service_labels reports it; it still names the owner.
    source_team = written.get("team") if isinstance(written, dict) else None
    labels = service_labels(src, (*root, "labels"))
    owner = team or labels.get("owner") or source_team
    where = "labels.owner" if labels.get("owner") or not source_team else "labels.team"
    chosen = pick_team(src, (*root, "labels"), team, owner, where)
    slos: list[SloOut] = []
    queries: list[str] = []
    listed = src.enter_list((*root, "slos"))
    if not listed and isinstance(src.get((*root, "slos")), list | None):  # (not a list: said by enter_list)
        src.error((*root, "slos"), "a Sloth spec needs at least one SLO under slos")
        return None
    for i, _ in enumerate(listed):
        slo = _slo(src, (*root, "slos", i), keys, period, queries)
        if slo is not None:
            slos.append(slo)
    if slos:  # once per document: every Sloth SLO would repeat it
        alerting = [slo for slo in slos if slo.alerts["critical"] or slo.alerts["warning"]]
        guard = any("errors" in slo.sli.get("raw", {}) for slo in alerting)
        note_alert_differences(src, (*root, "slos"), "Sloth", guard=guard, holds=bool(alerting))
        if alerting and (seconds := _period_seconds(period)) is not None:
            objectives = [slo.objective for slo in alerting]
            if (tuned := (windows or {}).get(seconds)) is not None:
                note_pairs(src, (*root, "slos"), "Sloth", seconds, tuned.pairs, objectives, tuned.named())
            else:
                note_pairs(src, (*root, "slos"), "Sloth", seconds, sloth_pairs(seconds), objectives)
        if alerting:
            note_alert_labels(src, (*root, "slos"), _SLOTH_LABELS, "the SLO's name")
        untitled = [slo.name for slo in alerting if "title" not in slo.annotations]
        if untitled:
            src.note((*root, "slos"), _NO_TITLE.format(slos=", ".join(untitled)))
    tier_labels = service_tier_labels(src, slos)
    if name is None or not slos:  # every SLO dropped (a plugin SLI): no spec without SLOs, the drops say why
        return None
    selector = promql_text.common_matchers(queries)
    note_selector(src, (*root, "service"), selector)
    if not selector:
        selector = GuessedSelector(job=name)
        src.note(
            (*root, "service"),
            f"the queries share no label matcher; selector set to {{job: {name}}} with `targets: false` (nothing "
            "reads `up` with a guess): edit both to match the service's targets",
        )
    service = ServiceOut(
        name=name,
        team=chosen,
        selector=selector,
        labels=labels,
        tier_labels=tier_labels,
        slos=slos,
        origin=src.at((*root, "service")),
        owner=chosen,
        fields={
            **src.origins(service=(*root, "service"), team=(*root, "labels"), labels=(*root, "labels")),
            **tier_labels_origin(src, slos, tier_labels),
        },
    )
    histogram_sli.settle(src, service, slos)
    return service


def _period_seconds(period: str) -> int | None:
    """The --period in seconds (a bad one is refused when the spec is compiled)."""
    try:
        return parse_duration(period)
    except ValueError:
        return None


def _slo(src: Source, path: Path, keys: dict[str, str], period: str, queries: list[str]) -> SloOut | None:
    if src.get((*path, "name")) in (None, ""):  # `name: no` is a boolean: obsc_name says so
        src.error((*path, "name"), "an SLO needs a name")
        return None
    name = obsc_name(src, (*path, "name"), src.take((*path, "name")), "SLO name")
    objective = objective_percent(src, (*path, "objective"), src.take((*path, "objective")))
    description = src.take_text((*path, "description"))
    labels = alert_labels(src, (*path, "labels"))  # Sloth puts them on the SLO's rules, alerts included
    built = _sli(src, (*path, "sli"), keys, queries)
    tier_sets: dict[str, tuple[Path, dict[str, str]]] = {}
    alerts = _alerting(src, (*path, "alerting"), keys, tier_sets)
    labels.update(alert_labels(src, (*path, "alerting", "labels")))  # on both of its alerts
    annotations = _annotations(src, (*path, "alerting", "annotations"))
    if name is None or objective is None or built is None or alerts is None:
        return None
    sli, by = built
    out = SloOut(name, objective, period, sli, alerts, description, src.at(path), labels, annotations, by=by)
    out.tier_sets = tier_sets
    out.fields = src.origins(
        name=(*path, "name"),
        objective=(*path, "objective"),
        description=(*path, "description"),
        sli=(*path, "sli"),
        alerts=(*path, "alerting"),
        labels=(*path, "labels") if src.get((*path, "labels")) is not None else (*path, "alerting", "labels"),
        annotations=(*path, "alerting", "annotations"),
        by=(*path, "sli"),
    )
    return out


def _annotations(src: Source, path: Path) -> dict[str, str]:
    """Annotations for every alert of the SLO; obsc writes summary, description and the links itself."""
    raw = src.enter(path)
    out: dict[str, str] = {}
    for key, value in raw.items() if isinstance(raw, dict) else []:
        if key in RESERVED_ANNOTATIONS:
            src.drop((*path, key), f"obsc writes {key!r} on its own alerts; put the text in the SLO's description")
        elif isinstance(value, dict | list) or value is None:
            src.drop((*path, key), "not a text value")
        elif isinstance(value, str) and "{{" in value:
            src.drop((*path, key), "a Go template (obsc refuses templates in spec strings)")
        else:  # as written: `count: 3` is the text 3
            src.take((*path, key))
            out[str(key)] = src.text_of((*path, key))
    return out


def _sli(
    src: Source, path: Path, keys: dict[str, str], queries: list[str]
) -> tuple[dict[str, Any], tuple[str, ...]] | None:
    """The SLI and its group labels (the queries' `sum by (...)`: Sloth alerts per group)."""
    body = src.enter(path)
    if not isinstance(body, dict) or not body:
        src.error(path, f"an SLO needs an SLI: {_sli_to_write(keys)}")
        return None
    if "plugin" in body:
        src.drop((*path, "plugin"), "Sloth SLI plugins are Go code obsc cannot run; write the SLI as queries")
        return None
    if "events" in body:
        src.enter((*path, "events"))
        err_path, total_path = (*path, "events", keys["error_query"]), (*path, "events", keys["total_query"])
        err, total = _query(src, err_path), _query(src, total_path)
        if err is None or total is None:
            return None
        if (bare := without_zero_fallback(err)) is not None:
            src.note(err_path, fallback_note("errors"))
            err = bare
        by = event_groups(src, [(err_path, err), (total_path, total)])
        if by is None:
            return None
        note_window_means(src, [(err_path, err), (total_path, total)], _THEIRS)
        queries.extend((err, total))
        sli: dict[str, Any] = {"raw": {"errors": err, "total": total}}
        if not by and (pair := histogram_sli.slow_events(err, total)) is not None:
            sli |= histogram_sli.pending(*pair, err_path)
        return sli, by
    if "raw" in body:
        src.enter((*path, "raw"))
        ratio_path = (*path, "raw", keys["error_ratio_query"])
        ratio = _query(src, ratio_path)
        if ratio is None:
            return None
        if (parts := promql_text.error_events(ratio, failures=True)) is not None:
            # Sloth reads it over [1d] and [3d] too, traffic-weighted; obsc's error_ratio SLI would average 5m
            # ratios there (a busy day failing 20% at 95%, quiet nights: Sloth ticketed, obsc never did).
            by = event_groups(src, [(ratio_path, parts.counted), (ratio_path, parts.total)])
            if by is None:
                return None
            split = split_ratio_note("Sloth's [1d] and [3d] queries do", of_successes=parts[2], query=ratio)
            queries.extend(parts[:2])
            sli = {"raw": {"errors": parts[0], "total": parts[1]}}
            if parts.of_successes and not by and (pair := histogram_sli.counted_pair(parts.counted, parts.total)):
                sli |= histogram_sli.pending(*pair, ratio_path, split)  # the split is said only if it stays raw
            else:
                src.note(ratio_path, split)
            return sli, by
        queries.append(ratio)
        src.note((*path, "raw"), ERROR_RATIO_NOTE)
        note_ratio_groups(src, ratio_path, ratio)
        return {"raw": {"error_ratio": ratio}}, ()
    src.error(path, f"an SLI needs events or raw: {_sli_to_write(keys)}")
    return None


def _sli_to_write(keys: dict[str, str]) -> str:
    """What to write for a missing SLI, in the document's spelling (plugins are Go code obsc cannot run)."""
    return (
        f"write events: {{{keys['error_query']}: ..., {keys['total_query']}: ...}} (failed and all events over "
        f"{{{{.window}}}}) or raw: {{{keys['error_ratio_query']}: ...}}"
    )


def _query(src: Source, path: Path) -> str | None:
    raw = src.take(path)
    if not isinstance(raw, str) or not raw.strip():
        src.error(path, "a query is required here")
        return None
    query = promql_text.with_window(raw)
    if "$window" not in query:
        src.error(path, "the query has no {{.window}}: obsc evaluates it over each alert window")
        return None
    return query


def _alerting(
    src: Source, path: Path, keys: dict[str, str], tier_sets: dict[str, tuple[Path, dict[str, str]]]
) -> dict[str, bool] | None:
    """The tiers switched on; each tier's labels go into `tier_sets` (sloth_tiers makes them the service's)."""
    body = src.enter(path)
    if body is not None and not isinstance(body, dict):  # as for a tier below: Sloth's decoder refuses it
        src.take(path)
        src.error(path, f"alerting is a mapping (name, page_alert, ticket_alert), not {shown(body)}")
        return None
    src.drop((*path, "name"), _ALERT_NAME)
    enabled: dict[str, bool] = {}
    malformed = False
    for key, tier in ((keys["page_alert"], "critical"), (keys["ticket_alert"], "warning")):
        sub = (*path, key)
        if (tier_body := src.enter(sub)) is not None and not isinstance(tier_body, dict):
            # `page_alert: false` paged: read as "no disable: key", the tier stayed on
            src.take(sub)
            src.error(sub, f"{key} is a mapping ({{disable: true}} switches it off), not {shown(tier_body)}")
            malformed, enabled[tier] = True, False
            continue
        disable = src.take((*sub, "disable"))
        if disable is not None and not isinstance(disable, bool):
            # Sloth decodes it as a Go bool: `"false"` (quoted) is no bool, and read as text it switched tiers off.
            src.error((*sub, "disable"), f"disable must be true or false (unquoted), not {shown(disable)}")
            malformed = True
        enabled[tier] = disable is not True
        if src.get((*sub, "labels")) is not None:
            tier_sets[tier] = ((*sub, "labels"), alert_labels(src, (*sub, "labels")))
        src.drop((*sub, "annotations"), _NO_PER_TIER.format(what="annotations"))
    if (enabled["critical"] or enabled["warning"]) and not str(src.get((*path, "name")) or "").strip():
        src.error((*path, "name"), _NAME_REQUIRED.format(page=keys["page_alert"], ticket=keys["ticket_alert"]))
    enabled["info"] = False  # Sloth has no budget-left alerts
    return None if malformed else enabled
