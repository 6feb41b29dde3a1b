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

The flags are the server's, one setting for every service: at most one finding per flag for the whole fleet
(round 50 said it at each service with loaded groups, 1,000 times on a 1,000-service fleet), naming the hold or
interval that sets the bound and the services it comes from; verify/__init__.py says where it is located.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from compiler.model.units import duration_or_none, format_duration
from compiler.verify.client import NotPrometheus, Prometheus, QueryRejected

GRACE_FLAG = "rules.alert.for-grace-period"
RESEND_FLAG = "rules.alert.resend-delay"
SETTING = ("defaults", "slo_alerts")  # where, in the platform file, a restart flag finding is said
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


@dataclass(frozen=True)
class Ask:
    """One server flag to set: the message, and the service whose loaded rules set its bound (the shortest hold,
    the slowest alerting group), where the finding goes when there is no platform file to put it at."""

    flag: str
    message: str
    service: str


def check_restarts(loaded: Mapping[str, Sequence[Mapping[str, Any]]], flags: RestartFlags | None) -> list[Ask]:
    """At most one Ask per server flag, for the whole fleet (`loaded`: each service's loaded obsc groups), when a
    Prometheus restart can make a firing alert of those groups notify twice."""
    if flags is None:
        return []
    holds = {service: _holds(groups) for service, groups in sorted(loaded.items())}
    intervals = {service: _alerting_intervals(groups) for service, groups in sorted(loaded.items()) if holds[service]}
    asks = [_grace_ask(holds, flags), _resend_ask(intervals, flags)]
    return [ask for ask in asks if ask is not None]


def _grace_ask(holds: Mapping[str, list[tuple[int, str]]], flags: RestartFlags) -> Ask | None:
    short = {service: [h for h in held if h[0] < flags.grace] for service, held in holds.items()}
    short = {service: held for service, held in short.items() if held}
    if not short:
        return None
    shortest = min(held[0] for held in short.values())
    setting = [service for service, held in short.items() if held[0] == shortest]
    names = sorted({name for held in short.values() for _, name in held})
    return Ask(
        GRACE_FLAG,
        f"{_SAID} --{GRACE_FLAG}={format_duration(shortest[0])} or less (the server's is "
        f"{format_duration(flags.grace)}, longer than holds in the rules of {_count(len(short), 'service')} loaded "
        f"here: {_listed(names)}; the shortest, {shortest[1]}'s {format_duration(shortest[0])}, is in the rules of "
        f"{_listed(setting)}): a restart starts those holds again, so a page firing when the server stops is "
        f"gone from Alertmanager before it fires again{_TAIL}",
        setting[0],
    )


def _resend_ask(intervals: Mapping[str, set[int]], flags: RestartFlags) -> Ask | None:
    outlasted = {
        s: [e for e in every if bridged_restart(flags.resend, e) < RESTART_SECONDS] for s, every in intervals.items()
    }
    slow = {service: max(every) for service, every in outlasted.items() if every}  # the resend each one needs grows
    if not slow:
        return None
    worst = max(slow.values())
    setting = [service for service, every in slow.items() if every == worst]
    return Ask(
        RESEND_FLAG,
        f"{_SAID} --{RESEND_FLAG}={format_duration(needed_resend(worst))} or more (the server's is "
        f"{format_duration(flags.resend)}: at a {format_duration(worst)} evaluation interval, the slowest of the "
        f"alerting groups of {_count(len(slow), 'service')} here, in the rules of {_listed(setting)}, Alertmanager "
        "keeps an alert "
        f"{format_duration(4 * max(flags.resend, worst))} past its last send, so a restart longer than "
        f"{format_duration(max(bridged_restart(flags.resend, worst), 0))} outlasts it){_TAIL}",
        setting[0],
    )


_SAID = (
    "a Prometheus restart mid-incident notifies twice: Alertmanager resolves a firing alert it stops hearing of, "
    "and notifies again when it fires after the restart; run this Prometheus with"
)
_TAIL = (
    f" (a restart of up to {format_duration(RESTART_SECONDS)} then stays one notification; one server flag for "
    "every service: docs/operations.md, Prometheus restarts)"
)


def _holds(groups: Sequence[Mapping[str, Any]]) -> list[tuple[int, str]]:
    """The alerting rules' holds (seconds) and names, shortest first; alerts without a hold need no restore."""
    return sorted(
        {
            (int(_number(rule.get("duration"))), str(rule.get("name", "?")))
            for group in groups
            for rule in group.get("rules") or []
            if isinstance(rule, dict) and rule.get("type") == "alerting" and _number(rule.get("duration")) > 0
        }
    )


def _alerting_intervals(groups: Sequence[Mapping[str, Any]]) -> set[int]:
    """The evaluation intervals of the groups with an alerting rule (only those send what must be bridged)."""
    return {
        int(_number(group.get("interval")))
        for group in groups
        if any(isinstance(r, dict) and r.get("type") == "alerting" for r in group.get("rules") or [])
        and _number(group.get("interval")) > 0
    }


def _listed(items: Sequence[str]) -> str:
    shown = ", ".join(items[:3])
    return f"{shown} and {len(items) - 3} more" if len(items) > 3 else shown


def _count(n: int, noun: str) -> str:
    return f"{n:,} {noun}" if n == 1 else f"{n:,} {noun}s"


def _number(value: object) -> float:
    try:
        return float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return 0.0
