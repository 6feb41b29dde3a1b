"""A metric's `!=`/`!~` on a label of the service selector narrows the service's series, never replaces them.

Found by the round 30 matcher hunt: a platform default `requests: http_requests_total{job!~".*-canary"}` (or a
spec's own) took the place of each service's `job="pay"`, so pay's SLO read every other job's requests and
failures: cart's outage paged pay's team, and the compile's own tests passed. Now the service's matcher stays
beside the negation; a negation that refuses the service's own value (service `pay-canary`) would read nothing,
a located error (tests/errors/metric_negation_refuses_selector).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from compiler import conventions as names
from compiler.api import compile_specs
from compiler.errors import InputError
from tests.platform_text import sink_platform
from tests.promtool_helpers import promtool_report, rules_read_by

PLATFORM = sink_platform(
    after="""\
defaults:
  metrics:
    requests: http_requests_total{job!~".*-canary"}
    errors: http_requests_total{job!~".*-canary",code=~"5.."}
"""
)
SERVICE = """apiVersion: obsc/v1
service: NAME
team: shop
selector: {job: NAME}
slos: [{name: availability, objective: 99.9, sli: {errors: errors, total: requests}}]
"""


def _fleet(tmp_path: Path, *services: str) -> Path:
    specs = tmp_path / "specs"
    specs.mkdir()
    (specs / "platform.yaml").write_text(PLATFORM)
    for name in services:
        (specs / f"{name}.yaml").write_text(SERVICE.replace("NAME", name))
    return specs


def test_a_neighbours_failures_do_not_count_in_the_service_slo(tmp_path: Path) -> None:
    """promtool, pay's own rules: cart and pay's canary fail every request, pay serves all well."""
    bundle = compile_specs([str(_fleet(tmp_path, "pay", "cart"))]).bundle
    rules = next(a.content for a in bundle.artifacts if a.path == names.prometheus_rules_path("pay"))
    ratio = f'{names.sli_error_ratio("5m")}{{service="pay",slo="availability"}}'
    (tmp_path / "pay.yaml").write_text(rules_read_by(rules, [ratio]))
    series = {
        'http_requests_total{job="pay",code="200"}': "0+60x20",
        'http_requests_total{job="cart",code="500"}': "0+60x20",
        'http_requests_total{job="pay-canary",code="503"}': "0+60x20",
    }
    expected = {"labels": f'{names.sli_error_ratio("5m")}{{service="pay",slo="availability",window="5m"}}', "value": 0}
    check = {"expr": ratio, "eval_time": "15m", "exp_samples": [expected]}
    assert promtool_report(tmp_path, "pay.yaml", series, [check]) == ""


def test_a_negation_that_refuses_the_service_own_value_is_located(tmp_path: Path) -> None:
    with pytest.raises(InputError) as caught:
        compile_specs([str(_fleet(tmp_path, "pay-canary"))])
    messages = [d.message for d in caught.value.diagnostics]
    assert len(messages) == 2, messages  # requests and errors, at the platform's lines
    assert all("job=\"pay-canary\", the selector of service 'pay-canary'" in m for m in messages), messages
    assert all(d.location.line in (7, 8) for d in caught.value.diagnostics)


def test_a_positive_matcher_still_picks_the_label_itself(tmp_path: Path) -> None:
    """`=`/`=~` on a selector label keep replacing the service's (an exporter's job, a pattern)."""
    specs = _fleet(tmp_path)
    lag = "metrics: {lag: {selector: 'kafka_lag{job=\"kafka-exporter\"}', type: gauge, aggregation: max}}"
    (specs / "pay.yaml").write_text(SERVICE.replace("NAME", "pay").replace("slos:", f"{lag}\nslos:"))
    fleet = compile_specs([str(specs)]).fleet
    metric = fleet.services[0].metric("lag")
    assert metric is not None and metric.selector is not None
    assert metric.selector.render() == 'kafka_lag{job="kafka-exporter"}'
