"""PromQL string escapes in spec selectors: read as Prometheus 2.42 reads them (Go rules), refused where
Prometheus refuses them, and rendered so the generated selector matches exactly the series the spec's did."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from compiler import conventions as names
from compiler.api import compile_specs
from compiler.errors import InputError
from compiler.model import promql_strings
from compiler.model.promql import parse_selector
from tests.conftest import require_tool

# Each escape form of the hunt, with a decoy series carrying what the old code made of it.
ESCAPED = (
    r'http_requests_total{code=~"5..",msg="\u00e9",n="a\nb",x="\x41",oct="\101",q="a\"b",'
    r"s='it\'s',raw=`a\.b`,"
    r'utf="\xc3\xa9"}'
)
DECODED = {"msg": "é", "n": "a\nb", "x": "A", "oct": "A", "q": 'a"b', "s": "it's", "raw": "a\\.b", "utf": "é"}


def test_escapes_are_read_as_prometheus_reads_them() -> None:
    matchers = {m.label: m.value for m in parse_selector(ESCAPED).matchers if m.label != "code"}
    assert matchers == DECODED


@pytest.mark.parametrize(
    ("selector", "reason"),
    [
        (r'x{dot=~"a\.b"}', r"unknown escape sequence \."),
        (r'x{a="\'"}', r"unknown escape sequence \'"),
        (r"x{a='\"'}", r"unknown escape sequence \""),
        (r'x{a="\400"}', "invalid Unicode code point"),
        (r'x{a="\ud800"}', "invalid Unicode code point"),
        (r'x{a="\U00110000"}', "invalid Unicode code point"),
        (r'x{a="\x4"}', "needs 2 digits"),
        (r'x{a="\u00g9"}', "needs 4 digits"),
        (r'x{a="\xe9"}', "do not form UTF-8"),
        ('x{a="a\nb"}', "a newline inside a quoted string"),
    ],
)
def test_escapes_prometheus_refuses_are_refused(selector: str, reason: str) -> None:
    with pytest.raises(ValueError, match=re.escape(reason)):
        parse_selector(selector)


def test_an_invalid_escape_in_a_spec_is_a_located_error(tmp_path: Path) -> None:
    spec = """apiVersion: obsc/v1
service: esc
team: core
selector: {job: esc}
metrics:
  requests: http_requests_total
  errors: 'http_requests_total{path=~"a\\.b"}'
slos: [{name: availability, objective: 99, sli: {errors: errors, total: requests}}]
routing: {critical: {webhook: {url: "http://relay/page"}}, warning: {webhook: {url: "http://relay/t"}}}
"""
    (tmp_path / "esc.yaml").write_text(spec)
    with pytest.raises(InputError) as caught:
        compile_specs([str(tmp_path)])
    text = "\n".join(str(d) for d in caught.value.diagnostics)
    assert "esc.yaml:7:" in text and r"unknown escape sequence \." in text


@settings(max_examples=300, deadline=None)
@given(st.text(st.characters(exclude_categories=("Cs",)), max_size=30))
def test_rendered_strings_read_back_as_the_same_value(value: str) -> None:
    assert promql_strings.unquote(promql_strings.quote(value)) == value
    rendered = parse_selector(f"m{{a={promql_strings.quote(value)}}}").render()
    assert parse_selector(rendered).matchers[0].value == value


_PIECES = st.sampled_from(
    ["a", "é", " ", r"\\", r"\"", r"\n", r"\t", r"\a", r"\v", r"\x41", r"\101", r"\u00e9", r"\U0001F600", "'"]
)


@settings(max_examples=300, deadline=None)
@given(st.lists(_PIECES, max_size=12))
def test_escaped_literals_survive_parse_render_parse(pieces: list[str]) -> None:
    literal = '"' + "".join(pieces) + '"'
    value = promql_strings.unquote(literal)
    assert promql_strings.unquote(promql_strings.quote(value)) == value
    selector = parse_selector(f"m{{a={literal}}}")
    assert parse_selector(selector.render()) == selector


def test_the_generated_rule_matches_the_series_the_spec_selector_matches(tmp_path: Path) -> None:
    spec = {
        "apiVersion": "obsc/v1",
        "service": "esc",
        "team": "core",
        "selector": {"job": "esc"},
        "metrics": {"requests": 'http_requests_total{code=~".*"}', "errors": ESCAPED},
        "slos": [{"name": "availability", "objective": 99, "sli": {"errors": "errors", "total": "requests"}}],
        "routing": {
            "critical": {"webhook": {"url": "http://relay/page"}},
            "warning": {"webhook": {"url": "http://r/t"}},
        },
    }
    (tmp_path / "esc.yaml").write_text(yaml.safe_dump(spec))
    bundle = compile_specs([str(tmp_path)]).bundle
    rules = next(a.content for a in bundle.artifacts if a.path == names.prometheus_rules_path("esc"))
    generated = re.search(r'http_requests_total\{code=~"5\.\."[^}]*\}', rules)
    assert generated, rules
    (tmp_path / "rules.yaml").write_text(rules)
    labels = {"job": "esc", "code": "500", **DECODED}
    decoys = {"msg": "u00e9", "n": "anb", "x": "x41", "oct": "101", "raw": "a.b", "s": "its"}
    series = [labels, *({**labels, key: value} for key, value in decoys.items())]
    text = ["{" + ",".join(f"{k}={promql_strings.quote(v)}" for k, v in sorted(s.items())) + "}" for s in series]
    original = ESCAPED[:-1] + ',job="esc"}'
    test = {
        "rule_files": ["rules.yaml"],
        "evaluation_interval": "1m",
        "tests": [
            {
                "interval": "1m",
                "input_series": [{"series": "http_requests_total" + t, "values": "1x5"} for t in text],
                "promql_expr_test": [
                    {
                        "expr": f"{expr}",
                        "eval_time": "2m",
                        "exp_samples": [{"labels": "http_requests_total" + text[0], "value": 1}],
                    }
                    for expr in (original, generated.group(0))
                ],
            }
        ],
    }
    (tmp_path / "t.yaml").write_text(yaml.safe_dump(test, sort_keys=False, allow_unicode=True))
    done = subprocess.run(
        [require_tool("promtool"), "test", "rules", "t.yaml"], cwd=tmp_path, capture_output=True, text=True
    )
    assert done.returncode == 0, done.stdout + done.stderr
