"""Every threshold alert opens a dashboard panel that plots exactly what its rule compares, with its line.

Found by a hunt: a `by: [tenant]` alert compared `sum by (tenant)` while its panel plotted the sum of every
tenant under the per-tenant line; an alert on `errors` opened the error-ratio panel (no line, another
quantity); a `within:` alert opened a panel of the summed timestamps. The fleet below walks every kind of
metric (selector, expression, counter, gauge, well-known and business), every aggregation, with and without
`by:`, above, below and within; for each alert the rule's left side must be the panel's only query.
"""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
import yaml

from compiler import conventions as names
from compiler.api import Compilation, CompileOptions, compile_specs
from tests.platform_text import sink_platform
from tests.test_grafana_support import all_panels, copy_examples, dashboards, schema_findings

PLATFORM = sink_platform(
    before="""\
grafana_url: https://grafana.example
runbook_url: https://runbooks.example/{path}
"""
)
SHOP = """\
apiVersion: obsc/v1
service: shop
team: web
selector: {job: shop}
metrics:
  requests: http_requests_total
  errors: http_requests_total{code=~"5.."}
  cpu: {expr: 'max(rate(cpu_seconds_total{$selector}[$window]))', unit: percentunit}
  memory: {selector: memory_used_percent, type: gauge, unit: percent}
  queue: {selector: queue_depth, type: gauge, aggregation: avg, title: Queue depth}
  pending: {selector: pending_jobs, type: gauge, aggregation: sum}
  lag: {selector: lag_seconds, type: gauge, aggregation: max, unit: s}
  free: {selector: free_bytes, type: gauge, aggregation: min, unit: bytes}
  cert:
    selector: 'probe_ssl_earliest_cert_expiry{instance="shop.example:443"}'
    type: gauge
    service_selector: false
    unit: dateTimeAsIso
  token: {selector: token_expiry_ms, type: gauge, unit: ms}
  retries: {selector: retries_total}
  depth: {expr: 'sum by (shard) (depth{$selector})', type: gauge}
slos:
  - {name: availability, objective: 99.9, sli: {errors: errors, total: requests}}
alerts: {traffic_anomaly: false, traffic_milestone: false}
threshold_alerts:
  - {name: ErrorsBurst, metric: errors, above: 2/s}
  - {name: ErrorsBurstPerCode, metric: errors, above: 1/s, by: [code], tier: info}
  - {name: RequestsStalled, metric: requests, below: 1/m, tier: critical}
  - {name: CpuHot, metric: cpu, above: 95%}
  - {name: MemoryHigh, metric: memory, above: 90%, by: [instance]}
  - {name: QueueDeep, metric: queue, above: 100, by: [shard]}
  - {name: QueueDeepCritical, metric: queue, above: 500, by: [shard], tier: critical}
  - {name: QueueEmpty, metric: queue, below: 1, tier: info, missing: ignore}
  - {name: PendingPerTenant, metric: pending, above: 100, by: [tenant]}
  - {name: PendingPerTenantZone, metric: pending, above: 50, by: [tenant, zone]}
  - {name: LagHigh, metric: lag, above: 5m}
  - {name: DiskLow, metric: free, below: 2GiB, by: [device], tier: critical}
  - {name: CertExpiring, metric: cert, within: 14d, by: [instance]}
  - {name: CertExpiringSoon, metric: cert, within: 2d, tier: critical}
  - {name: CertAbove, metric: cert, above: 2000000000, tier: info}
  - {name: TokenExpiring, metric: token, within: 2d}
  - {name: Retrying, metric: retries, above: 10/m, by: [reason]}
  - {name: DepthHigh, metric: depth, above: 10, by: [shard]}
"""
BATCH = """\
apiVersion: obsc/v1
service: batch
team: data
selector: {job: batch}
targets: false
metrics:
  rows: {selector: rows_written_total}
threshold_alerts:
  - {name: RowsStalled, metric: rows, below: 1/h, by: [table]}
"""
HIDDEN = """\
apiVersion: obsc/v1
service: hidden
team: data
selector: {job: hidden}
metrics:
  backlog: {selector: backlog, type: gauge, aggregation: sum}
dashboards: []
threshold_alerts:
  - {name: BacklogHigh, metric: backlog, above: 10, by: [queue]}
"""
COLORS = {"critical": "red", "warning": "orange", "info": "blue"}
_COMPARISON = re.compile(r"(?P<compared>.+) (?P<op>[<>]) (?P<line>[-0-9.e]+)")


