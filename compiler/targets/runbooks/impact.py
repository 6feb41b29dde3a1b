"""What a page means for users and the error budget (in the SLO's own numbers), and first moves.

SLO math comes from model.burnrate; this module only formats it.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from decimal import Decimal

from compiler import conventions as names
from compiler.model.alerts import AlertDef
from compiler.model.burnrate import windows_for
from compiler.model.types import AlertKind, Service, Slo, Tier
from compiler.model.units import decimal_text, format_duration
from compiler.targets.runbooks.burn_text import BurnText, lasts, span
from compiler.targets.runbooks.slice_diagnosis import SLICE_KINDS, STALE_MITIGATION


def budget_line(slo: Slo) -> str:
    period = format_duration(slo.period_seconds)
    outage = span(Decimal(slo.period_seconds) * slo.error_budget)
    # a time-slice SLO's budget is slices, and a slice is bad for the whole of its interval: time, not events
    counted, failing = ("time slices", "bad slices") if slo.sli.kind in SLICE_KINDS else ("events", "total outage")
    return (
        f"SLO **{slo.name}**: {decimal_text(slo.objective)}% over {period}; error budget "
        f"{decimal_text(slo.error_budget * 100)}% of {counted} (≈ {outage} of {failing} per {period})."
    )


def slo_impact(alerts: list[AlertDef], budget: str, burns: list[BurnText | None]) -> list[str]:
    """`budget`: the SLO's `budget_line`; `burns`: each alert's `BurnText`."""
    slo = alerts[0].slo
    assert slo is not None
    out = [f"- {budget}"]
    for alert, burn in zip(alerts, burns, strict=True):
        if burn is not None:
            out.append(burn.impact)
        elif alert.stopped:
            out.append(f"- **critical** (traffic stopped): no {slo.name} events at all, a total outage for its users.")
        elif alert.budget == "low":
            out.append(_budget_low(slo))
        elif alert.budget == "exhausted":
            more, further = (
                ("more bad time slices", "bad slice") if slo.sli.kind in SLICE_KINDS else ("more failures", "failure")
            )
            out.append(
                f"- **info** (budget exhausted): users got {more} than the SLO promises over the last "
                f"{format_duration(slo.period_seconds)}; every further {further} deepens the breach. Follow the "
                "error-budget policy (e.g. freeze risky changes) until the budget recovers."
            )
    return out


def _budget_low(slo: Slo) -> str:
    """The budget-low alert's Impact line: made once per distinct budget share, period and burn windows."""
    windows = windows_for(slo)
    key = (str(slo.alerting.budget_left), slo.period_seconds, windows)  # all it reads; decimals by their text
    found = _BUDGET_LOW.get(key)
    if found is None:
        left = slo.alerting.budget_left
        fastest = max((w.factor(slo.period_seconds) for w in windows), default=None)
        at_page = (
            f"; at the page's {decimal_text(round(fastest, 2))}x burn it lasts {lasts(slo, left, fastest)}"
            if fastest is not None
            else ""
        )
        if len(_BUDGET_LOW) >= _BUDGET_LOW_KEPT:
            _BUDGET_LOW.clear()
        found = _BUDGET_LOW[key] = (
            f"- **info** (budget low): less than {decimal_text(left * 100)}% of the budget is left: at 1x burn "
            f"it lasts {lasts(slo, left, Decimal(1))}{at_page}."
        )
    return found


_BUDGET_LOW: dict[tuple[object, ...], str] = {}
_BUDGET_LOW_KEPT = 1024


