"""An expression kept per label (`sum by (queue) (...)`) is filtered by that label's dashboard variable when the
service dashboard has one (an SLO's or a threshold alert's `by:`), as the threshold and SLO panels are.

Only the threshold panels of the alerts split `by:` a label were filtered: picking one queue left the backlog
panel showing every queue. Expressions take no matcher, so the panel marks the series whose label matches the
variable's regex (label_replace anchors it, as a matcher) and keeps the marked ones. promtool evaluates the
panel's query with the variable filled in as Grafana fills it (All `.*`, one value, two values `(a|b)`, a value
regex-escaped): it returns exactly the selected groups, and a label without a variable is not filtered.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from compiler.api import Compilation
from tests.platform_text import sink_platform
from tests.promtool_helpers import promtool_report
from tests.test_grafana_support import all_panels, compile_dir, service_dashboard

PLATFORM = sink_platform()
BROKER = """\
apiVersion: obsc/v1
service: broker
team: data-plane
selector: {job: broker}
metrics:
  requests: {expr: 'sum by (queue) (rate(broker_messages_total{$selector}[$window]))', type: counter, unit: reqps}
  backlog: {expr: 'sum by (queue) (broker_ready{$selector})', unit: short, title: Backlog}
  pools: {expr: 'max by (pool) (broker_pool_used{$selector})', unit: percentunit}
  depth: {selector: broker_depth, type: gauge, aggregation: max}
threshold_alerts:
  - {name: QueueDeep, metric: depth, above: 100, by: [queue]}
"""
SERIES = {
    'broker_ready{job="broker",queue="orders.eu",instance="i1"}': "5x5",
    'broker_ready{job="broker",queue="orders.eu",instance="i2"}': "2x5",
    'broker_ready{job="broker",queue="ordersXeu",instance="i1"}': "3x5",
    'broker_ready{job="broker",queue="refunds",instance="i1"}': "11x5",
    'broker_ready{job="broker",instance="i3"}': "13x5",
    'broker_pool_used{job="broker",pool="a"}': "0.5x5",
    'broker_pool_used{job="broker",pool="b"}': "0.25x5",
}


@pytest.fixture(scope="module")
def compilation(tmp_path_factory: pytest.TempPathFactory) -> Compilation:
    specs = tmp_path_factory.mktemp("specs")
    (specs / "platform.yaml").write_text(PLATFORM)
    (specs / "broker.yaml").write_text(BROKER)
    return compile_dir(specs)


def _expr(compilation: Compilation, title: str) -> str:
    panel = next(p for p in all_panels(service_dashboard(compilation, "broker")) if p.get("title") == title)
    [target] = panel["targets"]
    return str(target["expr"])


def _returned(tmp_path: Path, expr: str, expected: list[dict[str, Any]]) -> str:
    (tmp_path / "none.yaml").write_text("groups: []\n")
    return promtool_report(tmp_path, "none.yaml", SERIES, [{"expr": expr, "eval_time": "2m", "exp_samples": expected}])


@pytest.mark.parametrize(
    ("value", "queues"),
    [
        (".*", {"orders.eu": 7, "ordersXeu": 3, "refunds": 11, "": 13}),  # All, a series without the label too
        ("refunds", {"refunds": 11}),
        ("(refunds|orders\\\\.eu)", {"orders.eu": 7, "refunds": 11}),  # two values, regex-escaped by Grafana
        ("orders\\\\.eu", {"orders.eu": 7}),  # the escaped dot matches a dot only
    ],
)
def test_the_backlog_shows_the_queues_the_variable_selects(
    compilation: Compilation, tmp_path: Path, value: str, queues: dict[str, int]
) -> None:
    expr = _expr(compilation, "Backlog")
    assert "$queue" in expr, expr
    expected = [{"labels": f'{{queue="{q}"}}' if q else "{}", "value": v} for q, v in queues.items()]
    assert _returned(tmp_path, expr.replace("$queue", value), expected) == ""


def test_a_label_without_a_variable_is_not_filtered(compilation: Compilation, tmp_path: Path) -> None:
    expr = _expr(compilation, "pools")
    assert "$" not in expr
    expected = [{"labels": '{pool="a"}', "value": 0.5}, {"labels": '{pool="b"}', "value": 0.25}]
    assert _returned(tmp_path, expr, expected) == ""


def test_the_request_rate_kept_per_queue_names_and_filters_its_groups(compilation: Compilation) -> None:
    panel = next(p for p in all_panels(service_dashboard(compilation, "broker")) if p.get("title") == "Request rate")
    target = panel["targets"][0]
    assert target["legendFormat"] == "requests/s {{queue}}"
    assert "$queue" in target["expr"]


def test_the_variable_says_which_panels_it_filters(compilation: Compilation) -> None:
    board = service_dashboard(compilation, "broker")
    [variable] = [v for v in board["templating"]["list"] if v["name"] == "queue"]
    assert "Backlog" in variable["description"] and "requests" in variable["description"]
