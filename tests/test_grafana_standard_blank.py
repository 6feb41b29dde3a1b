"""A platform standard dashboard as an on-call engineer meets it: nothing written or linked where it has no panel
for a service (said where the service is), and lines of an expression whose labels are untold named apart."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from compiler import conventions as names
from tests.cli_helpers import run_obsc
from tests.conftest import ROOT
from tests.test_grafana_standard import _fleet
from tests.test_grafana_support import compile_dir, dashboards, service_dashboard

# Draws a panel only for a service with a `requests` metric: a Kafka consumer or a database has none.
ONLY_REQUESTS = """function(service) {
  title: service.name + ' / echo',
  panels: if std.objectHas(service.metrics, 'requests') then [{id: 1, type: 'timeseries', title: 'Traffic'}]
          else [{id: 2, type: 'row', title: 'Requests', panels: []}],
}"""
ECHO = "grafana/dashboards/teams/team-a/{}.echo.json"


def _without_requests(specs: Path, name: str) -> None:
    spec = specs / f"{name}.yaml"
    spec.write_text(
        spec.read_text()
        .replace("metrics: {requests: http_requests_total, errors: 'http_requests_total{code=~\"5..\"}'}", "")
        .replace("slos: [{name: availability, objective: 99.9, sli: {errors: errors, total: requests}}]", "")
        + "metrics: {lag: {selector: kafka_consumergroup_lag, type: gauge}}\n"
    )


def test_a_standard_dashboard_with_no_panel_for_a_service_is_neither_written_nor_linked(tmp_path: Path) -> None:
    """Round 45: examples/lib's golden signals rendered 0 panels for a Kafka consumer and a Postgres service, and
    the empty page was written, provisioned and linked from the service dashboard, without a word."""
    specs = _fleet(tmp_path, ONLY_REQUESTS, services=("alpha", "beta"))
    _without_requests(specs, "beta")
    compilation = compile_dir(specs)
    written = dashboards(compilation)
    assert ECHO.format("alpha") in written and ECHO.format("beta") not in written
    beta_links = [link["url"] for link in service_dashboard(compilation, "beta")["links"]]
    assert f"/d/{names.dashboard_uid('beta', 'echo')}" not in beta_links
    alpha_links = [link["url"] for link in service_dashboard(compilation, "alpha")["links"]]
    assert f"/d/{names.dashboard_uid('alpha', 'echo')}" in alpha_links
    [warning] = compilation.fleet.dashboard_warnings
    assert warning.location.file.endswith("beta.yaml") and warning.location.line == 2
    assert "service 'beta': standard dashboard 'echo' (lib/echo.jsonnet) renders no panel for it" in str(warning)


def test_alerts_of_a_service_whose_only_dashboard_is_empty_link_the_fleet_overview(tmp_path: Path) -> None:
    """Without obsc's own dashboard a ServiceDown links the service's first standard dashboard: not written, it
    would be a dead link in the page."""
    specs = _fleet(tmp_path, ONLY_REQUESTS, services=("alpha", "beta"))
    _without_requests(specs, "beta")
    beta = specs / "beta.yaml"
    beta.write_text(beta.read_text().replace("dashboards: [service, echo]", "dashboards: [echo]"))
    compilation = compile_dir(specs)
    rules = "".join(a.content for a in compilation.bundle.artifacts if a.path.startswith("prometheus/"))
    assert "beta-" in rules and names.dashboard_uid("beta", "echo") not in rules
    assert [s.dashboards for s in compilation.fleet.services] == [("service", "echo"), ()]
    assert not [path for path in dashboards(compilation) if "/beta" in path]


def test_compile_and_validate_say_where_the_empty_dashboard_was_asked_for(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    specs = _fleet(tmp_path, ONLY_REQUESTS, services=("alpha", "beta"))
    _without_requests(specs, "beta")
    said = f"{specs / 'beta.yaml'}:2:10 $.service: warning: service 'beta': standard dashboard 'echo'"
    checked = run_obsc(capsys, "validate", str(specs))
    assert checked.code == 0 and said in checked.err, checked.err
    out = tmp_path / "out"
    compiled = run_obsc(capsys, "compile", str(specs), "--out", str(out), "--no-validate")
    assert compiled.code == 0 and said in compiled.err, compiled.err
    assert not (out / ECHO.format("beta")).exists() and (out / ECHO.format("alpha")).exists()


def test_the_example_names_apart_the_lines_of_an_expression_whose_labels_are_untold(tmp_path: Path) -> None:
    """Round 45: the standard dashboard got groups_legend '' for an unaggregated expression (a line per instance)
    and named every line by the metric's title (a CPU rate per instance: every line 'cpu')."""
    specs = _fleet(tmp_path, "")
    shutil.copy(ROOT / "examples" / "lib" / "golden-signals.jsonnet", specs / "lib" / "echo.jsonnet")
    alpha = specs / "alpha.yaml"
    alpha.write_text(
        alpha.read_text().replace(
            "metrics: {requests: http_requests_total,",
            "metrics: {cpu: {expr: 'rate(process_cpu_seconds_total{$selector}[$window])'},"
            " memory: {expr: 'max by (pod) (memory_used_ratio{$selector})'}, requests: http_requests_total,",
        )
    )
    panels = {p["title"]: p for p in dashboards(compile_dir(specs))[ECHO.format("alpha")]["panels"]}
    assert [t["legendFormat"] for t in panels["Saturation"]["targets"]] == ["__auto", "{{pod}} memory"]
    assert [t["legendFormat"] for t in panels["Traffic"]["targets"]] == ["requests/s"]


