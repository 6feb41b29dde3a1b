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
from compiler.model.relays import RELAYED_EXTRA_HOLD_SECONDS, relay_page_labels
from compiler.model.types import Service
from compiler.model.units import format_duration
from compiler.targets.prometheus.rule_model import label_selector

# The held page's condition ends up to its extra hold (its longer crash-loop window) plus an evaluation interval
# after the relay's: read the relay's page over both, and an interval more.
RELAY_LOOKBACK_SECONDS = RELAYED_EXTRA_HOLD_SECONDS + 2 * 60


def quiet_while_relay_pages(service: Service, expr: str) -> str:
    """`expr` of a ServiceDown, unless the relay the spec names paged within RELAY_LOOKBACK."""
    relay = relay_page_labels(service)
    if relay is None:
        return expr
    lookback = format_duration(RELAY_LOOKBACK_SECONDS)
    paged = f"count(last_over_time({names.ALERTS_SERIES}{label_selector(relay)}[{lookback}]))"
    inner = expr.replace("\n", "\n  ")
    return f"(\n  {inner}\n)\nunless on ()\n{paged}"
