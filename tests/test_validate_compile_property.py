"""`obsc validate` accepts exactly what `obsc compile` accepts, for spec reasons (issue 13 item 4).

Specs are generated over SLI kinds, objectives, periods, metric kinds and free PromQL drawn from a small
grammar that also makes bad expressions (unbalanced, misplaced `$window`, fixed ranges, constants, gauges
under rate(), newer-Prometheus functions). For each:
- validate rejects it → exit 2, every line located (`file:line:col $.path: message`), no traceback;
- validate accepts it → compile writes it with promtool check + test, amtool and the Grafana lint passing.
The tool part is slow (one promtool test run per example): a modest number of examples, in CI too.
"""

from __future__ import annotations

import os
import re
import tempfile
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, Phase, event, example, given, settings
from hypothesis import strategies as st

from tests.cli_helpers import run_obsc
from tests.conftest import FULL, IN_CI, require_tool
from tests.routing_memo import remembered_routes

# Nightly (OBSC_TEST_FULL) 300 and 20, CI 120 and 10, a local run 100 and 8; each run draws new examples.
FAST_EXAMPLES = int(os.environ.get("OBSC_PROPERTY_EXAMPLES", "300" if FULL else "120" if IN_CI else "100"))
TOOL_EXAMPLES = int(os.environ.get("OBSC_TOOL_PROPERTY_EXAMPLES", "20" if FULL else "10" if IN_CI else "8"))
LOCATED = re.compile(r"^\S+:\d+:\d+ \$\S*: \S")

PLATFORM = """\
apiVersion: obsc/v1
kind: Platform
teams: {payments: {}}
receivers:
  fallback: {webhook: {url: "http://127.0.0.1:9/hook"}}
alertmanager: {default_receiver: fallback}
"""

# ---------------------------------------------------------------- a small PromQL grammar

COUNTERS = [
    "jobs_total{$selector}",
    'jobs_total{$selector,outcome="failed"}',
    'http_requests_total{$selector,code=~"5.."}',
    "http_requests_total{$selector}",
    "lat_seconds_count{$selector}",
]
SERIES = [*COUNTERS, "queue_depth{$selector}", "up{$selector}"]
RANGES = ["[$window]"] * 6 + ["[5m]", "[$window:1m]", "[1h]"]


@st.composite
def rates(draw: st.DrawFn, plausible: bool) -> str:
    series = draw(st.sampled_from(COUNTERS if plausible else COUNTERS * 3 + SERIES))
    functions = ["rate"] * 6 + ["increase", "irate"] + ([] if plausible else ["deriv", "sort_by_label"])
    function = draw(st.sampled_from(functions))
    aggregate = draw(st.sampled_from(["sum", "sum", "max", "sum by (le)"] + ([] if plausible else ["limitk(1,"])))
    window = draw(st.sampled_from(["[$window]", "[$window:1m]"] if plausible else RANGES))
    inner = f"{function}({series}{window})"
    return f"{aggregate}({inner})" if not aggregate.endswith(",") else f"{aggregate} {inner})"


@st.composite
def expressions(draw: st.DrawFn, bad: int = 1) -> str:
    """A raw SLI part or a metric expression: plausible, or (odds `bad` in 4) one of the usual mistakes."""
    plausible = draw(st.integers(0, 3)) >= bad
    left = draw(rates(plausible))
    shapes = ["one", "one", "one", "sum", "or0", "ratio", "shifted", "quantile", "gauge"]
    shapes += [] if plausible else ["const", "scalar", "offset"]
    shape = draw(st.sampled_from(shapes))
    expr = {
        "one": left,
        "sum": f"{left} + {draw(rates(plausible))}",
        "or0": f"{left} or vector(0)",
        "ratio": f"{left} / {draw(rates(plausible))}",
        "shifted": "sum(rate(jobs_total{$selector}[$window] offset 1h))",
        "quantile": "histogram_quantile(0.99, sum by (le) (rate(lat_seconds_bucket{$selector}[$window])))",
        "gauge": "max(queue_depth{$selector})",
        "const": draw(st.sampled_from(["vector(1)", "count_over_time(vector(1)[$window:1m])", "sum(up{$selector})"])),
        "scalar": f"scalar({left})",
        "offset": "sum(rate(jobs_total{$selector}[$window] offset $window))",
    }[shape]
    breakage = draw(st.sampled_from(["none"] * (99 if plausible else 4) + ["paren", "operator", "close", "grafana"]))
    if breakage == "paren":
        expr = expr[:-1]
    elif breakage == "operator":
        expr += " +* 2"
    elif breakage == "close":
        expr += ")"
    elif breakage == "grafana":
        expr = expr.replace("$window", "$__rate_interval", 1)
    return expr


# ---------------------------------------------------------------- specs


