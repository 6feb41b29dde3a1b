"""Which rules keep a lane's label (lanes.py), read without regular expressions, against the regular
expressions that first said it: the same verdict on random PromQL-like text, near misses included."""

from __future__ import annotations

import re
from pathlib import Path

import yaml
from hypothesis import example, given, settings
from hypothesis import strategies as st

from compiler.api import CompileOptions, compile_specs
from compiler.model.promql_text import emptied
from compiler.targets.prometheus.counted_short import ONE_SHOWN
from compiler.targets.prometheus.promtool.lanes import joins_lanes, lane_safe
from compiler.targets.prometheus.rule_model import Rule
from tests.conftest import FULL
from tests.platform_text import sink_platform
from tests.test_restart_floor_handover import SLIS, SPEC

# The first definition, kept here as the oracle.
_DROPS = re.compile(r"\b(?:on|ignoring|by|group_left|group_right)\s*\(|\bwithout\s*\((?!\s*window\s*\))")
_FILTER_JOIN = re.compile(r"\band\s+on\s*\(")
_SET_OPS = re.compile(r"\b(?:or|unless)\b")


def _oracle_safe(expr: str) -> bool:
    return not _DROPS.search(emptied(expr))


def _oracle_joins(expr: str) -> bool:
    # Words inside a string literal are a label value, not PromQL (a service named `svc-or`): the regular
    # expressions read the text with its strings emptied, as lanes.py does since shapes share generation.
    expr = emptied(expr)
    return not (_SET_OPS.search(expr) or _DROPS.search(_FILTER_JOIN.sub("and (", expr)))


# Words next to their near misses (a longer word, a prefix, an accented letter, a digit or `_` beside).
_WORDS = (
    "on",
    "and",
    "by",
    "without",
    "window",
    "windows",
    "or",
    "unless",
    "ignoring",
    "group_left",
    "group_right",
    "band",
    "onx",
    "_on",
    "xon",
    "ón",
    "on1",
    "error",
    "sum",
    "max",
    "rate",
    "slo:sli_error:ratio_rate1h",
    "hand",
    "and_",
    "or_",
    "floor",
    "windowx",
)
_OTHER = (" ", "  ", "\n", "\t", "\u00a0", "\u2003", "(", ")", "{", "}", '"', ",", ":", "_", "1", "*", ">", "=")
_TEXT = st.lists(st.sampled_from(_WORDS + _OTHER), max_size=24).map("".join)


def _rule(expr: str) -> Rule:
    return Rule(expr, alert="A")


@settings(max_examples=3000 if FULL else 400, deadline=None)  # nightly (OBSC_TEST_FULL) 3,000
@given(_TEXT)
@example("max without (window) (x) > 1\nand on (service, slo)\ny > 1")
@example("sum by(service) (x)")
@example("x and  on(a) y")
@example("x and\u00a0on (a) y")
@example("x band on (a) y")
@example("x andon (a) y")
@example("max without ( window ) (x)")
@example("max without (windows) (x)")
@example("max without (window")
@example("without(")
@example("on(")
@example("a or b")
@example("error(")
@example("x unless(y)")
@example('"or"')  # found by a CI run: a set operation's word inside a string
@example('x{a="on("} > 1 and on (a) y{b="unless"}')
def test_lane_checks_agree_with_the_regular_expressions(expr: str) -> None:
    assert lane_safe([_rule(expr)]) is _oracle_safe(expr)
    assert joins_lanes([_rule(expr)]) is _oracle_joins(expr)


