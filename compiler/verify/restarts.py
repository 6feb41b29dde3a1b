"""What `obsc verify` checks about a Prometheus restart mid-incident: one incident must stay one notification.

Prometheus 2.42 keeps an alert's `for:` time across a restart (from `ALERTS_FOR_STATE`) only for holds of at
least `--rules.alert.for-grace-period` (10m by default); a shorter hold (ServiceDown's 5m, a fast pair's 2m)
starts again, pending, at the first evaluation after the restart. Alertmanager keeps an alert four resend
delays (`--rules.alert.resend-delay`, 1m; or four evaluation intervals when longer) past its last send, then
resolves it; the alert that fires again after its hold is a new notification for the same incident (measured
live, round 50: docs/operations.md "Prometheus restarts").

With the grace period at most the shortest hold, a firing alert is restored and sent again at the third
evaluation after the restart (Prometheus restores after its second). Alertmanager still has it if the server
missed fewer than `3 × max(resend, interval) / interval - 2` evaluations, so a restart up to
`3 × max(resend, interval) - 2 × interval` long is always bridged: at 1m evaluations and the 1m default that is
1m, and obsc asks for 2m (a config reload, an upgrade, a pod moved): a resend delay of (2m + 2 × interval) / 3
or more (80s at 1m evaluations; the default already does at 30s).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from compiler.model.units import duration_or_none, format_duration
from compiler.verify.client import NotPrometheus, Prometheus, QueryRejected

GRACE_FLAG = "rules.alert.for-grace-period"
RESEND_FLAG = "rules.alert.resend-delay"
DEFAULT_GRACE_SECONDS = 600  # Prometheus's default --rules.alert.for-grace-period
DEFAULT_RESEND_SECONDS = 60  # Prometheus's default --rules.alert.resend-delay
RESTART_SECONDS = 120  # the restart obsc's pages must survive as one notification
EVALUATIONS_BEFORE_RESTORE = 2  # Prometheus restores `for:` state after its second evaluation, sends at the third


@dataclass(frozen=True)
class RestartFlags:
    grace: int  # seconds
    resend: int  # seconds


def restart_flags(prometheus: Prometheus) -> RestartFlags | None:
    """The server's grace period and resend delay; None when it does not say (a ruler without these flags:
    Thanos, Mimir), and nothing is checked."""
    try:
        flags = prometheus.flags()
    except (NotPrometheus, QueryRejected):
        return None
    if GRACE_FLAG not in flags and RESEND_FLAG not in flags:
        return None
    grace = duration_or_none(flags.get(GRACE_FLAG))
    resend = duration_or_none(flags.get(RESEND_FLAG))
    return RestartFlags(
        DEFAULT_GRACE_SECONDS if grace is None else grace, DEFAULT_RESEND_SECONDS if resend is None else resend
    )


def bridged_restart(resend: int, interval: int) -> int:
    """The longest restart (seconds) after which Alertmanager still holds a restored firing alert."""
    kept = 4 * max(resend, interval)  # an alert's endsAt past its last send
    return kept - max(resend, interval) - EVALUATIONS_BEFORE_RESTORE * interval


def needed_resend(interval: int) -> int:
    """The shortest resend delay (seconds) that bridges a RESTART_SECONDS restart at this evaluation interval."""
    return math.ceil((RESTART_SECONDS + EVALUATIONS_BEFORE_RESTORE * interval) / 3)


def check_restarts(
    groups: Sequence[Mapping[str, Any]], flags: RestartFlags | None, find: Callable[[str], None]
) -> None:
    """One finding when a Prometheus restart can make a firing alert of these loaded groups notify twice."""
    if flags is None:
        return
    held = sorted(
        {
            (int(_number(rule.get("duration"))), str(rule.get("name", "?")))
            for group in groups
            for rule in group.get("rules") or []
            if isinstance(rule, dict) and rule.get("type") == "alerting" and _number(rule.get("duration")) > 0
        }
    )
    if not held:
        return
    short = [(hold, name) for hold, name in held if hold < flags.grace]
    intervals = {
        int(_number(group.get("interval")))
        for group in groups
        if any(isinstance(r, dict) and r.get("type") == "alerting" for r in group.get("rules") or [])
    }
    slow = sorted(e for e in intervals if e > 0 and bridged_restart(flags.resend, e) < RESTART_SECONDS)
    if not short and not slow:
        return
    asks = []
    if short:
        names = ", ".join(f"{name} (for: {format_duration(hold)})" for hold, name in _first(short))
        asks.append(
            f"--{GRACE_FLAG}={format_duration(held[0][0])} or less (the server's is {format_duration(flags.grace)}, "
            f"longer than the holds of {names}{_more(short)}: a restart starts those holds again, so a page "
            "firing when the server stops is gone from Alertmanager before it fires again)"
        )
    if slow:
        worst = max(slow, key=needed_resend)
        asks.append(
            f"--{RESEND_FLAG}={format_duration(needed_resend(worst))} or more (the server's is "
            f"{format_duration(flags.resend)}: at a {format_duration(worst)} evaluation interval Alertmanager "
            f"keeps an alert {format_duration(4 * max(flags.resend, worst))} past its last send, so a restart "
            f"longer than {format_duration(max(bridged_restart(flags.resend, worst), 0))} outlasts it)"
        )
    find(
        "a Prometheus restart mid-incident notifies twice for these alerts: Alertmanager resolves a firing alert "
        "it stops hearing of, and notifies again when it fires after the restart; run Prometheus with "
        + "; and ".join(asks)
        + f" (a restart of up to {format_duration(RESTART_SECONDS)} then stays one notification; "
        "docs/operations.md, Prometheus restarts)"
    )


def _first(items: list[tuple[int, str]]) -> list[tuple[int, str]]:
    return items[:3]


def _more(items: list[tuple[int, str]]) -> str:
    return f" and {len(items) - 3} more" if len(items) > 3 else ""


def _number(value: object) -> float:
    try:
        return float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return 0.0
