"""Platform standard dashboards: the argument their Jsonnet receives, and how their output is finished.

A platform team writes a standard dashboard once, as `function(service) { ... }`, and lists it under
`standard_dashboards:`; obsc evaluates it for every service that asks for it (in `dashboards:`).
`service` is the JSON below: everything a dashboard needs, with ready-made queries so that Jsonnet
never re-derives PromQL, record names or panel ids:

    name, team, description, labels {k: v}, links {k: url}, selector ('job="checkout"'),
    targets ('job="checkout"': the scrape targets' `up` labels; null when nothing is scraped),
    dashboard {name, uid, service_uid, fleet_uid}   -- this dashboard and the ones to link to; service_uid
                                                       is null when the service has no obsc dashboard
                                                       (`dashboards:` without `service`): link fleet_uid then
    grafana {datasource {type, uid: "${datasource}"}, datasource_variable, rate_interval, tags}
    metrics {<name>: {type, unit, title, business, query, rate|null, quantiles {p50, p95, p99}|null,
             by, groups_legend, labels_untold}}
    error_ratio                                   -- share of requests that fail, as the error-rate alert reads
                                                     it (0 without an errors series); null without both metrics
                                                    -- unit is the spec's Grafana unit ('' when none; a
                                                       share's unit when its name or average says it, as on
                                                       obsc's panels): a `percent` metric is 0-100, a
                                                       `percentunit` one 0-1;
                                                       quantiles are in seconds whatever a histogram's unit
                                                       (a `ms` histogram's are scaled), so plot them as `s`
    slos [{name, objective (percent), objective_ratio, error_budget, period, period_seconds, description,
           by, groups_legend,
           budget_left (the low-budget alert's share, null without it),
           panel_id, burn_windows [{name, tier, long, short, factor, error_ratio_threshold}],
           queries {sli, sli_over_period, objective, budget_remaining, burn_rate, time_to_exhaustion},
           group_queries {the same keys}}]
                                                    -- a grouped SLO's queries read the groups its dashboard
                                                       variables select (`cluster`, All by default), which
                                                       obsc adds to the dashboard when a panel reads them:
                                                       queries show the worst of them (bottomk/topk 1, its
                                                       group labels kept for the legend), group_queries
                                                       every one; the same for an ungrouped SLO
                                                    -- panel_id: the SLO's burn-rate panel on obsc's service
                                                       dashboard (`?viewPanel=`), hashed from the SLO's name
                                                    -- by: the labels a query keeps one series per group of
                                                       (an SLO's `by:`, a metric's `sum by (queue)`), [] for
                                                       one series; groups_legend ('{{queue}}', '' without
                                                       groups): put it in each such target's legendFormat, or
                                                       a stat or graph shows every group under one name
                                                    -- labels_untold: true when the query keeps labels its text
                                                       does not tell (an unaggregated `rate(x[..])`, a line per
                                                       instance; `sum without (pod)`): no template can name its
                                                       lines, so give that target legendFormat '__auto' (Grafana
                                                       names each line by the labels it differs by)
    alerts [{name, severity, slo|null (the slo label), runbook_url, dashboard_url}]

obsc then owns the identity of the result: it sets `uid` (stable, from service + dashboard name), drops `id`,
notes in the description that the file is generated, and appends to `templating.list` each group variable
(`$cluster`) its panels read and it does not define itself. The title stays the platform's but must be unique in
the team's folder, obsc's own `<service> / service` included (standard_render refuses a duplicate: Grafana
would stop provisioning the whole folder). Everything else is the platform's and is checked
like obsc's own dashboards (lint, SDK round-trip; JSON Schemas in tests).
"""

from __future__ import annotations

import json
import re
from typing import Any

