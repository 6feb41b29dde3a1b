"""Every reader of `$window` and `$selector` in a spec's free PromQL reads them where the parser does (round 44).

About twenty modules filled or looked for the placeholders with their own `str.replace` or `in` test. Inside a
string literal the text is a label value, not PromQL: a regex `queue=~"$windows|orders"` was written with the
window filled (`"5ms|orders"`, `"1hs|orders"`: each window read other series, and none), `"$selector_id"` got the
service's matchers (a valid query refused as "does not parse"), and an `error_ratio` whose only `$window` was inside
a label value passed "must contain $window" and compiled with a different label value per window. One reading now
(promql_text.placeholders / fill / holds, promql_tree.parse_filled); the property below draws queries with the
placeholders in ranges, subqueries, offsets, strings, regex matchers and comments and holds every reader to it.
"""

from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path
from types import SimpleNamespace

import promql_parser as pp
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from compiler import conventions as names
from compiler.api import compile_specs
from compiler.errors import InputError
from compiler.importers import promql_text as imported
from compiler.model import promql_text, promql_tree
from compiler.model.promql import Matcher, expand
from compiler.model.promql_check import Expression, nodes_of, problems
from compiler.model.promql_sample import sample_tree
from compiler.verify import checks as verify_checks
from tests.platform_text import sink_platform

SENTINEL, SENTINEL_RANGE = "7h13m", timedelta(hours=7, minutes=13)
SELECTOR = (Matcher("job", "=", "j"),)
_STRING = re.compile(r""""(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'|`[^`]*`""")

# what a label value or regex may hold: placeholders, their longer cousins, ranges, offsets, a comment sign
VALUES = ("ok", "$window", "$windows", "$window_id", "$selector", "$selector_id", "[$window]", "[5m]", "a offset 99d")
RANGES = ("[$window]", "[ $window ]", "[5m]", "[$window] offset 1h")
SHAPES = (
    "sum(rate({sel}{range}))",
    "max_over_time(sum(rate({sel}{range}))[$window:1m])",
    "sum(rate({sel}{range})) / sum(rate(y{{$selector,b=~{value}}}[$window]))",
)


@st.composite
def queries(draw: st.DrawFn) -> str:
    quote = draw(st.sampled_from(['"', "`"]))
    value = f"{quote}{draw(st.sampled_from(VALUES))}{quote}"
    op = draw(st.sampled_from(["=", "=~", "!~"]))
    sel = f"x{{$selector,a{op}{value}}}"
    text = draw(st.sampled_from(SHAPES)).format(sel=sel, range=draw(st.sampled_from(RANGES)), value=value)
    return text + draw(st.sampled_from(["", "\n# [$window] $selector"]))


def _windows(tree: object) -> int:
    return sum(1 for n in nodes_of(tree, (pp.MatrixSelector, pp.SubqueryExpr)) if n.range == SENTINEL_RANGE)


def _strings(text: str) -> list[str]:
    return _STRING.findall(text)


@settings(max_examples=400, deadline=None)
@given(queries())
def test_every_reader_reads_the_placeholders_where_the_parser_does(query: str) -> None:
    accepted = not (promql_text.placeholder_problems(query) or promql_text.comments(query))
    filled = expand(query, SELECTOR, SENTINEL)
    written = promql_text.fill(query, selector='job="j"', window=SENTINEL)
    assert filled == written
    # a string literal is a label value: never filled (a `#` comment is refused before anything is written)
    assert _strings(query.split("\n")[0]) == [s for s in _strings(filled.split("\n")[0]) if s != '"j"']
    problems(Expression(query, "errors"), {}, SELECTOR)  # never raises
    if not accepted:
        return
    tree = promql_tree.parse(filled)
    found = [at for at, word in promql_text.placeholders(query) if word == promql_text.WINDOW]
    assert len(found) == _windows(tree)
    assert [r for _, r in promql_text.ranges(query) if r == promql_text.WINDOW] == [promql_text.WINDOW] * len(found)
    assert promql_text.holds(query, promql_text.WINDOW) is bool(found)
    assert imported.has_window(query) is bool(found)
    sample = sample_tree(expand(query, SELECTOR))
    assert sample is not None and str(sample) == str(promql_tree.parse(expand(query, SELECTOR, "5m")))


