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

A group's alert (model/down_groups.py) reads the same branches per group, one text for both (round 28: one
cluster's only proxy in a crash loop paged nobody while the other clusters reported). Until round 51 it kept the
shares read now and held for the `for`, and had no moments branch: over a grid of group loops (one region looping
while another serves, the same instance or a new one per restart; tests/test_group_down_loop_grid.py), 108 of the
180 that must page never did or paged more than once. Both count while the group reports now: a group whose
targets go (a cluster drained, its targets removed a scrape after reporting 0) is no group any more, not one down
most of the window; and a group's moment without a target is none of its moments (read as down, a cluster gone
5 to 12 minutes and back paged as it came back).

A group whose every restart is a new instance with nothing scraped between lives (ECS tasks: no 0 while down) is
gone at each crash, so none of the above sees it: over a grid (down and up 0.5-10m, 30s scrapes 5s off the beat and
60s scrapes) 90 of the 90 such loops that must page never did (round 51). `up` alone cannot tell its first crash from
a cluster gone once and back, which must stay quiet; the second can: a group gone at least twice in eight holds
(loop_gone) reads its gone moments as down, and a group gone now as down, as the whole service does. The cost: such a
loop whose stretches down are a hold or longer pages after its second crash, up to 24 minutes into the loop at a 5m
hold (it never paged); a cluster drained twice within eight holds, gone long enough, pages as it returns.