def test_the_generated_burn_rate_rule_joins_lanes_and_a_grouped_one_does_not() -> None:
    burn = (
        'max without (window) (slo:sli_error:ratio_rate1h{service="a",slo="b"}) > (14.4 * 0.001)\n'
        'and on (service, slo)\nslo:sli_error:ratio_rate5m{service="a",slo="b"} > (14.4 * 0.001)'
    )
    assert joins_lanes([_rule(burn)])
    # the short window's side as slo.py writes it (over the line, or no ratio): lane_faults.Short reads it
    short = 'slo:sli_error:ratio_rate5m{service="a",slo="b"}'
    side = (
        f"(\n  {short} > (14.4 * 0.001)\n  or\n"
        '  max without (window) (slo:sli_error:ratio_rate1h{service="a",slo="b"})\n'
        f"  unless on (service, slo)\n  {short}\n"
        '  and on (service, slo) ALERTS{alertname="A",burn_window="fast",service="a",slo="b"}\n)'
    )
    written = burn.replace(f"{short} > (14.4 * 0.001)", side)
    assert joins_lanes([_rule(written)])
    # round 31: the pair's own ALERTS, joined as a filter, and nothing else on that line
    assert not joins_lanes([_rule(written.replace("and on (service, slo) ALERTS", "or on (service, slo) ALERTS"))])
    assert not joins_lanes([_rule(written.replace('slo="b"}\n)', 'slo="b"} or vector(1)\n)'))])
    assert not joins_lanes([_rule(written.replace("  or\n", "  or vector(1) or\n"))])  # not as written: no
    assert not lane_safe([_rule(burn)])  # a budget rule may not join at all
    assert not joins_lanes([_rule(burn.replace("max without (window)", "max by (service)"))])
    assert not joins_lanes([_rule(burn + " or vector(0)")])
    assert lane_safe([_rule("max without (window) (x) > 1")])
    assert not lane_safe([])


def test_a_counted_step_joins_lanes_and_a_step_joined_otherwise_does_not() -> None:
    """Round 34 (counted_short.counted_step): a step of the branch read only where its events can show a failure
    at the line, `R and T * N * line >= 1`, keeps each lane's series (a plain `and` joins on every label)."""
    ratio, total, line = 'slo:sli_error:ratio_rate1h{slo="b"}', 'slo:sli_total:rate1h{slo="b"}', "(6 * 0.001)"
    step = f"max without (window) ({ratio} and {total} * 3600 * {line} >= {ONE_SHOWN})"
    long = 'max without (window) (slo:sli_error:ratio_rate6h{slo="b"})'
    short = 'slo:sli_error:ratio_rate30m{slo="b"}'

    def rule(step: str) -> Rule:
        side = (
            f"(\n  {short} > {line}\n  or\n  ({step} or {long}) > {line}\n  unless on (service, slo)\n  {short}\n"
            '  and on (service, slo) ALERTS{alertname="A",burn_window="medium",slo="b"}\n)'
        )
        return _rule(f"{long} > {line}\nand on (service, slo)\n{side}")

    assert joins_lanes([rule(step)])
    assert not joins_lanes([rule(step.replace(" and ", " and on (slo) "))])  # the lane label dropped
    assert not joins_lanes([rule(step.replace(f" >= {ONE_SHOWN}", f" >= {ONE_SHOWN} or vector(1)"))])
    assert not joins_lanes([rule(step.replace(f"* {line} >=", "* (3 * 0.001) >="))])  # another pair's line
    assert not joins_lanes([rule(step.replace(" * 3600 ", " * sum(x) "))])


def test_a_floored_event_count_page_start_joins_lanes(tmp_path: Path) -> None:
    """Under a restart floor (min_bad_events) the event-count page's start is refused on `E * N < F and on (...)
    <page fired> unless (T * N * L >= 1 and on (...) <page up> or E * N and on (...) <its own page up>)` (round 51's
    waiver, round 53's counted window): the lanes read that shape (review52's hand mutant reading round 50's shape,
    without the waiver, ran no floored event-count SLO in lanes and passed)."""
    spec = SPEC.format(floor=50, sli=SLIS["events"])
    (tmp_path / "platform.yaml").write_text(sink_platform())
    (tmp_path / "vault.yaml").write_text(spec)
    rules = compile_specs([str(tmp_path)], CompileOptions(jobs=1)).bundle.get("prometheus/rules/vault.yaml")
    assert rules is not None
    pages = [
        r["expr"]
        for g in yaml.safe_load(rules.content)["groups"]
        for r in g["rules"]
        if r.get("labels", {}).get("severity") == "critical" and "burn_window" in r.get("labels", {})
    ]
    assert pages and all(" >= 0.999999 and on (service, slo) ALERTS{" in expr for expr in pages), pages
    assert joins_lanes([_rule(expr) for expr in pages])
