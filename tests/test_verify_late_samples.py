"""`obsc verify` finds an SLI whose samples arrive later than obsc's 5m windows read (round 40).

The CloudWatch exporter stamps each per-minute statistic with its period's time, 10 minutes in the past by default:
every 5m window and instant read is empty, for good. Replayed with promtool on the compiled rules of the raw SLI
below (samples 10 minutes late, emulated by shifting every read): SLODataMissing ticketed the healthy service for
good, a 30-minute total outage paged only on the 6h/30m pair 25 minutes in, and no ticket opened. Nothing in the
spec shows the lag, and verify said nothing (the total over its 1h lookback has series). A fake Prometheus answers
the 5m total (empty unless the spec reads `offset 10m`) and the age of the newest sample.
"""

from __future__ import annotations

import urllib.parse
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import promql_parser as pp
import pytest

from compiler.api import CompileOptions, load_fleet
from compiler.verify import VerifyOptions, verify
from compiler.verify.client import QueryRejected
from compiler.verify.idle_source import idle_read
from tests.fake_prometheus import serving
from tests.platform_text import sink_platform

SPEC = """\
apiVersion: obsc/v1
service: invoices
team: shop
selector: {{job: cloudwatch, load_balancer: app/invoices}}
targets: false
slos:
  - name: availability
    objective: 99.9
    min_bad_events: 0
    sli:
      raw:
        errors: sum(sum_over_time(aws_applicationelb_httpcode_target_5_xx_count_sum{{$selector}}[$window]{offset}))
        total: sum(sum_over_time(aws_applicationelb_request_count_sum{{$selector}}[$window]{offset}))
"""
NAMES = ["aws_applicationelb_httpcode_target_5_xx_count_sum", "aws_applicationelb_request_count_sum", "up"]


@contextmanager
def fake_prometheus(age: str) -> Iterator[str]:
    """Samples `age` seconds late: a 5m window without `offset 10m` reads nothing; every other query one series."""

    def route(path: str, query: str) -> Any:
        if path == "/api/v1/query":
            expr = urllib.parse.parse_qs(query)["query"][0]
            if expr.startswith("time() - max(max_over_time(timestamp("):
                value = age
            elif "[5m])" in expr and "offset" not in expr:
                return {"resultType": "vector", "result": []}
            else:
                value = "1"
            return {"resultType": "vector", "result": [{"metric": {}, "value": [0, value]}]}
        if path.startswith("/api/v1/label/"):
            return NAMES
        return {"groups": []} if path == "/api/v1/rules" else None

    with serving(route) as url:
        yield url


def _findings(tmp_path: Path, age: str, offset: str = "") -> list[str]:
    (tmp_path / "platform.yaml").write_text(sink_platform())
    (tmp_path / "invoices.yaml").write_text(SPEC.format(offset=offset))
    with fake_prometheus(age) as url:
        report = verify([str(tmp_path)], VerifyOptions(url, retries=0))
    return [str(f) for f in report.findings if "newest sample" in f.message]


def test_samples_later_than_the_windows_read_are_found_at_the_sli(tmp_path: Path) -> None:
    found = _findings(tmp_path, "612")
    assert len(found) == 1, found
    assert found[0].startswith(f"{tmp_path / 'invoices.yaml'}:11:7 $.slos[0].sli: SLO 'availability': its total "), (
        found
    )
    assert (
        'the newest sample of aws_applicationelb_request_count_sum{job="cloudwatch",load_balancer="app/invoices"} '
        "is 11 minutes old" in found[0]
    )
    assert "read the series with `offset 11m` inside a raw SLI" in found[0]


@pytest.mark.parametrize(
    "age, offset",
    [("612", " offset 10m"), ("120", ""), ("7200", ""), ("NaN", "")],
    ids=["read-with-offset", "fresh", "idle-for-hours", "no-sample"],
)
def test_windows_that_read_data_or_series_long_gone_are_no_finding(tmp_path: Path, age: str, offset: str) -> None:
    assert _findings(tmp_path, age, offset) == []


