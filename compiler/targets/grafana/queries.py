"""PromQL for dashboard panels, kept apart from panel layout.

SLO panels read only the series the Prometheus target records (conventions: `slo:sli_error:ratio_rate<w>`,
`slo:objective:ratio`, `slo:error_budget:ratio`, `slo:period:seconds`, `slo:error_budget_remaining:ratio`,
`slo:sli_error:ratio_current` for the fleet, labelled `service` and `slo`; `slo:sli_total:coarse_rate5m` to tell
an SLI that has series now), so a dashboard needs no knowledge
of the raw metrics behind an SLI and shows exactly the numbers the alerts compare; two read raw series, as the
records keep neither: a freshness SLO's age and a ratio SLO's failures per code (slo_codes). RED, saturation and
business panels query the spec's metrics through `model.queries`, over Grafana's `$__rate_interval`.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Sequence

from compiler import conventions as names
from compiler.model import queries, timestamps, traffic
from compiler.model.burnrate import BurnWindow, current_window
from compiler.model.down_groups import down_groups
from compiler.model.promql import Matcher, render_matchers
from compiler.model.raw_windows import IDLE_SEEN_LOOKBACK
from compiler.model.types import Fleet, Metric, MetricType, Service, SliKind, Slo
from compiler.model.units import format_duration
from compiler.targets.grafana.fleet_alerts import fleet_alerts
from compiler.targets.grafana.groups import (
    by_groups,
    group_matchers,
    kept_groups,
    labels_untold,
    on_groups,
    on_meta,
    only_selected,
    variable_labels,
)

RATE_INTERVAL = "$__rate_interval"
QUANTILES = ("0.5", "0.95", "0.99")
# Binary operations between recorded SLO series match on these two labels only: the error-ratio series also
# carry `window`, and whatever else a ruler adds must not break the match.
_ON = f"on({names.LABEL_SERVICE}, {names.LABEL_SLO})"


def service_label_filter(service: Service) -> str:
    """`{service="checkout"}`: the labels every alert of the service carries (for the alert-list panel)."""
    return "{" + render_matchers((Matcher(names.LABEL_SERVICE, "=", service.name),)) + "}"


# Every panel of an SLO's row selects its series by the same two labels: rendered once per SLO.
@functools.lru_cache(maxsize=4096)
def slo_selector(service: str, slo: str) -> str:
    return render_matchers((Matcher(names.LABEL_SERVICE, "=", service), Matcher(names.LABEL_SLO, "=", slo)))


def _series(record: str, service: Service, slo: Slo) -> str:
    return f"{record}{{{slo_selector(service.name, slo.name)}}}"


def _grouped(record: str, service: Service, slo: Slo) -> str:
    """A series that carries a grouped SLO's labels, filtered by the dashboard's group variables."""
    return f"{record}{{{slo_selector(service.name, slo.name)}{group_matchers(slo)}}}"


# How long a group's SLI may have no series before its panels stop showing its figures: three coarse intervals
# (the coarse tier records the SLI's 5m total at most every 5m), so one late evaluation blanks nothing.
REPORTING_LOOKBACK = "15m"


def reporting(service: Service, slo: Slo) -> str:
    """The SLO's groups (the SLO itself when ungrouped) whose SLI had a series in the last REPORTING_LOOKBACK, or
    that are idle by the SLI's `idle_while` (`idle_reporting`)."""
    seen = f"last_over_time({_grouped(names.SLI_TOTAL_COARSE, service, slo)}[{REPORTING_LOOKBACK}])"
    idle = idle_reporting(service, slo, _grouped(names.SLI_TOTAL_COARSE, service, slo))
    return f"({seen} or {idle})" if idle else seen


def idle_reporting(service: Service, slo: Slo, total: str | None = None) -> str | None:
    """A raw SLI's groups that read as idle, not stopped, though their total has no series (`idle_while`, round 40:
    a CloudWatch exporter writes nothing for a period without requests): those whose total had a series in the
    last IDLE_SEEN_LOOKBACK, while the idle series exists, as SLODataMissing reads it (slo_missing._unless_idle).
    Without it (None), every quiet night read as data that stopped: "no data now" and "SLOs without data"."""
    idle = slo.sli.raw_idle_while
    if idle is None:
        return None
    total = total or _series(names.SLI_TOTAL_COARSE, service, slo)
    return f"(last_over_time({total}[{IDLE_SEEN_LOOKBACK}]) and on () group({idle}))"


