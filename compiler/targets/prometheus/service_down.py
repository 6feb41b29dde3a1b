"""ServiceDown's condition: no instance up now, or none up most of the recent past (a crash loop).

Held for its `for` alone, `(sum(up) or vector(0)) == 0` missed a service in a crash loop: up for a scrape at each
restart (one minute in four, its clients refused, which its own metrics never count), each restarting the hold,
so nothing paged. The condition also holds while no instance was up at more than half of its scrapes of the last
twice the hold. Half is down (round 47): a loop up 5 minutes in 10, scraped off the evaluation's beat, is up at
exactly half of every 10m window, and `< 0.5` never paged it. An outage shorter than the hold is down for less than
half of the window (so it changes nothing); one instance down while another serves, a scale-down, a rolling deploy
(the replaced instances were up at their scrapes, and stay in the window) do not fire it; and a range of raw
samples reads the same at any query step (vmalert's, promtool's).

Every scrape, not minute points: the branch read `sum(up) == 0` at 1m subquery steps (round 27), and with 15s or 30s
scrapes a loop whose period is a multiple of a minute can be up at every minute boundary: up 10s of every 60s
(83% down) or 45s of 120s never paged, in 17% to 75% of the phases (round 45, Prometheus 2.42). A subquery step
of the scrape interval would only help where the platform declares it (`slo_alerts.scrape_interval`); each
target's own samples need no interval. The cost of reading per target: instances whose crash loops interleave
(each up under half the time, never all down at once) page too, as they should (every instance restarting,
requests failing at each crash).

A crash loop whose every restart is a new instance (a new pod IP or port) is read on the service as a whole (round
47): each such instance is up for its whole short life, so no per-target share sees it. Its moments are 15s apart
(CHURN_STEP), a moment with no target is down, and a target before the window keeps the moments before a new
service's first target from reading as down.

One loop, one page (round 50): the shares were read now, and held for the `for`. A loop whose share of twice the
hold hovers around a half flipped them at every restart, and each flip restarted the hold: down 2.5m and up 2m for
40 minutes (`up` 0 55% of the time) never paged (round 49); over a grid of 1,096 loops (down and up 0.5-10m,
promtool) 55 of the 492 that must page never did, and 94 paged more than once (tests/test_service_down_loop_grid.py).
So each share counts while it was at half or less at some evaluation of the last hold: a loop down half
the time or more dips there at least once a period (its mean is at most a half), and, its stretches down under the
hold, its period is under twice the hold; a stretch down a hold or longer keeps a share at half or less for a hold
after it ends, so the condition holds for twice the hold after it, and a loop of such stretches up less than that
between them is one page. The costs: a page ends up to twice the hold after the targets return (it ended within a
hold); a burst of restarts down half of twice the hold pages, up to a hold after it ended (it paged only while it
lasted a hold). A single restart shorter than the hold, a target up 95% of the time, one target of several, a
rolling deploy still page nothing. The churn branch's target before the window is now before the whole window:
a new service's moments before its first target read as down, and held for a hold more, paged.

A group's alert (model/down_groups.py) has the same per-target branch per group (round 28: one cluster's only proxy in a
crash loop paged nobody while the other clusters reported), kept only while the group has targets now: a group
whose targets go (a cluster drained, its targets removed a scrape after reporting 0) is no group any more, not
one down most of the window.

A service that scales to zero says `missing: ignore` (model/saturation_missing.py): no `up` series at all is then
idle, not down, and only targets that exist and all report 0 (or mostly did: the crash-loop branch, which reads
only the samples there are) fire.
"""

from __future__ import annotations

from compiler.model.units import format_duration

HALF_AND_ROUNDING = "0.500001"
# The churn branch's moments: at scrapes of 15s or more each is read (a subquery step over the scrape interval
# skipped scrapes, and missed loops in phase with it: round 45); oversampling a 1m scrape costs 4x, no error.
CHURN_STEP = "15s"
LOOK_STEP = "1m"  # the evaluations a branch looks back over (the default evaluation interval)


def service_down_expr(up: str, hold_seconds: int, absent_is_down: bool = True) -> str:
    """`up` is the service's `up{...}` selector; without `absent_is_down`, no series at all is not down."""
    down = f"(sum({up}) or vector(0)) == 0" if absent_is_down else f"sum({up}) == 0"
    if hold_seconds <= 0:
        return down
    window, hold = format_duration(2 * hold_seconds), format_duration(hold_seconds)
    look = LOOK_STEP if hold_seconds >= 60 else CHURN_STEP
    mostly = f"min_over_time(max(avg_over_time({up}[{window}]))[{hold}:{look}]) < {HALF_AND_ROUNDING}"
    if not absent_is_down:  # scaled to zero, a time with no target is idle: no churn to read
        return f"{down}\nor on ()\n{mostly}"
    moments = f"avg_over_time((max({up}) or on () vector(0))[{window}:{CHURN_STEP}])"
    churned = f"min_over_time({moments}[{hold}:{look}]) < {HALF_AND_ROUNDING}"
    guard = f"count(last_over_time({up}[{window}] offset {window}))"  # a target before the window
    return "\n".join([down, "or on ()", mostly, "or on ()", f"({churned}\nand on () {guard})"])


def group_down_expr(up: str, split: tuple[str, ...], hold_seconds: int) -> str:
    """The groups of `split` whose targets (`up`, the service's series carrying the split's labels) all report 0,
    or, under a hold, were each up at half or fewer of their scrapes of twice the hold while the group reports now."""
    by = ", ".join(split)
    grouped = f"sum by ({by}) ({up})"
    down = f"{grouped} == 0"
    if hold_seconds <= 0:
        return down
    mostly = _mostly(up, f" by ({by}) ", hold_seconds)
    return f"{down}\nor\n({mostly}\nand\n{grouped})"


def _mostly(up: str, by: str, hold_seconds: int) -> str:
    """No target of `up` up at more than half of its own samples of twice the hold: every scrape read, at any scrape
    interval. Only the samples there are count: a gap (sparse test input, a target gone) is no reading of "down"."""
    window = format_duration(2 * hold_seconds)
    # Half is down, but avg_over_time's running mean reads 20 ups of 40 as 0.5 plus a rounding error at some
    # orders of the samples (Prometheus 2.42: one evaluation in ten of an exact-half loop): any share over half
    # of under a million samples is at least 0.500001.
    return f"max{by}(avg_over_time({up}[{window}])) < {HALF_AND_ROUNDING}"


def crash_loop_text(hold_seconds: int, churn: bool = True) -> str:
    """The sentence ServiceDown's description adds for its crash-loop branches (`churn`: absent is down)."""
    if hold_seconds <= 0:
        return ""
    window, hold = format_duration(2 * hold_seconds), format_duration(hold_seconds)
    return (
        f" Or, at some minute of the last {hold}, every instance was up at half or fewer of its scrapes in the "
        f"{window} before"
        + (", or the service had an instance up at half or fewer of its moments" if churn else "")
        + " (a crash loop, up for a scrape now and then"
        + (", or a new instance at each restart)" if churn else ")")
        + f"; one loop is one page, which ends up to {window} after the instances return."
    )