def test_a_service_nothing_scrapes_is_not_looked_for_on_up(tmp_path: Path) -> None:
    """`targets: false` asked `up{}`; on a server without any `up` it was told its targets: labels were not on up."""
    (tmp_path / "platform.yaml").write_text(sink_platform())
    (tmp_path / "invoices.yaml").write_text(SPEC.format(offset=" offset 10m"))

    def route(path: str, query: str) -> Any:
        if path == "/api/v1/query":
            expr = urllib.parse.parse_qs(query)["query"][0]
            empty = expr.startswith("count(last_over_time(up")
            return {"resultType": "vector", "result": [] if empty else [{"metric": {}, "value": [0, "1"]}]}
        if path.startswith("/api/v1/label/"):
            return NAMES
        return {"groups": []} if path == "/api/v1/rules" else None

    with serving(route) as url:
        report = verify([str(tmp_path)], VerifyOptions(url, retries=0))
    assert [str(f) for f in report.findings] == []


def test_a_spec_offset_too_short_is_measured_without_it(tmp_path: Path) -> None:
    """A raw SLI that reads `offset 5m` of samples 15 minutes late still reads nothing over 5m: the newest
    sample's age is asked of the series without the spec's offset (with it, the age and the advised offset were
    the spec's offset more), and the finding names the series as the server stores it."""
    (tmp_path / "platform.yaml").write_text(sink_platform())
    (tmp_path / "invoices.yaml").write_text(SPEC.format(offset=" offset 5m"))
    asked: list[str] = []

    def route(path: str, query: str) -> Any:
        if path == "/api/v1/query":
            expr = urllib.parse.parse_qs(query)["query"][0]
            if expr.startswith("time() - max(max_over_time(timestamp("):
                asked.append(expr)
                return {"resultType": "vector", "result": [{"metric": {}, "value": [0, "912"]}]}
            if expr.startswith("count(") and "[5m]" in expr:
                return {"resultType": "vector", "result": []}
            return {"resultType": "vector", "result": [{"metric": {}, "value": [0, "1"]}]}
        if path.startswith("/api/v1/label/"):
            return NAMES
        return {"groups": []} if path == "/api/v1/rules" else None

    with serving(route) as url:
        report = verify([str(tmp_path)], VerifyOptions(url, retries=0))
    found = [str(f) for f in report.findings if "newest sample" in f.message]
    assert len(found) == 1, [str(f) for f in report.findings]
    assert asked and not any("offset" in expr for expr in asked), asked
    series = 'aws_applicationelb_request_count_sum{job="cloudwatch",load_balancer="app/invoices"}'
    assert f"the newest sample of {series} is 16 minutes old" in found[0], found


IDLE = "aws_applicationelb_healthy_host_count_average"


