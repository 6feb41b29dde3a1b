"""A ratio SLI's total-events series without the label its good selector tests (one instance writing
`status="ok"` for `result="ok"`, or `code=` for `grpc_code=`) is counted in the total and never as good: a
healthy pod burns the budget. SLODataMissing says so; promtool runs the compiled rules on hand-chosen series."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest
import yaml

from compiler import conventions as names
from compiler.api import compile_specs
from compiler.model.promql import Matcher
from tests.test_sli_semantics import ROUTING, _firing, _promtool, _rules, _value

SPEC = """apiVersion: obsc/v1
service: px
team: core
selector: {job: px}
metrics: {requests: http_requests_total, good: 'http_requests_total{result="ok"}'}
slos: [{name: availability, objective: 99, sli: {good: good, total: requests}}]
alerts: {traffic_anomaly: false}
"""


def _pods(series: dict[str, str]) -> dict[str, str]:
    """Two pods' `up` and their request counters (instance → labels of a counter: values)."""
    return {**series, 'up{job="px",instance="p1"}': "1x180", 'up{job="px",instance="p2"}': "1x180"}


def test_a_pod_writing_another_label_name_fires_data_missing_after_its_for(tmp_path: Path) -> None:
    rules = _rules(tmp_path, "px", SPEC)
    # p2, a new version, writes status="ok" for result="ok": healthy, but never good for the SLI
    renamed = _pods(
        {
            'http_requests_total{job="px",instance="p1",result="ok"}': "0+60x180",
            'http_requests_total{job="px",instance="p2",status="ok"}': "0+60x180",
        }
    )
    missing = names.SLO_DATA_MISSING
    checks = [_firing(missing, "9m", 0), _firing(missing, "15m", 1), _firing(missing, "60m", 1)]
    assert _promtool(tmp_path, rules, "px", renamed, checks) == ""
    # every pod writing the good label: data, quiet
    right = _pods({f'http_requests_total{{job="px",instance="{p}",result="ok"}}': "0+60x180" for p in ("p1", "p2")})
    assert _promtool(tmp_path, rules, "px", right, [_firing(missing, "60m", 0)]) == ""
    # p2 writing the label with a value that is not good fails for real: the burn alerts own it, not this alert
    failing = _pods(
        {
            'http_requests_total{job="px",instance="p1",result="ok"}': "0+60x180",
            'http_requests_total{job="px",instance="p2",result="error"}': "0+60x180",
        }
    )
    ratio = 'slo:sli_error:ratio_rate5m{service="px",slo="availability",window="5m"}'
    checks = [_firing(missing, "60m", 0), _value(ratio, "30m", ratio, 0.5), _firing(names.SLO_BURN_FAST, "30m", 2)]
    assert _promtool(tmp_path, rules, "px", failing, checks) == ""
    # an idle pod exporting the wrong name at 0 burns nothing: quiet
    idle = _pods(
        {
            'http_requests_total{job="px",instance="p1",result="ok"}': "0+60x180",
            'http_requests_total{job="px",instance="p2",status="ok"}': "0x180",
        }
    )
    assert _promtool(tmp_path, rules, "px", idle, [_firing(missing, "60m", 0)]) == ""


OTEL = """apiVersion: obsc/v1
service: px
team: core
selector: {job: px}
metrics:
  calls: {selector: http_client_request_duration_seconds_count, type: counter}
  ok: {selector: 'http_client_request_duration_seconds_count{http_response_status_code=~"2.."}', type: counter}
slos: [{name: upstream, objective: 99, sli: {good: ok, total: calls}}]
alerts: {traffic_anomaly: false}
"""
CALLS = "http_client_request_duration_seconds_count"


def _otel_pod(pod: str, status: str = "http_response_status_code") -> dict[str, str]:
    """A pod's OpenTelemetry HTTP client calls: answered ones with their status code, and a timeout now and
    then, which has no response and so no status code (`error.type` says why), as the semantic conventions
    say."""
    return {
        f'{CALLS}{{job="px",instance="{pod}",http_request_method="GET",{status}="200"}}': "0+600x180",
        f'{CALLS}{{job="px",instance="{pod}",http_request_method="GET",error_type="timeout"}}': "0+1x180",
    }


def test_a_correct_fleet_whose_failures_carry_no_status_code_stays_quiet(tmp_path: Path) -> None:
    # Series without the good label beside labelled ones of the same target are failures the ratio counts,
    # not another label name: the old probe fired on every fleet with a timeout in the last 5 minutes.
    rules = _rules(tmp_path, "px", OTEL)
    correct = _pods({**_otel_pod("p1"), **_otel_pod("p2")})
    checks = [_firing(names.SLO_DATA_MISSING, "60m", 0), _firing(names.SLO_BURN_FAST, "60m", 0)]
    assert _promtool(tmp_path, rules, "px", correct, checks) == ""
    # ...while a pod writing `status_code=` for it (all its series without the label) still fires it
    renamed = _pods({**_otel_pod("p1"), **_otel_pod("p2", status="status_code")})
    assert _promtool(tmp_path, rules, "px", renamed, [_firing(names.SLO_DATA_MISSING, "60m", 1)]) == ""


