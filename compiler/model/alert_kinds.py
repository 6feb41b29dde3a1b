"""The catalog of key-metric alert kinds: what each threshold means and what it needs."""

from __future__ import annotations

from dataclasses import dataclass

from compiler.model.types import AlertKind, ThresholdType, Tier
from compiler.model.units import format_duration


@dataclass(frozen=True)
class KindInfo:
    threshold: ThresholdType
    requires: tuple[str, ...]  # metric names the alert reads; missing → alert skipped (explained with -v)
    default_for: dict[Tier, int]  # seconds of `for:` per tier
    meaning: str


_PAGE_FOR = {Tier.CRITICAL: 300, Tier.WARNING: 900, Tier.INFO: 0}

# Notices of an event (a rollout completed, an error type appeared, traffic set a 7-day high): each one's
# condition holds for the hour after the event (keyalerts.py: DEPLOY_LOOKBACK, NEW_ERROR_GRACE, the 1h
# maximum), whatever happens next. A `for` cannot debounce them, only delay them, and one of an hour or more
# silences every event. Up to EVENT_MAX_FOR leaves the alert half that hour, and the generated promtool
# test can show it firing at its 30m steps.
EVENT_KINDS = frozenset({AlertKind.DEPLOYMENT, AlertKind.NEW_ERROR_TYPE, AlertKind.TRAFFIC_MILESTONE})
EVENT_MAX_FOR = 1800
SIGNAL_SECONDS = 300  # the window of the key alerts' rates and ratios (5m)
# How long a firing key-metric or threshold alert outlives its condition (`keep_firing_for`). Without it one
# incident paged again and again: a crash-looping service is up for one scrape every few minutes (ServiceDown
# resolved and re-paged every 11 minutes), and a scrape gap of a few minutes empties the 5m rate a firing
# error-rate page reads (resolved, then paged again after its `for`). Events are held an hour by their own
# expressions and need none; ServiceDown with a hold has a crash-loop branch of its own instead (service_down.py:
# with both, an instance failing one scrape in five after an outage kept its page up for good).
KEEP_FIRING_SECONDS = 300
# How long a key-metric or threshold alert reads a recorded signal's last value after it vanished (at least;
# thresholds.last_value_seconds for an alert with a missing-data twin). A failed scrape marks every series of
# its target stale at once (no 5-minute lookback), so a gauge's signal went absent for one evaluation and the
# alert's pending `for` started over: a flaky exporter failing a scrape every 8 minutes kept a 10m hold from
# ever completing, a 1h hold on a certificate probe failing hourly likewise.
SCRAPE_GAP_SECONDS = 300
# Any alert's longest `for`: its generated test feeds samples across the hold, and a hold of weeks never pages
# in time (a year made a one-service compile take 71 s).
MAX_FOR = 7 * 86400


def long_hold(written: str, what: str) -> str:
    """The message for a `for` over MAX_FOR (`what`: "an alert", "a threshold alert")."""
    return (
        f"for: {written} is longer than {format_duration(MAX_FOR)}; {what} held that long never pages in time "
        "(use an SLO for slow trends)"
    )


KINDS: dict[AlertKind, KindInfo] = {
    AlertKind.ERROR_RATE: KindInfo(
        ThresholdType.RATIO, ("requests", "errors"), _PAGE_FOR, "share of requests that fail"
    ),
    AlertKind.LATENCY_P99: KindInfo(ThresholdType.DURATION, ("latency",), _PAGE_FOR, "99th percentile request latency"),
    AlertKind.SERVICE_DOWN: KindInfo(
        ThresholdType.FLAG,
        (),
        {Tier.CRITICAL: 300, Tier.WARNING: 300, Tier.INFO: 300},
        "no instance of the service is up (or none is scraped)",
    ),
    AlertKind.CPU: KindInfo(ThresholdType.RATIO, ("cpu",), {t: 900 for t in Tier}, "CPU utilisation"),
    AlertKind.MEMORY: KindInfo(ThresholdType.RATIO, ("memory",), {t: 900 for t in Tier}, "memory utilisation"),
    AlertKind.DISK: KindInfo(ThresholdType.RATIO, ("disk",), {t: 900 for t in Tier}, "disk utilisation"),
    AlertKind.DISK_FULL: KindInfo(
        ThresholdType.DURATION, ("disk",), {t: 1800 for t in Tier}, "time until the disk is predicted to be full"
    ),
    AlertKind.TRAFFIC_ANOMALY: KindInfo(
        ThresholdType.RATIO, ("requests",), {t: 1800 for t in Tier}, "change of request rate against a week ago"
    ),
    AlertKind.DEPLOYMENT: KindInfo(
        ThresholdType.FLAG, ("build_info",), {t: 0 for t in Tier}, "a new version is running"
    ),
    AlertKind.NEW_ERROR_TYPE: KindInfo(
        ThresholdType.FLAG, ("errors",), {t: 0 for t in Tier}, "an error type with errors that had none the day before"
    ),
    AlertKind.TRAFFIC_MILESTONE: KindInfo(
        ThresholdType.FLAG, ("requests",), {t: 0 for t in Tier}, "request rate reached a new 7-day high"
    ),
}