@pytest.mark.parametrize(
    ("offset", "late"), [(" offset 10m", False), ("", True)], ids=["idle-with-the-recipe", "late-and-idle-while"]
)
def test_an_idle_alb_read_with_its_offset_is_no_finding(tmp_path: Path, offset: str, late: bool) -> None:
    """Round 40's CloudWatch recipe (`offset 10m`, `idle_while`) on an ALB without a request for 5 minutes: its
    total reads nothing over 5m and the newest request sample is 15 minutes old, as samples 10 minutes late
    would be. The idle series, written every period, shows the exporter's samples reach the windows the total
    reads (its own offset): idle, not late. Round 40 said "late: read with offset 15m" of the spec that already
    did, at every verify in a quiet hour (exit 1). Without the offset the idle series reads nothing either: late."""
    (tmp_path / "platform.yaml").write_text(sink_platform())
    spec = SPEC.format(offset=offset) + f"        idle_while: {IDLE}{{{{$selector}}}}\n".replace("{{", "{").replace(
        "}}", "}"
    )
    (tmp_path / "invoices.yaml").write_text(spec)

    def route(path: str, query: str) -> Any:
        if path == "/api/v1/query":
            expr = urllib.parse.parse_qs(query)["query"][0]
            if expr.startswith("time() - max(max_over_time(timestamp("):
                return {"resultType": "vector", "result": [{"metric": {}, "value": [0, "900"]}]}
            if "[5m]" in expr and IDLE in expr and "offset 10m" not in expr:
                return {"resultType": "vector", "result": []}  # 10 minutes late: the last 5m hold no sample
            if expr.startswith("count(") and "[5m]" in expr and IDLE not in expr:
                return {"resultType": "vector", "result": []}  # no request: no sample
            return {"resultType": "vector", "result": [{"metric": {}, "value": [0, "1"]}]}
        if path.startswith("/api/v1/label/"):
            return [*NAMES, IDLE]
        return {"groups": []} if path == "/api/v1/rules" else None

    with serving(route) as url:
        report = verify([str(tmp_path)], VerifyOptions(url, retries=0))
    found = [str(f) for f in report.findings if "newest sample" in f.message]
    assert len(found) == int(late), [str(f) for f in report.findings]


@pytest.mark.parametrize(("idle_now", "found"), [(True, False), (False, True)], ids=["idle-night", "family-gone"])
def test_a_total_idle_for_the_lookback_is_idle_by_its_idle_series(tmp_path: Path, idle_now: bool, found: bool) -> None:
    """The recipe's ALB without a request for the whole lookback (a night): its total returns no series over 1h,
    which round 40's verify called a finding (exit 1 at every night-time verify), while SLODataMissing reads the
    same as idle (the idle series exists and the total had series within a day). With the idle series gone too
    (the load balancer's labels changed) it is still said."""
    (tmp_path / "platform.yaml").write_text(sink_platform())
    spec = SPEC.format(offset=" offset 10m") + f"        idle_while: {IDLE}{{$selector}}\n"
    (tmp_path / "invoices.yaml").write_text(spec)

    def route(path: str, query: str) -> Any:
        if path == "/api/v1/query":
            expr = urllib.parse.parse_qs(query)["query"][0]
            # the total has series over the day only; the idle guard holds with both its parts (the idle series, the
            # total over 1d: read over 5m, a night's guard failed, and survived as a hand mutant)
            quiet = "[1d]" not in expr or (IDLE in expr and not idle_now)
            return {"resultType": "vector", "result": [] if quiet else [{"metric": {}, "value": [0, "1"]}]}
        if path.startswith("/api/v1/label/"):
            return [*NAMES, IDLE]
        return {"groups": []} if path == "/api/v1/rules" else None

    with serving(route) as url:
        report = verify([str(tmp_path)], VerifyOptions(url, retries=0))
    said = [str(f) for f in report.findings if "the total query returns no series" in f.message]
    assert len(said) == int(found), [str(f) for f in report.findings]


class _Parsing:
    """A server that refuses what does not parse, as Prometheus does, and reads no request but the idle series."""

    def __init__(self) -> None:
        self.asked: list[str] = []

    def query(self, expr: str) -> list[dict[str, object]]:
        try:
            pp.parse(expr)
        except ValueError as exc:
            raise QueryRejected(str(exc)) from exc
        self.asked.append(expr)
        idle = IDLE in expr and expr.startswith("count(last_over_time(")
        return [{"metric": {}, "value": [0, "1"]}] if idle else []


