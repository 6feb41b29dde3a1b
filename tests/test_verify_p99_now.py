"""Round 39: an LLM API whose `latency` histogram times the whole generation (5-60 s) inherits the built-in
critical p99 line of 5s and pages for as long as it serves; `obsc verify` said nothing of a line the live p99 is
already past. It now finds each line under the p99 over the lookback and over the alert's 5m window, located at
the line's source: the spec's, the platform's, or (built in) the spec's latency metric."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from compiler.api import CompileOptions, load_fleet
from compiler.errors import Location
from compiler.model.types import Service
from compiler.spec.document import Path as SpecPath
from compiler.verify.p99_now import check_p99_now
from tests.platform_text import sink_platform

SPEC = """\
apiVersion: obsc/v1
service: llm
team: ai
selector: {job: llm}
metrics:
  requests: llm_requests_total
  latency: llm_request_duration_seconds
"""


class _Prometheus:
    def __init__(self, lookback: str, now: str) -> None:
        self.values = {"lookback": lookback, "now": now}
        self.asked: list[str] = []

    def query(self, expr: str) -> list[dict[str, Any]]:
        self.asked.append(expr)
        return [{"metric": {"over": k}, "value": [0, v]} for k, v in self.values.items() if v]


def _service(tmp: Path, spec: str = SPEC, platform: str = "") -> Service:
    (tmp / "platform.yaml").write_text(sink_platform(before=platform))
    (tmp / "llm.yaml").write_text(spec)
    fleet, _ = load_fleet([str(tmp)], CompileOptions(), {})
    return fleet.services[0]


def _found(service: Service, prometheus: _Prometheus) -> list[tuple[str, SpecPath, Location, str]]:
    found: list[tuple[str, SpecPath, Location, str]] = []
    spec = ("metrics", "latency")
    check_p99_now(
        service,
        spec,
        "1h",
        prometheus,  # type: ignore[arg-type]
        (lambda p, w, m: found.append(("spec", p, w, m)), lambda p, w, m: found.append(("platform", p, w, m))),
    )
    return found


def test_the_built_in_line_a_generation_is_always_past_is_found_at_the_latency_metric(tmp_path: Path) -> None:
    prometheus = _Prometheus("31.2", "28.75")
    found = _found(_service(tmp_path), prometheus)
    assert len(found) == 1, found
    whose, path, _, message = found[0]
    assert (whose, path) == ("spec", ("metrics", "latency"))
    assert message.startswith(
        'latency_p99 (critical): the p99 of llm_request_duration_seconds_bucket{job="llm"} is 31.2s over the last '
        "1h and 28.75s over the last 5m, already past the line of 5s (the built-in table): ServiceHighLatencyP99 "
        "fires as soon as these rules are loaded"
    ), message
    assert len(prometheus.asked) == 1  # one query for both windows


def test_a_line_above_the_p99_or_a_past_spike_or_no_traffic_is_nothing(tmp_path: Path) -> None:
    written = SPEC + "alerts: {latency_p99: {critical: 90s}}\n"
    assert _found(_service(tmp_path, written), _Prometheus("31.2", "28.75")) == []
    assert _found(_service(tmp_path), _Prometheus("6", "0.4")) == []  # over the hour, not now
    assert _found(_service(tmp_path), _Prometheus("4", "7")) == []  # now, not over the hour
    assert _found(_service(tmp_path), _Prometheus("NaN", "NaN")) == []  # no requests
    assert _found(_service(tmp_path), _Prometheus("", "")) == []  # no series


def test_a_specs_line_is_found_there_and_a_platforms_there(tmp_path: Path) -> None:
    written = SPEC + "alerts: {latency_p99: {critical: 20s, warning: 10s}}\n"
    found = _found(_service(tmp_path, written), _Prometheus("31.2", "28.75"))
    assert sorted((w, p, loc.line, m.split(":")[0]) for w, p, loc, m in found) == [
        ("spec", ("metrics", "latency"), 8, "latency_p99 (critical)"),
        ("spec", ("metrics", "latency"), 8, "latency_p99 (warning)"),
    ]
    platform = "defaults:\n  alerts:\n    latency_p99: {critical: 8s}\n"
    found = _found(_service(tmp_path, platform=platform), _Prometheus("31.2", "28.75"))
    assert [(w, p, loc.file, loc.line) for w, p, loc, _ in found] == [
        ("platform", ("alerts", "latency_p99", "critical"), str(tmp_path / "platform.yaml"), 5)
    ]


@pytest.mark.parametrize("unit, lookback, now, found", [("ms", "31200", "28750", 1), ("ms", "4000", "4900", 0)])
def test_a_millisecond_histogram_is_compared_in_seconds(
    tmp_path: Path, unit: str, lookback: str, now: str, found: int
) -> None:
    spec = SPEC.replace("latency: llm_request_duration_seconds", f"latency: {{selector: llm_ms, unit: {unit}}}")
    assert len(_found(_service(tmp_path, spec), _Prometheus(lookback, now))) == found
