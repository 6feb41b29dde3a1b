"""Model: units, selectors, SLO math and the defaults merge."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

from compiler.api import compile_specs
from compiler.errors import InputError
from compiler.model import burnrate
from compiler.model.promql import parse_selector
from compiler.model.queries import sli_error_ratio
from compiler.model.types import AlertKind, Tier
from compiler.model.units import decimal_text, format_duration, parse_duration, parse_percent, parse_rate
from compiler.spec.schema import NAME_PATTERN, schema


@pytest.mark.parametrize(("text", "seconds"), [("5m", 300), ("1h30m", 5400), ("28d", 2419200), ("4w", 2419200)])
def test_durations(text: str, seconds: int) -> None:
    assert parse_duration(text) == seconds


@pytest.mark.parametrize("seconds", [1, 59, 300, 3600, 5400, 86400, 2592000, 2419200 + 61])
def test_format_duration_round_trips(seconds: int) -> None:
    assert parse_duration(format_duration(seconds)) == seconds


def test_percent_and_rate_are_exact() -> None:
    assert parse_percent("0.1%") == Decimal("0.001")
    assert parse_rate("10/m") * 6 == Decimal(1)
    assert parse_rate(0.5) == Decimal("0.5")


@pytest.mark.parametrize(
    ("text", "advice"),
    [
        ("90 %", "write 90%"),
        ("0,5%", "write 0.5%"),
        ("0,125%", "write 0.125%"),  # a thousands comma never follows a lone 0
        ("12,5 %", "write 12.5%"),
        ("1,000%", "write 1.000% if the comma is a decimal comma, 1000% if it groups thousands"),
        ("2,500 %", "write 2.500% if the comma is a decimal comma, 2500% if it groups thousands"),
    ],
)
def test_a_percent_spelling_is_told_what_obsc_reads(text: str, advice: str) -> None:
    """`1,000%` is a thousand to some readers and one to others: round 30's hint said `write 1.000%` alone."""
    with pytest.raises(ValueError) as refused:
        parse_percent(text)
    assert str(refused.value) == f"{text!r} is not a percentage as obsc reads them: {advice}"


def test_selector_parsing_and_service_matchers() -> None:
    sel = parse_selector('http_requests_total{code=~"5..", path!="/health"}')
    assert sel.render() == 'http_requests_total{code=~"5..",path!="/health"}'
    with pytest.raises(ValueError, match=r"is quoted in PromQL: write code=\"5xx\""):
        parse_selector("http_requests_total{code=5xx}")
    with pytest.raises(ValueError, match="not a series selector"):
        parse_selector("sum(rate(x[5m]))")


def test_a_label_matched_twice_is_refused_only_where_one_matcher_is_equality() -> None:
    """`code=~"5..",code!="503"` is a range; an `=` on another label (handler) refused it (round 25 hunt)."""
    sel = parse_selector('http_requests_total{handler="/api",code=~"5..",code!="503"}')
    assert [m.label for m in sel.matchers] == ["handler", "code", "code"]
    with pytest.raises(ValueError, match="label 'code' is matched twice, once with '='"):
        parse_selector('http_requests_total{handler="/api",code=~"5..",code="503"}')


def test_name_pattern_matches_the_schema() -> None:
    assert schema()["$defs"]["name"]["pattern"] == NAME_PATTERN


def _fleet(tmp_path: Path, spec: str, platform: str = "") -> object:
    (tmp_path / "svc.yaml").write_text(spec)
    if platform:
        (tmp_path / "platform.yaml").write_text(platform)
    return compile_specs([str(tmp_path)]).fleet


BASE = """\
apiVersion: obsc/v1
service: svc
team: t
selector: {job: svc}
metrics:
  requests: http_requests_total
  errors: http_requests_total{code=~"5.."}
  latency: http_request_duration_seconds
routing:
  critical: {webhook: {url: "http://x/c"}}
  warning: {webhook: {url: "http://x/w"}}
  info: {webhook: {url: "http://x/i"}}
"""


def test_burn_rate_factors_follow_the_sre_workbook(tmp_path: Path) -> None:
    fleet = _fleet(
        tmp_path,
        BASE + "slos:\n  - {name: a, objective: 99.9, sli: {errors: errors, total: requests}}\n"
        "  - {name: b, objective: 99.9, period: 28d, sli: {errors: errors, total: requests}}\n",
    )
    a, b = fleet.services[0].slos  # type: ignore[attr-defined]
    assert [w.factor_text(a.period_seconds) for w in burnrate.windows_for(a)] == ["14.4", "6", "3", "1"]
    # 28d keeps the Workbook's shares except where they give a factor below 1 (the 3d pair: 0.933 → 1)
    assert [w.factor_text(b.period_seconds) for w in burnrate.windows_for(b)] == ["13.44", "5.6", "2.8", "1"]
    assert a.error_budget == Decimal("0.001")
    assert burnrate.error_ratio_threshold(a, burnrate.catalog()[0]) == Decimal("0.0144")
    assert [(w.long, w.short) for w in burnrate.catalog()] == [("1h", "5m"), ("6h", "30m"), ("1d", "2h"), ("3d", "6h")]