@pytest.fixture(scope="module")
def fleet(tmp_path_factory: pytest.TempPathFactory) -> Compilation:
    specs = tmp_path_factory.mktemp("fleet")
    for name, text in {"platform": PLATFORM, "shop": SHOP, "batch": BATCH, "hidden": HIDDEN}.items():
        (specs / f"{name}.yaml").write_text(text)
    return compile_specs([str(specs)], CompileOptions())


@pytest.fixture(scope="module")
def examples(tmp_path_factory: pytest.TempPathFactory) -> Compilation:
    return compile_specs([str(copy_examples(tmp_path_factory.mktemp("examples")))], CompileOptions())


def _rules(compilation: Compilation, service: str) -> list[dict[str, Any]]:
    text = compilation.bundle.get(names.prometheus_rules_path(service)).content  # type: ignore[union-attr]
    return [rule for group in yaml.safe_load(text)["groups"] for rule in group["rules"]]


def _check_every_threshold_alert(compilation: Compilation) -> int:
    """Each threshold alert's rule, the panel its dashboard_url opens, and what that panel plots; the count."""
    checked = 0
    for service in compilation.fleet.services:
        rules = _rules(compilation, service.name)
        recorded = {rule["record"] for rule in rules if "record" in rule}
        by_name = {rule["alert"]: rule for rule in rules if "alert" in rule and "data" not in rule["labels"]}
        own = names.SERVICE_DASHBOARD in service.dashboards
        if own:
            path = names.grafana_dashboard_path(service.team, service.name, names.SERVICE_DASHBOARD)
            board = dashboards(compilation)[path]
            panels = {p["id"]: p for p in all_panels(board)}
            variables = {v["name"] for v in board["templating"]["list"]}
        for alert in service.threshold_alerts:
            rule = by_name[alert.name]
            url = rule["annotations"]["dashboard_url"]
            if not own:  # its first standard dashboard, else the fleet (tests/test_links_without_own_dashboard.py)
                home = (
                    f"/d/{names.dashboard_uid(service.name, service.dashboards[0])}"
                    if service.dashboards
                    else f"/d/{names.FLEET_DASHBOARD_UID}?var-service={service.name}"
                )
                assert url.endswith(home), url
                continue
            match = _COMPARISON.fullmatch(rule["expr"])
            assert match, rule["expr"]
            compared = match["compared"]
            last = r"last_over_time\((service:[a-z_0-9]+:[a-z_0-9]+)\{service=\"[^\"]+\"\}\[[0-9hm]+\]\)( - time\(\))?"
            signal = re.fullmatch(last, compared)
            assert signal, compared
            assert signal[1] in recorded, compared  # the panel reads the alert's own recording
            opened, _, selected = url.split("?viewPanel=")[1].partition("{{")
            panel = panels[int(opened)]
            where = f"{service.name}/{alert.name} → panel {panel['id']} {panel['title']!r}"
            # the panel filters by a variable per group label; the link sets each to the alert's own group
            filters = "".join(f',{label}=~"${label}"' for label in alert.by)
            assert [t["expr"] for t in panel["targets"]] == [compared.replace('"}[', f'"{filters}}}[', 1)], where
            assert ("{{" + selected if selected else "") == "".join(
                f"{{{{ with $labels.{label} }}}}&var-{label}={{{{ . | urlquery }}}}{{{{ end }}}}" for label in alert.by
            ), where
            assert set(alert.by) <= set(variables), where
            defaults = panel["fieldConfig"]["defaults"]
            line = (float(match["line"]), COLORS[rule["labels"]["severity"]])
            assert line in [(s["value"], s["color"]) for s in defaults["thresholds"]["steps"]], where
            assert panel["fieldConfig"]["defaults"]["custom"]["thresholdsStyle"]["mode"] == "dashed", where
            runbooks = {link["url"] for link in panel["links"] if link["title"] == f"Runbook: {alert.name}"}
            assert runbooks == {rule["annotations"]["runbook_url"]}, where
            if alert.comparison.value == "within":
                assert compared.endswith(" - time()") and defaults["unit"] == "s", where
            if alert.by:
                assert panel["targets"][0]["legendFormat"] == " ".join(f"{{{{{b}}}}}" for b in alert.by), where
            checked += 1
    return checked