def _while_reporting(expr: str, service: Service, slo: Slo) -> str:
    """`expr` only for the groups whose SLI still has series. The budget and the 1d/3d ratios read weeks of
    recorded history, so a tenant whose series stopped (SLODataMissing firing for it) kept its last budget and
    its burn at 0x (green) for days. A free-PromQL error ratio has no series while idle (0/0 is dropped): it
    is left as it is, or an idle night would blank it."""
    if slo.sli.kind is SliKind.ERROR_RATIO:
        return expr
    return f"({expr} and {on_groups(slo)} {reporting(service, slo)})"


def budget_unreported(service: Service, slo: Slo) -> str | None:
    """The budget left of the groups `budget_remaining` leaves out (their SLI has no series now): the budget
    alerts still compare it, so the panel they open keeps it as a line of its own; None where nothing is left out."""
    if slo.sli.kind is SliKind.ERROR_RATIO:
        return None
    budget = _grouped(names.SLO_BUDGET_REMAINING, service, slo)
    return f"{budget} unless {on_groups(slo)} {reporting(service, slo)}"


def error_ratio(service: Service, slo: Slo, seconds: int) -> str:
    return _while_reporting(_grouped(names.sli_error_ratio(format_duration(seconds)), service, slo), service, slo)


def sli_events(service: Service, slo: Slo, record: str, offset: str = "") -> str:
    """An event SLI's recorded 5m rate (SLI_TOTAL_COARSE, SLI_ERRORS_COARSE) per group, `offset` ago."""
    return _grouped(record, service, slo) + (f" offset {offset}" if offset else "")


def sli_events_over(service: Service, slo: Slo, window: str, split: tuple[str, ...]) -> str:
    """An event SLI's events a second over `window` per group of `split` (all of them with none): the mean of its
    recorded 5m rates, as the alerts about its events stopping read the raw rate over that window."""
    by = f" by ({', '.join(split)})" if split else ""
    return f"sum{by} (avg_over_time({_grouped(names.SLI_TOTAL_COARSE, service, slo)}[{window}]))"


def unbucketed_requests(service: Service, slo: Slo) -> str:
    """A latency SLI's requests a second per group from histogram series without the threshold bucket (the SLI
    counts them neither way; SLODataMissing fires on them): the rate of the record of their request counters, 0 per
    group the SLI counts events of while there are none (the record then has no series)."""
    by = f" by ({', '.join(slo.by)})" if slo.by else ""
    unseen = f"sum{by} (rate({_grouped(names.SLI_UNBUCKETED, service, slo)}[{RATE_INTERVAL}]))"
    return f"{unseen} or 0 * sum{by} ({_grouped(names.SLI_TOTAL_COARSE, service, slo)})"


def objective(service: Service, slo: Slo) -> str:
    return _series(names.SLO_OBJECTIVE, service, slo)


def budget_remaining(service: Service, slo: Slo) -> str:
    return _while_reporting(_grouped(names.SLO_BUDGET_REMAINING, service, slo), service, slo)


def sli(service: Service, slo: Slo, seconds: int) -> str:
    """Share of good events over a recorded window."""
    return f"1 - {error_ratio(service, slo, seconds)}"


def sli_over_period(service: Service, slo: Slo) -> str:
    """Share of good events over the whole period, from the recorded budget: 1 − (1 − remaining) × budget."""
    budget = _series(names.SLO_ERROR_BUDGET, service, slo)
    return f"1 - (1 - {budget_remaining(service, slo)}) * {on_meta(slo)} {budget}"


def burn_rate(service: Service, slo: Slo, window: BurnWindow | None) -> str:
    """Error ratio over the window's long range divided by the budget; over the whole period without a window.

    Over the period the burn rate is (period error ratio / budget) = 1 − remaining: that is what an SLO that
    alerts on no burn window still has recorded.
    """
    if window is None:
        return f"1 - {budget_remaining(service, slo)}"
    budget = _series(names.SLO_ERROR_BUDGET, service, slo)
    return f"{error_ratio(service, slo, window.long_seconds)} / {on_meta(slo)} {budget}"


def time_to_exhaustion(service: Service, slo: Slo) -> str:
    """Seconds until the budget left is spent at the current burn rate (model.burnrate.hours_to_exhaustion × 3600).

    Remaining budget × period / burn rate; no value while nothing burns (the `> 0` guard avoids +Inf).
    """
    period = _series(names.SLO_PERIOD_SECONDS, service, slo)
    burn = burn_rate(service, slo, current_window(slo))
    return f"clamp_min({budget_remaining(service, slo)}, 0) * {on_meta(slo)} {period} / {on_groups(slo)} ({burn} > 0)"


