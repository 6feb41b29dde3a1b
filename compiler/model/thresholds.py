"""What a threshold alert compares, written once for every target: the recorded signal's name and PromQL,
and the expression the rule holds against its line (which the dashboard panel the alert opens plots as is).

Counters are compared as their 5m rate; `within` takes the soonest timestamp of each group (the first
certificate to expire), `below:` on a share or ratio without a declared aggregation its lowest series, every
other comparison the metric's own aggregation.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from compiler import conventions as names
from compiler.model import promql_tree, timestamps
from compiler.model.alert_kinds import KEEP_FIRING_SECONDS, SCRAPE_GAP_SECONDS
from compiler.model.fading_rates import rates_only, recorded_while_live
from compiler.model.promql import Matcher, Selector, equal_matcher, expand, known_values, without_nan
from compiler.model.promql_check import selectors
from compiler.model.promql_regex import full_match
from compiler.model.ratio_values import undefined_when_idle
from compiler.model.types import Aggregation, Comparison, Metric, MetricType, ThresholdAlert, Tier
from compiler.model.units import format_duration

RATE_WINDOW = "5m"
# A counter's rate is read over a window that holds this many events at the line: over 5m a line of 10/h is
# under one event, so each 5m rate is 0 or at least 12/h, and 5 jobs an hour (every 12 minutes, half the
# line) never read below 10/h for long (the alert never fired). Over 30m, 10/h is 5 events.
EVENTS_AT_LINE = 5
RATE_WINDOWS = (300, 600, 900, 1800, 3600, 7200, 10800, 21600, 43200, 86400)
MISSING_FOR_SECONDS = 600  # no series this long (or the alert's own hold, if longer) fires a missing-data alert
VANISHED_LOOKBACK = "1d"  # an instance whose signal had series this recently and has none now has vanished


def watches_vanished_instances(alert: ThresholdAlert, scraped: bool) -> bool:
    """Whether the missing-data alert also fires for one instance whose series vanished while it is still
    scraped: split by `instance`, of a service with targets (`up` tells a broken instance from a removed one).
    Not for an alert on `up` itself: a scraped instance always has it."""
    return alert.missing_fires and "instance" in alert.by and scraped and not reads_up(alert)


def vanished_instances_ticket(alert: ThresholdAlert, tier: Tier, scraped: bool) -> bool:
    """Whether the instance branch of a critical alert's missing-data twin is a rule of its own at warning.

    One instance that stops writing the signal while still scraped is a blind spot, not users failing, and it
    holds until VANISHED_LOOKBACK is over: a replica promoted at a failover (whose replication lag series goes)
    paged for a day. The whole signal gone stays at the alert's tier (every instance is blind). A warning always
    reaches someone: a service without a warning receiver is refused (model.build, route_problem)."""
    return tier is Tier.CRITICAL and watches_vanished_instances(alert, scraped)


def reads_up(alert: ThresholdAlert) -> bool:
    """Whether the alert compares the scrape targets' `up` (a per-instance down alert, a floor of instances):
    obsc's own ServiceDown cases feed `up` too, and there they feed this alert's signal."""
    selector = alert.metric.selector
    if selector is not None:
        return selector.metric == "up"
    try:
        tree = promql_tree.parse(signal_expr(alert))
    except ValueError:
        return bool(_READS_UP.search(alert.metric.expr or ""))
    return any(_selects_up(node) for node in selectors(tree))


_READS_UP = re.compile(r"(?<![\w:])up\s*\{")


def _selects_up(selector: Any) -> bool:
    """Whether a selector may read `up`: by its name, or by a `__name__` matcher that admits it (`up == 1` and
    `{__name__="up"}` read it as `up{...}` does; a regex RE2 cannot compile counts as admitting it)."""
    if selector.name:
        return bool(selector.name == "up")
    admits = True
    for matcher in selector.matchers.matchers:
        if matcher.name != "__name__":
            continue
        op = str(matcher.op).rsplit(".", 1)[-1]
        hit = matcher.value == "up" if op in ("Equal", "NotEqual") else full_match(matcher.value, "up") is not False
        admits = admits and hit == (op in ("Equal", "Re"))
    return admits


def watches_vanished_groups(alert: ThresholdAlert) -> bool:
    """Whether the missing-data alert also fires for a group (a topic, a partition) whose series vanished
    while its last value was past the line: split by labels other than `instance` (whose own watch asks
    `up`), on a gauge. A counter's group without series has no events, which is its reading, not a gap."""
    counter = alert.metric.type is MetricType.COUNTER
    return alert.missing_fires and bool(alert.by) and "instance" not in alert.by and not counter