def test_the_runbook_query_lists_the_renamed_pods_series_alone(tmp_path: Path) -> None:
    (tmp_path / "px.yaml").write_text(OTEL + ROUTING)
    bundle = compile_specs([str(tmp_path)]).bundle
    page = next(a.content for a in bundle.artifacts if a.path.endswith("SLODataMissing-upstream.md"))
    query = page.split("```promql\n")[-1].split("\n```")[0]
    assert "unless on (job, instance)" in query, page
    rules = _rules(tmp_path, "px", OTEL)
    renamed = _pods({**_otel_pod("p1"), **_otel_pod("p2", status="status_code")})
    listed = [
        f'{{job="px",instance="p2",http_request_method="GET",{labels}}}'
        for labels in ('error_type="timeout"', 'status_code="200"')
    ]
    samples = [{"labels": s, "value": v} for s, v in zip(listed, (1 / 60, 10), strict=True)]
    check = {"expr": query, "eval_time": "30m", "exp_samples": samples}
    assert _promtool(tmp_path, rules, "px", renamed, [check]) == ""


def _data_missing(tmp_path: Path, good: str, total: str = "http_requests_total", by: str = "") -> str:
    spec = SPEC.replace("""'http_requests_total{result="ok"}'""", f"'{good}'").replace(
        "requests: http_requests_total", f"requests: '{total}'"
    )
    if by:
        spec = spec.replace("objective: 99,", f"objective: 99, by: [{by}],")
    (tmp_path / "px.yaml").write_text(spec + ROUTING)
    bundle = compile_specs([str(tmp_path)]).bundle
    text = next(a.content for a in bundle.artifacts if a.path == names.prometheus_rules_path("px"))
    rules = [r for g in yaml.safe_load(text)["groups"] for r in g["rules"]]
    return str(next(r["expr"] for r in rules if r.get("alert") == names.SLO_DATA_MISSING))


@pytest.mark.parametrize(
    ("good", "total", "probed"),
    [
        ('http_requests_total{result="ok"}', "http_requests_total", ("result",)),
        ('http_requests_total{code=~"2..|3.."}', "http_requests_total", ("code",)),  # absent fails the pattern
        ('http_requests_total{code=~"2..|"}', "http_requests_total", ()),  # absent passes: a series without it is good
        # `.*` passes a series without code (alone it would cover the total: a located error, round 21)
        ('http_requests_total{code=~".*",result="ok"}', "http_requests_total", ("result",)),
        ('http_requests_total{code!="500"}', "http_requests_total", ()),
        ('http_requests_total{result="ok"}', 'http_requests_total{result!=""}', ()),  # not in the total either
        ('http_requests_total{result="ok"}', 'http_requests_total{result!="cancelled"}', ("result",)),
        ('http_requests_total{result="ok",code="200"}', "http_requests_total", ("code", "result")),
        ('http_successes_total{result="ok"}', "http_requests_total", ()),  # another metric: out of scope
    ],
)
def test_the_probe_asks_for_the_labels_an_absent_value_fails(
    tmp_path: Path, good: str, total: str, probed: tuple[str, ...]
) -> None:
    expr = _data_missing(tmp_path, good, total)
    for label in ("result", "code"):
        assert (f'{label}=""}}[5m]) > 0' in expr) is (label in probed), expr


def test_the_errors_side_is_never_probed(tmp_path: Path) -> None:
    # OpenTelemetry writes `error.type` on failures alone: a total series without it is a success
    spec = SPEC.replace("good: 'http_requests_total{result=\"ok\"}'", "errors: 'http_requests_total{code=~\"5..\"}'")
    (tmp_path / "px.yaml").write_text(spec.replace("good: good", "errors: errors") + ROUTING)
    bundle = compile_specs([str(tmp_path)]).bundle
    text = next(a.content for a in bundle.artifacts if a.path == names.prometheus_rules_path("px"))
    assert 'code=""' not in text


def test_a_grouped_slo_counts_the_unlabelled_series_once_slo_wide(tmp_path: Path) -> None:
    expr = _data_missing(tmp_path, 'http_requests_total{result="ok"}', by="route")
    assert 'count((rate(http_requests_total{job="px",result=""}[5m]) > 0 unless on (job, instance) ' in expr
    rules = tmp_path / "rules.yaml"
    bundle = compile_specs([str(tmp_path)]).bundle
    rules.write_text(next(a.content for a in bundle.artifacts if a.path == names.prometheus_rules_path("px")))
    # p2 writes status= on two routes: one alert, without a route label
    renamed = _pods(
        {
            'http_requests_total{job="px",instance="p1",route="/a",result="ok"}': "0+60x180",
            'http_requests_total{job="px",instance="p2",route="/a",status="ok"}': "0+60x180",
            'http_requests_total{job="px",instance="p2",route="/b",status="ok"}': "0+60x180",
        }
    )
    checks = [
        _firing(names.SLO_DATA_MISSING, "30m", 1),
        _value(f'count(ALERTS{{alertname="{names.SLO_DATA_MISSING}",route=""}})', "30m", "{}", 1),
    ]
    assert _promtool(tmp_path, rules, "px", renamed, checks) == ""


