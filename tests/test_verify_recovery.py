"""`obsc verify` notes an SLO whose traffic cannot show the end of a page for hours (round 40).

A held burn pair ends only on a window whose events times its line reach one failure; at 0.01 req/s and 99.99%
over 90d no window below the 6h/30m page's 6h holds the 556 events its 0.18% line needs. Replayed with promtool on
the compiled rules (1m steps): a 30-minute total outage from 60m paged at 70m and its 6h/30m pair stayed up until
about 7h, though healthy requests came back at 90m. The notice reads the mean rate the event floor already asks.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from compiler.verify import VerifyOptions, verify
from tests.platform_text import sink_platform
from tests.test_verify_event_floor import fake_prometheus

SPEC = """\
apiVersion: obsc/v1
service: shop
team: shop
selector: {job: shop}
metrics: {requests: shop_requests_total, errors: 'shop_requests_total{code=~"5.."}'}
alerts: {error_rate: false, traffic_anomaly: false, traffic_milestone: false}
slos:
  - {name: admin, objective: 99.99, period: 90d, sli: {errors: errors, total: requests}}
"""


def _notes(tmp_path: Path, per_second: str) -> list[str]:
    (tmp_path / "platform.yaml").write_text(sink_platform())
    (tmp_path / "shop.yaml").write_text(SPEC)
    with fake_prometheus(per_second) as url:
        report = verify([str(tmp_path)], VerifyOptions(url, retries=0))
    assert [f for f in report.findings if "stays up" in f.message] == []  # a notice: exit 0
    return [str(n) for n in report.notes if "stays up" in n.message]


def test_a_page_the_traffic_cannot_show_the_end_of_is_noted_at_the_objective(tmp_path: Path) -> None:
    noted = _notes(tmp_path, "0.01")
    assert len(noted) == 1, noted
    assert noted[0].startswith(f"{tmp_path / 'shop.yaml'}:8:30 $.slos[0].objective: SLO 'admin': at the last day's "), (
        noted
    )
    assert (
        "no window of its 6h/30m page shorter than 6h holds the 556 events that show one failure at its 0.18%"
        in (noted[0])
    )
    assert "(72 in 2h): once it pages, it stays up until the failures leave its 6h window" in noted[0]


@pytest.mark.parametrize("per_second", ["1", "0"])
def test_traffic_that_shows_a_recovery_or_none_is_no_notice(tmp_path: Path, per_second: str) -> None:
    assert _notes(tmp_path, per_second) == []
