"""The runbook page of SLOFailuresCounterUnseen: the failures counter of its own name never had a series in the
last day while the SLI counts events. No failure yet, or a name the service never writes: the page tells how to
tell them apart and how to end the doubt (create the counter's series at 0)."""

from __future__ import annotations

from compiler.model import queries
from compiler.model.alerts import AlertDef
from compiler.model.failures_seen import FAILURES_UNSEEN_FOR_SECONDS, FAMILY_SEEN_LOOKBACK
from compiler.model.types import Fleet, Service
from compiler.model.units import format_duration
from compiler.targets.links import alert_dashboard_url

_LOOKALIKE = '__name__=~"(?i).*(fail|err).*"'  # the names a failures counter is written under


def failures_unseen_page(fleet: Fleet, service: Service, alert: AlertDef) -> str:
    """The page (a stub to finish)."""
    assert alert.slo is not None
    family = queries.errors_family(alert.slo.sli, service.selector)
    assert family is not None
    held, lookback = format_duration(FAILURES_UNSEEN_FOR_SECONDS), FAMILY_SEEN_LOOKBACK
    lines = [f"# {alert.name}", "", f"Service **{service.name}** (team **{service.team}**); severity: info."]
    lines += ["", "## Meaning", ""]
    lines += [
        f"`{family.render()}`, the counter SLO **{alert.slo.name}** counts its failed events by, has had no series "
        f"for {held}, nor at any time in the last {lookback}, while the SLI counts events. Either nothing has "
        "failed since the service started (client libraries create a labelled counter's series at its first "
        "failure), or the spec reads a name or labels the service never writes. The series cannot tell which.",
    ]
    lines += ["", "## Impact", ""]
    lines += [
        "None if nothing failed. If the name is wrong, the SLO reads every event as good: its burn alerts can "
        "never page, and its budget reads 100% left whatever happens.",
    ]
    lines += ["", "## Diagnosis", "", f"- Dashboard: {alert_dashboard_url(fleet.platform, service, alert)}"]
    lines += [
        "- Which failure counters does the service write (a typo in the spec, a library's other spelling, a "
        "`_total` suffix, or a rename over a day ago)?",
        "",
        "```promql",
        f"count by (__name__) ({{{', '.join([*(m.render() for m in family.matchers), _LOOKALIKE])}}})",
        "```",
        "",
        "- Did the service log a failure since it started that this counter should have counted? `obsc verify` "
        "also compares the spec's names with the server's.",
    ]
    lines += ["", "## Mitigation", ""]
    lines += [
        "- Create each label value the SLO reads at 0 when the service starts (in most client libraries: ask for "
        "the labelled child once, without incrementing it): the series then exist, and this notice ends.",
        "- If the name or labels are wrong, fix the spec; _write down what worked here_.",
    ]
    return "\n".join(lines) + "\n"