def test_every_threshold_alert_opens_a_panel_of_exactly_what_it_compares(fleet: Compilation) -> None:
    assert _check_every_threshold_alert(fleet) == 19  # every alert of shop and batch; hidden has no dashboard


def test_the_examples_threshold_alerts_open_a_panel_of_what_they_compare(examples: Compilation) -> None:
    assert _check_every_threshold_alert(examples) >= 4


def test_alerts_on_one_signal_share_a_panel_and_each_signal_has_its_own(fleet: Compilation) -> None:
    path = names.grafana_dashboard_path("web", "shop", names.SERVICE_DASHBOARD)
    plotted = [p["targets"][0]["expr"] for p in all_panels(dashboards(fleet)[path]) if p.get("targets")]
    plotted = [e for e in plotted if e.startswith("last_over_time(service:")]
    assert len(plotted) == len(set(plotted)) == 17  # 18 alerts: QueueDeep's two tiers share one


def test_a_date_unit_plots_the_seconds_timestamp_as_grafanas_milliseconds(fleet: Compilation) -> None:
    """The soonest certificate, as the within: alerts read it (a sum of timestamps is no date)."""
    path = names.grafana_dashboard_path("web", "shop", names.SERVICE_DASHBOARD)
    cert = next(p for p in all_panels(dashboards(fleet)[path]) if p.get("title") == "cert")
    assert cert["fieldConfig"]["defaults"]["unit"] == "dateTimeAsIso"
    expiry = 'probe_ssl_earliest_cert_expiry{instance="shop.example:443"}'
    assert [t["expr"] for t in cert["targets"]] == [f"min({expiry}) * 1000"]


def test_the_threshold_panels_pass_the_grafana_json_schemas(fleet: Compilation) -> None:
    for path, dashboard in dashboards(fleet).items():
        found, uncovered = schema_findings(dashboard)
        assert not found, f"{path}:\n" + "\n".join(found)
        assert uncovered <= {"alertlist"}, uncovered


def test_metric_panels_draw_no_line_of_a_threshold_alert(fleet: Compilation) -> None:
    """The per-tenant line over the sum of every tenant: the metric's own panel only names the alerts."""
    path = names.grafana_dashboard_path("web", "shop", names.SERVICE_DASHBOARD)
    pending = next(p for p in all_panels(dashboards(fleet)[path]) if p.get("title") == "pending")
    assert [s["value"] for s in pending["fieldConfig"]["defaults"]["thresholds"]["steps"]] == [None]
    assert "PendingPerTenant (warning) above 100" in pending["description"]
    assert json.dumps(pending).count("Runbook") == 0


SHARED = """\
apiVersion: obsc/v1
service: edge
team: web
selector: {job: edge}
metrics:
  requests: http_requests_total
  errors: http_requests_total{code=~"5.."}
  backlog: {selector: backlog, type: gauge, aggregation: sum}
slos:
  - {name: availability, objective: 99.9, by: [region], sli: {errors: errors, total: requests}}
threshold_alerts:
  - {name: BacklogPerRegion, metric: backlog, above: 10, by: [region]}
  - {name: BacklogPerQueue, metric: backlog, above: 50, by: [queue]}
"""


def test_a_group_label_of_an_slo_and_a_threshold_is_one_variable_reading_both(
    tmp_path_factory: pytest.TempPathFactory,
) -> None:
    """A threshold alert kept per group linked to a panel of every group's line (no variable to set); its label
    is a variable now, one per label however many SLOs and alerts keep it, its values read from every series
    the filtered panels plot (a region only the backlog reports was missing from the SLO budgets' list)."""
    specs = tmp_path_factory.mktemp("shared")
    (specs / "platform.yaml").write_text(PLATFORM)
    (specs / "edge.yaml").write_text(SHARED)
    board = dashboards(compile_specs([str(specs)], CompileOptions()))[
        names.grafana_dashboard_path("web", "edge", names.SERVICE_DASHBOARD)
    ]
    queries = {v["name"]: v["query"] for v in board["templating"]["list"] if v["type"] == "query"}
    region = "service:backlog:sum_by_region"
    assert queries == {
        "region": f'label_values({{__name__=~"{names.SLO_BUDGET_REMAINING}|{region}",service="edge"}}, region)',
        "queue": 'label_values(service:backlog:sum_by_queue{service="edge"}, queue)',
    }