_KEY_IMPACT = {
    AlertKind.SERVICE_DOWN: "No scrape target of the service is up: the service is down or unreachable, or "
    "monitoring has lost it. Its SLOs see no traffic (no burn) rather than errors, so this is the page.",
    AlertKind.ERROR_RATE: "Requests fail; users see errors.",
    AlertKind.LATENCY_P99: "The slowest 1% of requests are slower than the line; users see slow responses or "
    "time-outs.",
    AlertKind.CPU: "CPU is nearly saturated: latency grows and requests queue or time out when it runs out.",
    AlertKind.MEMORY: "Memory is nearly exhausted: instances risk being OOM-killed and restarting.",
    AlertKind.DISK: "The disk is nearly full: writes fail when it is.",
    AlertKind.DISK_FULL: "At the current trend the disk fills before the horizon: writes will fail.",
    AlertKind.TRAFFIC_ANOMALY: "Traffic differs from last week's: fewer requests can mean clients cannot reach "
    "the service; more can be a retry storm, a launch or abuse.",
    AlertKind.DEPLOYMENT: "Informational: a rollout completed. Watch errors and latency for a while.",
    AlertKind.NEW_ERROR_TYPE: "A kind of error unseen for a day appeared: often a new bug or a failing dependency.",
    AlertKind.TRAFFIC_MILESTONE: "Informational: traffic reached a new 7-day high; check headroom.",
}


def key_impact(service: Service, first: AlertDef, budgets: Sequence[str]) -> list[str]:
    """`budgets`: the `budget_line` of each of the service's SLOs, in their order."""
    assert first.key_alert is not None
    out = [_KEY_IMPACT[first.key_alert.kind]]
    covered = first.key_alert.slo
    index = next((i for i, s in enumerate(service.slos) if s.name == covered), None)
    if index is not None:
        slo = service.slos[index]
        page = (
            f" {names.SLO_BURN_FAST} ({slo.name}) pages for this symptom; this alert does not page, and is "
            "silenced while that page fires."
            if any(w.tier is Tier.CRITICAL for w in windows_for(slo)) and first.key_alert.tier is not Tier.CRITICAL
            else ""
        )
        out += ["", f"It counts against {budgets[index]}{page}"]
    elif budgets:
        out += ["", "SLOs of the service (their pages say how much budget is burning):"]
        out += [f"- {line}" for line in budgets]
    return out


_MITIGATION = {
    AlertKind.SERVICE_DOWN: [
        "If instances crash-loop: roll back the last change, check logs for the crash.",
        "If none are scraped: check the scrape config / service discovery (targets page of Prometheus).",
    ],
    AlertKind.CPU: ["Scale out or raise the CPU limit; find the hot path if load did not change."],
    AlertKind.MEMORY: ["Restart a leaking instance to buy time; raise the limit; roll back a leaking release."],
    AlertKind.DISK: ["Free space (logs, temp files), grow the volume."],
    AlertKind.DISK_FULL: ["Find what writes (logs, data growth); free space or grow the volume before it fills."],
    AlertKind.TRAFFIC_ANOMALY: ["Check upstream callers, DNS and load balancers; block abusive clients."],
    AlertKind.DEPLOYMENT: ["Nothing, unless errors or latency moved: then roll back."],
    AlertKind.NEW_ERROR_TYPE: ["Find the new error in logs; roll back if it came with the last release."],
    AlertKind.TRAFFIC_MILESTONE: ["Check saturation panels; plan capacity if headroom is thin."],
}
_DEFAULT_MITIGATION = [
    "Roll back the most recent change if the alert started right after it.",
    "Fail over, shed or redirect load; scale out if saturated.",
]


def mitigation(first: AlertDef) -> tuple[str, ...]:
    return _mitigation(first.kind, first.stale)


@functools.lru_cache(maxsize=64)  # a handful of kinds, each page asks
def _mitigation(kind: AlertKind | None, stale: bool) -> tuple[str, ...]:
    lines = _MITIGATION.get(kind, _DEFAULT_MITIGATION) if kind is not None else _DEFAULT_MITIGATION
    if stale:
        lines = STALE_MITIGATION
    return (*(f"- {line}" for line in lines), "- _Write down what worked here, for the next person on call._")