NOT_BURNING = -1  # what `time_to_exhaustion_or_idle` returns where nothing burns: a duration is never negative
SPENT = 0  # ... where the budget left is spent, burning or not


def time_to_exhaustion_or_idle(service: Service, slo: Slo) -> str:
    """`time_to_exhaustion`, or NOT_BURNING where the burn rate is 0: a panel maps it to "not burning" and
    shows "no data" where there is no burn rate at all (no events, or no SLI series), which is not "all good".
    Both branches keep the same labels (a grouped burn rate also has `window`), so a group that stops
    burning stays one series.
    A budget already spent reads 0 (SPENT) while nothing burns too: SLOErrorBudgetExhausted fires on it, and
    "not burning" in green beside that alert read as all good."""
    burn = burn_rate(service, slo, current_window(slo))
    still = f"{budget_remaining(service, slo)} > 0"
    idle = f"(max {by_groups(slo)} ({burn} == 0) - {-NOT_BURNING} and {on_groups(slo)} {still})"
    spent = f"max {by_groups(slo)} ({burn} == 0)"  # 0: the burn rate's own value, where nothing is left
    return f"{time_to_exhaustion(service, slo)} or {on_groups(slo)} {idle} or {on_groups(slo)} {spent}"


# ---- RED, saturation, business metrics: the spec's own metrics over $__rate_interval


def value(metric: Metric) -> str:
    return queries.value(metric, RATE_INTERVAL)


def request_rate(requests: Metric) -> str:
    return queries.rate(requests, RATE_INTERVAL)


def error_ratio_of_requests(errors: Metric, requests: Metric) -> str:
    """What the error-rate alert compares (0 while no errors series exists, nothing without traffic), over
    Grafana's rate interval."""
    return queries.failed_share(queries.rate(errors, RATE_INTERVAL), queries.rate(requests, RATE_INTERVAL))


def traffic_now(service: Service) -> str:
    """The last hour's mean request rate, as the unusual-traffic alert reads it (recorded 5m rates)."""
    return traffic.anomaly_now(service_label_filter(service))


def traffic_then(service: Service) -> str:
    """The same hour's mean a week ago: what the unusual-traffic alert compares the last hour with."""
    return traffic.anomaly_then(service_label_filter(service))


def traffic_record(service: Service) -> str:
    """The highest 5m request rate of the 7 days before the last hour: the milestone alert's line."""
    return traffic.milestone_record(service_label_filter(service))


def quantile(histogram: Metric, q: str) -> str:
    if histogram.selector is None:  # a free expression: plot it as written
        return value(histogram)
    return queries.quantile(histogram, q, RATE_INTERVAL)


def instances_up(service: Service) -> str:
    return f"sum({queries.up(service)})"


def instances_scraped(service: Service) -> str:
    return f"count({queries.up(service)})"


def instances_up_per_group(service: Service) -> list[tuple[str, str]]:
    """(legend, expr): targets up per group ServiceDown also fires for (`up {{region}}`); none when unsplit."""
    return [
        (" ".join(["up", *(f"{{{{{label}}}}}" for label in split)]), queries.up_per_group(service, split))
        for split in down_groups(service)
    ]


def running_versions(build_info: Metric) -> str | None:
    """Instances per `version` label of a build-info gauge (client libraries' convention); None for expressions."""
    if build_info.selector is None:
        return None
    return f"count by (version) ({build_info.selector.render()})"


def metric_queries(service: Service, metric: Metric) -> list[tuple[str, str]]:
    """(legend, expression) pairs for a business metric: quantiles for histograms, one line otherwise."""
    if metric.type is MetricType.HISTOGRAM and metric.selector is not None:
        return [(f"p{percent_label(q)}", quantile(metric, q)) for q in QUANTILES]
    return [(per_group_legend(metric, metric.title or metric.name), per_group_value(service, metric))]


AUTO_LEGEND = "__auto"  # Grafana's Prometheus legend mode "Auto": each line named by the labels it differs by


