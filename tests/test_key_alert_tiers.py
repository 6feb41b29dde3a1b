"""Key-alert tiers merged over the platform's (found by a hunt): a spec's bare line dropped the platform's `for`,
a `{for}` alone was refused for want of a line, and a ticket line beyond the page's passed."""

from __future__ import annotations

from pathlib import Path

import pytest

from compiler.api import compile_specs
from compiler.errors import InputError
from compiler.model.types import AlertKind, Tier
from tests.platform_text import sink_platform

PLATFORM = sink_platform(
    before="""\
defaults:
  alerts:
    error_rate: {critical: {threshold: 5%, for: 10m}, warning: {threshold: 1%, for: 1h}}
"""
)
SPEC = """apiVersion: obsc/v1
service: alpha
team: core
selector: {job: alpha}
metrics:
  requests: http_requests_total
  errors: 'http_requests_total{code=~"5.."}'
  latency: http_request_duration_seconds
"""


def _alerts(tmp_path: Path, alerts: str) -> dict[Tier, tuple[object, int]]:
    (tmp_path / "platform.yaml").write_text(PLATFORM)
    (tmp_path / "alpha.yaml").write_text(SPEC + f"alerts: {alerts}\n")
    service = compile_specs([str(tmp_path)]).fleet.services[0]
    return {a.tier: (a.threshold, a.for_seconds) for a in service.key_alerts if a.kind is AlertKind.ERROR_RATE}


def test_a_bare_line_keeps_the_inherited_hold(tmp_path: Path) -> None:
    got = _alerts(tmp_path, "{error_rate: {critical: 8%}}")
    assert {t: (str(v), s) for t, (v, s) in got.items()} == {Tier.CRITICAL: ("0.08", 600), Tier.WARNING: ("0.01", 3600)}


def test_a_hold_alone_keeps_the_inherited_line(tmp_path: Path) -> None:
    got = _alerts(tmp_path, "{error_rate: {warning: {for: 30m}}}")
    assert {t: (str(v), s) for t, (v, s) in got.items()} == {Tier.CRITICAL: ("0.05", 600), Tier.WARNING: ("0.01", 1800)}


@pytest.mark.parametrize(
    ("alerts", "said"),
    [
        ("{error_rate: {warning: 20%}}", "alpha.yaml:9:32 $.alerts.error_rate.warning: error_rate: the warning line"),
        ("{latency_p99: {warning: 10s}}", "alpha.yaml:9:33 $.alerts.latency_p99.warning: latency_p99: the warning"),
        (
            "{error_rate: {critical: 0.5%}}",
            "$.alerts.error_rate.critical: error_rate: the warning line is not before the critical one",
        ),
    ],
)
def test_a_ticket_line_beyond_the_page_line_is_refused(tmp_path: Path, alerts: str, said: str) -> None:
    with pytest.raises(InputError) as raised:
        _alerts(tmp_path, alerts)
    assert said in str(raised.value)


def test_a_p99_line_with_decimals_is_read_exactly(tmp_path: Path) -> None:
    """Round 33: `latency_p99: {critical: 1.5s}` was refused ("write 1500ms"), though the line is a value the p99 is
    compared with, not a duration Prometheus reads: 1.5s and 1500ms are the same line."""
    (tmp_path / "platform.yaml").write_text(PLATFORM)
    (tmp_path / "alpha.yaml").write_text(SPEC + "alerts: {latency_p99: {critical: 1.5s, warning: 0.75s}}\n")
    service = compile_specs([str(tmp_path)]).fleet.services[0]
    got = {a.tier: a.threshold for a in service.key_alerts if a.kind is AlertKind.LATENCY_P99}
    assert got == {Tier.CRITICAL: 1.5, Tier.WARNING: 0.75}
