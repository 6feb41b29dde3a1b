"""Free PromQL that the parser obsc validates with takes and Prometheus 2.42 refuses is a located error, wherever
a spec writes it.

Found by a hunt (round 26, a hostile contributor against the fleet's CI): a raw SLI's `error_ratio` was never
read by the PromQL checks at all (an unclosed parenthesis passed `obsc validate` and `check`, then every
`compile` of the fleet ended in an internal error; `sort_by_label()` or a Rust-only regex made rules promtool
refuses), and in any expression an `offset`, range or subquery step past Prometheus's ~292 years, or an `@`
timestamp past its range, passed too. Written with `--no-validate`, one such rule file makes Prometheus refuse
the whole rule reload: every team's rules. An offset past 2.7 million years was an internal error as well (the
parser's tree cannot hold it).
"""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
import yaml

from tests.cli_helpers import run_obsc
from tests.conftest import require_tool

_PLATFORM = (
    "apiVersion: obsc/v1\nkind: Platform\nteams: {growth: {}}\n"
    "receivers: {r: {webhook: {url: 'http://127.0.0.1:9/h'}}}\n"
    "defaults: {routing: {critical: r}}\nalertmanager: {default_receiver: r}\n"
)
_RATE = "sum(rate(rq_total{$selector}[$window]))"

# (what is appended to a selector, Prometheus 2.42 refuses it): each side of each bound. obsc's own bound on
# durations is 100y, as for every duration a spec writes (units.MAX_DURATION_SECONDS): 101y to 292y pass
# promtool and are refused too; a look back past 366d (an offset, a range) is refused since round 41 for what it
# reads (test_input_promql_lookback.py).
BOUNDS = [
    (" offset 293y", True),
    (" offset 106752d", True),  # 292 years and a few days: one day past Go's int64 nanoseconds
    (" offset -293y", True),
    (" OFFSET 2800000y", True),  # past what the parser's tree can hold (it raised when read)
    (" @ 1e19", True),
    (" @ -9.3e18", True),
    (" @ 0x7fffffffffffffff", True),
    (" offset 365d", False),  # with a rate's [$window] (1d at most): 366d
    (" offset -100y", False),
    (" @ 9.2e18", False),
    (" @ 1e18", False),
]
SUBQUERIES = [("[293y:1m]", True), ("[1h:293y]", True), ("[366d:61d]", False), ("[1h:1m]", False)]


def _spec(tmp_path: Path, where: str, expression: str) -> Path:
    slos: list[dict[str, object]] = [{"name": "ok", "objective": 99, "sli": {"errors": "bad", "total": "reqs"}}]
    metrics: dict[str, object] = {"reqs": "rq_total", "bad": 'rq_total{code=~"5.."}'}
    if where == "metric":
        metrics["queue"] = {"expr": expression, "type": "gauge"}
    elif where == "error_ratio":
        slos.append({"name": "raw", "objective": 99, "sli": {"raw": {"error_ratio": expression}}})
    else:
        slos.append({"name": "raw", "objective": 99, "sli": {"raw": {"errors": expression, "total": _RATE}}})
    body = {"apiVersion": "obsc/v1", "service": "promo-web", "team": "growth", "description": "x"}
    body |= {"selector": {"job": "promo-web"}, "metrics": metrics, "slos": slos}
    specs = tmp_path / "specs"
    specs.mkdir()
    (specs / "platform.yaml").write_text(_PLATFORM)
    (specs / "promo-web.yaml").write_text(yaml.safe_dump(body, sort_keys=False, width=1000))
    return specs


def _expression(where: str, suffix: str) -> str:
    inner = f"rq_total{{$selector}}[$window]{suffix}"
    if where == "metric":
        return f"max(queue_depth{{$selector}}{suffix})"
    if where == "error_ratio":
        return f"sum(rate({inner})) / {_RATE}"
    return f"sum(rate({inner}))"


def test_the_bounds_agree_with_promtool(tmp_path: Path) -> None:
    promtool = require_tool("promtool")
    cases = [(f"x{s}", refused) for s, refused in BOUNDS] + [(f"max_over_time(x{q})", r) for q, r in SUBQUERIES]
    disagree = []
    for i, (expression, refused) in enumerate(cases):
        path = tmp_path / f"r{i}.yaml"
        path.write_text(yaml.safe_dump({"groups": [{"name": "g", "rules": [{"record": "r", "expr": expression}]}]}))
        result = subprocess.run([promtool, "check", "rules", str(path)], capture_output=True, text=True, check=False)
        if (result.returncode != 0) != refused:
            disagree.append(f"{expression!r}: promtool {'refuses' if result.returncode else 'accepts'}")
    assert disagree == []


@pytest.mark.parametrize("where", ["metric", "errors", "error_ratio"])
@pytest.mark.parametrize(("suffix", "refused"), BOUNDS)
def test_durations_and_timestamps_prometheus_refuses_are_located_errors(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], where: str, suffix: str, refused: bool
) -> None:
    specs = _spec(tmp_path, where, _expression(where, suffix))
    result = run_obsc(capsys, "compile", str(specs), "--out", str(tmp_path / "out"), "--no-validate")
    if not refused and ("@" in suffix or "-" in suffix):  # in range; refused since round 27 for what they read
        assert result.code == 2, result.err
        assert "pins the series to one instant" in result.err or "ahead of each evaluation" in result.err
        return
    if not refused:
        assert result.code == 0, result.err
        return
    assert result.code == 2, result.err
    path = {"metric": "$.metrics.queue.expr", "errors": "$.slos[1].sli.raw.errors"}.get(
        where, "$.slos[1].sli.raw.error_ratio"
    )
    assert f"{path}: " in result.err
    assert "longer than 100y" in result.err or "a timestamp past Prometheus's range" in result.err
    assert "internal error" not in result.err
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize(("subquery", "refused"), SUBQUERIES)
def test_a_subquerys_range_and_step_are_bounded(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], subquery: str, refused: bool
) -> None:
    specs = _spec(tmp_path, "metric", f"max(max_over_time(queue_depth{{$selector}}{subquery}))")
    result = run_obsc(capsys, "validate", str(specs))
    assert result.code == (2 if refused else 0), result.err
    if refused:
        assert "$.metrics.queue.expr: '293y' is longer than 100y" in result.err


@pytest.mark.parametrize(
    ("error_ratio", "says"),
    [
        # an internal error (exit 70) in every compile of the fleet before
        (f"sum(rate(rq_total{{$selector}}[$window]) / {_RATE}", "unbalanced brackets: '(' is never closed"),
        # promtool refused the rules (or, under --no-validate, Prometheus the reload)
        (f'sort_by_label({_RATE}, "code")', "sort_by_label() is not in Prometheus 2.42"),
        (f'sum(rate(rq_total{{$selector,code=~"5++"}}[$window])) / {_RATE}', "regex '5++' does not compile"),
    ],
)
def test_a_raw_error_ratio_is_checked_like_every_other_expression(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], error_ratio: str, says: str
) -> None:
    specs = _spec(tmp_path, "error_ratio", error_ratio)
    for command in ("validate", "compile"):
        out = ["--out", str(tmp_path / "out"), "--no-validate"] if command == "compile" else []
        result = run_obsc(capsys, command, str(specs), *out)
        assert result.code == 2, result.err
        assert "$.slos[1].sli.raw.error_ratio: " + says in result.err
    assert not (tmp_path / "out").exists()
