"""Test cases for the traffic alerts (the change from last week's traffic, a new 7-day high), which need a
week of history: they go in the long-horizon test file.

The comparisons with last week (a level just inside and beyond the alert's share of it, up and down; last
week under and over the traffic floor) each run on their own series, told apart by a LANE label, and all
are checked in the steps right after the first week: a rich service's long file then ends at 7d12h instead
of 15d (promtool evaluates its ~120 rules at every step, and a longer timeline writes more TSDB blocks).
That holds because both alerts compare each series with its own past (`/`, `>` and `and` match on every
label; no aggregation or `on`), checked by `lane_safe`, and because a 12h step holds the 1h averages' one
sample, so a lane's alerts end with its series. Otherwise the comparisons run one after another.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from decimal import Decimal

from compiler import conventions as names
from compiler.model.alerts import service_alerts
from compiler.model.drop_pages import is_relay_page, stop_pages
from compiler.model.promql import Matcher
from compiler.model.relays import crash_loop_hold
from compiler.model.traffic import TRAFFIC_FLOOR
from compiler.model.types import AlertKind, Service
from compiler.model.units import decimal_text
from compiler.targets.prometheus.keyalerts import stop_clause
from compiler.targets.prometheus.promtool.cases import LANE, AlertCheck, Case, Firing, InputSeries, firing, steps_after
from compiler.targets.prometheus.promtool.key_common import (
    ABOVE,
    BELOW,
    DAY,
    WEEK,
    check,
    signal,
    threshold,
    union,
)
from compiler.targets.prometheus.promtool.key_missing_cases import up_labels
from compiler.targets.prometheus.promtool.lanes import lane_safe
from compiler.targets.prometheus.promtool.series import constant
from compiler.targets.prometheus.rule_model import Rule


def _always(value: float) -> Callable[[Rule], float | None]:
    return lambda rule: value


def _anomalous(level: Decimal, base: Decimal) -> Callable[[Rule], float | None]:
    """The traffic-anomaly value when traffic is `level` and was `base` a week ago (None: quiet)."""
    factor = level / base

    def value_of(rule: Rule) -> float | None:
        line = threshold(rule)
        hit = base >= TRAFFIC_FLOOR and (factor > 1 + line or factor < 1 - line)
        return float(decimal_text(level)) / float(decimal_text(base)) if hit else None

    return value_of


def _settle(step: int) -> int:
    """How long after a level change the 1h averages show only the new level: none once a step is
    longer than the hour (the window then holds the one sample at the evaluation time)."""
    return 0 if step > 3600 else steps_after(3600, step)


def _sequential_case(service: Service, anomaly: list[Rule], milestone: list[Rule], share: Decimal, step: int) -> Case:
    """A first week at 8 events/s (after a while just under, then just over, the low-traffic floor), then
    levels just inside and beyond `share` of it, up and then down.

    Each level lasts until the 1h averages have left the previous one and the longest `for` has passed;
    checks sit at the end of each level, where the week-ago comparison is steady. The first week also
    shows that a new high with less than 6 days of history is no milestone.
    """
    base, under, over = Decimal(8), TRAFFIC_FLOOR * BELOW, TRAFFIC_FLOOR * ABOVE
    levels = [base * (1 + share * BELOW), base * (1 + share * ABOVE)]
    falls = share * ABOVE < 1 and any(threshold(r) < 1 for r in anomaly)
    if falls:
        levels += [base * (1 - share * BELOW), base * (1 - share * ABOVE)]
    hour = _settle(step)
    hold = max(steps_after(max((r.for_seconds for r in anomaly), default=0), step), step)
    hold_m = steps_after(max((r.for_seconds for r in milestone), default=0), step)
    part = hour + hold + step  # long enough for a steady week-ago average inside it, and a check
    # The alert outlives its condition by keep_firing_for: inside the hour the averages take to settle (they cross
    # the line well before its end), or at steps over an hour one more evaluation. The level checked right after
    # the drop needs that long (round 49: at 12h steps it was checked quiet one step after the drop, still held).
    settled = max(hour, steps_after(max((r.keep_firing_seconds for r in anomaly), default=0), step))
    # The first week opens with traffic just under, then just over, the floor (twice when the lower
    # branch exists): a week later 8/s (and then a drop) is compared with them only above the floor.
    first_week = [under, over] * (2 if falls else 1)
    drop = under * (1 - share * ABOVE)
    change = WEEK + len(first_week) * part + settled + step
    values = [f"{decimal_text(v)}+0x{part // step - 1}" for v in first_week]
    if falls:
        values += [
            f"{decimal_text(base)}+0x{(WEEK + 2 * part - len(first_week) * part) // step - 1}",
            f"{decimal_text(drop)}+0x{2 * part // step - 1}",
            f"{decimal_text(base)}+0x{(change - WEEK - 4 * part) // step - 1}",
        ]
    else:
        values.append(f"{decimal_text(base)}+0x{(change - len(first_week) * part) // step - 1}")
    checks: list[AlertCheck] = []
    if anomaly:
        for i, now in enumerate([base] + ([drop] if falls else [])):
            start = WEEK + 2 * i * part
            checks.append(check(anomaly, start + part - step, _anomalous(now, under)))  # under the floor
            active = start + part + hour
            checks.append(check(anomaly, active + hold, _anomalous(now, over), active))
        checks.append(check(anomaly, change - step, _anomalous(base, base)))
    if milestone and hold_m < 3600:
        young = len(first_week) * part + hold_m  # a new high with less than 6 days of history
        checks.append(check(milestone, young, lambda r: None))
        checks.append(check(milestone, change - step, lambda r: None))  # as high as last week: no record
    start, high = change, base
    settle = hour + hold
    for level in levels:
        end = start + settle
        values.append(f"{decimal_text(level)}+0x{(end - start) // step}")
        if anomaly:
            checks.append(check(anomaly, end, _anomalous(level, base), active_at=start + hour))
        if milestone and level > high and level >= TRAFFIC_FLOOR and hold_m < 3600:
            top = float(decimal_text(level))
            checks.append(check(milestone, start + hold_m, _always(top), active_at=start))
            checks.append(check(milestone, end, lambda r: None))  # an hour on, it is no longer a new high
        high = max(high, level)
        start = end + step
    title = f"traffic: a week at {base}/s, then " + ", ".join(f"{decimal_text(v)}/s" for v in levels)
    return Case(title, step, (signal(service, names.SERVICE_REQUESTS_RATE, " ".join(values)),), tuple(checks))


def _laned_case(service: Service, anomaly: list[Rule], milestone: list[Rule], share: Decimal, step: int) -> Case:
    """The comparisons of `_sequential_case`, each on its own lane: `then` for a first stretch, `base` (8/s)
    up to the week, then `now` until the longest `for` has passed. Every lane checks the anomaly at every
    step after the week (when it may fire), so the union of the lanes' checks is complete; before the week
    there is nothing to compare with, after its series ends nothing to average. A lane rising from `then`
    to 8/s shows that a new high with less than 6 days of history is no milestone; a level above 8/s is a
    new high right after the week (only a milestone `for` under a step is checked, as before)."""
    base, under, over = Decimal(8), TRAFFIC_FLOOR * BELOW, TRAFFIC_FLOOR * ABOVE
    levels = [base * (1 + share * BELOW), base * (1 + share * ABOVE)]
    falls = share * ABOVE < 1 and any(threshold(r) < 1 for r in anomaly)
    if falls:
        levels += [base * (1 - share * BELOW), base * (1 - share * ABOVE)]
    drop = under * (1 - share * ABOVE)
    hold = max(steps_after(max((r.for_seconds for r in anomaly), default=0), step), step)
    hold_m = steps_after(max((r.for_seconds for r in milestone), default=0), step)
    part = hold + step  # `then` lasts past the last check: every check compares with it
    pairs = [(then, now) for now in ([base, drop] if falls else [base]) for then in (under, over)]
    pairs += [(base, base)] + [(base, level) for level in levels]
    own = {names.LABEL_SERVICE: service.name}
    inputs, checks = [], []
    if anomaly and not all(r.for_seconds for r in anomaly):
        # Without a `for` some lane fires at every check after the week: the step before it, with no week-ago
        # average yet, is where every lane is seen quiet.
        checks.append(check(anomaly, WEEK - step, lambda r: None))
    for i, (then, now) in enumerate(pairs):
        lane = {LANE: f"traffic-{i + 1}"}
        first = f"{decimal_text(base)}+0x{WEEK // step - 1}"
        if then != base:
            first = f"{decimal_text(then)}+0x{part // step - 1} {decimal_text(base)}+0x{(WEEK - part) // step - 1}"
        values = f"{first} {decimal_text(now)}+0x{hold // step}"
        inputs.append(InputSeries(names.SERVICE_REQUESTS_RATE, tuple(sorted({**own, **lane}.items())), values))
        value_of, made = _anomalous(now, then), dict[int, Firing]()  # the same alerts at every step
        for at in range(WEEK, WEEK + hold + step, step) if anomaly else ():
            checks.append(check(anomaly, at, value_of, WEEK, lane, made))
        if milestone and hold_m < 3600:
            if then != base:
                checks.append(check(milestone, part + hold_m, lambda r: None))  # under 6 days of history
            if now > base and now >= TRAFFIC_FLOOR:
                checks.append(check(milestone, WEEK + hold_m, _always(float(decimal_text(now))), WEEK, lane))
            checks.append(check(milestone, WEEK + hold, lambda r: None))  # a step on, no longer a new high
    title = "traffic, a lane each, last week -> now: " + ", ".join(
        f"{decimal_text(then)}/s -> {decimal_text(now)}/s" for then, now in pairs
    )
    return Case(title, step, tuple(inputs), union(checks))


def _milestone_floor_case(service: Service, rules: list[Rule], step: int) -> Case:
    """A new high under the traffic floor is no record; one just over it is.

    Its series carries LANE (a label the alert keeps, as it keeps every label of the series it reads
    per series), so that it runs beside the traffic case's: it ends before the week the traffic case
    compares with, and stays flat (no new high) while the traffic case checks."""
    hold = steps_after(max(r.for_seconds for r in rules), step)
    low, under, over = TRAFFIC_FLOOR * Decimal("0.4"), TRAFFIC_FLOOR * BELOW, TRAFFIC_FLOOR * ABOVE
    # 6 days of history (present_over_time ... offset 6d) before the rise; a later rise adds only steps
    rise = steps_after(6 * DAY, step)
    second = rise + steps_after(2 * 3600, step)
    values = " ".join(
        (
            f"{decimal_text(low)}+0x{rise // step - 1}",
            f"{decimal_text(under)}+0x{(second - rise) // step - 1}",
            f"{decimal_text(over)}+0x{hold // step}",
        )
    )
    lane = {LANE: "floor"}
    own = tuple(sorted({names.LABEL_SERVICE: service.name, **lane}.items()))
    top = float(decimal_text(over))
    fired = tuple(firing(r, top, group={**dict(r.labels), **lane}) for r in rules if hold >= r.for_seconds)
    return Case(
        f"{rules[0].alert}: a new high under the traffic floor is no record, one over it is",
        step,
        (InputSeries(names.SERVICE_REQUESTS_RATE, own, values),),
        (AlertCheck(rise + hold, rules[0].alert, ()), AlertCheck(second + hold, rules[0].alert, fired)),
    )


def traffic_cases(service: Service, anomaly: list[Rule], milestone: list[Rule], step: int) -> list[Case]:
    """The traffic alerts' cases (one per distinct anomaly share), with the milestone's floor case."""
    laned = step > 3600 and lane_safe(_as_laned(service, anomaly) + milestone)
    shares = list(dict.fromkeys(threshold(r) for r in anomaly)) or [Decimal("0.5")]
    build = _laned_case if laned else _sequential_case
    dense = bool(anomaly) and _gaps_read_as_loop(service, step)
    if dense:
        # the anomaly's comparisons at UP_STEP with `up` at every sample; the milestone's at `step`, without `up`
        laned_up = [
            _targets_up(service, anomaly, _resampled(build(service, anomaly, [], s, step), step)) for s in shares
        ]
        traffic = [build(service, [], milestone, shares[0], step)] if milestone else []
    else:
        laned_up = []
        traffic = [
            build(service, anomaly, milestone if i == 0 else [], share, step)
            for i, share in enumerate(shares if anomaly or milestone else [])
        ]
    if milestone:
        floor = _milestone_floor_case(service, milestone, step)
        if traffic and max(c.at for c in floor.alerts) < WEEK:  # see _milestone_floor_case
            one = traffic[0]
            checks = union([*one.alerts, *floor.alerts])
            traffic[0] = Case(f"{one.name}; {floor.name}", step, one.series + floor.series, checks)
        else:
            traffic.append(floor)
    down = _down_drop_case(service, anomaly, step)
    relay = _relay_drop_case(service, anomaly, step)
    if relay is not None and dense:  # its targets up as well, so that only the relay's page holds the drop back
        relay = _resampled(relay, step)
    extra = [c for c in (down, relay) if c is not None]
    if laned_up:
        return traffic + laned_up + extra
    return [_targets_up(service, anomaly, case) for case in traffic] + extra


# `up` where the long file's 12h gaps read as a crash loop (_gaps_read_as_loop): a sample every 4m is one within
# the 5m lookback at every moment ServiceDown reads, as a target scraped all along is.
UP_STEP = 240


def _gaps_read_as_loop(service: Service, step: int) -> bool:
    """Whether `up` written every `step` (the long file's 12h) reads as a crash loop to the service's ServiceDown,
    which holds back a traffic drop (model/drop_pages.py). Its churn branch (service_down._churned) counts each
    moment with no target in the lookback as down, once its guard (a target seen two to four loop holds back)
    reaches a sample: with a loop hold over a quarter of the step (3h at 12h steps), some check's guard does. The
    rule is right (a target seen once in 12h is up at a tiny share of the moments); the input was not (round 54:
    a 4h hold fired ServiceDown from 7d12h, and the drops the traffic case expected to ticket were held back)."""
    holds = [
        crash_loop_hold(service, a.key_alert.for_seconds)
        for a in service_alerts(service)
        if a.kind is AlertKind.SERVICE_DOWN and a.key_alert is not None
    ]
    return step > UP_STEP and any(4 * hold >= step for hold in holds)


def _resampled(case: Case, step: int) -> Case:
    """`case` (its series written every `step`, runs of one value and `_xN` gaps) with its series written every
    UP_STEP: each value (or gap) held from just after the step before up to its own, so that at every step the 1h
    averages (now and a week ago, and a page's ALERTS over the hour) read what the step read before, and its checks
    stand. The milestone reads the 7 days before its
    hour, which a held value reaches: its cases stay at `step`. `_targets_up` then writes `up` every UP_STEP."""
    per = step // UP_STEP
    assert per * UP_STEP == step, step

    def values(text: str) -> str:
        out = []
        for i, run in enumerate(text.split()):
            if run.startswith("_x"):  # `_xN`: N steps without a sample
                count = int(run[2:])
                out.append(f"_x{count * per if i else (count - 1) * per + 1}")
                continue
            value, _, repeats = run.partition("+0x")
            assert repeats.isdigit(), run  # the traffic cases write runs of one value
            count = int(repeats) + 1  # samples of the run
            out.append(f"{value}+0x{count * per - 1}" if i else f"{value}+0x{(count - 1) * per}")
        return " ".join(out)

    series = tuple(s._replace(values=values(s.values)) for s in case.series)
    return case._replace(interval=UP_STEP, series=series)


def _down_drop_case(service: Service, anomaly: list[Rule], step: int) -> Case | None:
    """A week at 8/s, then a drop beyond every share, with the service's targets reporting 0 throughout: the whole
    service's ServiceDown fires (evaluated before the anomaly in their group), so the drop is its outage and no
    ticket. Only where every drop branch reads it (a ServiceDown digest holds back no ticket: drop_pages.py)."""
    drops = [r for r in anomaly if threshold(r) < 1]
    held = [
        r
        for r in drops
        if r.source is not None and any(_is_down(service, p) for p in stop_pages(service, r.source.tier))
    ]
    if not drops or len(held) < len(drops):
        return None
    low = Decimal(8) * (1 - max(threshold(r) for r in drops) * ABOVE)
    if low <= 0:
        return None
    hold = max(steps_after(max(r.for_seconds for r in anomaly), step), step)
    values = f"8+0x{WEEK // step - 1} {decimal_text(low)}+0x{hold // step}"
    rate = signal(service, names.SERVICE_REQUESTS_RATE, values)
    up = InputSeries("up", up_labels(service), constant(0, (WEEK + hold) // step))
    quiet = check(anomaly, WEEK + hold, lambda r: None)
    return Case(
        f"traffic: 8/s down to {decimal_text(low)}/s with every target down: ServiceDown's", step, (rate, up), (quiet,)
    )


def _relay_drop_case(service: Service, anomaly: list[Rule], step: int) -> Case | None:
    """A week at 8/s, then a drop beyond every share with the targets up, while the relay's page (`relay:`, fed as
    its ALERTS series: the relay's rules are not loaded here) fires: the drop is the relay's outage, no ticket. The
    traffic cases are the same drop without the relay's page, and ticket."""
    drops = [r for r in anomaly if threshold(r) < 1]
    pages = {
        p
        for r in drops
        if r.source is not None
        for p in stop_pages(service, r.source.tier)
        if is_relay_page(service, p)
    }
    if not drops or len(pages) != 1:
        return None
    low = Decimal(8) * (1 - max(threshold(r) for r in drops) * ABOVE)
    if low <= 0:
        return None
    hold = max(steps_after(max(r.for_seconds for r in anomaly), step), step)
    rate = signal(service, names.SERVICE_REQUESTS_RATE, f"8+0x{WEEK // step - 1} {decimal_text(low)}+0x{hold // step}")
    up = InputSeries("up", up_labels(service), constant(1, (WEEK + hold) // step))
    labels = tuple((m.label, m.value) for m in pages.pop())
    relay = InputSeries(names.ALERTS_SERIES, labels, f"_x{WEEK // step} {constant(1, hold // step)}")
    quiet = check(anomaly, WEEK + hold, lambda r: None)
    title = f"traffic: 8/s down to {decimal_text(low)}/s while the relay's {dict(labels)[names.LABEL_ALERTNAME]} fires"
    return Case(title, step, (rate, up, relay), (quiet,))


def _as_laned(service: Service, anomaly: list[Rule]) -> list[Rule]:
    """The anomaly rules as a case with its targets up throughout reads them (`_targets_up`): neither the whole
    service's ServiceDown nor its relay's fires there, so their clauses (`unless on ()`, service-wide) drop no
    lane's drop."""
    out = []
    for rule in anomaly:
        expr = rule.expr
        for page in stop_pages(service, rule.source.tier) if rule.source is not None else ():
            if _is_service_down(page):
                expr = expr.replace(stop_clause(page), "")
        out.append(replace(rule, expr=expr))
    return out


def _is_down(service: Service, page: tuple[Matcher, ...]) -> bool:
    """Whether `page` is the service's own whole-service ServiceDown (not its relay's)."""
    return _is_service_down(page) and not is_relay_page(service, page)


def _is_service_down(page: tuple[Matcher, ...]) -> bool:
    """Whether `page` is a ServiceDown (the service's own or its relay's)."""
    return Matcher(names.LABEL_ALERTNAME, "=", names.KEY_ALERT_NAMES[AlertKind.SERVICE_DOWN]) in page


def _targets_up(service: Service, anomaly: list[Rule], case: Case) -> Case:
    """The case with the service's targets up throughout, where a drop reads the whole service's ServiceDown
    (model/drop_pages.py): fed only the request rate, no `up` read as down, and the drop was held back as its stop."""
    pages = [p for r in anomaly if r.source is not None for p in stop_pages(service, r.source.tier)]
    if not any(_is_down(service, p) for p in pages):
        return case
    samples = max((c.at for c in case.alerts), default=0) // case.interval + 1
    up = InputSeries("up", up_labels(service), constant(1, samples))
    return case._replace(series=(*case.series, up))
