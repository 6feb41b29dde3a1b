"""What a rule's read of another alert's `ALERTS` series pins: the service and its team.

Every obsc alert carries both as rule labels, which no expression label overrides, so the two together name one
service's alerts. The service alone does not: an alert of the same name from a rule beside obsc's (hand-written or a
mixin's, its `service` label taken from Kubernetes service discovery, routed by its own `team`) counted as the
service's own. Another team's `SLOErrorBudgetBurnFast` of a service of that name kept its first page quiet through
a 10-hour burn, and another team's `ServiceDown` paged "is down" for a service that was up and burning (round 50,
tests/hostile/test_alerts_read_team.py).
"""

from __future__ import annotations

from compiler import conventions as names
from compiler.model.types import Service, Slo


def owned_by(service: Service, slo: Slo | None = None) -> dict[str, str]:
    """The labels of the service's own alerts (of `slo`'s, if given) that every ALERTS read names."""
    own = {names.LABEL_SERVICE: service.name, names.LABEL_TEAM: service.team}
    return own if slo is None else {**own, names.LABEL_SLO: slo.name}
