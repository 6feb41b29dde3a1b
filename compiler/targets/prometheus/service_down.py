"""ServiceDown's condition: no instance up now, or none up most of the recent past (a crash loop).

Held for its `for` alone, `(sum(up) or vector(0)) == 0` missed a service in a crash loop: up for a scrape at each
restart (one minute in four, its clients refused, which its own metrics never count), each restarting the hold,
so nothing paged. The condition also holds while no instance was up more than half of the last twice the hold,
read at 1m steps. The twins' branch (missing_sparse: 3/4 of 4/3 of the hold, at the default step) does not carry
over: at a 5m hold it reads 7 points, and a 1-in-4 loop is 5/7 and 6/7 down in turn, so the hold never
completes. Here a loop up one time in three or less often is always past the half; an outage shorter than the
hold is down for at most half of the window (so it changes nothing), and a fixed step keeps a failed scrape on a
5-minute-aligned point of vmalert's default query step from reading as half the window. The cost: after a long
outage the condition ends up to a hold after recovery (then `keep_firing_for`).

A group's alert (model/down_groups.py) has the same branch per group (round 28: one cluster's only proxy in a
crash loop paged nobody while the other clusters reported), kept only while the group has targets now: a group
whose targets go (a cluster drained, its targets removed a scrape after reporting 0) is no group any more, not
one down most of the window.

A service that scales to zero says `missing: ignore` (model/saturation_missing.py): no `up` series at all is then
idle, not down, and only targets that exist and all report 0 (or mostly did: the crash-loop branch, which reads
only the steps with series) fire.
"""

from __future__ import annotations

from compiler.model.units import format_duration

STEP = "1m"


def service_down_expr(up: str, hold_seconds: int, absent_is_down: bool = True) -> str:
    """`up` is the service's `up{...}` selector; without `absent_is_down`, no series at all is not down."""
    down = f"(sum({up}) or vector(0)) == 0" if absent_is_down else f"sum({up}) == 0"
    if hold_seconds <= 0:
        return down
    return f"{down}\nor on ()\n{_mostly(f'sum({up}) == 0', f'sum({up})', hold_seconds)}"


def group_down_expr(grouped: str, hold_seconds: int) -> str:
    """The groups of `grouped` (targets up per group, `queries.up_per_group`) whose targets all report 0, or,
    under a hold, mostly did in the last twice the hold while they report now."""
    down = f"{grouped} == 0"
    if hold_seconds <= 0:
        return down
    return f"{down}\nor\n({_mostly(down, grouped, hold_seconds)}\nand\n{grouped})"


def _mostly(down: str, present: str, hold_seconds: int) -> str:
    """`down` held at more than half of the 1m steps of twice the hold at which `present` had series: a gap
    in them (a scale-down, sparse test input) is the plain condition's to judge, not a reading of "down"."""
    window = format_duration(2 * hold_seconds)
    return f"count_over_time(({down})[{window}:{STEP}]) / count_over_time({present}[{window}:{STEP}]) > 0.5"


def crash_loop_text(hold_seconds: int) -> str:
    """The sentence ServiceDown's description adds for its crash-loop branch."""
    if hold_seconds <= 0:
        return ""
    window = format_duration(2 * hold_seconds)
    return f" Or no instance was up more than half of the last {window} (a crash loop, up for a scrape now and then)."
