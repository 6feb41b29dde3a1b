"""How often the server runs obsc's rule groups that set no `interval:` (`defaults.slo_alerts.evaluation_interval`).

Prometheus's global `evaluation_interval` (vmalert's `-evaluationInterval`, a Mimir ruler's
`-ruler.evaluation-interval`): 1m by default in all three, which is what obsc assumes unsaid. A rule that reads
another group's `ALERTS` over a range must reach back over the writer's interval and its own (groups run at offsets
of their own): a relayed ServiceDown read its relay's page over 3m, and under a 5m interval it saw a page written 5
minutes earlier as gone and paged the team behind the relay (relaytraffic50, promtool). Refused over 5m: the
server's lookback delta (5m), within which a rule reads its own group's previous `ALERTS` as an instant value.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from compiler.model.build_context import Layer
from compiler.model.units import format_duration, parse_duration, parse_duration_seconds

DEFAULT_EVALUATION_SECONDS = 60
MAX_EVALUATION_SECONDS = 300


def declared_evaluation_seconds(slo_alerts: Mapping[str, Any]) -> int:
    """The platform's evaluation interval in seconds (1m where unsaid or refused by check_evaluation_interval)."""
    written = slo_alerts.get("evaluation_interval")
    if written is None:
        return DEFAULT_EVALUATION_SECONDS
    try:
        seconds = parse_duration(str(written))
    except ValueError:
        return DEFAULT_EVALUATION_SECONDS
    if parse_duration_seconds(str(written)) != seconds or not 0 < seconds <= MAX_EVALUATION_SECONDS:
        return DEFAULT_EVALUATION_SECONDS
    return seconds


def check_evaluation_interval(defaults: Layer) -> None:
    """A located error for an evaluation interval obsc cannot count in whole seconds or that exceeds 5m."""
    slo_alerts = defaults.data.get("slo_alerts") or {}
    written = slo_alerts.get("evaluation_interval")
    if written is None:
        return
    try:
        seconds = parse_duration(str(written))
    except ValueError:
        return  # the schema's duration pattern says it
    where = (*defaults.base, "slo_alerts", "evaluation_interval")
    if parse_duration_seconds(str(written)) != seconds or seconds <= 0:
        defaults.ctx.error(where, f"evaluation_interval {written}: write a whole number of seconds above 0s (1m, 30s)")
    elif seconds > MAX_EVALUATION_SECONDS:
        defaults.ctx.error(
            where,
            f"evaluation_interval {format_duration(seconds)}: obsc's rules read their own group's previous alert "
            f"state as an instant value, which the server's lookback delta (5m) keeps only when groups run every "
            f"{format_duration(MAX_EVALUATION_SECONDS)} or more often; evaluate every 5m or faster",
        )