from compiler import conventions as names
from compiler.model.alerts import service_alerts
from compiler.model.burnrate import current_window, error_ratio_threshold, windows_for
from compiler.model.panel_ids import panel_ids
from compiler.model.promql import render_matchers
from compiler.model.types import Metric, MetricType, Platform, RenderedDashboard, Service, Slo
from compiler.model.units import format_duration
from compiler.targets import links
from compiler.targets.grafana import queries as q
from compiler.targets.grafana.encoding import encode
from compiler.targets.grafana.groups import kept_groups, labels_untold, variable_labels, variables
from compiler.targets.grafana.panels import DATASOURCE
from compiler.targets.grafana.rate_units import share_unit

NOTE = (
    "Generated by obsc from a platform standard dashboard: edit its Jsonnet and recompile, changes made here are lost."
)


def service_argument(service: Service, platform: Platform, dashboard: str) -> dict[str, Any]:
    """The JSON value passed to the Jsonnet function as its `service` argument."""
    return {
        "name": service.name,
        "team": service.team,
        "description": service.description,
        "labels": dict(service.labels),
        "links": dict(service.links),
        "selector": render_matchers(service.selector),
        "targets": render_matchers(service.targets) if service.targets else None,
        "dashboard": {
            "name": dashboard,
            "uid": names.dashboard_uid(service.name, dashboard),
            # None without obsc's own dashboard (`dashboards:` lists no `service`): its uid would be a dead link
            "service_uid": names.dashboard_uid(service.name, names.SERVICE_DASHBOARD)
            if names.SERVICE_DASHBOARD in service.dashboards
            else None,
            "fleet_uid": names.FLEET_DASHBOARD_UID,
        },
        "grafana": {
            "datasource": DATASOURCE.to_json(),
            "datasource_variable": names.GRAFANA_DATASOURCE_VARIABLE,
            "rate_interval": q.RATE_INTERVAL,
            "tags": [names.GRAFANA_TAG, service.team],
        },
        "metrics": {m.name: _metric(service, m) for m in service.metrics},
        "error_ratio": _error_ratio(service),
        "slos": [_slo(service, slo) for slo in service.slos],
        "alerts": [
            {
                "name": a.name,
                "severity": a.tier.value,
                "slo": a.labels().get(names.LABEL_SLO),
                "runbook_url": links.runbook_url(platform, a),
                "dashboard_url": links.alert_dashboard_url(platform, service, a),
            }
            for a in service_alerts(service)
        ],
    }


def _error_ratio(service: Service) -> str | None:
    requests, errors = service.metric("requests"), service.metric("errors")
    return q.error_ratio_of_requests(errors, requests) if requests is not None and errors is not None else None


def _metric(service: Service, metric: Metric) -> dict[str, Any]:
    histogram = metric.type is MetricType.HISTOGRAM and metric.selector is not None
    value = q.per_group_value(service, metric)  # kept per a label with a variable: the groups it selects
    return {
        "type": metric.type.value,
        "unit": metric.unit or share_unit(metric),  # a `*_ratio` or averaged 0/1 gauge is a share here too
        "title": metric.title or metric.name,
        "business": metric.is_business,
        "query": value,
        "rate": value if metric.type is MetricType.COUNTER else None,
        "quantiles": {f"p{q.percent_label(x)}": q.quantile(metric, x) for x in q.QUANTILES} if histogram else None,
        **_groups(kept_groups(metric), untold=labels_untold(metric)),
    }


def _groups(labels: tuple[str, ...], untold: bool = False) -> dict[str, Any]:
    """The labels a query keeps per group and the legend that names them: without it a grouped SLO's budget stat
    showed each group's value under one name ('budget left' twice), which an SRE cannot tell apart. `untold`:
    the query keeps labels no template can name (round 45: a standard dashboard drew one line per instance of an
    unaggregated expression, every one named by the metric's title)."""
    legend = " ".join(f"{{{{{label}}}}}" for label in labels)
    return {"by": list(labels), "groups_legend": legend, "labels_untold": untold}


