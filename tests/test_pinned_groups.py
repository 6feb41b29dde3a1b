"""Round 40: `by: [region]` beside `selector: {region: eu}` compiled to one group (eu) without a word, and a team
that meant "per region" had no alert for any other region. A located warning at the `by:` entry now says so, for
an SLO (its total's or histogram's series) and a threshold alert (its metric's); a pattern naming several values,
or a label no matcher pins, is not warned of."""

from __future__ import annotations

from pathlib import Path

import pytest

from compiler.api import CompileOptions, load_fleet
from compiler.model.pinned_groups import pinned_group_warnings
from tests.cli_helpers import run_obsc
from tests.platform_text import sink_platform

SPEC = """apiVersion: obsc/v1
service: api
team: shop
selector: {{job: api, region: {region}}}
metrics:
  requests: http_requests_total
  errors: http_requests_total{{code=~"5.."}}
  queue: {{selector: '{queue}', type: gauge, aggregation: max}}
slos:
  - {{name: availability, objective: 99.9, sli: {{errors: errors, total: requests}}, by: [{by}]}}
threshold_alerts:
  - {{name: QueueDeep, metric: queue, above: 100, by: [{by}]}}
"""


def _write(tmp: Path, region: str = "eu", queue: str = "queue_depth", by: str = "region") -> None:
    """api's selector pins `region` to `region`; its queue gauge reads `queue`; both `by:` name `by`."""
    (tmp / "platform.yaml").write_text(sink_platform(before="defaults:\n  target_labels: [region, zone]\n"))
    (tmp / "api.yaml").write_text(SPEC.format(region=region, queue=queue, by=by))


def _warnings(tmp: Path) -> list[str]:
    fleet, _ = load_fleet([str(tmp)], CompileOptions(), {})
    return [str(d) for d in pinned_group_warnings(fleet.services)]


def test_a_group_label_the_service_selector_pins_is_warned_at_each_by(tmp_path: Path) -> None:
    _write(tmp_path)
    said = _warnings(tmp_path)
    assert len(said) == 2, said
    assert said[0].startswith(f"{tmp_path / 'api.yaml'}:10:") and " $.slos[0].by[0]: " in said[0], said
    assert said[1].startswith(f"{tmp_path / 'api.yaml'}:12:") and " $.threshold_alerts[0].by[0]: " in said[1], said
    assert 'pinned to one value by the service\'s selector matcher region="eu": the SLO has one group' in said[0]
    assert "the alert has one group" in said[1]
    assert 'labels: {region: "eu"}' in said[0]


def test_a_metrics_own_single_value_pattern_pins_too(tmp_path: Path) -> None:
    _write(tmp_path, region="eu", by="region", queue='queue_depth{region=~"us"}')
    text = (tmp_path / "api.yaml").read_text().replace("region: eu}", "zone: a}")
    (tmp_path / "api.yaml").write_text(text)
    said = _warnings(tmp_path)
    assert len(said) == 1 and "$.threshold_alerts[0].by[0]" in said[0], said
    assert 'by queue\'s matcher region=~"us"' in said[0]


@pytest.mark.parametrize(
    "queue, by",
    [('queue_depth{region=~"eu|us"}', "region"), ('queue_depth{region=~"eu.*"}', "region"), ("queue_depth", "route")],
    ids=["several-values", "a-pattern", "an-unpinned-label"],
)
def test_what_is_not_warned_of(tmp_path: Path, queue: str, by: str) -> None:
    _write(tmp_path, queue=queue, by=by)
    text = (tmp_path / "api.yaml").read_text().replace("region: eu}", "zone: a}")
    (tmp_path / "api.yaml").write_text(text)
    assert _warnings(tmp_path) == []


def test_validate_says_it_as_a_warning_and_exits_0(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    _write(tmp_path)
    result = run_obsc(capsys, "validate", str(tmp_path))
    assert result.code == 0, result.err
    assert "$.slos[0].by[0]: warning: by: 'region' is pinned to one value" in result.err


def test_a_latency_slo_reads_its_histogram_s_groups(tmp_path: Path) -> None:
    """A latency SLO's groups are its histogram's series: a `by:` label its selector pins is warned of too."""
    _write(tmp_path)
    latency = (
        "  latency: http_request_duration_seconds\n"
        "slos:\n  - {name: fast, objective: 99, sli: {latency: latency, threshold: 300ms}, by: [region]}\n"
    )
    text = (tmp_path / "api.yaml").read_text()
    (tmp_path / "api.yaml").write_text(text.split("slos:")[0] + latency)
    said = _warnings(tmp_path)
    assert len(said) == 1 and " $.slos[0].by[0]: " in said[0] and "the SLO has one group" in said[0], said