def test_defaults_merge_builtin_platform_service(tmp_path: Path) -> None:
    platform = """\
apiVersion: obsc/v1
kind: Platform
defaults:
  alerts: {error_rate: {critical: 20%}, cpu: false}
  metrics: {cpu: 'sum(rate(process_cpu_seconds_total{$selector}[$window]))'}
"""
    fleet = _fleet(
        tmp_path,
        BASE + "alerts: {error_rate: {warning: 2%}, latency_p99: {critical: {threshold: 3s, for: 10m}}}\n",
        platform,
    )
    alerts = {(a.kind, a.tier): a for a in fleet.services[0].key_alerts}  # type: ignore[attr-defined]
    assert alerts[(AlertKind.ERROR_RATE, Tier.CRITICAL)].threshold == Decimal("0.2")  # platform
    assert alerts[(AlertKind.ERROR_RATE, Tier.WARNING)].threshold == Decimal("0.02")  # service
    assert alerts[(AlertKind.LATENCY_P99, Tier.CRITICAL)].threshold == Decimal(3)
    assert alerts[(AlertKind.LATENCY_P99, Tier.CRITICAL)].for_seconds == 600
    assert (AlertKind.CPU, Tier.WARNING) not in alerts  # switched off by the platform
    assert (AlertKind.SERVICE_DOWN, Tier.CRITICAL) in alerts  # built-in default
    cpu = fleet.services[0].metric("cpu")  # type: ignore[attr-defined]
    assert cpu.expr == 'sum(rate(process_cpu_seconds_total{job="svc"}[$window]))'


def test_latency_sli_matches_le_as_any_client_writes_it(tmp_path: Path) -> None:
    fleet = _fleet(tmp_path, BASE + "slos:\n  - {name: l, objective: 99, sli: {latency: latency, threshold: 300ms}}\n")
    expr = sli_error_ratio(fleet.services[0].slos[0].sli, "5m")  # type: ignore[attr-defined]
    exact = "0\\\\.30*|3(\\\\.0+)?[eE]-0*1"
    computed = "0\\\\.30{12}[0-9]*|3\\\\.0{12}[0-9]*[eE]-0*1|0\\\\.29{12}[0-9]*|2\\\\.9{12}[0-9]*[eE]-0*1"  # a hair off
    assert f'http_request_duration_seconds_bucket{{job="svc",le=~"{exact}|{computed}"}}' in expr
    assert 'http_request_duration_seconds_count{job="svc"}' in expr


def test_ratio_thresholds_need_a_percent_sign(tmp_path: Path) -> None:
    with pytest.raises(
        InputError, match=r"\$.alerts.error_rate.warning: error_rate: write the threshold as a percentage"
    ):
        _fleet(tmp_path, BASE + "alerts: {error_rate: {warning: 2}}\n")


def test_period_shorter_than_every_window_catalog_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="period 12h is shorter than every burn-rate window catalog"):
        _fleet(
            tmp_path,
            BASE + "slos:\n  - {name: a, objective: 99, period: 12h, sli: {errors: errors, total: requests}}\n",
        )


def test_raw_sli_needs_window_placeholder(tmp_path: Path) -> None:
    spec = (
        BASE
        + "slos:\n  - {name: a, objective: 99, sli: {raw: {errors: 'sum(rate(x[5m]))',"
        + " total: 'sum(rate(y[$window]))'}}}\n"
    )
    with pytest.raises(InputError, match=r"must contain \$window"):
        _fleet(tmp_path, spec)


def test_disabling_an_unreachable_tier_makes_the_slo_valid(tmp_path: Path) -> None:
    spec = (
        BASE
        + "slos:\n  - {name: a, objective: 90, sli: {errors: errors, total: requests}, alerts: {critical: false}}\n"
    )
    fleet = _fleet(tmp_path, spec)
    windows = burnrate.windows_for(fleet.services[0].slos[0])  # type: ignore[attr-defined]
    assert {w.tier for w in windows} == {Tier.WARNING}


def test_raw_sli_gets_the_service_selector(tmp_path: Path) -> None:
    spec = BASE + (
        "slos:\n  - {name: a, objective: 99, sli: {raw: {errors: 'sum(rate(x{$selector,r=\"bad\"}[$window]))',"
        " total: 'sum(rate(x{$selector}[$window]))'}}}\n"
    )
    sli = _fleet(tmp_path, spec).services[0].slos[0].sli  # type: ignore[attr-defined]
    assert sli_error_ratio(sli, "5m") == '(sum(rate(x{job="svc",r="bad"}[5m]))) / (sum(rate(x{job="svc"}[5m])))'


def test_budget_left_of_zero_is_refused(tmp_path: Path) -> None:
    slo = "{name: a, objective: 99, sli: {errors: errors, total: requests}, alerts: {budget_left: 0%}}"
    spec = BASE + f"slos:\n  - {slo}\n"
    with pytest.raises(InputError, match="budget_left must be above 0%"):
        _fleet(tmp_path, spec)


def test_every_key_alert_kind_has_a_generated_name() -> None:
    # conventions.py keys its tables by the spec key (it imports nothing of the model): a new kind must get a name.
    from compiler import conventions
    from compiler.model.types import AlertKind

    assert set(conventions.KEY_ALERT_NAMES) == {kind.value for kind in AlertKind}
    assert set(conventions.KEY_PANEL_IDS) <= {kind.value for kind in AlertKind}


def test_cached_number_texts_keep_what_equal_values_spell_differently() -> None:
    # decimal_text and format_duration are cached; values that compare equal must still read as before.
    assert [decimal_text(Decimal(t)) for t in ("0", "-0", "0.00", "1.50", "1.5", "100", "1E+2")] == [
        "0",
        "-0",
        "0",
        "1.5",
        "1.5",
        "100",
        "100",
    ]
    assert decimal_text(Decimal("-0")) == "-0" and decimal_text(Decimal("0")) == "0"
    assert [format_duration(s) for s in (5400, 60, 0)] == ["1h30m", "1m", "0s"]
