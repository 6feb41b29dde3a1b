"""A `by:` label that the platform's tier_labels also set (found by a hunt): every group of the SLO or threshold
alert carried the platform's one value, Prometheus failed the alert rules, and nothing paged. Refused at the
spec's `by:`, naming the platform key."""

from __future__ import annotations

from pathlib import Path

import pytest

from compiler.api import compile_specs
from compiler.errors import InputError
from tests.platform_text import sink_platform

PLATFORM = sink_platform(
    before="""\
defaults:
  tier_labels: {critical: {region: any}}
"""
)
SPEC = """apiVersion: obsc/v1
service: edge-proxy
team: core
selector: {job: edge-proxy}
metrics:
  requests: http_requests_total
  errors: http_requests_total{code=~"5.."}
  backlog: {selector: proxy_backlog, type: gauge}
"""


@pytest.mark.parametrize(
    "extra",
    [
        "slos: [{name: availability, objective: 99.9, by: [region], sli: {errors: errors, total: requests}}]\n",
        "threshold_alerts: [{name: BacklogHigh, metric: backlog, above: 10, tier: critical, by: [region]}]\n",
    ],
)
def test_a_group_label_the_platform_sets_is_refused(tmp_path: Path, extra: str) -> None:
    (tmp_path / "platform.yaml").write_text(PLATFORM)
    (tmp_path / "edge-proxy.yaml").write_text(SPEC + extra)
    with pytest.raises(InputError) as raised:
        compile_specs([str(tmp_path)])
    text = str(raised.value)
    assert "'region' splits the alert (by:)" in text
    assert "the platform's defaults.tier_labels.critical" in text
    assert "edge-proxy.yaml" in text


def test_a_group_label_nothing_else_sets_compiles(tmp_path: Path) -> None:
    (tmp_path / "platform.yaml").write_text(PLATFORM)
    extra = "slos: [{name: availability, objective: 99.9, by: [zone], sli: {errors: errors, total: requests}}]\n"
    (tmp_path / "edge-proxy.yaml").write_text(SPEC + extra)
    assert compile_specs([str(tmp_path)]).bundle.artifacts
