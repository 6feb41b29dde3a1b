"""What a cold compile keeps per process instead of working out again (round 44, issue 15's 5 s): a query's
parsed tree, a holds feed's answer about a rule over a set of series, a service's shape under a token.

Each memo is keyed by everything its answer reads, so a test here asks it twice (the work is done once) and
then with one thing changed (the answer follows the change: no stale tree, answer or shape comes back)."""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

import promql_parser
import pytest

from compiler import api
from compiler.model import promql_tree
from compiler.targets import shapes
from compiler.targets.prometheus.promtool import hold_feed
from compiler.targets.prometheus.promtool.cases import InputSeries
from compiler.targets.prometheus.rule_model import Group, Rule, ServiceRules
from tests.bench.fleet import write_fleet


class _CountedParser:
    """promql_parser as promql_tree sees it, counting the texts it parses."""

    def __init__(self) -> None:
        self.texts: list[str] = []

    def __getattr__(self, name: str) -> Any:
        return getattr(promql_parser, name)

    def parse(self, text: str) -> Any:
        self.texts.append(text)
        return promql_parser.parse(text)


@pytest.fixture
def parser(monkeypatch: pytest.MonkeyPatch) -> _CountedParser:
    promql_tree.parse.cache_clear()
    counted = _CountedParser()
    monkeypatch.setattr(promql_tree, "pp", counted)
    yield counted
    promql_tree.parse.cache_clear()  # no tree of the counting parser outlives the test


def test_a_text_is_parsed_once_and_its_tree_shared(parser: _CountedParser) -> None:
    first = promql_tree.parse('sum(rate(x_total{job="a"}[5m]))')
    assert promql_tree.parse('sum(rate(x_total{job="a"}[5m]))') is first
    assert parser.texts == ['sum(rate(x_total{job="a"}[5m]))']
    with pytest.raises(AttributeError):  # what makes sharing safe: no reader can change a tree
        first.expr = None


def test_another_text_gets_its_own_tree(parser: _CountedParser) -> None:
    one = promql_tree.parse('x_total{job="a"}')
    other = promql_tree.parse('x_total{job="b"}')  # one character apart: never the first text's tree
    assert [m.value for m in one.matchers.matchers] == ["a"]
    assert [m.value for m in other.matchers.matchers] == ["b"]
    assert len(parser.texts) == 2


def test_a_text_that_does_not_parse_fails_every_time(parser: _CountedParser) -> None:
    for _ in range(2):
        with pytest.raises(ValueError):
            promql_tree.parse("sum(rate(x_total[5m])")
    with pytest.raises(ValueError, match="too deep"):
        promql_tree.parse("(" * 200 + "x" + ")" * 200)  # the depth gate is before the memo's answer
    assert promql_tree.parse("x") is not None  # and a failure leaves nothing behind for the next text


def _rules(expr: str) -> ServiceRules:
    return ServiceRules("api", (Group("api", (Rule(record="api:errors:ratio", expr=expr, labels=()),)),))


def _asked(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    hold_feed._yields_on.cache_clear()
    asked: list[str] = []
    real = hold_feed.yields_with

    def counted(expr: str, series: Any) -> bool:
        asked.append(expr)
        return real(expr, series)

    monkeypatch.setattr(hold_feed, "yields_with", counted)
    return asked


def test_feeds_of_the_same_rules_ask_once_in_the_process(monkeypatch: pytest.MonkeyPatch) -> None:
    # A shape's token generations (targets/shapes.py) build a holds feed for every team's shape over the same
    # rule texts: each feed asked every rule again.
    asked = _asked(monkeypatch)
    part = [InputSeries("errors_total", (("service", "api"),), "1x10")]
    for _ in range(3):
        feed = hold_feed.HoldFeed(_rules('sum(rate(errors_total{service="api"}[5m]))'))
        assert not feed.admits([*part, InputSeries("api:errors:ratio", (), "1x10")])  # the rule writes it
    assert len(asked) == 1


def test_a_feed_is_answered_for_its_own_series_and_text(monkeypatch: pytest.MonkeyPatch) -> None:
    asked = _asked(monkeypatch)
    ratio = InputSeries("api:errors:ratio", (), "1x10")
    api_errors, web_errors = (InputSeries("errors_total", (("service", s),), "1x10") for s in ("api", "web"))
    reads_api = _rules('sum(rate(errors_total{service="api"}[5m]))')
    assert not hold_feed.HoldFeed(reads_api).admits([api_errors, ratio])
    # the same text over another service's series selects nothing: no sample, no clash (not the answer above)
    assert hold_feed.HoldFeed(reads_api).admits([web_errors, ratio])
    # another text over the first series: not the memo's answer either
    assert hold_feed.HoldFeed(_rules('sum(rate(errors_total{service="web"}[5m]))')).admits([api_errors, ratio])
    # neither was asked (round 45: a feed asks a rule again only when a series it selects comes)
    assert len(asked) == 1


@pytest.fixture(scope="module")
def services(tmp_path_factory: pytest.TempPathFactory) -> Any:
    specs: Path = write_fleet(tmp_path_factory.mktemp("fleet"), 2, teams=1, rich=True)
    fleet, _ = api.load_fleet([str(specs)], api.CompileOptions(jobs=1), {})
    return fleet.services


def test_a_service_is_shaped_once_per_token(services: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    # Each of the three targets that share shapes proves a shape's first service under the same two tokens.
    walks: list[str] = []
    real = shapes._renamed

    service = services[0]

    def counted(value: Any, name: str, token: str) -> Any:
        if value is service:  # a walk's start (it recurses through the module's name)
            walks.append(token)
        return real(value, name, token)

    monkeypatch.setattr(shapes, "_renamed", counted)
    service.__dict__.pop("_shapes", None)
    first = shapes.shape(service, shapes.FIRST_TOKEN)
    assert shapes.shape(service, shapes.FIRST_TOKEN) is first
    second = shapes.shape(service, shapes.SECOND_TOKEN)
    assert (first.name, second.name) == (shapes.FIRST_TOKEN, shapes.SECOND_TOKEN)
    assert walks == [shapes.FIRST_TOKEN, shapes.SECOND_TOKEN]  # one walk each


def test_a_shape_is_kept_by_its_own_service(services: Any) -> None:
    one, other = services[0], services[1]
    for service in (one, other):
        service.__dict__.pop("_shapes", None)
    shaped = shapes.shape(one, shapes.FIRST_TOKEN)
    assert "_shapes" not in other.__dict__  # kept in the instance: no other service can be handed it
    assert shapes.shape(other, shapes.FIRST_TOKEN) is not shaped
    assert shaped == shapes._renamed(one, one.name, shapes.FIRST_TOKEN)  # what the walk makes


def test_a_shape_is_of_its_own_instance_not_of_its_name(services: Any) -> None:
    # Two models of one service name in one process (a test suite, an edit compiled again): kept by name, the
    # second was handed the first's shape (a hand mutant of round 44 that every test passed).
    one = services[0]
    one.__dict__.pop("_shapes", None)
    shapes.shape(one, shapes.FIRST_TOKEN)
    edited = dataclasses.replace(one, description="edited")
    assert edited.name == one.name
    assert shapes.shape(edited, shapes.FIRST_TOKEN).description == "edited"
