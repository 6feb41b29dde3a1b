"""The round-39 checks of the live series' shape (compiler/verify/live_series.py) on answers given by hand: where
each stops short of a finding on a healthy service (a rollout is no churn, Spring's `outcome` values are no
misspelling, a fixed release says nothing) and where it does not."""

from __future__ import annotations

from pathlib import Path

import pytest

from compiler.api import CompileOptions, compile_specs
from compiler.errors import Location
from compiler.model.promql import Matcher, Selector
from compiler.model.types import Metric, MetricType, Service
from compiler.spec.document import Path as SpecPath
from compiler.verify import live_series, targets
from tests.platform_text import sink_platform

SPEC = """\
apiVersion: obsc/v1
service: shop
team: shop
selector: {job: shop}
metrics:
  requests: shop_requests_total
  errors: shop_requests_total{code=~"5.."}
slos:
  - {name: availability, objective: 99.5, by: [pod], sli: {errors: errors, total: requests}}
"""


def _service(tmp_path: Path) -> Service:
    (tmp_path / "platform.yaml").write_text(sink_platform())
    (tmp_path / "shop.yaml").write_text(SPEC)
    return compile_specs([str(tmp_path)], CompileOptions(jobs=1)).fleet.services[0]


def _by(tmp_path: Path, seen: int, now: int, any_series: int = 1) -> list[str]:
    service = _service(tmp_path)
    found: list[str] = []

    def count(expr: str) -> int:
        if "unless on (pod) vector(1)" in expr:
            return seen if "[1h]" in expr else now
        return any_series

    def find(path: SpecPath, where: Location, message: str) -> None:
        found.append(message)

    live_series.check_by(service, service.slos[0], ("slos", 0, "by"), "1h", count, find)
    return found


def test_a_rollout_of_ten_pods_is_no_churn(tmp_path: Path) -> None:
    assert _by(tmp_path, seen=20, now=10) == []


def test_a_value_per_scrape_churns(tmp_path: Path) -> None:
    (found,) = _by(tmp_path, seen=40, now=2)
    assert "`pod` churns: 40 values in the last 1h, 2 now" in found


def test_no_values_now_is_no_churn(tmp_path: Path) -> None:
    assert _by(tmp_path, seen=40, now=0) == []  # the targets down for the last 5 minutes: an outage, not churn


def test_a_few_values_never_churn(tmp_path: Path) -> None:
    assert _by(tmp_path, seen=9, now=1) == []  # under CHURN_FLOOR: a handful of replicas replaced


def test_churn_from_the_floor_and_above_three_times_now(tmp_path: Path) -> None:
    """Round 39's review: CHURN_FLOOR values seen are enough to judge, and churn is strictly above 3x now."""
    assert _by(tmp_path, seen=10, now=3)  # 10 values, 3 now: churns
    (tmp_path / "b").mkdir()
    assert _by(tmp_path / "b", seen=30, now=10) == []  # 3 times as many: a rollout of the same replicas


def test_a_label_no_series_carries_is_found_only_where_there_are_series(tmp_path: Path) -> None:
    (found,) = _by(tmp_path, seen=0, now=0)
    assert "no series of its total carries `pod`" in found
    assert _by(tmp_path, seen=0, now=0, any_series=0) == []  # no series at all: said on the metric


SELECTOR = Selector("shop_latency_seconds", (Matcher("job", "=", "shop"),))
LE = Matcher("le", "=~", "0.25")


@pytest.mark.parametrize(
    "lacking, series, said",
    [
        (0, 4, None),
        (1, 4, "1 of the 4 series of shop_latency_seconds_bucket{job=\"shop\"} have no bucket at 0.25s now while the "
         "others have it: two bucket layouts at once"),
        (4, 4, "4 of the 4 series of shop_latency_seconds_bucket{job=\"shop\"} have no bucket at 0.25s now while "
         "series of the last 1h had it: a release removed it"),
    ],
)  # fmt: skip
def test_series_without_the_threshold_bucket_now(lacking: int, series: int, said: str | None) -> None:
    def count(expr: str) -> int:
        return lacking if " unless ignoring (le) " in expr else series

    found = live_series.two_layouts(SELECTOR, LE, "0.25s", count, "1h")
    assert (found if said is None else (found or "")[: len(said)]) == said


@pytest.mark.parametrize(
    "matcher, values, finding",
    [
        (Matcher("code", "=", "5xx"), ["200", "500"], True),  # a class where codes are numbers
        (Matcher("status", "=", "500"), ["ok"], True),  # a number where the label is words
        (Matcher("code", "=", "503"), ["200", "500"], False),  # none yet: a healthy service
        (Matcher("outcome", "=", "SERVER_ERROR"), ["SUCCESS"], False),  # Spring's outcome, none yet
        (Matcher("code", "=~", "5xx"), ["200"], False),  # a regex: its form is not a value's
        (Matcher("handler", "=~", "/api/.+"), [], True),  # a label none of the family has, never empty
        (Matcher("handler", "!=", "/health"), [], False),  # keeps series without the label
        (Matcher("handler", "!~", "/health|/ready"), [], False),  # so does a regex not matched by ""
        (Matcher("handler", "!~", ".*"), [], True),  # one matched by "" keeps none of them
    ],
)
def test_a_narrowed_counter_is_misspelt_only_in_another_form(
    matcher: Matcher, values: list[str], finding: bool
) -> None:
    family = Selector("x_total", (Matcher("job", "=", "shop"),))
    metric_selector = Selector("x_total", (*family.matchers, matcher))

    class Labels:
        def label_values(self, label: str, match: str | None = None) -> list[str]:
            return values

    metric = Metric("errors", MetricType.COUNTER, metric_selector)
    wrong, hint = live_series.misspelt(metric, family, Labels(), lambda expr: 0, "1h")  # type: ignore[arg-type]
    assert (wrong is not None) is finding, (wrong, hint)


class _Up:
    def label_values(self, label: str, match: str | None = None) -> list[str]:
        return ["cart", "search-blue"]


@pytest.mark.parametrize(
    "value, hint",
    [
        ("kart|carts", "job=~\"kart|carts\" matches no job on up (close: 'cart')"),
        ("search-(blue|green)", None),  # one colour on up: the regex matches
        ("search-(?P<bad", None),  # a regex Python cannot read: no hint on a guess
        ("sea", "job=~\"sea\" matches no job on up (its values: 'cart', 'search-blue')"),  # anchored, as Prometheus
    ],
)
def test_a_targets_regex_matching_no_value_on_up_is_said(value: str, hint: str | None) -> None:
    assert targets._regex_hint(Matcher("job", "=~", value), _Up()) == hint  # type: ignore[arg-type]
