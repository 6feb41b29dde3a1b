"""`obsc verify` compares each SLO's period with the server's retention (found by the round 28 SLO-math hunt).

Prometheus keeps 15 days unless told otherwise, and a rule reads only what is kept: a 30d SLO's period ratio then
reads 15 days, and its error budget left, the SLOErrorBudgetLow/Exhausted info alerts and the dashboards' time to
exhaustion all say 30d of what is half of it. Nothing said so. A fake Prometheus here answers every check's query
with a series (so only the retention can be found) and `/api/v1/status/runtimeinfo` as Prometheus 2.42 does
(`storageRetention`: `15d`, `90d or 1GiB`, or a size alone); tests/e2e/test_verify.py asks a real server.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

from compiler.verify import VerifyOptions, verify
from tests.fake_prometheus import serving
from tests.platform_text import sink_platform

PLATFORM = sink_platform(
    before="""\
defaults: {period: 28d}
"""
)
SPEC = """\
apiVersion: obsc/v1
service: shop
team: shop
selector: {job: shop}
metrics: {requests: shop_requests_total, errors: 'shop_requests_total{code=~"5.."}'}
alerts: {error_rate: false, traffic_anomaly: false, traffic_milestone: false}
slos:
  - {name: weekly, objective: 97, period: 7d, sli: {errors: errors, total: requests}}
  - name: quarterly
    objective: 99.999
    period: 90d
    sli: {errors: errors, total: requests}
  - {name: inherited, objective: 99.9, sli: {errors: errors, total: requests}}
"""


@contextmanager
def fake_prometheus(runtime: dict[str, Any] | None) -> Iterator[str]:
    """Every query answers one series; runtimeinfo answers `runtime` (None: 404, as where there is none)."""

    def route(path: str, query: str) -> Any:
        if path == "/api/v1/query":
            return {"resultType": "vector", "result": [{"metric": {}, "value": [0, "1"]}]}
        if path.startswith("/api/v1/label/"):
            return ["shop_requests_total", "up"]
        if path == "/api/v1/rules":
            return {"groups": []}
        return runtime if path == "/api/v1/status/runtimeinfo" else None

    with serving(route) as url:
        yield url


def _retention_findings(tmp_path: Path, runtime: dict[str, Any] | None) -> list[tuple[int, str]]:
    (tmp_path / "platform.yaml").write_text(PLATFORM)
    (tmp_path / "shop.yaml").write_text(SPEC)
    with fake_prometheus(runtime) as url:
        report = verify([str(tmp_path)], VerifyOptions(url, retries=0))
    return [(f.location.line, f.message) for f in report.findings if "retention" in f.message]


def test_an_slo_period_longer_than_the_retention_is_found_at_its_line(tmp_path: Path) -> None:
    found = _retention_findings(tmp_path, {"storageRetention": "15d"})
    # the 90d SLO at its `period:` line, the 28d one (the platform's period) at its item; the 7d one fits
    assert [line for line, _ in found] == [11, 13], found
    assert "its 90d period is longer than the server's retention (15d" in found[0][1]
    assert "read at most 15d of history while they say 90d" in found[0][1]
    assert "SLO 'inherited': its 28d period" in found[1][1]


@pytest.mark.parametrize(
    "runtime",
    [{"storageRetention": "90d or 1GiB"}, {"storageRetention": "1GiB"}, {}, None],
    ids=["long-enough", "size-only", "not-said", "no-runtimeinfo"],
)
def test_a_retention_that_holds_every_period_or_is_not_said_is_no_finding(
    tmp_path: Path, runtime: dict[str, Any] | None
) -> None:
    assert _retention_findings(tmp_path, runtime) == []


def test_retention_texts() -> None:
    from compiler.verify.checks import retention_seconds  # here: the other tests run on code without it

    assert retention_seconds("15d") == 15 * 86400
    assert retention_seconds("12w6d or 1GiB") == 90 * 86400
    assert retention_seconds("1GiB") is None
    assert retention_seconds("0s") is None
