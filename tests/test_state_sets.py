"""A state-set gauge read across every state (round 49, a ninth fleet nobody here wrote).

elasticsearch_exporter writes `elasticsearch_cluster_health_status` once per color, 1 for the cluster's and 0 for
the other two; node_exporter writes `node_systemd_unit_state` once per state. A newcomer's specs read them without
the label: `min` of the colors with `good_when: health == 1` paged a healthy green cluster, and `max` of a unit's
states `below: 1` stayed quiet while the unit failed (replayed below with promtool). Now both are warned of, at
the metric, by `compile` and `validate`."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from compiler.cli import cli
from tests.conftest import require_tool
from tests.platform_text import sink_platform
from tests.test_sli_semantics import _firing, _promtool, _rules

ES = (
    "apiVersion: obsc/v1\nservice: es-logs\nteam: core\nselector: {job: elasticsearch-exporter}\n"
    "alerts: {traffic_anomaly: false}\nmetrics:\n  health: %s\n"
)
SLICE = "slos: [{name: healthy, objective: 99.5, sli: {good_when: %s}}]\n"
RED = "threshold_alerts: [{name: EsRed, metric: health, above: 0, for: 5m, tier: critical}]\n"
UNIT = (
    "apiVersion: obsc/v1\nservice: lb-host\nteam: core\nselector: {job: node}\n"
    "alerts: {traffic_anomaly: false}\nmetrics:\n  unit: %s\n"
    "threshold_alerts: [{name: HaproxyUnitDown, metric: unit, %s, for: 5m, tier: critical%s}]\n"
)


def _validate(tmp_path: Path, spec: str) -> list[str]:
    """The state-set warnings `obsc validate` prints for `spec`."""
    (tmp_path / "platform.yaml").write_text(sink_platform())
    (tmp_path / "svc.yaml").write_text(spec)
    done = CliRunner().invoke(cli, ["validate", str(tmp_path)])
    assert done.exit_code == 0, done.output
    return [line for line in done.output.splitlines() if "across every" in line]


@pytest.mark.parametrize(
    ("metric", "condition"),
    [
        ("{selector: elasticsearch_cluster_health_status, type: gauge, aggregation: min}", "health == 1"),
        ("{selector: elasticsearch_cluster_health_status, type: gauge, aggregation: max}", "health == 1"),
        (
            "{selector: 'elasticsearch_cluster_health_status{color=~\".+\"}', type: gauge, aggregation: max}",
            "health > 0",
        ),
        ("{expr: 'max(elasticsearch_cluster_health_status{$selector})', type: gauge}", None),
        # a sum of the colors is the number of clusters: a time slice over it never changes either
        ("{selector: elasticsearch_cluster_health_status, type: gauge, aggregation: sum}", "health == 1"),
        # the label's name inside a matcher's value is no reading of the label
        ("{expr: 'max(elasticsearch_cluster_health_status{cluster=\"logs-color-2\",$selector})', type: gauge}", None),
    ],
    ids=["min", "max", "every-color-pattern", "expr-alert", "sum-time-slice", "label-name-in-a-value"],
)
def test_a_condition_over_every_color_is_warned_of_at_the_metric(
    tmp_path: Path, metric: str, condition: str | None
) -> None:
    found = _validate(tmp_path, ES % metric + (SLICE % condition if condition else RED))
    assert len(found) == 1, found
    assert found[0].startswith(f"{tmp_path / 'svc.yaml'}:7:") and " $.metrics.health: warning: " in found[0]
    assert "reads elasticsearch_cluster_health_status across every color" in found[0]
    assert 'elasticsearch_cluster_health_status{color="red"}' in found[0]


@pytest.mark.parametrize(
    "metric",
    [
        "{selector: 'elasticsearch_cluster_health_status{color=\"red\"}', type: gauge, aggregation: max}",
        "{selector: 'elasticsearch_cluster_health_status{color!=\"green\"}', type: gauge, aggregation: max}",
        "{expr: 'max by (color) (elasticsearch_cluster_health_status{$selector})', type: gauge}",
        "{selector: elasticsearch_cluster_health_number_of_nodes, type: gauge, aggregation: min}",
    ],
    ids=["red", "not-green", "by-color", "another-gauge"],
)
def test_a_condition_that_reads_the_color_is_not_warned_of(tmp_path: Path, metric: str) -> None:
    read = RED if metric.startswith("{expr") else SLICE % "health == 0"
    assert _validate(tmp_path, ES % metric + read) == []


@pytest.mark.parametrize(
    ("selector", "by", "warned"),
    [
        ("'node_systemd_unit_state{name=\"haproxy.service\"}'", "", True),
        ('\'node_systemd_unit_state{name="haproxy.service",state="active"}\'', "", False),
        ("'node_systemd_unit_state{name=\"haproxy.service\"}'", ", by: [state]", False),
    ],
    ids=["every-state", "active", "by-state"],
)
def test_a_threshold_alert_over_every_state_is_warned_of(tmp_path: Path, selector: str, by: str, warned: bool) -> None:
    metric = f"{{selector: {selector}, type: gauge, aggregation: max}}"
    found = _validate(tmp_path, UNIT % (metric, "below: 1", by))
    assert len(found) == int(warned), found
    if warned:
        assert " $.metrics.unit: warning: metric 'unit' reads node_systemd_unit_state across every state" in found[0]


@pytest.mark.parametrize(("selector", "warned"), [("", True), (',status="critical"', False)], ids=["every", "critical"])
def test_consul_health_checks_read_across_every_status_are_warned_of(
    tmp_path: Path, selector: str, warned: bool
) -> None:
    """Round 53: consul_exporter writes each check once per status, 1 for its own; `max` of them is 1 whatever the
    check says, so `above: 0` on a service's checks fires on a passing service."""
    series = f'consul_health_service_status{{service_name="payments"{selector}}}'
    metric = f"{{selector: '{series}', type: gauge, aggregation: max}}"
    spec = UNIT.replace("lb-host", "payments-checks") % (metric, "above: 0", "")
    found = _validate(tmp_path, spec)
    assert len(found) == int(warned), found
    if warned:
        assert "reads consul_health_service_status across every status" in found[0]


