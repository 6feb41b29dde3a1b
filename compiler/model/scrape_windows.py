"""Burn windows against the platform's scrape interval (`defaults.slo_alerts.scrape_interval`).

A rate needs two samples of a target inside its window: a window shorter than twice the scrape interval
holds one, so its rate reads nothing and the pair's alert falls back on its longer windows (a page stays up
long after the burn stopped). obsc's own rates are 5m (key and threshold alerts, the coarse tier, the
built-in short windows), so a scrape interval longer than 2m30s is refused outright.

Samples that reach the rule evaluator late (remote write from an agent, a federation or receive relay:
`slo_alerts.ingest_delay`) leave a window only its arrived part, the window less the delay: it must still hold
two scrapes. Round 47 measured it live on Prometheus 2.42: a 1m scrape 4m30s late and a 2m scrape 3m late read
no 5m SLO record from minute 10 and SLODataMissing fired on healthy services; 1m scrapes 3m late stayed quiet."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from compiler.model.alert_kinds import SIGNAL_SECONDS
from compiler.model.build_context import Layer
from compiler.model.units import duration_or_none, format_duration, parse_duration, parse_duration_seconds

# Prometheus's own default scrape_interval: what obsc assumes when the platform does not say
DEFAULT_SCRAPE_SECONDS = 60
# The shortest time slice: Prometheus's default evaluation_interval, the slowest a slice count may assume a
# rule group is evaluated at (a slower group counts one evaluation in several slices)
MIN_SLICE_SECONDS = 60
# obsc's fixed rate window (key alerts, threshold alerts on counters, the coarse tier's sums): one constant
FIXED_RATE_SECONDS = SIGNAL_SECONDS


def declared_scrape_seconds(slo_alerts: Mapping[str, Any]) -> int:
    """The platform's scrape interval in seconds (Prometheus's default 1m where unsaid or unreadable: the
    schema and check_windows_against_scrapes refuse what does not parse)."""
    try:
        scrape = parse_duration(str(slo_alerts.get("scrape_interval") or f"{DEFAULT_SCRAPE_SECONDS}s"))
    except ValueError:
        return DEFAULT_SCRAPE_SECONDS
    return scrape if scrape > 0 else DEFAULT_SCRAPE_SECONDS


# A latency SLI's threshold bucket is gone once it missed this many of its requests' scrapes in a row
# (queries.unbucketed_now): the scrapes of BUCKET_LATE_SECONDS and one more, at least 2. Two scrapes at a 15s
# interval took a bucket whose remote-write shard ran 30s behind the `+Inf` bucket's for gone, and its series left
# the SLI (SLODataMissing on a healthy service). Counted in time, a bucket up to a minute late stays at any interval
# and a vanished one's requests read as slow for a minute at most (one scrape interval above 1m), as at 1m before.
BUCKET_LATE_SECONDS = 60


def bucket_missed_scrapes(scrape_seconds: int) -> int:
    return 1 + max(1, -(-BUCKET_LATE_SECONDS // scrape_seconds))


def slice_seconds(slo_alerts: Mapping[str, Any]) -> int:
    """One time slice of a time-slice or freshness SLI, what its counts (min_bad_events, the hold gate) count:
    the platform's scrape interval, at least a minute. A slice counted per evaluation made one failed 1m scrape
    4 bad slices at a 15s interval; counted per scrape it is one at any interval up to the slice. A target
    scraped faster than a minute is counted in minutes: the rule group may be evaluated only once a minute
    (Prometheus's default), and one evaluation must not count as several slices."""
    return max(declared_scrape_seconds(slo_alerts), MIN_SLICE_SECONDS)


def check_windows_against_scrapes(defaults: Layer) -> None:
    """Every window of the platform's catalogs holds at least two scrapes after the declared ingest delay, and
    obsc's fixed 5m rates do too; each miss is a located error. Rows or values the schema or the catalog check
    refuse are left to them."""
    slo_alerts = defaults.data.get("slo_alerts") or {}
    base = (*defaults.base, "slo_alerts")
    written = slo_alerts.get("scrape_interval")
    try:
        scrape = DEFAULT_SCRAPE_SECONDS if written is None else parse_duration(str(written))
        delay = parse_duration(str(slo_alerts.get("ingest_delay") or "0s"))
    except ValueError:
        return
    if written is not None and parse_duration_seconds(str(written)) != scrape:
        # Read in whole seconds, 1500ms was 1s and 500ms was "not above 0s": counted scrapes came out wrong
        defaults.ctx.error((*base, "scrape_interval"), _not_whole(str(written), scrape))
        return
    if written is not None and not 0 < scrape <= FIXED_RATE_SECONDS // 2:
        defaults.ctx.error((*base, "scrape_interval"), _too_slow(scrape))
        return
    said = format_duration(scrape) + (", slo_alerts.scrape_interval" if written else ", Prometheus's default")
    if delay and 2 * scrape + delay > FIXED_RATE_SECONDS:
        defaults.ctx.error((*base, "ingest_delay"), _too_late(delay, scrape, said))
        return
    for period, rows in (slo_alerts.get("windows") or {}).items():
        for i, row in enumerate(rows or ()):
            for field in ("short", "long"):
                seconds = duration_or_none((row or {}).get(field) if isinstance(row, dict) else None)
                if seconds is not None and seconds < 2 * scrape + delay:
                    where = (*base, "windows", str(period), i, field)
                    defaults.ctx.error(where, _too_short(row, field, said, scrape, delay))
                    break


def _not_whole(written: str, scrape: int) -> str:
    near = format_duration(scrape + 1) if scrape < 1 else f"{format_duration(scrape)} or {format_duration(scrape + 1)}"
    return (
        f"scrape_interval {written}: obsc counts scrapes in whole seconds (a bucket's missed scrapes, a time "
        f"slice), so an interval of part of a second would be counted wrong; write {near}, the interval nearest "
        "yours that obsc can count"
    )


def _too_slow(scrape: int) -> str:
    if scrape <= 0:
        return "scrape_interval must be above 0s"
    return (
        f"scrape_interval {format_duration(scrape)}: obsc's 5m rates (key alerts, threshold alerts on counters, the "
        "built-in burn windows) need two samples of a target in 5m, so targets must be scraped every 2m30s or "
        "faster; a slower target reads as no data"
    )


def _too_late(delay: int, scrape: int, said: str) -> str:
    arrived = FIXED_RATE_SECONDS - delay
    faster = format_duration(arrived // 2) if arrived >= 2 else ""
    scrape_faster = f"scrape every {faster} or faster" if faster else "no scrape interval can make up for it"
    cut = FIXED_RATE_SECONDS - 2 * scrape
    return (
        f"ingest_delay {format_duration(delay)} with the scrape interval ({said}): obsc's 5m rates (the SLOs' "
        f"5m windows, key and threshold alerts) see only the {format_duration(max(arrived, 0))} of each 5m that "
        "has arrived, less than two scrapes of a target, so a healthy service reads as no data "
        f"(SLODataMissing) and the fast page pairs cannot fire; {scrape_faster}, or bring the delay down to "
        f"{format_duration(cut)} or less (Prometheus 2.42 rules cannot read with an offset)"
    )


def _too_short(row: dict[str, object], field: str, said: str, scrape: int, delay: int = 0) -> str:
    faster = (
        "" if "scrape_interval" in said else ", or set slo_alerts.scrape_interval if every target is scraped faster"
    )
    if delay:
        return (
            f"the {row.get('long')}/{row.get('short')} pair's {field} window {row.get(field)} is shorter than twice "
            f"the scrape interval ({said}) plus the ingest_delay {format_duration(delay)}: the part of it that has "
            f"arrived holds at most one sample of a target, so it reads no data; use a window of at least "
            f"{format_duration(2 * scrape + delay)}{faster}"
        )
    return (
        f"the {row.get('long')}/{row.get('short')} pair's {field} window {row.get(field)} is shorter than twice "
        f"the scrape interval ({said}): a rate over it holds at most one sample of a target, so it reads no "
        f"data; use a window of at least {format_duration(2 * scrape)}{faster}"
    )
