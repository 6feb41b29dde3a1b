"""Warnings about links an alert carries that a notification cannot open.

Every alert names its runbook and dashboard (targets/links.py). Without a platform `grafana_url` the
dashboard link is `/d/<uid>`, and with the default `runbook_url` (`{path}`) the runbook link is a path in
the output tree: both resolve inside the repository and in Grafana's own UI, but not from a Slack,
e-mail or PagerDuty notification. That is a choice the platform may make, so it is a warning, not an error.
"""

from __future__ import annotations

from compiler.model.types import Platform


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