def test_a_green_cluster_pages_when_read_across_every_color(tmp_path: Path) -> None:
    require_tool("promtool")
    # Two hours of a healthy green cluster: read across the colors (min), every slice is bad and the SLO pages
    # both pairs; pinned to red, nothing fires.
    at = 'job="elasticsearch-exporter",instance="es-exporter:9114",cluster="logs"'
    series = {f'elasticsearch_cluster_health_status{{{at},color="{c}"}}': v for c, v in _GREEN.items()}
    series['up{job="elasticsearch-exporter",instance="es-exporter:9114"}'] = "1x120"
    for name, metric, condition, pages in (
        ("every", "{selector: elasticsearch_cluster_health_status, type: gauge, aggregation: min}", "health == 1", 2),
        ("red", "{selector: 'elasticsearch_cluster_health_status{color=\"red\"}', type: gauge, aggregation: max}",
         "health == 0", 0),
    ):  # fmt: skip
        folder = tmp_path / name
        folder.mkdir()
        (folder / "platform.yaml").write_text(sink_platform())
        rules = _rules(folder, "es-logs", ES % metric + SLICE % condition)
        checks = [_firing("SLOErrorBudgetBurnFast", "100m", pages), _firing("SLODataMissing", "100m", 0)]
        assert _promtool(folder, rules, "es-logs", series, checks) == "", name


_GREEN = {"green": "1x120", "yellow": "0x120", "red": "0x120"}


def test_a_dashboard_line_over_every_state_is_warned_of_unless_it_is_a_count(tmp_path: Path) -> None:
    # read by no alert: an avg of every condition is 1/3 whatever the pods do; a sum counts them
    spec = ES.replace("  health: %s\n", "  ready: %s\n  pods: %s\n") % (
        "{selector: kube_pod_status_ready, type: gauge, aggregation: avg}",
        "{selector: kube_pod_status_phase, type: gauge, aggregation: sum}",
    )
    found = _validate(tmp_path, spec)
    assert (
        len(found) == 1
        and "$.metrics.ready: warning: metric 'ready' reads kube_pod_status_ready across every condition" in found[0]
    ), found


@pytest.mark.parametrize("series", ["consul_health_service_status", "consul_health_node_status"])
def test_both_consul_health_state_sets_are_warned_of_with_the_critical_pin(tmp_path: Path, series: str) -> None:
    """The node checks as the service checks; the example pins `status="critical"`, the state that fails (review54:
    the node checks dropped, or another status first in the list, passed every test)."""
    metric = f"{{selector: '{series}{{node=\"n1\"}}', type: gauge, aggregation: max}}"
    spec = UNIT.replace("lb-host", "payments-checks") % (metric, "above: 0", "")
    found = _validate(tmp_path, spec)
    assert len(found) == 1 and f"reads {series} across every status" in found[0], found
    assert 'status="critical"' in found[0], found
