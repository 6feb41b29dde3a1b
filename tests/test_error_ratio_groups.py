"""Errors and requests that keep different labels are refused at the errors metric (compiler/model/ratio_groups.py).

The error ratio divides errors by requests series by series. Requests kept per topic beside summed errors
compiled, and the recorded ratio (what ServiceHighErrorRate and the dashboard read) was 0 while every request
failed: promtool below runs the rule as the code before wrote it. Now the spec is refused at its errors metric
(exit 2, located, nothing written); the same labels on both sides, or none, compile.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.cli_helpers import run_obsc
from tests.platform_text import sink_platform
from tests.promtool_helpers import promtool_report

PLATFORM = sink_platform()
SPEC = """\
apiVersion: obsc/v1
service: sink
team: stream
selector: {job: sink}
metrics:
  requests: REQUESTS
  errors: ERRORS
"""
PER_TOPIC = "{expr: 'sum by (topic) (rate(records_total{$selector}[$window]))', type: counter}"
FAILED_PER_TOPIC = "{expr: 'sum by (topic) (rate(records_total{$selector,result=\"failed\"}[$window]))', type: counter}"
FAILED_PER_CODE = (
    "{expr: 'sum by (topic, code) (rate(records_total{$selector,result=\"failed\"}[$window]))', type: counter}"
)
FAILED = "'records_total{result=\"failed\"}'"
WITHOUT_POD = "{expr: 'sum without (pod) (rate(records_total{$selector}[$window]))', type: counter}"
FAILED_WITHOUT_POD = (
    "{expr: 'sum without (pod) (rate(records_total{$selector,result=\"failed\"}[$window]))', type: counter}"
)
PER_RESULT = "{expr: 'sum by (topic, result) (rate(records_total{$selector}[$window]))', type: counter}"
FAILED_PER_RESULT = (
    "{expr: 'sum by (topic, result) (rate(records_total{$selector,result=\"failed\"}[$window]))', type: counter}"
)
PER_JOB = "{expr: 'sum by (job) (rate(records_total{$selector}[$window]))', type: counter}"
FAILED_PER_JOB = "{expr: 'sum by (job) (rate(records_total{$selector,result=\"failed\"}[$window]))', type: counter}"


def _compile(tmp_path: Path, capsys: pytest.CaptureFixture[str], requests: str, errors: str) -> tuple[int, str]:
    specs = tmp_path / "specs"
    specs.mkdir()
    (specs / "platform.yaml").write_text(PLATFORM)
    (specs / "sink.yaml").write_text(SPEC.replace("REQUESTS", requests).replace("ERRORS", errors))
    result = run_obsc(capsys, "compile", str(specs), "--out", str(tmp_path / "out"), "--no-validate", "-q")
    return result.code, result.err


@pytest.mark.parametrize(
    ("requests", "errors", "said"),
    [
        (PER_TOPIC, FAILED, "errors keeps no label (one sum) but requests keeps topic"),
        ("records_total", FAILED_PER_TOPIC, "errors keeps topic but requests keeps no label (one sum)"),
        (PER_TOPIC, FAILED_PER_CODE, "errors keeps code, topic but requests keeps topic"),
        # round 34: a `without` keeps at least the selector's job, which a plain sum does not
        (WITHOUT_POD, FAILED, "errors keeps no label (one sum) but requests keeps job and every other label"),
        (
            "records_total",
            FAILED_WITHOUT_POD,
            "errors keeps job, result and every other label its `without` does not name",
        ),
        # round 34: both keep result, which only the errors fix: each failing result divides itself (100%)
        (PER_RESULT, FAILED_PER_RESULT, 'both keep result, which the errors\' own matchers narrow (result="failed")'),
    ],
)
def test_errors_and_requests_kept_apart_are_refused_at_the_errors_metric(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], requests: str, errors: str, said: str
) -> None:
    code, err = _compile(tmp_path, capsys, requests, errors)
    assert code == 2, err
    assert "sink.yaml:7:" in err and "$.metrics.errors" in err and said in err, err
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize(
    ("requests", "errors"),
    [
        (PER_TOPIC, FAILED_PER_TOPIC),
        ("records_total", FAILED),
        (WITHOUT_POD, FAILED_WITHOUT_POD),  # labels not told: not judged
        (WITHOUT_POD, FAILED_PER_JOB),  # the `without` may keep job alone
        (PER_JOB, FAILED_PER_JOB),  # job is narrowed alike on both sides ($selector)
        (WITHOUT_POD.replace("$selector", '$selector,topic="a"'), FAILED_WITHOUT_POD),  # both may keep all three
        (PER_RESULT, PER_RESULT.replace("$selector", '$selector,result=~".*",code="500"')),  # .* narrows nothing
        # what a `without` keeps that cannot be told: not judged
        (WITHOUT_POD.replace("(pod)", "(pod, job)"), FAILED),  # job summed away too
        (WITHOUT_POD.replace("(pod)", "(pod, job)").replace("$selector", '$selector,topic!="internal"'), FAILED),
        (WITHOUT_POD.replace("(rate(", "(label_replace(rate(").replace("])", ']), "job", "", "job", ".*")'), FAILED),
    ],
)
def test_the_same_labels_or_none_compile(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], requests: str, errors: str
) -> None:
    code, err = _compile(tmp_path, capsys, requests, errors)
    assert code == 0, err


def test_the_refused_shape_read_no_failure(tmp_path: Path) -> None:
    """The recorded ratio as obsc wrote it for requests per topic and summed errors: every request fails, 0%."""
    rules = """\
groups:
  - name: key
    rules:
      - record: service:requests:rate5m
        expr: sum by (topic) (rate(records_total{job="sink"}[5m]))
        labels: {service: sink}
      - record: service:errors:rate5m
        expr: sum(rate(records_total{job="sink",result="failed"}[5m]))
        labels: {service: sink}
      - record: service:errors:ratio_rate5m
        expr: |-
          (service:errors:rate5m{service="sink"} or 0 * service:requests:rate5m{service="sink"})
          /
          (service:requests:rate5m{service="sink"} > 0)
        labels: {service: sink}
"""
    (tmp_path / "rules.yaml").write_text(rules)
    series = {'records_total{job="sink",topic="a",result="failed"}': "0+60x20"}
    check = {
        "expr": 'service:errors:ratio_rate5m{service="sink"}',
        "eval_time": "10m",
        "exp_samples": [{"labels": 'service:errors:ratio_rate5m{service="sink",topic="a"}', "value": 0}],
    }
    assert promtool_report(tmp_path, "rules.yaml", series, [check]) == ""