@st.composite
def specs(draw: st.DrawFn, bad: int = 1) -> dict[str, Any]:
    metrics: dict[str, Any] = {
        "requests": "http_requests_total",
        "errors": draw(
            st.sampled_from(['http_requests_total{code=~"5.."}'] * 9 + ['http_requests_total{code=~"5.("}'])
        ),
        "latency": "lat_seconds",
    }
    if draw(st.booleans()):
        metrics["depth"] = {"selector": "queue_depth", "type": "gauge", "aggregation": "max"}
    if draw(st.booleans()):
        metrics["cpu"] = draw(
            st.one_of(
                st.just("sum(rate(process_cpu_seconds_total{$selector}[$window])) / count(up{$selector})"),
                expressions(bad),
            )
        )
    if draw(st.booleans()):
        metrics["backlog"] = {"expr": draw(expressions(bad)), **draw(st.sampled_from([{"unit": "short"}, {}]))}
    if draw(st.booleans()):
        metrics["good"] = 'http_requests_total{code!~"5.."}'
    slos = []
    for i in range(draw(st.integers(1, 3))):
        kind = draw(st.sampled_from(["ratio", "good", "latency", "raw", "raw", "raw"]))
        if kind == "ratio":
            sli: dict[str, Any] = {"errors": "errors", "total": "requests"}
        elif kind == "good":
            sli = {"good": "good", "total": "requests"}
        elif kind == "latency":
            sli = {"latency": "latency", "threshold": draw(st.sampled_from(["300ms", "1s"]))}
        else:
            sli = {"raw": {"errors": draw(expressions(bad)), "total": draw(expressions(bad))}}
        slo: dict[str, Any] = {
            "name": f"slo{i}",
            "objective": draw(st.sampled_from([95, 99, 99.5, 99.9])),
            "sli": sli,
        }
        period = draw(st.sampled_from([None, "30d", "28d", "7d"]))
        if period:
            slo["period"] = period
        slos.append(slo)
    spec: dict[str, Any] = {
        "apiVersion": "obsc/v1",
        "service": "batch",
        "team": "payments",
        "selector": {"job": "batch"},
        "metrics": metrics,
        "slos": slos,
        "routing": {"critical": "fallback", "warning": "fallback", "info": "fallback"},
    }
    if draw(st.booleans()):
        spec["targets"] = False
    if draw(st.booleans()):
        spec["selector"]["namespace"] = "prod"
    if draw(st.booleans()):
        spec["alerts"] = {"error_rate": {"warning": "2%"}, "latency_p99": {"critical": "2s"}}
    return spec


def _write(spec: dict[str, Any], root: Path) -> Path:
    specs_dir = root / "specs"
    specs_dir.mkdir()
    (specs_dir / "platform.yaml").write_text(PLATFORM)
    (specs_dir / "batch.yaml").write_text(yaml.safe_dump(spec, sort_keys=False, width=1 << 16))
    return specs_dir


def _assert_located(err: str) -> None:
    lines = err.splitlines()
    assert "Traceback" not in err and lines, err
    assert lines[-1].startswith("obsc: "), err
    for line in lines[:-1]:
        assert LOCATED.match(line), f"not located: {line}\n{err}"


SHARED_COUNTERS = {  # a raw SLI reading the counters a ratio SLI's generated tests feed (found by this test)
    "apiVersion": "obsc/v1",
    "service": "batch",
    "team": "payments",
    "selector": {"job": "batch"},
    "metrics": {"requests": "http_requests_total", "errors": 'http_requests_total{code=~"5.."}'},
    "slos": [
        {"name": "ratio", "objective": 99, "sli": {"errors": "errors", "total": "requests"}},
        {
            "name": "raw",
            "objective": 99,
            "sli": {
                "raw": {
                    "errors": 'sum(rate(http_requests_total{$selector,code=~"5.."}[$window]))',
                    "total": "sum(rate(http_requests_total{$selector}[$window]))",
                }
            },
        },
    ],
    "routing": {"critical": "fallback", "warning": "fallback", "info": "fallback"},
}


LATENCY_ONLY = {  # ServiceDown's `up` merged beside the SLO case woke SLODataMissing (found by this test)
    "apiVersion": "obsc/v1",
    "service": "batch",
    "team": "payments",
    "selector": {"job": "batch"},
    "metrics": {
        "requests": "http_requests_total",
        "errors": 'http_requests_total{code=~"5.."}',
        "latency": "lat_seconds",
    },
    "slos": [{"name": "lat", "objective": 99.9, "period": "7d", "sli": {"latency": "latency", "threshold": "300ms"}}],
    "routing": {"critical": "fallback", "warning": "fallback", "info": "fallback"},
}


@settings(
    max_examples=FAST_EXAMPLES,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(spec=specs())
def test_validate_either_accepts_or_rejects_with_located_messages(
    spec: dict[str, Any], capsys: pytest.CaptureFixture[str]
) -> None:
    """Every spec: exit 0, or exit 2 with located messages only; an accepted one builds every artifact."""
    with tempfile.TemporaryDirectory() as tmp:
        specs_dir = _write(spec, Path(tmp))
        result = run_obsc(capsys, "validate", str(specs_dir))
        assert result.code in (0, 2), result.err
        if result.code == 2:
            _assert_located(result.err)
            return
        out = Path(tmp) / "out"
        built = run_obsc(capsys, "compile", str(specs_dir), "--out", str(out), "--no-validate")
        assert built.code == 0, built.err


@settings(
    max_examples=TOOL_EXAMPLES,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    phases=[Phase.explicit, Phase.reuse, Phase.generate],  # no shrinking: minutes of promtool runs; shown as drawn
)
@given(spec=specs(bad=0) | specs(bad=1))  # bad=0: plausible PromQL only, so most examples reach the tools
@example(spec=SHARED_COUNTERS)
@example(spec=LATENCY_ONLY)
def test_what_validate_accepts_passes_promtool_amtool_and_the_lint(
    spec: dict[str, Any], capsys: pytest.CaptureFixture[str]
) -> None:
    require_tool("promtool")
    require_tool("amtool")
    with tempfile.TemporaryDirectory() as tmp:
        specs_dir = _write(spec, Path(tmp))
        result = run_obsc(capsys, "validate", str(specs_dir))
        event(f"validate exit {result.code}")
        if result.code == 2:
            _assert_located(result.err)
            return
        assert result.code == 0, result.err
        with remembered_routes():  # most drawn specs write the same alertmanager.yml
            built = run_obsc(capsys, "compile", str(specs_dir), "--out", str(Path(tmp) / "out"))
        assert built.code == 0, f"validate accepted it, compile did not:\n{yaml.safe_dump(spec)}\n{built.err}"