Holds of hours to the schema's 7d (round 54): read at 15s moments and 1m looks, the moments branch held every
target at each moment of three holds (120,961 samples per target at 7d: a server's 50,000,000 from ~414 targets)
and each share re-read twice the hold at each minute of the hold. Past LONG_HOLD (2h) a branch reads at most
MOST_LOOKS steps of the hold and MOST_MOMENTS moments of twice the hold, and a target's share sums its samples in
chunks of a look (every sample counted once, as a share of raw samples is), so a series holds about 1,440 moments
and 360 chunk sums at once whatever the hold. The costs: the shares' window ends at the last look step, so a loop
is read up to a look later (12m at 1d, 84m at 7d), and a churning loop whose period divides the moments' step
could read in phase (the step is an odd multiple of 15s: a loop of whole minutes never divides it).

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
# A group gone twice within this many holds is a crash loop (loop_gone): two of its restarts, a loop's period being
# at most a stretch down and twice the hold up, fall within eight holds wherever the window lies.
GONE_LOOK_HOLDS = 8
# ... for holds up to this (seconds). The branch reads eight holds at CHURN_STEP, each step a last_over_time over
# twice the hold: samples grow with the hold's square, and a grouped 30m hold's generated test went over the 10,000
# samples a query holds at once in promtool's test engine (the clean clone, round 52; Prometheus 2.42's
# promql.NewLazyLoader, which `promtool test rules` runs on, sets MaxSamples 10,000; a server's --query.max-samples
# is 50,000,000). Longer holds keep round 51's reading (such a loop unpaged); promtool/loop_samples.py.
GONE_MAX_HOLD = 600
# Holds past this (seconds) read coarser (round 54). At 15s moments and 1m looks the moments branch held every
# target at each moment of three holds (3 x hold / 15s: 120,961 per target at 7d, past a server's 50,000,000 from
# ~414 targets) and each share window re-read twice the hold at each minute of the hold. Up to 2h the rules are
# those before; past it a branch reads at most MOST_LOOKS evaluations of the hold and MOST_MOMENTS moments of
# twice the hold, and the shares sum raw samples in chunks of a look: per series and evaluation, about 3 x
# MOST_MOMENTS / 2 moments and 3 x MOST_LOOKS chunks, whatever the hold.
LONG_HOLD = 7200
MOST_LOOKS = 120  # the evaluations of the last hold read at 1m steps at LONG_HOLD
MOST_MOMENTS = 960  # the moments of twice the hold read at 15s steps at LONG_HOLD


def look_seconds(hold_seconds: int) -> int:
    """The step of the evaluations a crash-loop branch looks back over (the last hold's): 1m (15s under a minute's
    hold), and past LONG_HOLD the whole minutes that keep them to MOST_LOOKS (2m at 4h, 12m at 1d, 84m at 7d)."""
    if hold_seconds <= LONG_HOLD:
        return 60 if hold_seconds >= 60 else 15
    return 60 * -(-hold_seconds // (60 * MOST_LOOKS))


def moment_seconds(hold_seconds: int) -> int:
    """The step of the churn branch's moments: 15s, and past LONG_HOLD the multiple of 15s that keeps twice the hold
    to MOST_MOMENTS, taken odd (45s at 4h, 3m15s at 1d, 21m15s at 7d): a loop whose period is whole minutes is then
    never a divisor of the step, so its moments fall on four or more phases of it, not on the same one each time."""
    if hold_seconds <= LONG_HOLD:
        return 15
    fifteens = -(-2 * hold_seconds // (15 * MOST_MOMENTS))
    return 15 * (fifteens | 1)


def reads_chunks(hold_seconds: int) -> bool:
    """Whether the crash-loop branches read raw samples in chunks of a look (holds past LONG_HOLD)."""
    return hold_seconds > LONG_HOLD


def reads_gone_loops(hold_seconds: int) -> bool:
    """Whether a group's ServiceDown under `hold_seconds` reads a loop gone at each crash (loop_gone)."""
    return 0 < hold_seconds <= GONE_MAX_HOLD


def service_down_expr(up: str, hold_seconds: int, absent_is_down: bool = True) -> str:
    """`up` is the service's `up{...}` selector; without `absent_is_down`, no series at all is not down."""
    down = f"(sum({up}) or vector(0)) == 0" if absent_is_down else f"sum({up}) == 0"
    if hold_seconds <= 0:
        return down
    branches = [down, loop_shares(up, (), hold_seconds)]
    if absent_is_down:  # scaled to zero, a time with no target is idle: no churn to read
        branches.append(f"({loop_moments(up, (), hold_seconds)})")
    return "\nor on ()\n".join(branches)


def group_down_expr(up: str, split: tuple[str, ...], hold_seconds: int, absent_is_down: bool = True) -> str:
    """The groups of `split` whose targets (`up`, the service's series carrying the split's labels) all report 0,
    or, under a hold, were in a crash loop, read per group as the service's is (its targets' shares, its moments),
    while the group reports now: a group whose targets go (a cluster drained) is no group any more, not one down;
    or gone at each crash (loop_gone), unless a group without targets is idle (`absent_is_down` off)."""
    by = ", ".join(split)
    grouped = f"sum by ({by}) ({up})"
    down = f"{grouped} == 0"
    if hold_seconds <= 0:
        return down
    on = f"on ({by})"
    looping = f"{loop_shares(up, split, hold_seconds)}\n    or {on}\n    {loop_moments(up, split, hold_seconds)}"
    reporting = f"{down}\nor {on}\n(\n  (\n    {looping}\n  )\n  and {on}\n  {grouped}\n)"
    if not absent_is_down or not reads_gone_loops(hold_seconds):  # scaled to zero and back: idle twice, not a loop
        return reporting
    return f"{reporting}\nor {on}\n(\n  {loop_gone(up, split, hold_seconds)}\n)"


def loop_gone(up: str, split: tuple[str, ...], hold_seconds: int) -> str:
    """Each group's crash loop whose every restart is a new instance with nothing scraped between lives (ECS tasks,
    no 0 while down): gone at every crash, so no moment of it is down and loop_moments never sees it. Its moments
    read gone as down (within twice the hold of a target), once the group went at least twice in the last eight
    holds: a group gone once and back (a cluster drained and returned, 5 to 12 minutes) is no loop."""
    on, window, hold = f"on ({', '.join(split)})", format_duration(2 * hold_seconds), format_duration(hold_seconds)
    known = f"0 * group{_by(split)}(last_over_time({up}[{window}]))"
    moments = f"(max{_by(split)}({up}) or {on} {known}){moment_steps(hold_seconds)}"
    share = f"sum_over_time({moments}) / count_over_time({moments})"
    churned = f"min_over_time(({share})[{hold}:{_look(hold_seconds)}]) < {HALF_AND_ROUNDING}"
    present = f"group{_by(split)}({up})"
    gone_now = f"{known} unless {on} {present}"
    gone_twice = (
        f"resets(({present} or {on} {known})[{format_duration(GONE_LOOK_HOLDS * hold_seconds)}:{CHURN_STEP}]) >= 2"
    )
    return f"(\n    {churned}\n    or {on}\n    {gone_now}\n  )\n  and {on}\n  {gone_twice}"


def loop_shares(up: str, split: tuple[str, ...], hold_seconds: int) -> str:
    """The service's (`split` empty) or each group's crash loop by its targets' shares: at some evaluation of the
    last hold, no target of `up` was up at more than half of its own samples of twice the hold. Every scrape read,
    at any scrape interval; only the samples there are (a gap, a target gone, is no reading of "down")."""
    window, hold = format_duration(2 * hold_seconds), format_duration(hold_seconds)
    if reads_chunks(hold_seconds):  # each target's samples summed a look at a time: a window per chunk, not 2 holds
        up_sum, up_count = (_chunks(kind, up, 2 * hold_seconds, hold_seconds) for kind in ("sum", "count"))
        shares = f"max{_by(split)}({up_sum} / {up_count})"
        return f"min_over_time({shares}[{hold}:{_look(hold_seconds)}]) < {HALF_AND_ROUNDING}"
    # Half is down, but avg_over_time's running mean reads 20 ups of 40 as 0.5 plus a rounding error at some
    # orders of the samples (Prometheus 2.42: one evaluation in ten of an exact-half loop): any share over half
    # of under a million samples is at least 0.500001.
    shares = f"max{_by(split)}(avg_over_time({up}[{window}]))"
    return f"min_over_time({shares}[{hold}:{_look(hold_seconds)}]) < {HALF_AND_ROUNDING}"


def loop_moments(up: str, split: tuple[str, ...], hold_seconds: int) -> str:
    """The service's (`split` empty) or each group's crash loop by its moments (a new instance per restart, each
    up for its whole short life): at some evaluation of the last hold, it had a target up at half or fewer of the
    moments of twice the hold. A moment with no target of the service is down (absent is down), once the service had
    a target before that window (else a new service's moments before its first target read as down); one with no
    target of a group is no moment of it: a group with none is no group (a cluster drained, and back 7 minutes
    later, read its gap as down and paged as it came back)."""
    window, hold = format_duration(2 * hold_seconds), format_duration(hold_seconds)
    steps = moment_steps(hold_seconds)
    moments = f"max{_by(split)}({up}){steps}"
    if split:
        share = f"sum_over_time({moments}) / count_over_time({moments})"
        return f"min_over_time(({share})[{hold}:{_look(hold_seconds)}]) < {HALF_AND_ROUNDING}"
    share = f"sum_over_time({moments}) / scalar(count_over_time(vector(1){steps}))"
    churned = f"min_over_time(({share})[{hold}:{_look(hold_seconds)}]) < {HALF_AND_ROUNDING}"
    if reads_chunks(hold_seconds):
        before = _chunks("last", up, 2 * hold_seconds, hold_seconds, f" offset {window}")
        return f"{churned}\nand on () count({before})"
    return f"{churned}\nand on () count(last_over_time({up}[{window}] offset {window}))"


def _chunks(kind: str, up: str, span_seconds: int, hold_seconds: int, offset: str = "") -> str:
    """`kind`_over_time of `up`'s samples in the `span_seconds` before, read a look at a time (chunks of a look less
    a millisecond, at the look's steps: each sample in one chunk; the span ends at the last look's step)."""
    look = look_seconds(hold_seconds)
    chunk = f"{format_duration(look - 1)}999ms"
    span = f"{format_duration(span_seconds - 1)}999ms"
    outer = "sum" if kind == "count" else kind
    return f"{outer}_over_time({kind}_over_time({up}[{chunk}])[{span}:{format_duration(look)}]{offset})"


def moment_steps(hold_seconds: int) -> str:
    """The moments' subquery range, twice the hold less a millisecond: a subquery reads both ends (2.42), so at
    evaluations on the steps' beat (promtool's; a server's whose group offset falls on it) a loop up at exactly half
    of its moments read 21 of 41 and never paged, where off the beat it read 20 of 40 (round 51). Now every
    evaluation reads 2 x hold / CHURN_STEP moments."""
    step = CHURN_STEP if not reads_chunks(hold_seconds) else format_duration(moment_seconds(hold_seconds))
    return f"[{format_duration(2 * hold_seconds - 1)}999ms:{step}]"


def reads_churn(expr: str, hold_seconds: int) -> bool:
    """Whether a ServiceDown expression reads the whole service's moments (absent is down) over this hold."""
    return hold_seconds > 0 and f"count_over_time(vector(1){moment_steps(hold_seconds)})" in expr


def _by(split: tuple[str, ...]) -> str:
    return f" by ({', '.join(split)}) " if split else ""


def _look(hold_seconds: int) -> str:
    return format_duration(look_seconds(hold_seconds))


def crash_loop_text(hold_seconds: int, churn: bool = True, where: str = "") -> str:
    """The sentence ServiceDown's description adds for its crash-loop branches (`churn`: absent is down; `where`:
    the template naming a group's labels, read on the group's alert)."""
    if hold_seconds <= 0:
        return ""
    window, hold = format_duration(2 * hold_seconds), format_duration(hold_seconds)
    when, moments, ends = "minute", "moments", window
    if reads_chunks(hold_seconds):  # past LONG_HOLD: read at coarser steps, said so
        when = f"{format_duration(look_seconds(hold_seconds))} step"
        ends = format_duration(2 * hold_seconds + look_seconds(hold_seconds))  # the shares end at the last look
        moments = f"moments (one every {format_duration(moment_seconds(hold_seconds))})"
    return (
        f" Or, at some {when} of the last {hold}, every instance{where} was up at half or fewer of its scrapes in the "
        f"{window} before"
        + (f", or the service{where} had an instance up at half or fewer of its {moments}" if churn else "")
        + " (a crash loop, up for a scrape now and then"
        + (", or a new instance at each restart)" if churn else ")")
        + (
            f"; a group gone at least twice in the last {format_duration(GONE_LOOK_HOLDS * hold_seconds)} reads its "
            "moments without an instance as down (none scraped between restarts)"
            if churn and where and reads_gone_loops(hold_seconds)
            else ""
        )
        + f"; one loop is one page, which ends up to {ends} after the instances return."
    )
