"""Patterns that read a text from every character: linear in the text's length, with the same matches.

Each case below took 0.05-0.2 CPU-s per 4,096-character text before (a quadratic search or backtrack); the bounds
are CPU seconds (process_time) with room for a loaded machine, never wall clock.
"""

from __future__ import annotations

import random
import re
import time

import pytest

from compiler.changes import rules
from compiler.importers import promql_text, zero_fallback
from compiler.spec import yaml_syntax_hints
from compiler.spec.yaml_syntax_hints import hint
from compiler.targets import markdown, shapes
from compiler.toolcheck import focus_quiet

RUNS = 60  # 2-12 CPU-s before for each case; a few hundredths now
BOUND = 1.0


def _cpu(work: object) -> float:
    assert callable(work)
    started = time.process_time()
    for _ in range(RUNS):
        work()
    return time.process_time() - started


def test_window_names_of_a_long_digit_run_are_grouped_in_linear_time() -> None:
    name = "x:" + "1" * 4096  # no unit: the stem was tried at every digit, each read to the end
    assert _cpu(lambda: rules._names([name])) < BOUND
    assert rules._names(["slo:rate5m", "slo:rate1h", "a1b30m", name]) == "slo:rate(5m|1h), a1b30m, " + name


@pytest.mark.parametrize(
    ("expr", "bound"),
    [
        # No `{` closes: each was read to the end. Its own bound: the linear reading's costliest case, 0.27 CPU-s
        # at load 30 (round 49: BOUND left it 3.8x), the quadratic one ~15 CPU-s.
        ("a{" * 2048, 2.0),
        ('a{\\" ' * 819, BOUND),  # each opens quoted text at another quote, which never closes (0.14; ~4.4 before)
        ("r{" + "a" * 4096 + '!="x"}', BOUND),  # a long label without `="`: read from each of its letters
        ("r{" + "1a" * 2048 + '!="x"}', BOUND),
    ],
)
def test_selectors_a_rule_reads_are_found_in_linear_time(expr: str, bound: float) -> None:
    by_name = {"r": [rules.FileRule("r", "r", {}, "")], "a": [rules.FileRule("a", "a", {}, "")]}
    assert _cpu(lambda: rules._reads(expr, by_name)) < bound


# The patterns as they were (quadratic, right): the reference the linear readings must agree with.
_OLD_SELECTOR = re.compile(r'(?<![\w:"])([a-zA-Z_:][\w:]*)\s*(\{(?:[^}"]|"(?:[^"\\]|\\.)*")*\})?')
_OLD_EQUALS = re.compile(r'([a-zA-Z_]\w*)\s*=\s*"((?:[^"\\]|\\.)*)"')
_OLD_WINDOW = re.compile(r"^(.*?)(\d+[smhdwy])$")
_OLD_KEY = re.compile(r"((?:\s*-\s+)*\s*)([A-Za-z_][\w.-]*):(?:\s|$)")
_OLD_FLOW_KEY = re.compile(r"([A-Za-z_][\w.-]*):\s+([^\s{\[,'\"][^,{}]*)$")
_OLD_TEXT_MATCHER = re.compile(r'([a-zA-Z_][a-zA-Z0-9_]*)\s*(?:=~|!~|!=|=)\s*"((?:[^"\\]|\\.)*)"')
_OLD_LINE_BREAK = re.compile(r"\s*\n\s*")
_OLD_FALLBACK = re.compile(r"\s+or\s*(?:on\s*\(\s*\)\s*)?vector\s*\(\s*0(?:\.0*)?\s*\)\s*$")
_OLD_QUERY_IN_TEMPLATE = re.compile(r"\{\{.*\bquery\b", re.S)
_OLD_IMPORTED_SELECTOR = re.compile(r"([a-zA-Z_:][a-zA-Z0-9_:]*)?\s*\{([^{}]*)\}|([a-zA-Z_:][a-zA-Z0-9_:]*)(?=\s*\[)")
_PIECES = [
    *'ab_Z19é٣:{}"\\=, \t\n-.!5m',
    ": ",
    "- ",
    "or",
    " vector(0)",
    "query",
    "{{",
    '="',
    '{a="',
    '\\"',
    "job",
    "x{",
    "} ",
    "[5m]",
    "12",
    "[",
]


