"""What the coarse tier has seen of an SLO (or `by:` group): when it first recorded it, and what its long windows
read over history it never saw.

The coarse tier's 1d, 3d and period windows are sums of its own 5m samples, so an SLO whose rules started an hour
ago (or a group back after a gap in its data) has an hour of samples in each. Read as a share of those samples, a
2-minute 5% blip in that hour was a 0.17% 3d window, past the 1x ticket line of a 99.9% objective, and one failed
probe of a time slice SLO was 1.3% of its 7d period, its whole budget. A long window's budget meaning is "this
share of the period's budget was spent in it": the history the rules have not seen spent none. So each long
window's ratio is the ratio over its samples times the share of the window they cover (its `coverage`), the same
as unseen time counted good at the traffic the samples show; a window the samples cover is read as before, and a
new service failing every request from its first minute reaches each line when it has spent the share of budget
the line stands for, as a burn starting on a service that has been recorded for months does.
"""

from __future__ import annotations

from compiler import conventions as names
from compiler.model.burnrate import recording_tiers
from compiler.model.units import format_duration, parse_duration

COARSE_BASE_WINDOW = "5m"  # the coarse tier sums rates over this window, one sample per coarse interval
COARSE_BASE_SECONDS = parse_duration(COARSE_BASE_WINDOW)
SINCE_GAP_INTERVALS = 3  # coarse intervals without a sample that make a gap in an SLO's (or group's) history


def since_expr(selector: str, longest: int) -> str:
    """When the coarse tier first saw the SLO (or group), kept while it is recorded without a gap (a value within
    the last SINCE_GAP_INTERVALS coarse intervals: a missed evaluation or two is no gap). Without one (a new SLO or
    group, rules upgraded on a server that already holds coarse samples, or a group back after a gap: a region
    drained for hours) it is counted back from now at the coarse interval, one per sample within `longest` (the
    longest coarse window: the period, whose coverage an upgrade must not restart): now for a new SLO, the
    samples' real start after an upgrade, and for a group back after a gap the time its samples cover. Carried
    across the gap, a drained region back for an hour read its hours away as history and one failure as several:
    past min_bad_events, a ticket."""
    bad_c, since = names.SLI_ERRORS_COARSE + selector, names.SLI_COARSE_SINCE + selector
    interval = recording_tiers().coarse_interval_seconds
    back = f"(count_over_time({bad_c}[{format_duration(longest)}]) - 1) * {interval}"
    kept = format_duration(SINCE_GAP_INTERVALS * interval)
    return f"min_over_time({since}[{kept}]) and {bad_c}\nor\ntimestamp({bad_c}) - {back}"


def coarse_ratio_expr(bad_c: str, total_c: str, since: str, window: str, seconds: int) -> str:
    """A coarse window's error ratio: its samples' bad over total, times the share of the window they cover, from
    the first one's 5m (time since the SLO was first seen, read back over the whole window so a gap in the data
    keeps the reading; at most 1). Unseen history spent no budget."""
    coverage = f"clamp_max((time() - last_over_time({since}[{window}]) + {COARSE_BASE_SECONDS}) / {seconds}, 1)"
    return f"sum_over_time({bad_c}[{window}])\n/\n(sum_over_time({total_c}[{window}]) > 0)\n* {coverage}"


def guard_rate_expr(selector: str, window: str, seconds: int, bridge_seconds: int) -> str:
    """The window's bad events a second: its mean 5m rate times the time its samples cover (from the first
    one's 5m: at most the window and one 5m more, since a full window holds one sample more than it has
    intervals, both ends being selected; capped at the window alone, 3 failures read 2.998 in 1d), over the
    window. The mean alone took hours of history (a new SLO, a group
    first seen today) for a whole window: one failure at a request a minute read as ~12 events in 1d, past
    min_bad_events, a ticket. The span is the recorded first sample's time, not a count of samples: promtool
    evaluates every group at every step of a test, so a count would differ between tests and a server (it only
    starts a series that has none); nor a subquery over timestamps (864 steps an evaluation for 3d). The newest
    first-seen time of the gap the record bridges: the record is missing at an evaluation whose 5m rate is empty
    (a target scraped every 2m that failed a scrape), and the instant alone dropped the guard there, restarting
    the ticket's `for`. The first-seen time is read as far back as `bridge_seconds` (the short window of the pair
    over this window): a scrape gap (no samples at all) shorter than that keeps the guard, and so the ticket
    (round 41: a 45-minute gap during an outage resolved the ticket 20 minutes in and fired it again after it, a
    second notification, when only 15 minutes were bridged); data that never returns lets the ticket go once the
    short window, which then holds nothing either, has passed (SLODataMissing says why). The gap's time counts
    at the window's mean rate."""
    return f"{guard_count_expr(selector, window, seconds, bridge_seconds)} / {seconds}"


def guard_count_expr(selector: str, window: str, seconds: int, bridge_seconds: int) -> str:
    """The window's bad events as the guard counts them (`guard_rate_expr` times the window): any window, so the
    1d/2h ticket's burst record can read its 6h window from the same coarse samples and span as its 1d one."""
    bad_c, since = names.SLI_ERRORS_COARSE + selector, names.SLI_COARSE_SINCE + selector
    kept = format_duration(max(bridge_seconds, SINCE_GAP_INTERVALS * recording_tiers().coarse_interval_seconds))
    span = (
        f"clamp_max(time() - last_over_time({since}[{kept}]) + {COARSE_BASE_SECONDS}, {seconds + COARSE_BASE_SECONDS})"
    )
    return f"avg_over_time({bad_c}[{window}]) * {span}"