def narrowed_counter_family(metric: Metric, service_selector: Sequence[Matcher]) -> Selector | None:
    """A counter narrowed below the service's labels (`errors: x_total{outcome="error"}`) has no series until
    its first such event; its family (the name with the service's labels) tells "none yet" from "gone".
    None when the metric is not such a counter, or is read without the service's labels (an exporter's)."""
    if metric.type is not MetricType.COUNTER or metric.selector is None:
        return None
    own = tuple(m for m in metric.selector.matchers if m in service_selector)
    narrowed = len(own) < len(metric.selector.matchers)
    return Selector(metric.selector.metric, own) if own and narrowed else None


def rate_window(alert: ThresholdAlert) -> str:
    """The window a counter's rate is compared over: the shortest that holds EVENTS_AT_LINE events at the line
    (5m for any line from 1/m; a day at most). A line of 0 (any event) stays at 5m."""
    line = alert.threshold
    if line <= 0:
        return RATE_WINDOW
    # 1/m is kept as 0.0166666666667 (12 digits): a hair of slack so that it still fills 5m
    events = (w for w in RATE_WINDOWS if line * w * (1 + Decimal("1e-9")) >= EVENTS_AT_LINE)
    seconds = next(events, RATE_WINDOWS[-1])
    return format_duration(seconds)


def signal_aggregation(alert: ThresholdAlert) -> str:
    """The aggregator the alert compares. A share, ratio or timestamp that declares none is its busiest series
    (max): `below:` reads its lowest instead, or one instance under the line hid behind the others."""
    if alert.comparison is Comparison.WITHIN:
        return "min"
    metric = alert.metric
    lowest = alert.comparison is Comparison.BELOW and not metric.aggregation_declared
    if lowest and metric.aggregation is Aggregation.MAX:
        return Aggregation.MIN.value
    return metric.aggregation.value


def signal_name(alert: ThresholdAlert) -> str:
    """`service:consumer_lag:sum_by_topic`: one name per (metric, aggregation, rate, grouping)."""
    op = signal_aggregation(alert)
    if alert.metric.type is MetricType.COUNTER:
        op += f"_rate{rate_window(alert)}"
    if alert.by:
        op += "_by_" + "_".join(alert.by)
    if alert.comparison is Comparison.WITHIN and timestamps.scale(alert.metric) != 1:
        op += "_seconds"  # divided into seconds: not the metric's own min, which another alert may record
    if len(alert.by) > 1:
        # `[topic, partition]` and `[topic_partition]` joined alike and shared one recording, so one alert read
        # the other's grouping: a list of labels is told apart by a digest of the list itself
        op += "_" + hashlib.sha256(",".join(alert.by).encode()).hexdigest()[:6]
    return names.threshold_signal(alert.metric.name, op)


def signal_expr(alert: ThresholdAlert) -> str:
    """The metric aggregated as the alert compares it (its `by` labels kept)."""
    metric = alert.metric
    grouping = f" by ({', '.join(alert.by)})" if alert.by else ""
    if metric.selector is None:
        inner = expand(metric.expr or "", (), rate_window(alert))
    elif metric.type is MetricType.COUNTER:
        inner = f"rate({metric.selector.render()}[{rate_window(alert)}])"
    else:
        inner = metric.selector.render()
    aggregate = f"{signal_aggregation(alert)}{grouping}"
    if undefined_when_idle(metric):
        signal = _nan_when_every_value_is(aggregate, f"({inner})")
    else:
        if metric.selector is not None and metric.type is not MetricType.COUNTER:
            inner = known_values(metric.selector)
        elif metric.type is not MetricType.COUNTER:
            inner = without_nan(f"({inner})")
        signal = f"{aggregate} ({inner})"
    return timestamps.in_seconds(metric, signal) if alert.comparison is Comparison.WITHIN else signal


