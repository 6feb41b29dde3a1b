"""ServiceDown held into the SLO burn page of the same outage: one incident, one page.

A service whose targets go unscraped during an outage pages on ServiceDown, which resolves when the targets come
back. Its own metrics saw nothing while it was away, so its SLO's long windows fill from the return on and the
burn page comes later: 12 to 21 minutes later on round 47's drawn incidents (seed 4048, 95%/90d at 5 req/s failing
from 120m, targets unscraped 135-157m: ServiceDown 140-161m, the burn page 173-225m, nothing paging 162-172m). The
critical group went page, resolve, page for one outage.

So a firing ServiceDown stays up while any of the service's page pairs' short windows reads over its line: the
requests since the return fail at a page's rate, the outage goes on. It never starts ServiceDown (it reads the
alert's own firing state at the previous evaluation, as the burn pairs' holds do), and it ends as soon as no
short window burns: targets back and serving well end the page when they would have. Only the short windows are
read: the long ones still hold the outage's past for hours after a recovery.
"""

from __future__ import annotations

from decimal import Decimal
from typing import NamedTuple

from compiler import conventions as names
from compiler.model.page_pairs import page_pairs
from compiler.model.types import AlertKind, Service, Tier
from compiler.targets.prometheus.alerts_reads import owned_by
from compiler.targets.prometheus.rule_model import label_selector
from compiler.targets.prometheus.slo import burn_threshold_expr, slo_labels


class ShortLine(NamedTuple):
    """One page pair's short window and its line: `record{labels} > threshold` (the line's value `line`)."""

    record: str
    labels: tuple[tuple[str, str], ...]  # the SLO's (service, slo): the recorded series add their window
    threshold: str  # `(15 * 0.05)`, as the pair writes it
    line: Decimal

    @property
    def burning(self) -> str:
        return f"{self.record}{label_selector(dict(self.labels))} > {self.threshold}"


def burning_short_windows(service: Service) -> list[ShortLine]:
    """Each page pair's short window of the service's SLOs over its line, once each."""
    out: list[ShortLine] = []
    for alert in page_pairs(service):
        w, slo = alert.window, alert.slo
        assert w is not None and slo is not None
        labels = tuple(sorted(slo_labels(service, slo).items()))
        line = Decimal(w.factor_text(slo.period_seconds)) * slo.error_budget
        found = ShortLine(names.sli_error_ratio(w.short), labels, burn_threshold_expr(slo, w), line)
        if found not in out:
            out.append(found)
    return out


def held_while_burning(service: Service, tier: Tier) -> str | None:
    """The branch that keeps a firing ServiceDown page (the whole service's, not a group's) up while the service's
    SLO pages would: None for a ServiceDown ticket or notice, or a service with no page pair to hand over to. It
    reads its own tier's firing state only: another tier's (`info: {for: 1m}`) would start the page, not keep it."""
    burning = burning_short_windows(service)
    if tier is not Tier.CRITICAL or not burning:
        return None
    own = {
        names.LABEL_ALERTNAME: names.KEY_ALERT_NAMES[AlertKind.SERVICE_DOWN],
        names.LABEL_ALERTSTATE: "firing",
        names.LABEL_DOWN_GROUP: "",
        names.LABEL_SEVERITY: tier.value,
        **owned_by(service),
    }
    firing = f"count({names.ALERTS_SERIES}{label_selector(own)})"
    # one operand a line, so that each can be dropped alone (the mutation sweep drops set operands line-wise)
    burns = [f"count({b.burning})" for b in burning]
    if len(burns) > 1:
        burns = ["(", *(f"  {b}" for b in "\nor on ()\n".join(burns).split("\n")), ")"]
    return "\n".join(["(", f"  {firing}", "  and on ()", *(f"  {b}" for b in burns), ")"])


def handover_text(service: Service, tier: Tier) -> str:
    """The sentence ServiceDown's description adds when it is held into the burn page."""
    if tier is not Tier.CRITICAL or not burning_short_windows(service):
        return ""
    return (
        " Once firing, it stays up after the targets return while the service's SLO still fails at a page's "
        "rate over a page pair's short window (the same outage: its burn page takes over)."
    )