def per_group_legend(metric: Metric, text: str) -> str:
    """`text {{queue}}`: each line of an expression kept per label names its group (else every line read alike).
    An expression whose labels its text does not tell (unaggregated: a line per instance) gets Grafana's auto
    legend, which names each line by the labels that tell it apart: `text` on every line named none (round 45: a
    Redis `rate(hits) + rate(misses)` drew one "lookups" line per instance, alike)."""
    if labels_untold(metric):
        return AUTO_LEGEND
    return " ".join([text, *(f"{{{{{label}}}}}" for label in kept_groups(metric))])


def per_group_value(service: Service, metric: Metric, expr: str | None = None) -> str:
    """`expr` (the metric's `value`) with only the groups the dashboard's variables select, for each label it keeps
    that has a variable (an SLO's or a threshold alert's `by:`); as it is otherwise."""
    selected = [label for label in kept_groups(metric) if label in variable_labels(service)]
    return only_selected(value(metric) if expr is None else expr, selected)


def timestamp_ms(metric: Metric, aggregation: str) -> str:
    """A timestamp gauge's series combined with `aggregation`, in the epoch milliseconds Grafana's date units
    read: a Prometheus timestamp is in seconds (1970 otherwise), one declared `unit: ms` already is."""
    inner = metric.selector.render() if metric.selector is not None else value(metric)
    combined = f"{aggregation}({inner})"
    return combined if timestamps.scale(metric) == 1000 else f"{combined} * 1000"


def percent_label(q: str) -> str:
    """0.95 → 95, for legends such as p95."""
    return str(round(float(q) * 100))


# ---- fleet overview: every recorded SLO, filtered by the `service` template variable

FLEET_SERVICE_VARIABLE = "service"
DASHBOARD_LABEL = "dashboard"  # "<service> dashboard": the fleet table maps it to the dashboard UID


def dashboard_label_value(service: str) -> str:
    return f"{service} dashboard"


def _fleet(record: str) -> str:
    return f'{record}{{{names.LABEL_SERVICE}=~"${FLEET_SERVICE_VARIABLE}"}}'


def _with_dashboard_label(expr: str) -> str:
    value = dashboard_label_value("$1")
    return f'label_replace({expr}, "{DASHBOARD_LABEL}", "{value}", "{names.LABEL_SERVICE}", "(.*)")'


fleet_series, with_dashboard_label = _fleet, _with_dashboard_label  # for grouped SLOs' fleet queries


def fleet_objective() -> str:
    """In percent: the fleet table shares one unit across columns."""
    return f"100 * {_with_dashboard_label(_fleet(names.SLO_OBJECTIVE))}"


def fleet_reporting(fleet: Fleet) -> str:
    """The recorded SLO series (with their groups) whose SLI had a series in the last REPORTING_LOOKBACK, joined
    `ignoring(window)`. An error-ratio SLO is always in (its ratio has no series while idle: it cannot tell idle
    from stopped, and its service dashboard keeps its figures too): named by its objective, which it never groups."""
    seen = f"last_over_time({_fleet(names.SLI_TOTAL_COARSE)}[{REPORTING_LOOKBACK}])"
    free = idle_unseen((s, slo) for s in fleet.services for slo in s.slos)
    return f"({' or '.join([seen, *free])})" if free else seen


def while_reporting(expr: str, reporting: str) -> str:
    """`expr` (recorded SLO series) for the SLOs and groups whose SLI still has series. The budget and the current
    ratio read hours to weeks of recorded history: a service whose data stopped kept its last budget in green."""
    return f"({expr} and {_IGNORING_WINDOW} {reporting})"


_IGNORING_WINDOW = f"ignoring({names.LABEL_WINDOW})"
IGNORING_WINDOW = _IGNORING_WINDOW  # for grouped SLOs' fleet queries
NO_DATA_NOW = "NaN"  # the budget column's stand-in for an SLO that stopped reporting; mapped to text in the table


def stopped_budget(reported: str, budget: str) -> str:
    """NO_DATA_NOW for each SLO with a recorded budget (`budget`, one series per SLO) and none `reported`."""
    return f"({budget} unless {_ON} {reported}) * {NO_DATA_NOW}"


def fleet_budget_remaining(reporting: str) -> str:
    """Budget left in percent; NO_DATA_NOW where the SLI has had no series for REPORTING_LOOKBACK (its budget
    is the last one recorded, not the service's state)."""
    budget = _fleet(names.SLO_BUDGET_REMAINING)
    reported = while_reporting(budget, reporting)
    return f"100 * {_with_dashboard_label(f'{reported} or {stopped_budget(reported, budget)}')}"


