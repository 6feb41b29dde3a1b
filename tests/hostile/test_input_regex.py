"""A spec's label-matcher regexes run under RE2 (linear time), and what Go's regexp refuses is a located error.

obsc runs a spec's `=~` regexes itself (label values for the generated tests' series, which SLOs those series
feed). Under Python's backtracking `re`, `(a+)+[^a]|aaaa…` took twice as long per extra `a` (28 a's: 27 CPU-s;
40: hours), and the string that made it backtrack was the regex's own second branch.
"""

from __future__ import annotations

import subprocess
import time
from pathlib import Path

import pytest
import yaml

from compiler.api import CompileOptions, compile_specs
from compiler.errors import InputError
from compiler.model.promql import Matcher
from compiler.model.promql_regex import full_match, regex_problem
from compiler.model.promql_yields import yields_with
from compiler.targets.prometheus.promtool.series import satisfy
from tests.cli_helpers import run_forked
from tests.conftest import ROOT, require_tool

_EVIL = "(a+)+[^a]|" + "a" * 40  # valid RE2; Prometheus matches it in linear time

_PLATFORM = (
    "apiVersion: obsc/v1\nkind: Platform\nteams: {growth: {}}\n"
    "receivers: {r: {webhook: {url: 'http://127.0.0.1:9/h'}}}\n"
    "defaults: {routing: {critical: r}}\nalertmanager: {default_receiver: r}\n"
)


def _spec(metrics: dict[str, str], raw_errors: str | None = None) -> str:
    slos: list[dict[str, object]] = [{"name": "ok", "objective": 99, "sli": {"errors": "bad", "total": "reqs"}}]
    if raw_errors is not None:
        raw = {"errors": raw_errors, "total": "sum(rate(rq_total{$selector}[$window]))"}
        slos.append({"name": "raw", "objective": 99, "sli": {"raw": raw}})
    body = {"apiVersion": "obsc/v1", "service": "promo-web", "team": "growth", "description": "x"}
    body |= {"selector": {"job": "promo-web"}, "metrics": {"reqs": "rq_total", **metrics}, "slos": slos}
    return yaml.safe_dump(body, sort_keys=False)


def test_the_hunters_regex_with_40_as_compiles_in_seconds(tmp_path: Path) -> None:
    specs, out = tmp_path / "specs", tmp_path / "out"
    specs.mkdir()
    (specs / "platform.yaml").write_text(_PLATFORM)
    (specs / "r.yaml").write_text(_spec({"bad": f'rq_total{{code=~"{_EVIL}"}}'}))
    started = time.monotonic()
    # A child with a timeout: the old code would not return for hours. --no-validate: obsc's own time only.
    # Forked: no interpreter start in the time measured.
    result = run_forked("compile", str(specs), "--out", str(out), "--no-validate", cwd=ROOT, timeout=120)
    assert result.returncode == 0, result.stderr
    assert time.monotonic() - started < 60  # ~1 s alone; this 2-core machine runs the suite 3 workers a core
    tests = (out / "prometheus" / "tests" / "promo-web.test.yaml").read_text()
    assert "a" * 40 in tests  # the synthetic errors series carries the regex's literal branch


def test_matching_is_linear_where_backtracking_is_exponential() -> None:
    started = time.process_time()
    assert full_match(_EVIL, "a" * 40) is True
    assert full_match(_EVIL, "a" * 5000) is False  # Python's re: 2**5000 steps
    assert satisfy((Matcher("code", "=~", _EVIL),)) == {"code": "a" * 40}
    assert satisfy((Matcher("code", "=~", "(a+)+[^a]|" + "a" * 60),), avoid=(Matcher("code", "=~", _EVIL),))
    assert yields_with(f'x{{code=~"{_EVIL}"}}', [("x", {"code": "a" * 60})]) is False
    assert time.process_time() - started < 2


def test_matching_is_anchored_like_prometheus() -> None:
    assert full_match("5..", "500") is True
    assert full_match("5..", "5000") is False
    assert full_match("a|b", "ab") is False
    assert full_match("a$", "a\n") is False  # Python's re.fullmatch says no too, but `$` alone would say yes
    assert full_match(".", "\n") is False  # Prometheus 2.42: `.` stops at a newline
    assert full_match("a**", "a") is None  # refused: never run


# Go's regexp in Prometheus 2.42 refuses these; RE2 refuses all but (?<name>) and \C, refused apart. The
# parser obsc validates PromQL with (Rust's regex) takes the first six.
GO_REFUSES = ["5**", "5++", "a{1001}", "a{2}{3}", "(?<x>5)..", "(?x) a", r"\C", "a)|(b", r"(a)\1", "(?=a)", r"a\Z"]
# ... and takes these (some the Rust parser refuses on its own: \Q...\E).
GO_TAKES = ["(?P<x>5)..", r"\Q(?<x>\E", "[(?<x>]", "[[:alpha:]]+", r"\pL", "(?i)A", "a{1000}", "[]a]", r"a\z", "5.*?"]


@pytest.mark.parametrize("pattern", GO_REFUSES)
def test_what_go_refuses_is_refused(pattern: str) -> None:
    assert regex_problem(pattern) is not None


@pytest.mark.parametrize("pattern", GO_TAKES)
def test_what_go_takes_is_taken(pattern: str) -> None:
    assert regex_problem(pattern) is None


def test_the_lists_agree_with_promtool(tmp_path: Path) -> None:
    promtool = require_tool("promtool")
    disagree = []
    for i, pattern in enumerate(GO_REFUSES + GO_TAKES):
        rule = {"record": "r", "expr": f"x{{a=~{_go_string(pattern)}}}"}
        path = tmp_path / f"r{i}.yaml"
        path.write_text(yaml.safe_dump({"groups": [{"name": "g", "rules": [rule]}]}))
        result = subprocess.run([promtool, "check", "rules", str(path)], capture_output=True, text=True, check=False)
        if (result.returncode != 0) != (pattern in GO_REFUSES):
            disagree.append(f"{pattern!r}: promtool {'refuses' if result.returncode else 'accepts'}")
    assert disagree == []


def _go_string(value: str) -> str:
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def test_refused_regexes_are_located_errors_at_validate_time(tmp_path: Path) -> None:
    (tmp_path / "platform.yaml").write_text(_PLATFORM)
    metrics = {"bad": 'rq_total{code=~"5**"}', "named": 'rq_total{code=~"(?<x>5)..", path!~"/a{1001}"}'}
    text = _spec(metrics, raw_errors='sum(rate(rq_total{$selector,code=~"5++"}[$window]))')
    (tmp_path / "r.yaml").write_text(text)
    with pytest.raises(InputError) as info:
        compile_specs([str(tmp_path)], CompileOptions())
    found = sorted((d.location.line, d.path, d.message) for d in info.value.diagnostics)
    lines = text.splitlines()
    bad, named, raw = (next(i + 1 for i, line in enumerate(lines) if key in line) for key in ("bad:", "named:", "5++"))
    assert [(line, path) for line, path, _ in found] == [
        (bad, ("metrics", "bad")),
        (named, ("metrics", "named")),
        (named, ("metrics", "named")),
        (raw, ("slos", 1, "sli", "raw", "errors")),
    ]
    messages = [m for _, _, m in found]
    assert "regex '5**' does not compile in Prometheus (Go's RE2 syntax): bad repetition operator: **" in messages
    assert any("(?<name>...) is not in Prometheus 2.42" in m for m in messages)
    assert any("'/a{1001}'" in m and "invalid repetition size" in m for m in messages)
    assert any("'5++'" in m for m in messages)
