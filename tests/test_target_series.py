"""The generated promtool tests feed `up` with the scrape targets' labels (`targets:`), as the rules read it.

A hunt found SLODataMissing's cases feeding `up` with the metrics' selector labels: with `targets: {job: cart}`
beside `selector: {app: cart}` the rule reads `up{job="cart"}`, the test fed `up{app="cart"}`, its expected
alert never fired and promtool failed the compile (obsc's own hint had told the user to declare `targets:`)."""

from __future__ import annotations

import re
from pathlib import Path

import yaml

from compiler import conventions as names
from compiler.api import CompileOptions, compile_specs
from compiler.output import writer
from compiler.targets.prometheus.promtool.series import selects
from compiler.toolcheck import promtool
from tests.conftest import require_tool
from tests.platform_text import sink_platform

PLATFORM = sink_platform()
# `app` is on the metrics only; the targets carry `job` only: no label in common
SPEC = """\
apiVersion: obsc/v1
service: cart
team: shop
selector: {app: cart, namespace: shop}
targets: {job: cart-pods}
metrics:
  requests: http_requests_total
  errors: http_requests_total{code=~"5.."}
  latency: http_request_duration_seconds
  queue: {selector: cart_queue_length, type: gauge, aggregation: sum}
slos:
  - {name: availability, objective: 99.9, sli: {errors: errors, total: requests}}
  - {name: fast, objective: 99, sli: {latency: latency, threshold: 500ms}}
threshold_alerts:
  - {name: CartQueueLong, metric: queue, above: 100}
"""
_LABEL = re.compile(r'([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"')
_UNRELATED = {"job": "obsc-unrelated"}  # ServiceDown's "nothing scraped at all" case: up of another job


def _up_series(test_file: str) -> list[dict[str, str]]:
    """The labels of every `up` input series in a promtool test file."""
    found = []
    for test in yaml.safe_load(test_file)["tests"]:
        for series in test.get("input_series", ()):
            text = series["series"]
            if text.startswith("up{"):
                found.append(dict(_LABEL.findall(text)))
    return found


def test_every_case_feeds_up_with_the_targets_labels_and_promtool_passes(tmp_path: Path) -> None:
    require_tool("promtool", "PROMTOOL")
    (tmp_path / "specs").mkdir()
    (tmp_path / "specs" / "platform.yaml").write_text(PLATFORM)
    (tmp_path / "specs" / "cart.yaml").write_text(SPEC)
    result = compile_specs([str(tmp_path / "specs")], CompileOptions())
    service = result.fleet.services[0]
    tests = {a.path: a.content for a in result.bundle.artifacts if a.path.startswith(names.PROMETHEUS_TESTS_DIR)}
    ups = [labels for content in tests.values() for labels in _up_series(content)]
    # SLODataMissing, ServiceDown (and any later builder) agree: the targets' labels, nothing of the selector's
    own = [labels for labels in ups if labels != _UNRELATED]
    fed = {tuple(sorted((k, v) for k, v in labels.items() if k != "instance")) for labels in own}
    assert fed == {(("job", "cart-pods"),)}, fed
    assert own and all(selects(service.targets, labels) for labels in own)
    assert any("SLODataMissing" in content for content in tests.values())
    out = tmp_path / "out"
    writer.write(writer.plan(result.bundle, str(out)))
    promtool.validate(result.bundle, str(out))  # raises when promtool fails a generated test
