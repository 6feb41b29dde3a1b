"""`obsc verify` bounds the groups a `by:` makes, on a real Prometheus 2.42 (round 44): a series bomb from one spec.

Ten minutes of history are backfilled, ending now: 600 requests in flight, each its own `request_id`, spread over
three routes, and a queue-depth gauge per `queue` and `user_id` (600 users). An SLO `by: [request_id]` records 20
to 25 series a group (12,000 to 15,000 for this one SLO) and fires per request; a threshold alert `by: [queue,
user_id]` fires per user. Before round 44 verify said nothing of either (the compile cannot see a label's values);
now each is a finding at the `by:` entry that makes the groups, naming the label and its count, against the
platform's `defaults.max_groups` (500 unsaid), and the bounded splits (`route`, `queue`) say nothing. The setting
is read: at 1000 neither is found, at 2 the three routes are.
"""

from __future__ import annotations

import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml

from compiler.errors import Diagnostic
from compiler.verify import VerifyOptions, verify
from tests.conftest import require_tool
from tests.e2e import history, servers
from tests.platform_text import sink_platform

SPEC = """\
apiVersion: obsc/v1
service: api
team: t
selector: {job: api}
targets: false
metrics:
  requests: api_requests_total
  errors: 'api_requests_total{code=~"5.."}'
  queue_depth: {selector: api_queue_depth, type: gauge, aggregation: max}
alerts: {error_rate: false, traffic_anomaly: false, traffic_milestone: false}
slos:
  - {name: per-route, objective: 99.9, by: [route], sli: {errors: errors, total: requests}}
  - {name: per-request, objective: 99.9, by: [request_id], sli: {errors: errors, total: requests}}
threshold_alerts:
  - {name: QueueDeep, metric: queue_depth, above: 100, by: [queue]}
  - {name: QueueDeepPerUser, metric: queue_depth, above: 100, by: [queue, user_id]}
"""
VALUES = 600  # request ids and user ids: past the default bound of 500
MINUTES = 10


def _history(start: int, end: int) -> Iterator[str]:
    for i in range(VALUES):
        route, queue = f"/r{i % 3}", f"q{i % 3}"
        for ts in range(start, end + 1, 60):
            yield f'api_requests_total{{code="200",job="api",request_id="{i}",route="{route}"}} {ts - start} {ts}'
            yield f'api_queue_depth{{job="api",queue="{queue}",user_id="u{i}"}} {i % 7} {ts}'


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    promtool, binary = require_tool("promtool", "PROMTOOL"), require_tool("prometheus")
    work = tmp_path_factory.mktemp("group_bound")
    end = int(time.time())
    source = work / "history.om"
    source.write_text(history.openmetrics(_history(end - MINUTES * 60, end)))
    subprocess.run(
        [promtool, "tsdb", "create-blocks-from", "openmetrics", str(source), str(work / "tsdb")],
        check=True,
        capture_output=True,
    )
    config = work / "prometheus.yml"
    config.write_text(yaml.safe_dump({"global": {"evaluation_interval": "1m"}}))
    with servers.prometheus(binary, config, work / "tsdb", work) as prom:
        yield prom.url


def _at(line_text: str, word: str) -> tuple[int, int]:
    """(line, column) of `word` on the line of SPEC holding `line_text`."""
    number, line = next((n, line) for n, line in enumerate(SPEC.splitlines(), 1) if line_text in line)
    return number, line.index(word, line.index(line_text)) + 1


def _bound_findings(tmp_path: Path, url: str, platform: str = "") -> list[Diagnostic]:
    (tmp_path / "platform.yaml").write_text(sink_platform(before=platform))
    (tmp_path / "api.yaml").write_text(SPEC)
    report = verify([str(tmp_path)], VerifyOptions(url))
    return [f for f in report.findings if "max_groups" in f.message]


def test_an_id_label_past_the_default_bound_is_found_at_its_by_entry(tmp_path: Path, server: str) -> None:
    found = _bound_findings(tmp_path, server)
    assert [(f.location.line, f.location.col, f.path) for f in found] == [
        (*_at("[request_id]", "request_id"), ("slos", 1, "by", 0)),
        (*_at("[queue, user_id]", "user_id"), ("threshold_alerts", 1, "by", 1)),
    ], [f.message for f in found]
    slo, alert = (f.message for f in found)
    assert slo.startswith(
        "SLO 'per-request': `request_id` makes 600 groups in the last 1h, past obsc's default bound of 500 groups "
        "(the platform does not set defaults.max_groups): each group records its own error ratios and budget"
    ), slo
    assert alert.startswith(
        "threshold alert 'QueueDeepPerUser': by: [queue, user_id] (`user_id` has 600 values) makes 600 groups in "
        "the last 1h, past obsc's default bound of 500 groups"
    ), alert
    assert "fires its own QueueDeepPerUser (a warning), up to 600 at once in the shared Alertmanager" in alert


def test_the_platform_bound_is_read(tmp_path: Path, server: str) -> None:
    (tmp_path / "wide").mkdir()
    assert _bound_findings(tmp_path / "wide", server, "defaults: {max_groups: 1000}\n") == []
    (tmp_path / "narrow").mkdir()
    found = _bound_findings(tmp_path / "narrow", server, "defaults: {max_groups: 2}\n")
    assert [f.path for f in found] == [
        ("slos", 0, "by", 0),
        ("slos", 1, "by", 0),
        ("threshold_alerts", 0, "by", 0),
        ("threshold_alerts", 1, "by", 1),
    ], [f.message for f in found]
    where = f"{tmp_path / 'narrow' / 'platform.yaml'}:3:"
    assert found[0].message.startswith(
        f"SLO 'per-route': `route` makes 3 groups in the last 1h, past the platform's bound of 2 groups "
        f"(defaults.max_groups, {where}"
    ), found[0].message
