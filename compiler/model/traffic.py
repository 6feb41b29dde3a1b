"""The traffic anomaly alert's comparison (now against a week ago), read by its rule and by its runbook page."""

from __future__ import annotations

from decimal import Decimal

from compiler import conventions as names
from compiler.model.units import decimal_text

TRAFFIC_FLOOR = Decimal("0.1")
ANOMALY_AVERAGE = "1h"  # compare 1h averages: restarts and scrape gaps do not swing the ratio
ANOMALY_STEP = "1m"  # the current hour is read a minute at a time, a missing minute as 0


def anomaly_ratio(selector: str) -> str:
    """Now against a week ago, of the request rate of the service `selector` (`{service="x"}`) names."""
    return f"{anomaly_now(selector)} / ({anomaly_then(selector)} >= {decimal_text(TRAFFIC_FLOOR)})"


def anomaly_now(selector: str) -> str:
    """The last hour's mean request rate, as the anomaly alert compares it (its dashboard plots it too)."""
    rate = names.SERVICE_REQUESTS_RATE + selector
    # A minute without a rate where a week ago had one counts as no traffic: the series of a labelled counter
    # appear with the first request, so when the pods stop getting any they vanish, and an average over
    # the samples left read the drop as the hour's old traffic (it never fired). (`+ 0` drops the name, as
    # `0 *` does: one series through the subquery whichever side a minute takes.)
    return f"avg_over_time(({rate} + 0 or 0 * {rate} offset 1w)[{ANOMALY_AVERAGE}:{ANOMALY_STEP}])"


def anomaly_then(selector: str) -> str:
    """The same hour's mean request rate a week ago: what the anomaly alert compares the last hour with."""
    return f"avg_over_time({names.SERVICE_REQUESTS_RATE}{selector}[{ANOMALY_AVERAGE}] offset 1w)"


def milestone_peak(selector: str) -> str:
    """The traffic milestone alert's value: the highest 5m request rate of the last hour."""
    return f"max_over_time({names.SERVICE_REQUESTS_RATE}{selector}[1h])"


def milestone_record(selector: str) -> str:
    """What the peak must exceed: the highest 5m request rate of the 7 days before that hour."""
    return f"max_over_time({names.SERVICE_REQUESTS_RATE}{selector}[7d] offset 1h)"