@pytest.mark.parametrize("offset", [" offset 10m", ""])
def test_an_idle_series_written_with_its_own_offset_is_read_at_the_totals(tmp_path: Path, offset: str) -> None:
    """`idle_while: x{$selector} offset 10m` (the total's offset copied onto it) is one selector and compiles, but
    verify asked `last_over_time(x offset 10m[5m] offset 10m)`, which Prometheus refuses ("no offset modifiers
    allowed before range"): the late-sample check gave up in silence at every verify (round 42)."""
    (tmp_path / "platform.yaml").write_text(sink_platform())
    idle = f"        idle_while: {IDLE}{{{{$selector}}}} offset 10m\n".replace("{{", "{").replace("}}", "}")
    (tmp_path / "invoices.yaml").write_text(SPEC.format(offset=offset) + idle)
    fleet, _ = load_fleet([str(tmp_path)], CompileOptions(), {})
    server = _Parsing()
    assert idle_read(fleet.services[0].slos[0].sli, server)  # type: ignore[arg-type]
    assert server.asked == [
        f'count(last_over_time({IDLE}{{job="cloudwatch",load_balancer="app/invoices"}}[5m]{offset}))'
    ]


def test_an_offset_inside_a_label_value_is_no_offset(tmp_path: Path) -> None:
    """A selector value `"app offset 99999999999d"` was read as the total's offset (past 100y: ValueError, exit 70)
    by the text search for it, which now reads the selectors with their strings masked (round 43)."""
    (tmp_path / "platform.yaml").write_text(sink_platform())
    spec = SPEC.format(offset="").replace("load_balancer: app/invoices", "load_balancer: 'app offset 99999999999d'")
    idle = f"        idle_while: {IDLE}{{$selector}}\n"
    (tmp_path / "invoices.yaml").write_text(spec + idle)
    fleet, _ = load_fleet([str(tmp_path)], CompileOptions(), {})
    server = _Parsing()
    assert idle_read(fleet.services[0].slos[0].sli, server)  # type: ignore[arg-type]
    assert server.asked == [
        f'count(last_over_time({IDLE}{{job="cloudwatch",load_balancer="app offset 99999999999d"}}[5m]))'
    ]


def test_the_series_asked_its_age_is_the_total_selector_as_written(tmp_path: Path) -> None:
    """The age of the newest sample is asked of the total's selector without its offset, its label values intact:
    the offset was cut from the text at the first ` offset ` or ` @ `, a label value's too (`"eu offset 1h"`
    asked `x{...,az=~"eu`, which Prometheus refuses: the finding was dropped), and a regex's escaped dot came out
    bare (`\\.`: "unknown escape sequence", dropped alike). Round 44."""
    (tmp_path / "platform.yaml").write_text(sink_platform())
    total = "aws_applicationelb_request_count_sum{$selector}"
    spec = SPEC.format(offset=" offset 5m").replace(total, total[:-1] + r',az=~"eu\\.west offset 1h|b @ 5"}')
    (tmp_path / "invoices.yaml").write_text(spec)
    asked: list[str] = []

    def route(path: str, query: str) -> Any:
        if path == "/api/v1/query":
            expr = urllib.parse.parse_qs(query)["query"][0]
            if expr.startswith("time() - max(max_over_time(timestamp("):
                asked.append(expr)
                return {"resultType": "vector", "result": [{"metric": {}, "value": [0, "912"]}]}
            if expr.startswith("count(") and "[5m]" in expr:
                return {"resultType": "vector", "result": []}
            return {"resultType": "vector", "result": [{"metric": {}, "value": [0, "1"]}]}
        if path.startswith("/api/v1/label/"):
            return NAMES
        return {"groups": []} if path == "/api/v1/rules" else None

    with serving(route) as url:
        report = verify([str(tmp_path)], VerifyOptions(url, retries=0))
    series = (
        'aws_applicationelb_request_count_sum{job="cloudwatch",load_balancer="app/invoices",'
        'az=~"eu\\\\.west offset 1h|b @ 5"}'
    )
    assert asked == [f"time() - max(max_over_time(timestamp({series})[30m:1m]))"], asked
    pp.parse(asked[0])  # what Prometheus reads
    assert any("newest sample" in f.message for f in report.findings), [str(f) for f in report.findings]