def _slo(service: Service, slo: Slo) -> dict[str, Any]:
    current = current_window(slo)
    # filtered by the dashboard's group variables (`cluster=~"$cluster"`), which `finish` defines
    queries = {
        "sli": q.sli(service, slo, current.long_seconds) if current else q.sli_over_period(service, slo),
        "sli_over_period": q.sli_over_period(service, slo),
        "objective": q.objective(service, slo),
        "budget_remaining": q.budget_remaining(service, slo),
        "burn_rate": q.burn_rate(service, slo, current),
        "time_to_exhaustion": q.time_to_exhaustion(service, slo),
    }
    return {
        "name": slo.name,
        "objective": float(slo.objective),
        "objective_ratio": float(slo.objective_ratio),
        "error_budget": float(slo.error_budget),
        "period": format_duration(slo.period_seconds),
        "period_seconds": slo.period_seconds,
        "description": slo.description,
        **_groups(tuple(slo.by)),
        # the low-budget info alert's line (a share, 0.25), null when the SLO does not report a low budget
        "budget_left": float(slo.alerting.budget_left) if slo.alerting.info else None,
        "panel_id": panel_ids(service).slo(slo.name),
        "burn_windows": [
            {
                "name": w.name,
                "tier": w.tier.value,
                "long": w.long,
                "short": w.short,
                "factor": float(round(w.factor(slo.period_seconds), 10)),
                "error_ratio_threshold": float(round(error_ratio_threshold(slo, w), 10)),
            }
            for w in windows_for(slo)
        ],
        "queries": {key: worst_group(slo, key, text) for key, text in queries.items()},
        "group_queries": queries,
    }


# What a grouped SLO's query shows of the groups its variables select: the worst one, with its group labels (the
# legend names it); per point in time, so a graph over a range draws each group where it was the worst.
_WORST = {"burn_rate": "topk", "objective": None}


def worst_group(slo: Slo, key: str, query: str) -> str:
    """`bottomk(1, ...)` (least budget, lowest SLI, soonest exhaustion) or `topk(1, ...)` (fastest burn) of a
    grouped SLO's query; the query as it is for an ungrouped SLO or the objective (never grouped)."""
    pick = _WORST.get(key, "bottomk")
    return f"{pick}(1, {query})" if slo.by and pick else query


def group_variables(service: Service, panels: object) -> list[dict[str, Any]]:
    """The group variables (`cluster`, multi-value, All = `.*`) of the service's grouped SLOs and threshold alerts
    that `panels` read (`$cluster` in a query): obsc's ready-made queries filter by them, as on the service
    dashboard (a metric kept per such a label too)."""
    labels = variable_labels(service)
    if not labels:  # most services: no dump of the panels
        return []
    text = json.dumps(panels)
    read = {label for label in labels if re.search(rf"\$(?:\{{)?{re.escape(label)}\b", text)}
    built = (variable.build() for variable in variables(service))
    return [json.loads(encode(variable)) for variable in built if variable.name in read]


def finish(rendered: RenderedDashboard, service: Service) -> tuple[str, str]:
    """(title, JSON text) of a rendered standard dashboard, with obsc's uid and generated note, and the group
    variables its queries read that it does not define itself."""
    data = json.loads(rendered.json_text)
    templating = data.get("templating", {})
    listed = templating.get("list", []) if isinstance(templating, dict) else None
    if isinstance(listed, list):  # a malformed templating is left as written, for the checks to name
        defined = {str(v.get("name")) for v in listed if isinstance(v, dict)}  # (any JSON: a name may be a list)
        missing = [v for v in group_variables(service, data.get("panels")) if v["name"] not in defined]
        if missing:
            data["templating"] = {**templating, "list": [*listed, *missing]}
    data.pop("id", None)
    data["uid"] = names.dashboard_uid(rendered.service, rendered.name)
    own = str(data.get("description") or "").strip()
    data["description"] = f"{own} {NOTE}" if own else NOTE
    title = standard_title(data, rendered.service, rendered.name)
    return title, json.dumps(data, sort_keys=True, indent=2) + "\n"


def standard_title(data: dict[str, Any], service: str, dashboard: str) -> str:
    """The title Grafana shows: the Jsonnet's own, `<service> / <dashboard>` when it gives none."""
    return str(data.get("title") or f"{service} / {dashboard}")