@pytest.mark.parametrize("query", ["rate(x[$windows])", "x{$selector_id}", "rate(x[$window_1])", "$selectors"])
def test_a_longer_word_outside_a_string_is_no_placeholder(query: str) -> None:
    # Whole words outside strings too (the property's longer cousins are inside label values, where the mask alone
    # hides them): `$windows` read as `$window` + `s` was filled as `5ms` (a hand mutant of round 44 no test killed).
    assert promql_text.placeholders(query) == []
    assert promql_text.fill(query, selector='job="j"', window="5m") == query
    assert not promql_text.holds(query, promql_text.WINDOW) and not promql_text.holds(query, promql_text.SELECTOR)


# ---------------------------------------------------------------- what the old readers wrote or checked

SPEC = """\
apiVersion: obsc/v1
service: worker
team: core
selector: {{job: worker}}
metrics:
  requests: jobs_total
slos:
  - name: processing
    objective: 99.5
    sli:
      raw:
{raw}
alerts: {{traffic_anomaly: false, traffic_milestone: false}}
"""


def _rules(tmp_path: Path, raw: str) -> str:
    (tmp_path / "platform.yaml").write_text(sink_platform())
    (tmp_path / "worker.yaml").write_text(SPEC.format(raw=raw))
    bundle = compile_specs([str(tmp_path)]).bundle
    return next(a.content for a in bundle.artifacts if a.path == names.prometheus_rules_path("worker"))


@pytest.mark.parametrize(("op", "value"), [("=~", "$windows|orders"), ("=", "$selector_id")])
def test_a_label_value_holding_a_longer_placeholder_is_written_as_it_is(tmp_path: Path, op: str, value: str) -> None:
    """`"$windows|orders"` was written `"5ms|orders"`, `"1hs|orders"`... (one per window); `"$selector_id"` was
    refused: the check filled it with the service's matchers and the query no longer parsed."""
    errors = f'sum(rate(jobs_total{{$selector,outcome="failed",queue{op}"{value}"}}[$window]))'
    rules = _rules(
        tmp_path, f"        errors: '{errors}'\n        total: 'sum(rate(jobs_total{{$selector}}[$window]))'"
    )
    written = set(re.findall(rf'queue{op}"([^"]*)"', rules))
    assert written == {value}, written


def test_an_error_ratio_whose_only_window_is_a_label_value_is_refused(tmp_path: Path) -> None:
    """It passed "must contain $window" and compiled, its label value filled with each window."""
    with pytest.raises(InputError) as caught:
        _rules(tmp_path, "        error_ratio: 'max(jobs_failed_ratio{$selector,queue=\"$windows\"})'")
    text = "\n".join(str(d) for d in caught.value.diagnostics)
    assert "worker.yaml:12:" in text and "raw SLI queries must contain $window" in text, text


@pytest.mark.parametrize("value", ["/users/{id}", "/cart{id}", "/v1/items[0]", "a offset 1h{b}"])
def test_verify_reads_no_metric_name_in_a_label_value(value: str) -> None:
    """`route="/cart{id}"` (a router's path template) or `"/v1/items[0]"` was read as a metric named `cart` or
    `items` the server has never seen: a false finding, `obsc verify` exit 1."""
    ctx = SimpleNamespace(metric_names=lambda: ["http_requests_total"])
    query = f'sum(rate(http_requests_total{{job="j",route="{value}"}}[5m]))'
    assert verify_checks._unknown_name(query, ctx) == ""  # type: ignore[arg-type]
    assert verify_checks._unknown_name("sum(rate(http_request_total[5m]))", ctx).startswith(  # type: ignore[arg-type]
        "no metric is named http_request_total; did you mean http_requests_total?"
    )


def test_an_import_reads_the_selector_around_braces_in_a_label_value() -> None:
    """The import's scan for the service's shared matchers read `cart{id}` out of `route="/cart{id}"` and missed
    the selector around it: `job="api"`, on one query only, was offered as every query's service selector."""
    with_braces = 'sum(rate(x{route="/cart{id}"}[{{.window}}]))'
    assert [s.metric for s in imported.selectors_in(with_braces)] == ["x"]
    assert imported.common_matchers([with_braces, 'sum(rate(y{job="api"}[5m]))']) == {}