def _texts() -> list[str]:
    crafted = [
        'a{x="1"} + b{y="}",z!="2"} c{"\\"} d{1q="3"} e{é_k="4"} f{"\\\n"} g{',
        'a{\\" a{\\" a{',
        "rate15m\n",
        "- \t-x: y",
        "{1k.x: }b",
        "{a: b, c: d",
        " \t or vector(0) ",
        "x  or on() vector(0.0)\n",
        "{{ {{ query }}",
        "{{query",
        "a{{xquery",
        '9x="1" 1_y!~"2"',
    ]
    draw = random.Random(35)
    return crafted + ["".join(draw.choice(_PIECES) for _ in range(draw.randint(0, 14))) for _ in range(20_000)]


def test_selectors_matchers_and_windows_are_read_as_before() -> None:
    for text in _texts():
        assert rules.selectors(text) == _OLD_SELECTOR.findall(text), text
        assert rules._EQUALS.findall(text) == _OLD_EQUALS.findall(text), text
        old, new = _OLD_WINDOW.match(text), rules._WINDOW.match(text)
        assert (old and old.groups()) == (new and new.groups()), text
        old, new = _OLD_KEY.match(text), yaml_syntax_hints._KEY.match(text)
        assert (old and old.groups()) == (new and new.groups()), text
        old = _OLD_FLOW_KEY.search(text)
        assert (old and old.groups()) == yaml_syntax_hints._flow_key(text), text
        assert shapes._TEXT_MATCHER.findall(text) == _OLD_TEXT_MATCHER.findall(text), text
        assert markdown._LINE_BREAK.sub(" ", text) == _OLD_LINE_BREAK.sub(" ", text), text
        old, new = _OLD_FALLBACK.search(text), zero_fallback._FALLBACK.search(text)
        assert (old and old.start()) == (new and new.start()), text
        assert focus_quiet.runs_query(text) == bool(_OLD_QUERY_IN_TEMPLATE.search(text)), text
        old_found = [m.groups() for m in _OLD_IMPORTED_SELECTOR.finditer(text)]
        assert [m.groups() for m in promql_text._SELECTOR_TEXT.finditer(text)] == old_found, text


def test_a_key_after_a_dash_and_a_line_of_tabs_is_read_in_linear_time() -> None:
    lines = ["a:", "  b: 1"] + ["- " + "\t" * 4096 + "!"] * RUNS + ["   c: 2"]
    problem = "did not find expected key (while parsing a block mapping started at line 1, column 1)"
    started = time.process_time()
    hint("\n".join(lines), len(lines), 4, problem)
    assert time.process_time() - started < BOUND


@pytest.mark.parametrize(
    "before", ["{" + "a" * 4096, "{" + "1a" * 2048, "{" + "a: b" * 1024 + ",", "{" + "a: b" * 1024 + "}"]
)
def test_a_flow_value_hint_reads_its_line_in_linear_time(before: str) -> None:
    problem = "expected ',' or '}', but got '{'"
    line = before + "{x}"
    assert _cpu(lambda: hint(line, 1, len(before) + 1, problem)) < BOUND


def test_a_flow_value_hint_names_the_same_key() -> None:
    problem = "expected ',' or '}', but got '{'"
    for line, key in (("{1k.x: a{b}}", "k.x"), ("{a: }b {c}", "a"), ("{a: b, c: d{e}}", "c")):
        found = hint(line, 1, line.rindex("{") + 1, problem)
        assert found is not None and f"quote the value, {key}: " in found[2], (line, found)


@pytest.mark.parametrize(
    "work",
    [
        lambda: shapes._TEXT_MATCHER.findall('"' + "a" * 4096),  # spec text with a quote and a long word
        lambda: markdown.code("x" + " " * 8192 + "y"),  # a long run of blanks without a line break
        lambda: zero_fallback.without_zero_fallback("x" + "\t" * 8192 + "y"),
        lambda: focus_quiet.runs_query("{{" * 2048),
        lambda: promql_text.selectors_in("sum(rate(" + "a" * 4096 + "))"),  # an imported query's long word
        lambda: promql_text.selectors_in("1a" * 2048),
    ],
)
def test_spec_text_in_rules_and_runbooks_is_read_in_linear_time(work: object) -> None:
    assert _cpu(work) < BOUND
