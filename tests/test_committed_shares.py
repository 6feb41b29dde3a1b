"""A memory share of what a runtime has committed (round 48, an eighth fleet nobody here wrote).

A newcomer's Node.js service read its memory as `nodejs_heap_size_used_bytes / nodejs_heap_size_total_bytes`:
the total is the heap V8 holds now, sized to the live set, so a healthy process reads ~96%. Replayed below with
promtool: ServiceMemorySaturation (80%) fires on such a process. Now a located warning at the metric."""

from __future__ import annotations

from pathlib import Path

import pytest

from compiler.api import CompileOptions, load_fleet
from compiler.model.committed_shares import committed_share_warnings
from tests.conftest import require_tool
from tests.platform_text import sink_platform
from tests.test_sli_semantics import _firing, _promtool, _rules

HEAD = "apiVersion: obsc/v1\nservice: bff\nteam: core\nselector: {job: bff}\n"
MEMORY = "metrics:\n  memory: {expr: '%s', unit: percentunit}\n"
NODE = "max(nodejs_heap_size_used_bytes{$selector} / nodejs_heap_size_total_bytes{$selector})"


def _warnings(tmp_path: Path, expr: str) -> list[str]:
    (tmp_path / "platform.yaml").write_text(sink_platform())
    (tmp_path / "bff.yaml").write_text(HEAD + MEMORY % expr)
    fleet, _ = load_fleet([str(tmp_path)], CompileOptions(), {})
    return [str(d) for d in committed_share_warnings(fleet.services)]


@pytest.mark.parametrize(
    "expr",
    [
        NODE,
        'sum(jvm_memory_used_bytes{$selector,area="heap"}) / sum(jvm_memory_committed_bytes{$selector,area="heap"})',
        'max(jvm_memory_bytes_used{$selector,area="heap"} / jvm_memory_bytes_committed{$selector,area="heap"})',
        # per pool and per V8 heap space (hand mutants of round 48 left each name out)
        "max(jvm_memory_pool_bytes_used{$selector} / jvm_memory_pool_bytes_committed{$selector})",
        "max(nodejs_heap_space_size_used_bytes{$selector} / nodejs_heap_space_size_total_bytes{$selector})",
    ],
    ids=["node", "micrometer", "client-java", "client-java-pool", "node-heap-space"],
)
def test_a_share_of_committed_memory_is_warned_of_at_the_metric(tmp_path: Path, expr: str) -> None:
    found = _warnings(tmp_path, expr)
    assert len(found) == 1, found
    assert (
        found[0].startswith(f"{tmp_path / 'bff.yaml'}:")
        and " $.metrics.memory: metric 'memory' divides by " in found[0]
    )
    assert "a healthy process reads near 1" in found[0]


@pytest.mark.parametrize(
    "expr",
    [
        'sum(jvm_memory_used_bytes{$selector,area="heap"}) / sum(jvm_memory_max_bytes{$selector,area="heap"})',
        "max(nodejs_heap_size_total_bytes{$selector} / 2147483648)",  # committed over a fixed limit: a share of it
        # bytes outside the heap: committed memory subtracted, no share of it
        "max(process_resident_memory_bytes{$selector}) - max(nodejs_heap_size_total_bytes{$selector})",
    ],
    ids=["jvm-max", "fixed-limit", "subtracted"],
)
def test_a_share_of_a_limit_is_not_warned_of(tmp_path: Path, expr: str) -> None:
    assert _warnings(tmp_path, expr) == []


def test_a_healthy_node_process_fires_the_memory_alert_on_its_committed_heap(tmp_path: Path) -> None:
    require_tool("promtool")
    # 152 of 159 MiB of heap used, steady (a 2 GiB limit far away), the target up
    series = {
        'nodejs_heap_size_used_bytes{job="bff",instance="a"}': "159383552x30",
        'nodejs_heap_size_total_bytes{job="bff",instance="a"}': "166723584x30",
        'up{job="bff",instance="a"}': "1x30",
    }
    (tmp_path / "platform.yaml").write_text(sink_platform())
    rules = _rules(tmp_path, "bff", HEAD + MEMORY % NODE)
    checks = [_firing("ServiceMemorySaturation", "25m", 1)]
    assert _promtool(tmp_path, rules, "bff", series, checks) == ""
