"""OpenSLO v1alpha SLOs (the OpenSLO Sloth reads) → an obsc service, mapped as Sloth maps them.

Sloth reads one shape: each objective's `ratioMetrics` good and total Prometheus queries over `{{.window}}` are an
SLO named `<metadata.name>-<index>` with the objective's `target` (a ratio), over `timeWindows` (one, in days) or
the default period, and no alerts (Sloth switches both of its alert tiers off for them). obsc imports that shape
the same way, from `obsc import sloth` (a Sloth repository holds them) and `obsc import openslo`; anything else
is refused where it lies, as Sloth refuses it, or reported as a field Sloth does not read either. A good bucket
over its histogram's count is obsc's latency SLI (histogram_sli.py), which reads a build without that bucket as
missing data; as Sloth's ratio it read every request slow.
"""

from __future__ import annotations

from typing import Any

from compiler.importers import histogram_sli, promql_text
from compiler.importers.common import event_groups, note_selector, objective_percent, obsc_name, pick_team
from compiler.importers.render import GuessedSelector, ServiceOut, SloOut
from compiler.importers.source import Source, shown
from compiler.importers.window_mean import note_window_means
from compiler.importers.zero_fallback import fallback_note, without_zero_fallback
from compiler.spec.document import Path

API = "openslo/v1alpha"
_SOURCES = ("prometheus", "sloth")  # the `source` values Sloth reads as Prometheus
_NO_ALERTS = (
    "Sloth generates no alerts for openslo/v1alpha SLOs (its page and ticket alerts are off for them), so the "
    "imported SLOs have none either: set alerts {critical: true, warning: true} on an SLO to page and ticket on "
    "its burn rate"
)
_GOOD_TOTAL = (
    "Sloth reads good/total as the error ratio 1 - good/total over each window: imported as the SLI's errors "
    "(total - good) and total, the same ratio over every window; a good series that is absent while the total "
    "has traffic counts as no good events (Sloth's ratio had no value then)"
)


def is_alpha(data: Any) -> bool:
    return isinstance(data, dict) and data.get("apiVersion") == API


def import_doc(src: Source, team: str | None, period: str) -> ServiceOut | None:
    """One v1alpha SLO document as an obsc service; `period` is the one Sloth uses without timeWindows."""
    src.take(("apiVersion",))
    if src.take(("kind",)) != "SLO":
        src.error(("kind",), f"an {API} document is read as an SLO (kind: SLO), not kind {shown(src.get(('kind',)))}")
        src.take(())  # one error for the document, not one per field
        return None
    src.enter(("metadata",))
    src.enter(("spec",))
    base = obsc_name(src, ("metadata", "name"), src.take(("metadata", "name")), "SLO name")
    name = obsc_name(src, ("spec", "service"), src.take(("spec", "service")), "service")
    description = src.take_text(("spec", "description")) or src.take_text(("metadata", "displayName"))
    src.take(("metadata", "displayName"))
    days = _period(src, period)
    budgeted = _occurrences(src)
    queries: list[str] = []
    slos: list[SloOut] = []
    listed = src.enter_list(("spec", "objectives"))
    if not listed and isinstance(src.get(("spec", "objectives")), list | None):
        src.error(("spec", "objectives"), "an SLO needs at least one objective (Sloth refuses it too)")
    for i, _ in enumerate(listed):
        slo = _objective(src, ("spec", "objectives", i), f"{base}-{i}", days or period, description, queries)
        if slo is not None:
            slos.append(slo)
    if name is None or base is None or days is None or not budgeted or len(slos) != len(listed) or not slos:
        return None
    src.note(("spec", "objectives"), _NO_ALERTS)
    chosen = pick_team(src, ("spec", "service"), team, None, "")
    selector = promql_text.common_matchers(queries)
    note_selector(src, ("spec", "service"), selector)
    if not selector:
        selector = GuessedSelector(job=name)
        src.note(("spec", "service"), f"the queries share no label matcher; selector set to {{job: {name}}}")
    service = ServiceOut(
        name=name,
        team=chosen,
        selector=selector,
        slos=slos,
        origin=src.at(("spec", "service")),
        owner=chosen,
        fields=src.origins(service=("spec", "service")),
    )
    histogram_sli.settle(src, service, slos)
    return service


