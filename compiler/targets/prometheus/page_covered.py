"""A ticket pair stays quiet for a burn its SLO's page already covered: one incident, one notification.

Alertmanager holds a ticket back only while its page fires (inhibit.py). A ticket pair's short window (2h or 6h
in the 30d catalog) still holds an outage's failures that long after recovery, while the page resolves within
about half an hour, so the ticket then reached the team as a second notification about an incident already over.
Alertmanager cannot hold an inhibition past its source, so the ticket's rule reads its page's ALERTS series: a
ticket does not open while a page of its SLO fired within the ticket's short window, which then holds the page's
burn.

The match ignores only what tells the tiers' alerts apart (their names, states and rule labels), never a label
of the series: an SLO split `by:` a label is guarded per group, and any other label its series carry (a
generated test's lane, a federated source's) keeps its own page and ticket.

- A ticket already firing before its page (a slow burn that grew into a page) keeps firing: its team was told,
  and the page's inhibition mutes it meanwhile as before.
- A slow burn that never paged tickets as before (no page's series to read).
- The cost: a new slow burn starting right after a page tickets up to the ticket's short window after the page
  last fired (its windows then hold the page's burn, which they cannot tell from the new one).
"""

from __future__ import annotations

from compiler import conventions as names
from compiler.model.alerts import AlertDef, fired_labels, service_alerts
from compiler.model.burnrate import BurnWindow, recording_tiers
from compiler.model.types import Service, Slo, Tier
from compiler.model.units import format_duration
from compiler.targets.prometheus.rule_model import label_selector


def page_covered_lines(service: Service, slo: Slo, ticket: AlertDef, own: dict[str, str]) -> list[str]:
    """The ticket pair `ticket`'s `unless` on its SLO's pages (`own`: the SLO's labels); none for a page pair or
    an SLO that never pages."""
    window = ticket.window
    pages = [a for a in service_alerts(service) if a.window and a.slo and a.slo.name == slo.name and _pages(a)]
    if window is None or window.tier is Tier.CRITICAL or not pages:
        return []
    # what tells the tiers' alerts apart: their names, states and every label their rules write (not the series')
    written = {k for a in (ticket, *pages) for k in fired_labels(service, a)}
    tiers = sorted({names.LABEL_ALERTNAME, names.LABEL_ALERTSTATE, *written} - {*own, *slo.by})
    unless = f"unless ignoring ({', '.join(tiers)})"
    firing = {names.LABEL_ALERTSTATE: "firing"}
    page = label_selector({**own, names.LABEL_ALERTNAME: pages[0].name, **firing})
    covered = f"last_over_time({names.ALERTS_SERIES}{page}[{window.short}])"
    ticket_firing = {**own, names.LABEL_ALERTNAME: ticket.name, **_pair(ticket), **firing}
    return [unless, "(", f"  {covered}", f"  {unless} {_firing(window, ticket_firing)}", ")"]


def _pages(alert: AlertDef) -> bool:
    return alert.window is not None and alert.window.tier is Tier.CRITICAL


def _pair(alert: AlertDef) -> dict[str, str]:
    return {k: v for k, v in alert.labels().items() if k == names.LABEL_BURN_WINDOW}


def _firing(window: BurnWindow, labels: dict[str, str]) -> str:
    """The ticket's own firing series as its group reads the previous evaluation's (slo.py `_own_alerts`: a coarse
    pair's sample is one interval old, so a range one minute longer reads it)."""
    if not recording_tiers().is_coarse(window.long_seconds):
        return names.ALERTS_SERIES + label_selector(labels)
    lookback = format_duration(recording_tiers().coarse_interval_seconds + 60)
    return f"last_over_time({names.ALERTS_SERIES}{label_selector(labels)}[{lookback}])"