def test_a_pattern_re2_refuses_claims_nothing() -> None:
    from compiler.model.queries import _absent_passes  # here: the module proves the old code wrong, not absent

    assert _absent_passes(Matcher("code", "=~", "(")) is None
    assert _absent_passes(Matcher("code", "=~", "2..")) is False
    assert _absent_passes(Matcher("code", "!~", "2..")) is True
    assert _absent_passes(Matcher("code", "=", "")) is True
    assert _absent_passes(Matcher("code", "!=", "")) is False


GUARDED = (
    '(rate(http_requests_total{job="px",result=""}[5m]) > 0'
    ' unless on (job, instance) http_requests_total{job="px",result!=""})'
)


def test_the_generated_tests_predict_the_probe_with_its_guard(tmp_path: Path) -> None:
    """The data-missing scenarios predict the probe from its text (yields_with), which matches its
    `unless on (job, instance)`: read as its left side alone, a series without `result` beside labelled ones of
    its target would be predicted to fire."""
    from compiler.model.promql_yields import yields_with

    assert f"count({GUARDED})" in _data_missing(tmp_path, 'http_requests_total{result="ok"}')
    labelled = ("http_requests_total", {"job": "px", "result": "obsc"})
    beside = ("http_requests_total", {"job": "px"})
    renamed = ("http_requests_total", {"job": "px", "instance": "obsc-renamed:9090"})
    assert yields_with(GUARDED, [labelled, beside]) is False
    assert yields_with(GUARDED, [labelled, beside, renamed]) is True
    assert yields_with(GUARDED, [renamed]) is True
    both = ("http_requests_total", {"job": "px", "result": "obsc", "code": "obsc"})  # good: result="ok",code="200"
    assert yields_with(f"{GUARDED} or {GUARDED.replace('result', 'code')}", [both, beside]) is False
    # default matching: every label but the name; `ignoring` leaves some out
    assert yields_with('x{a="1"} unless y{a="1"}', [("x", {"a": "1"}), ("y", {"a": "1"})]) is False
    assert yields_with('x{a="1"} unless y', [("x", {"a": "1"}), ("y", {"a": "1", "b": "2"})]) is True
    assert yields_with("x unless ignoring (b) y", [("x", {"a": "1"}), ("y", {"a": "1", "b": "2"})]) is False
    assert yields_with('x{a="1"} and on (a) y', [("x", {"a": "1"}), ("y", {"a": "2"})]) is False


def test_the_generated_tests_fail_a_probe_without_its_guard(tmp_path: Path) -> None:
    """px's data-missing scenarios (some hosted by its raw-counter case, the rest in turn in a group of their own)
    feed a total series without `result` beside a labelled one of its target with traffic and expect quiet;
    dropping the guard fails them, and only that scenario's checks."""
    from tests.conftest import require_tool

    promtool = require_tool("promtool", "PROMTOOL")
    (tmp_path / "px.yaml").write_text(SPEC + ROUTING)
    bundle = compile_specs([str(tmp_path)]).bundle
    rules = next(a.content for a in bundle.artifacts if a.path == names.prometheus_rules_path("px"))
    tests = yaml.safe_load(next(a.content for a in bundle.artifacts if a.path.endswith("px.test.yaml")))
    group = next(t for t in tests["tests"] if "beside labelled ones of its target" in t["name"])
    fed = {s["series"] for s in group["input_series"]}
    assert {'http_requests_total{job="px"}', 'http_requests_total{job="px",result="obsc"}'} <= fed
    (tmp_path / "tests").mkdir()
    (tmp_path / "tests" / "px.test.yaml").write_text(yaml.safe_dump({**tests, "tests": [group]}))
    (tmp_path / "rules").mkdir()
    guard = ' unless on (job, instance) http_requests_total{job="px",result!=""}'
    assert rules.count(guard) == 1
    for name, text in (("guarded", rules), ("unguarded", rules.replace(guard, ""))):
        (tmp_path / "rules" / "px.yaml").write_text(text)
        run = subprocess.run([promtool, "test", "rules", "px.test.yaml"], cwd=tmp_path / "tests", capture_output=True)
        report = run.stdout.decode() + run.stderr.decode()
        assert (run.returncode == 0) is (name == "guarded"), (name, report[-3000:])
    # 2h30m: the end of the scenario with the series beside a labelled one (2h-2h30m); the alert the mutant fires
    # there is still up at the next scenario's first check (3h). (6h and 6h30m before round 36, when the scenarios
    # ran after the raw-counter case in its group.)
    failed = set(re.findall(r"alertname: SLODataMissing, time: (\S+),", report))
    assert "2h30m" in failed and failed <= {"2h30m", "3h"}, report[-3000:]
