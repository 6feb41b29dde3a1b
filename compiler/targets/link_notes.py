"""Warnings about links an alert carries that a notification cannot open.

Every alert names its runbook and dashboard (targets/links.py). Without a platform `grafana_url` the
dashboard link is `/d/<uid>`, and with the default `runbook_url` (`{path}`) the runbook link is a path in
the output tree: both resolve inside the repository and in Grafana's own UI, but not from a Slack,
e-mail or PagerDuty notification. That is a choice the platform may make, so it is a warning, not an error.
"""

from __future__ import annotations

from compiler.errors import Diagnostic
from compiler.model.alerts import AlertDef, service_alerts
from compiler.model.types import Fleet, Platform
from compiler.targets import links


def unopenable(platform: Platform) -> list[str]:
    """One warning per kind of link that is not an absolute URL."""
    out = []
    if not platform.grafana_url:
        out.append(
            "the platform sets no grafana_url: alerts link their dashboards as /d/<uid>, which a notification "
            "cannot open; set grafana_url (e.g. https://grafana.example.com)"
        )
    if "://" not in platform.runbook_url:
        out.append(
            f"the platform's runbook_url ({platform.runbook_url!r}) is not a URL: alerts link their runbooks as "
            "paths in the output tree, which a notification cannot open; set runbook_url "
            "(e.g. https://git.example.com/ops/blob/main/generated/{path})"
        )
    return out


def shared_pages(fleet: Fleet) -> list[Diagnostic]:
    """A runbook_url without {path} (or {service} with {slug}) links alerts that have pages of their own to one
    URL: `https://wiki/{service}/{alert}` sent every SLO's burn page of a service to one page, and no alert to
    the stubs under runbooks/. A platform may mean it (one generic page per alert), so a located warning that
    names two alerts sharing a link, not an error."""
    platform = fleet.platform
    pages: dict[str, AlertDef] = {}
    for service in fleet.services:
        for alert in service_alerts(service):
            url = links.runbook_url(platform, alert)
            first = pages.setdefault(url, alert)
            if first.runbook_path == alert.runbook_path:
                continue  # tiers of one alert share their page by design
            message = (
                f"runbook_url {platform.runbook_url!r} links {_named(first)} and {_named(alert)} to one page ({url}), "
                "and no alert to the stubs obsc writes under runbooks/ (one per service, SLO and alert); use {path} "
                "(e.g. https://git.example.com/ops/blob/main/generated/{path}) for a page each, or keep it for one "
                "page per alert name"
            )
            return [Diagnostic(platform.runbook_url_location, ("runbook_url",), message)]
    return []


def _named(alert: AlertDef) -> str:
    slo = f" (SLO {alert.slo_name})" if alert.slo_name else ""
    return f"{alert.service}'s {alert.name}{slo}"