def _period(src: Source, default: str) -> str | None:
    """The SLO period: one time window counted in days (all Sloth reads), else the default period."""
    windows = src.enter_list(("spec", "timeWindows"))
    if not windows:
        return default
    if len(windows) > 1:
        src.error(("spec", "timeWindows"), "one time window per SLO (Sloth refuses more): keep the one you mean")
        return None
    path: Path = ("spec", "timeWindows", 0)
    src.enter(path)
    count, unit = src.take((*path, "count")), src.take((*path, "unit"))
    if str(unit).lower() != "day":
        src.error((*path, "unit"), f"unit {shown(unit)}: Sloth reads time windows in days only (unit: Day)")
        return None
    if isinstance(count, bool) or not isinstance(count, int) or count < 1:
        src.error((*path, "count"), f"count {shown(count)} is no whole number of days")
        return None
    if count not in (28, 30):  # Sloth's built-in window catalogs
        src.note(
            (*path, "count"),
            f"Sloth has alert windows for 30d and 28d built in: for {count}d it needs a windows file "
            "(--slo-period-windows-path) and refuses the SLO without one; obsc has windows for any period",
        )
    if src.take((*path, "isRolling")) is False:
        src.note((*path, "isRolling"), "Sloth and obsc read the window as rolling (obsc has no calendar periods)")
    return f"{count}d"


def _occurrences(src: Source) -> bool:
    """Sloth counts events whatever budgetingMethod says; obsc refuses a method that counts something else."""
    method = src.take(("spec", "budgetingMethod"))
    if method in (None, "Occurrences"):
        return True
    src.error(
        ("spec", "budgetingMethod"),
        f"budgetingMethod {shown(method)}: obsc imports Occurrences SLOs (good events / all events); Sloth read "
        "this SLO's queries as events whatever the method said: write budgetingMethod: Occurrences if you mean that",
    )
    return False


def _objective(src: Source, path: Path, name: str, period: str, description: str, queries: list[str]) -> SloOut | None:
    src.enter(path)
    objective = objective_percent(src, (*path, "target"), src.take((*path, "target")), ratio=True)
    ratio: Path = (*path, "ratioMetrics")
    if src.enter(ratio) is None:
        src.error(path, "an objective needs ratioMetrics (good and total queries): Sloth imports no other")
        return None
    src.drop((*ratio, "incremental"), "Sloth and obsc read the queries as written (their rate() says how)")
    good, total = _query(src, (*ratio, "good")), _query(src, (*ratio, "total"))
    if good is None or total is None or objective is None:
        return None
    if (bare := without_zero_fallback(good)) is not None:
        src.note((*ratio, "good", "query"), fallback_note("good"))
        good = bare
    parts = [((*ratio, "good", "query"), good), ((*ratio, "total", "query"), total)]
    by = event_groups(src, parts)
    if by is None:
        return None
    note_window_means(src, parts, "Sloth's [1d] and [3d] rules evaluate the query over those windows")
    queries.extend((good, total))
    sli: dict[str, Any] = {"raw": {"errors": f"{total} - ({good} or 0 * {total})", "total": total}}
    if not by and (pair := histogram_sli.counted_pair(good, total)) is not None:
        sli |= histogram_sli.pending(*pair, ratio, _GOOD_TOTAL)  # the split is said only if it stays raw
    else:
        src.note(ratio, _GOOD_TOTAL)
    alerts = {"critical": False, "warning": False, "info": False}
    slo = SloOut(name, objective, period, sli, alerts, description, src.at(path), by=by)
    slo.fields = src.origins(name=("metadata", "name"), objective=(*path, "target"), sli=ratio, by=ratio)
    return slo


def _query(src: Source, path: Path) -> str | None:
    """A good or total query: a Prometheus (or `sloth`) source, PromQL over `{{.window}}`."""
    if src.enter(path) is None:
        src.error(path[:-1], f"ratioMetrics needs {path[-1]} (a query), as Sloth does")
        return None
    source, kind = src.take((*path, "source")), src.take((*path, "queryType"))
    if source not in _SOURCES:
        src.error((*path, "source"), f"source {shown(source)}: Sloth reads prometheus (or sloth) queries only")
        return None
    if kind != "promql":
        src.error((*path, "queryType"), f"queryType {shown(kind)}: Sloth reads promql queries only")
        return None
    raw = src.take((*path, "query"))
    if not isinstance(raw, str) or not raw.strip():
        src.error((*path, "query"), "a query is required here")
        return None
    query = promql_text.with_window(raw)
    if "$window" not in query:
        src.error((*path, "query"), "the query has no {{.window}}: obsc evaluates it over each alert window")
        return None
    return query
