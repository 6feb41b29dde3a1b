"""A business metric whose expression keeps labels (`sum by (queue) (...)`) draws one line per group, and each
line names its group (found by a dashboard hunt): the legend was the metric's title alone, so two queues'
lines both read "Backlog" and the tooltip could not tell them apart. promtool shows the panel's query returns
the labels the legend names.
"""

from __future__ import annotations

import re
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
  requests: broker_messages_total
  backlog: {expr: 'sum by (queue) (broker_ready{$selector})', unit: short, title: Backlog}
  pools: {expr: 'max by (pool, zone) (broker_pool_used{$selector})', unit: percentunit}
  used: {expr: 'max(broker_used{$selector}) / max(broker_size{$selector})', unit: percentunit}
"""


@pytest.fixture(scope="module")
def compilation(tmp_path_factory: pytest.TempPathFactory) -> Compilation:
    specs = tmp_path_factory.mktemp("specs")
    (specs / "platform.yaml").write_text(PLATFORM)
    (specs / "broker.yaml").write_text(BROKER)
    return compile_dir(specs)


def _target(compilation: Compilation, title: str) -> dict[str, Any]:
    panel = next(p for p in all_panels(service_dashboard(compilation, "broker")) if p.get("title") == title)
    [target] = panel["targets"]
    return dict(target)


@pytest.mark.parametrize(
    ("title", "legend"),
    [("Backlog", "Backlog {{queue}}"), ("pools", "pools {{pool}} {{zone}}"), ("used", "used")],
)
def test_a_grouped_expression_names_each_group_in_its_legend(compilation: Compilation, title: str, legend: str) -> None:
    assert _target(compilation, title)["legendFormat"] == legend


def test_the_legend_names_labels_the_query_returns(compilation: Compilation, tmp_path: Path) -> None:
    target = _target(compilation, "pools")
    series = {
        'broker_pool_used{job="broker",pool="a",zone="z1",instance="i1"}': "0.25x5",
        'broker_pool_used{job="broker",pool="a",zone="z1",instance="i2"}': "0.5x5",
        'broker_pool_used{job="broker",pool="b",zone="z2",instance="i1"}': "0.75x5",
    }
    named = re.findall(r"\{\{(\w+)\}\}", target["legendFormat"])
    assert named == ["pool", "zone"]
    check = {
        "expr": target["expr"],
        "eval_time": "2m",
        "exp_samples": [
            {"labels": '{pool="a",zone="z1"}', "value": 0.5},
            {"labels": '{pool="b",zone="z2"}', "value": 0.75},
        ],
    }
    (tmp_path / "none.yaml").write_text("groups: []\n")
    assert promtool_report(tmp_path, "none.yaml", series, [check]) == ""