def _nan_when_every_value_is(aggregate: str, inner: str) -> str:
    """The aggregate of `inner`'s numbers, or NaN for a group whose every value is NaN (idle: model/ratio_values).
    max and min skip NaN beside a number and are NaN only when every value is; sum and avg are NaN with one."""
    if aggregate.startswith(("max", "min")):
        return f"{aggregate} {inner}"  # inner is parenthesised
    return f"({aggregate} ({without_nan(inner)})\nor\n{aggregate} ({inner}))"


def recorded_signal_expr(alert: ThresholdAlert) -> str:
    """signal_expr as the record computes it: a counter's rate only while its counters have a sample now. The
    rate fades over its window once they go (2/s over a 1/s line read under it a few minutes on), and the alert
    resolved before its missing-data twin, counting from the record's end, took over. A selector's group ends
    with its own counters (an instance gone while others report hands over to its vanished-instance branch);
    free PromQL (a counter's, or a gauge's whose every window is a rate's) ends when every series it rates is
    gone (model/fading_rates). Runbooks show signal_expr: the guard changes nothing while the counters report."""
    signal = signal_expr(alert)
    selector = alert.metric.selector
    if selector is None:
        counted = alert.metric.type is MetricType.COUNTER or rates_only(signal)
        return recorded_while_live(signal) if counted else signal
    if alert.metric.type is not MetricType.COUNTER:
        return signal
    if not alert.by:
        return f"{signal}\nand on ()\ngroup({selector.render()})"
    by = ", ".join(alert.by)
    return f"{signal}\nand on ({by})\ngroup by ({by}) ({selector.render()})"


def last_value_seconds(alert: ThresholdAlert) -> int:
    """How long the alert reads its signal's last value after the signal vanished. At least SCRAPE_GAP: a
    failed scrape empties it at once, which restarted the hold. With a missing-data twin, until the twin takes
    over: it fires after max(for, 10m) without series, and the alert, kept firing KEEP_FIRING_SECONDS more,
    resolved before that when its hold was longer than 10m (a 15m lag page resolved, then paged again 5
    minutes later as missing data; a 1h certificate warning left 50 minutes without any alert)."""
    if not alert.missing_fires:
        return SCRAPE_GAP_SECONDS  # a metric that vanishes when all is well: its going is a recovery
    return max(SCRAPE_GAP_SECONDS, max(alert.for_seconds, MISSING_FOR_SECONDS) - KEEP_FIRING_SECONDS)


def compared_expr(alert: ThresholdAlert, service: str, window: str = "", matchers: str = "") -> str:
    """The left side of the alert's comparison: the service's recorded signal's last value in `window` (by
    default last_value_seconds), or for `within:` alerts the time left until that timestamp. The rule compares
    it with the line; the alert's dashboard panel plots it (with `matchers`: `,topic=~"$topic"`)."""
    recorded = f"{signal_name(alert)}{{{equal_matcher(names.LABEL_SERVICE, service)}{matchers}}}"
    signal = f"last_over_time({recorded}[{window or format_duration(last_value_seconds(alert))}])"
    return f"{signal} - time()" if alert.comparison is Comparison.WITHIN else signal


def compared_groups(alerts: Sequence[ThresholdAlert]) -> list[list[ThresholdAlert]]:
    """Alerts that compare the same expression (tiers of one signal, above and below it), in spec order: one
    dashboard panel each, with every line of the group."""
    groups: dict[tuple[str, bool, int], list[ThresholdAlert]] = {}
    for alert in alerts:
        groups.setdefault(compared_key(alert), []).append(alert)
    return list(groups.values())


def compared_key(alert: ThresholdAlert) -> tuple[str, bool, int]:
    """What a threshold panel plots: the recorded signal, read as time left or not, over how long a lookback."""
    return signal_name(alert), alert.comparison is Comparison.WITHIN, last_value_seconds(alert)
