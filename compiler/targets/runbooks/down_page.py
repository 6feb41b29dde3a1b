"""ServiceDown's page text beyond "no instance is up": its crash-loop branch and the groups it fires for.

The rule (targets/prometheus/service_down.py) also fires while every instance was up at half or fewer of its
scrapes in the last twice its hold, and, for a service whose SLOs are split by a label its targets carry
(model/down_groups.py), per group whose targets are all down. A page saying only "no instance of the service is
up" sent the on-call to `count(up)`, which reads healthy in both cases: instances up between restarts, or the
other clusters' up.
"""

from __future__ import annotations

from compiler.model import queries
from compiler.model.down_groups import down_groups
from compiler.model.page_pairs import page_pairs
from compiler.model.types import KeyAlert, Service, Tier
from compiler.model.units import format_duration


def crash_loop(hold_seconds: int, churn: bool = True) -> str:
    """The crash-loop branches of an alert held for `hold_seconds`, as a clause ('' without a hold: no branch);
    `churn`: it reads the service as a whole too (not a service that scales to zero)."""
    if hold_seconds <= 0:
        return ""
    window, hold = format_duration(2 * hold_seconds), format_duration(hold_seconds)
    return (
        f", or while, at some minute of the last {hold}, every instance had been up at half or fewer of its scrapes "
        f"in the {window} before (a crash loop: up for a scrape now and then)"
        + (
            ", or the service had an instance up at half or fewer of the moments of that window (a crash loop whose "
            "every restart is a new instance)"
            if churn
            else ""
        )
        + f"; one loop is one page, which ends up to {window} after the instances return"
    )


def idle_note(alert: KeyAlert) -> list[str]:
    """What no target at all means for a service that scales to zero (`missing: ignore`); nothing otherwise."""
    if alert.missing_fires:
        return []
    return [
        "",
        "This service scales to zero (`missing: ignore`): with no target at all it is idle, not down, and this alert "
        "stays quiet. It fires only for targets that exist and all report 0. A revision that never starts (no pod "
        "at all) is not seen here: watch the requests its callers or the activator send it.",
    ]


def handover_note(service: Service, tiers: set[Tier]) -> list[str]:
    """Why a page may stay up with every target back (targets/prometheus/down_handover.py); nothing without a page
    tier or a page pair to hand over to."""
    if Tier.CRITICAL not in tiers or not page_pairs(service):
        return []
    return [
        "",
        "The page stays up after the targets return while an SLO's page pair still reads its short window over the "
        "line: the requests since the return fail at a page's rate, so the outage goes on, and the SLO's burn page "
        "takes over. Every target up and this page still firing: read the SLO panels, not `up`.",
    ]


def group_note(service: Service) -> list[str]:
    """What a group's alert means; nothing for a service ServiceDown watches whole only."""
    splits = down_groups(service)
    if not splits:
        return []
    labels = " and ".join(f"`{', '.join(split)}`" for split in splits)
    which = "that label" if len(splits) == 1 and len(splits[0]) == 1 else "those labels"
    return [
        "",
        f"It also fires **per {labels}**: an alert carrying {which} names the group whose targets are all down "
        "(or mostly were, as above) while other groups may be up, so the whole service's counts below can look "
        "healthy; its share of the SLOs' traffic is missing, not failing. Diagnosis lists every group's targets up.",
    ]


def group_queries(service: Service) -> list[tuple[str, str]]:
    """Targets up per group, as the group's branch compares them with 0."""
    return [
        (
            f"targets up per {', '.join(split)} (0: the group the alert names is down)",
            queries.up_per_group(service, split),
        )
        for split in down_groups(service)
    ]