# A platform's own Jsonnet that names a metric's lines by its title, whatever the metric's labels.
BY_TITLE = """function(service) {
  title: service.name + ' / echo',
  panels: [{id: 1, type: 'timeseries', title: 'Saturation', targets: [
    {refId: 'A', expr: m.query, legendFormat: m.title} for m in std.objectValues(service.metrics) if m.type == 'gauge'
  ]}],
}"""


def test_a_platform_dashboard_naming_untold_lines_alike_is_warned_of_at_its_file(tmp_path: Path) -> None:
    specs = _fleet(tmp_path, BY_TITLE, services=("alpha", "beta"))
    for name in ("alpha", "beta"):
        spec = specs / f"{name}.yaml"
        spec.write_text(
            spec.read_text().replace(
                "metrics: {requests: http_requests_total,",
                "metrics: {cpu: {expr: 'rate(process_cpu_seconds_total{$selector}[$window])'},"
                " memory: {expr: 'max by (pod) (memory_used_ratio{$selector})'}, requests: http_requests_total,",
            )
        )
    cpu, memory = compile_dir(specs).fleet.dashboard_warnings
    assert cpu.location.file == memory.location.file == str(specs / "lib" / "echo.jsonnet")
    assert (
        "standard dashboard 'echo', panel 'Saturation': metric 'cpu' of service 'alpha' and 1 more keeps labels its "
        "query does not tell (a line per instance), and the legend 'cpu' names every line alike" in cpu.message
    )
    assert (
        "metric 'memory' of service 'alpha' and 1 more keeps a line per pod, and the legend 'memory'" in memory.message
    )
    shutil.copy(ROOT / "examples" / "lib" / "golden-signals.jsonnet", specs / "lib" / "echo.jsonnet")
    assert compile_dir(specs).fleet.dashboard_warnings == ()  # the example reads labels_untold


# Queries only what the service has: a service without gauges gets a panel with `targets: []`, one without a
# `latency` metric a target whose expr is blank.
ONLY_WHAT_IT_HAS = """function(service) {
  title: service.name + ' / echo',
  panels: [
    {id: 1, type: 'timeseries', title: 'Gauges', targets: [
      {refId: 'A', expr: m.query, legendFormat: m.title} for m in std.objectValues(service.metrics) if m.type == 'gauge'
    ]},
    {id: 2, type: 'row', title: 'Latency', collapsed: true, panels: [{id: 3, type: 'stat', title: 'p99', targets: [
      {refId: 'A', legendFormat: 'p99',
       expr: if std.objectHas(service.metrics, 'latency') then service.metrics.latency.quantiles.p99 else ''},
    ]}]},
  ],
}"""


def test_a_standard_dashboard_whose_panels_all_query_nothing_is_neither_written_nor_linked(tmp_path: Path) -> None:
    """Round 46's open limit: only a dashboard with no panel at all was left out; one whose panels all said "No
    data" (queries a Jsonnet comprehension left empty or blank for a service without the metrics they draw) was
    written and linked. A panel with a query still counts (alpha's gauge), as does a text panel."""
    specs = _fleet(tmp_path, ONLY_WHAT_IT_HAS, services=("alpha", "beta"))
    alpha = specs / "alpha.yaml"
    alpha.write_text(
        alpha.read_text().replace(
            "metrics: {requests: http_requests_total,",
            "metrics: {queue: {selector: queue_depth, type: gauge}, requests: http_requests_total,",
        )
    )
    compilation = compile_dir(specs)
    written = dashboards(compilation)
    assert ECHO.format("alpha") in written and ECHO.format("beta") not in written
    beta_links = [link["url"] for link in service_dashboard(compilation, "beta")["links"]]
    assert f"/d/{names.dashboard_uid('beta', 'echo')}" not in beta_links
    [warning] = compilation.fleet.dashboard_warnings
    assert "service 'beta': standard dashboard 'echo' (lib/echo.jsonnet) renders no panel for it" in str(warning)
