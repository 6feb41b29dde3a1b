"""What a grouped SLO (`by: [route]`) changes in its alerts' text: every alert of a group names it.

The rules themselves need no module of their own: the SLI queries sum `by` the group labels
(model/queries.py), the recorded series keep them, and every join between windows matches `on` them
(model/groups.py), so each group burns, pages and spends its budget on its own. Routing is unchanged:
the group labels ride along; the team's routes match on service, team and severity.
"""

from __future__ import annotations

from collections.abc import Sequence

from compiler import conventions as names
from compiler.model.alerts import AlertDef
from compiler.model.types import Service, Slo


def label_template(label: str) -> str:
    """How an annotation shows the alert's value of `label`."""
    return f"{{{{ $labels.{label} }}}}"


def group_text(by: Sequence[str]) -> str:
    """`route={{ $labels.route }}`: the group an alert is about, filled in by Prometheus."""
    return ", ".join(f"{label}={label_template(label)}" for label in by)


def dashboard_url(url: str, service: Service, slo: Slo, alert: AlertDef) -> str:
    """The alert's dashboard link, opened on its own group: the SLO panels filter by one variable per group
    label, which shows every group unless the link sets it (`&var-route={{ $labels.route | urlquery }}`).
    SLODataMissing sets a group only when the alert has it (a latency SLO's group without the threshold bucket;
    its `absent()` branch has none, and an empty `var-` would select no group). A service without its own
    dashboard keeps the plain link (the fleet overview it opens has no group variables)."""
    if not slo.by or names.SERVICE_DASHBOARD not in service.dashboards:
        return url
    if alert.data_missing or alert.failures_unseen or alert.stopped:
        return url + selected_if_present(slo.by)
    return url + "".join(f"&var-{label}={url_label_template(label)}" for label in slo.by)


def threshold_dashboard_url(url: str, service: Service, alert: AlertDef) -> str:
    """A threshold alert kept per group (`by: [topic]`) opens its panel on its own group: the panel filters by a
    variable per label (grafana/groups.py), which showed every topic's line unless the link set it. A missing-data
    twin's `absent()` branch has no group label: no variable is set then (every group shows)."""
    if alert.threshold is None or not alert.threshold.by or names.SERVICE_DASHBOARD not in service.dashboards:
        return url
    return url + selected_if_present(alert.threshold.by)


def selected_if_present(labels: Sequence[str]) -> str:
    """`&var-route=<the alert's route>` for each label the alert has; none for a label it lacks (an empty
    `var-` would select no group)."""
    return "".join(
        f"{{{{ with $labels.{label} }}}}&var-{label}={{{{ . | urlquery }}}}{{{{ end }}}}" for label in labels
    )


def url_label_template(label: str) -> str:
    """The alert's value of `label`, escaped for a URL's query (Go's `urlquery`: a `/` or `&` in a route)."""
    return f"{{{{ $labels.{label} | urlquery }}}}"


def grouped_annotations(service: Service, slo: Slo, alert: AlertDef, summary: str, description: str) -> tuple[str, str]:
    """(summary, description) naming the group; unchanged for an ungrouped SLO and for SLODataMissing,
    whose main condition (`absent`) cannot carry a group (see slo_missing.py)."""
    if not slo.by or alert.data_missing or alert.failures_unseen or alert.stopped:  # SLOTrafficStopped is SLO-wide too
        return summary, description
    group = group_text(slo.by)
    head = f"{service.name}: "
    if summary.startswith(head):
        summary = f"{service.name} [{group}]: " + summary[len(head) :]
    description = f"For {group} (the SLO is kept per {', '.join(slo.by)}): {description}"
    return summary, description
