"""A time-slice or freshness SLO whose min_bad_events is more bad slices than a burn pair's long window holds is a
located error (round 39).

At 1m slices the page's 1h window holds 60: under a platform's `min_bad_events: 100` (chosen for request counts)
the fast pair was a rule that could never fire. Replayed with promtool on round 38's rules (99.9%/30d, a probe
failing from 1h, 1m steps): the fast pair never fired, the page came at 2h55m (the 6h pair: 100 bad minutes and
its 15m hold); at the default 3 the fast pair pages within minutes. Nothing said so.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.cli_helpers import run_obsc
from tests.platform_text import sink_platform

SPEC = """\
apiVersion: obsc/v1
service: probe
team: shop
selector: {job: probe}
targets: false
metrics:
  probe_ok: {selector: 'probe_success{instance="https://shop.example.com/"}', type: gauge, aggregation: min}
slos:
  - {name: reachable, objective: 99.9, sli: {good_when: probe_ok == 1}SLO}
"""


def _validate(tmp_path: Path, capsys: pytest.CaptureFixture[str], floor: str, slo: str = "") -> tuple[int, str]:
    (tmp_path / "platform.yaml").write_text(
        sink_platform(before=f"defaults: {{slo_alerts: {{min_bad_events: {floor}}}}}\n")
    )
    (tmp_path / "probe.yaml").write_text(SPEC.replace("SLO", slo))
    result = run_obsc(capsys, "validate", str(tmp_path))
    return result.code, result.err


def test_an_inherited_floor_a_page_window_cannot_hold_is_refused_at_the_slo(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, err = _validate(tmp_path, capsys, "100")
    assert code == 2, err
    assert (
        "probe.yaml:9:5 $.slos[0]: min_bad_events 100 (the platform's defaults.slo_alerts.min_bad_events: this SLO "
        "does not set it) counts bad 1m slices on this time-slice SLI, and the 1h window of its critical pair 1h/5m "
        "holds 60: that pair can never fire, a total outage included; set min_bad_events: 60 or less on this SLO"
    ) in err


def test_a_written_floor_is_refused_at_its_key_with_every_pair_it_kills(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, err = _validate(tmp_path, capsys, "3", ", min_bad_events: 400")
    assert code == 2, err
    assert "probe.yaml:9:89 $.slos[0].min_bad_events: min_bad_events 400 counts bad 1m slices" in err
    assert "the 1h window of its critical pair 1h/5m holds 60 and the 6h window of its critical pair 6h/30m " in err
    assert "holds 360: those pairs can never fire" in err


@pytest.mark.parametrize(
    ("floor", "slo"), [("60", ""), ("100", ", min_bad_events: 5"), ("100", ", alerts: {critical: false}")]
)
def test_a_floor_every_alerting_window_holds_compiles(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], floor: str, slo: str
) -> None:
    code, err = _validate(tmp_path, capsys, floor, slo)
    assert code == 0, err


def test_a_floor_of_events_on_a_counted_sli_is_not_read_as_slices(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Round 39's review: the platform's 100 counts failed requests on an error-ratio SLO, never slices (every
    SLO has a 1m slice length, read only by sliced SLIs)."""
    (tmp_path / "platform.yaml").write_text(sink_platform(before="defaults: {slo_alerts: {min_bad_events: 100}}\n"))
    (tmp_path / "shop.yaml").write_text(
        "apiVersion: obsc/v1\nservice: shop\nteam: shop\nselector: {job: shop}\n"
        "metrics: {requests: http_requests_total, errors: 'http_requests_total{code=~\"5..\"}'}\n"
        "slos:\n  - {name: availability, objective: 99.9, sli: {errors: errors, total: requests}}\n"
    )
    result = run_obsc(capsys, "validate", str(tmp_path))
    assert result.code == 0 and "slices" not in result.err, result.err