def fleet_burn_rate(reporting: str) -> str:
    """Each SLO's burn rate over its own current window (the series every SLO records, whatever its catalog)."""
    ratio = while_reporting(_fleet(names.SLO_CURRENT_ERROR_RATIO), reporting)
    return _with_dashboard_label(f"{ratio} / {_ON} {_fleet(names.SLO_ERROR_BUDGET)}")


def fleet_slo_count() -> str:
    return f"count({_fleet(names.SLO_OBJECTIVE)}) or vector(0)"


def fleet_without_data_count(
    idle_unseen: Sequence[str] = (), group_labels: Sequence[str] = (), services: Sequence[Service] = ()
) -> str:
    """SLOs with an objective but no budget left (no event or slice counted over their whole period), or whose SLI
    has had no series for REPORTING_LOOKBACK (every group's: data that stopped today, its budget still recorded).
    `idle_unseen`: the SLOs (`idle_unseen`) whose SLI has no series while idle and that are not counted as stopped
    then, as their service dashboards leave them (`_while_reporting`). `group_labels` (the fleet's `by:` labels):
    and the SLOs SLODataMissing fires for with a group's labels (a group silent while it was busy at this hour a
    day and a week ago, one whose targets vanished, one without the threshold bucket): the fleet keeps one row per
    SLO, on its worst reporting group, so a silent tenant was counted nowhere (round 41); those of `services`, each
    with its own team (fleet_alerts.py). Not an SLO-wide firing (an idle error ratio's absent series reads as idle,
    as above)."""
    objective = _fleet(names.SLO_OBJECTIVE)
    never = f"{objective} unless {_ON} {_fleet(names.SLO_BUDGET_REMAINING)}"
    stopped = f"{objective} unless {_ON} last_over_time({_fleet(names.SLI_TOTAL_COARSE)}[{REPORTING_LOOKBACK}])"
    if idle_unseen:
        stopped = f"({stopped} unless {_ON} ({' or '.join(idle_unseen)}))"
    if not group_labels:
        return f"count({never} or {stopped}) or vector(0)"
    missing = f'alertname="{names.SLO_DATA_MISSING}",alertstate="firing",{_fleet("")[1:-1]}'
    silent = " or ".join(fleet_alerts(services, f'{missing},{label}!=""') for label in group_labels)
    slos = f"{names.LABEL_SERVICE}, {names.LABEL_SLO}"
    return f"count(group by ({slos}) ({never} or {stopped} or {silent})) or vector(0)"


def idle_unseen(slos: Iterable[tuple[Service, Slo]]) -> list[str]:
    """A series (labelled service and slo) for each SLO whose SLI has no series while idle and reads as idle now:
    an error ratio always (0/0 is not recorded: it cannot tell idle from stopped), named by its objective; a raw
    SLI with `idle_while` while its idle series says so (`idle_reporting`)."""
    found = []
    for service, slo in slos:
        if slo.sli.kind is SliKind.ERROR_RATIO:
            found.append(f"{names.SLO_OBJECTIVE}{{{slo_selector(service.name, slo.name)}}}")
        elif (idle := idle_reporting(service, slo)) is not None:
            found.append(idle)
    return found


def fleet_exhausted_count(reporting: str) -> str:
    """SLOs out of budget, of those whose SLI still reports: a stopped SLO's last budget is not its state now
    ("SLOs without data" counts it, its table row reads "no data now")."""
    return f"count({while_reporting(_fleet(names.SLO_BUDGET_REMAINING), reporting)} <= 0) or vector(0)"


def fleet_burning_count(factor: str, reporting: str) -> str:
    """SLOs burning over `factor`, of those whose SLI still reports (a stopped SLO's 1h ratio lingers an hour)."""
    ratio = while_reporting(_fleet(names.SLO_CURRENT_ERROR_RATIO), reporting)
    return f"count(({ratio} / {_ON} {_fleet(names.SLO_ERROR_BUDGET)}) > {factor}) or vector(0)"


def fleet_lowest_budgets(count: int, reporting: str) -> str:
    """The `count` lowest budgets of the SLOs that still report (a stopped SLO's line ends, as its budget's does)."""
    return f"bottomk({count}, {while_reporting(_fleet(names.SLO_BUDGET_REMAINING), reporting)})"


def fleet_services_variable() -> str:
    return f"label_values({names.SLO_OBJECTIVE}, {names.LABEL_SERVICE})"
