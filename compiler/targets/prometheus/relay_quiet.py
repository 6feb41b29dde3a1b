"""A ServiceDown held back by its relay's page (`relay:`) stays quiet while that page fires, and a while after.

Alertmanager's inhibit rule (alertmanager/relays.py) holds it back only while the relay's page is firing there. Both
read the same `up`, but rule groups run at offsets of their own: the relay's page resolved up to an evaluation
interval before the held one, and a group flush in between paged the team behind the relay for an outage already
over (its crash-loop windows are the relay's: model/relays.py crash_loop_hold). Read here,
from the relay's own firing `ALERTS` (its team and service as the spec names them), the held page never starts
while the relay's page is up or just ended. Where the relay's rules run elsewhere there is no such series: the
clause is empty and Alertmanager's inhibit rule is the one that holds it back.
"""

from __future__ import annotations

from compiler import conventions as names
from compiler.model.relays import relay_page_labels, relayed_extra_hold_seconds
from compiler.model.types import Service
from compiler.model.units import format_duration
from compiler.targets.prometheus.rule_model import label_selector


def relay_lookback_seconds(evaluation_seconds: int) -> int:
    """How far back the held page reads the relay's page: its extra hold (two intervals: model/relays.py), the
    relay's group's interval (its page's last sample is up to an interval old) and the held page's own (its group may
    run just before the relay's). 4m at 1m evaluations; a fixed 3m at 5m saw a page written 5 minutes earlier as
    gone, and the team behind the relay was paged through the relay's outage (promtool, relaytraffic50)."""
    return relayed_extra_hold_seconds(evaluation_seconds) + 2 * evaluation_seconds


def quiet_while_relay_pages(service: Service, expr: str) -> str:
    """`expr` of a ServiceDown, unless the relay the spec names paged within relay_lookback_seconds."""
    relay = relay_page_labels(service)
    if relay is None or service.relay is None:
        return expr
    lookback = format_duration(relay_lookback_seconds(service.relay.evaluation_seconds))
    paged = f"count(last_over_time({names.ALERTS_SERIES}{label_selector(relay)}[{lookback}]))"
    inner = expr.replace("\n", "\n  ")
    return f"(\n  {inner}\n)\nunless on ()\n{paged}"
