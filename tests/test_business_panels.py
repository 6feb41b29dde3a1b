"""Business panels and latency SLO lines (found by a dashboard hunt).

- A millisecond timestamp compared with `within:` was plotted as the sum of every instance's timestamp in a
  `ms` panel: two tokens read as a duration of about 107 years. A timestamp plots what its alerts read (the
  soonest for `within:`), as a date.
- A latency SLO's threshold line was drawn on the Latency panel of another histogram, and not on the panel of
  the histogram it reads.
The panel queries run in promtool on hand-written series.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from compiler.api import Compilation
from compiler.model.types import Aggregation
from tests.platform_text import sink_platform
from tests.promtool_helpers import promtool_report
from tests.test_grafana_support import all_panels, compile_dir, exprs, service_dashboard, steps

PLATFORM = sink_platform(
    before="""\
runbook_url: https://wiki.example/{slug}
"""
)
INGEST = """\
apiVersion: obsc/v1
service: ingest
team: data-plane
selector: {job: ingest}
metrics:
  requests: ingest_batches_total
  errors: ingest_batches_total{result="error"}
  latency: ingest_batch_seconds
  db_latency: {selector: ingest_db_query_duration_milliseconds, type: histogram, unit: ms}
  token_expiry: {selector: ingest_token_expiry_ms, type: gauge, unit: ms, title: Token expiry}
  cert: {selector: cert_not_after, type: gauge, unit: s}
  last_run: {selector: ingest_last_run, type: gauge, unit: dateTimeAsIso}
  last_ok: {selector: ingest_last_ok, type: gauge, aggregation: min}
  queue: {selector: ingest_queue, type: gauge, unit: ms}
slos:
  - {name: db-fast, objective: 99, sli: {latency: db_latency, threshold: 50ms}}
  - {name: fresh, objective: 99, sli: {last_success: last_ok, max_age: 1h}}
threshold_alerts:
  - {name: TokenExpiring, metric: token_expiry, within: 1d}
  - {name: CertExpiring, metric: cert, within: 7d}
"""


@pytest.fixture(scope="module")
def compiled(tmp_path_factory: pytest.TempPathFactory) -> Compilation:
    specs = tmp_path_factory.mktemp("specs")
    (specs / "platform.yaml").write_text(PLATFORM)
    (specs / "ingest.yaml").write_text(INGEST)
    return compile_dir(specs)


def _panel(compilation: Compilation, title: str) -> dict[str, Any]:
    return next(p for p in all_panels(service_dashboard(compilation, "ingest")) if p.get("title") == title)


@pytest.mark.parametrize(
    ("title", "expr"),
    [
        ("Token expiry", 'min(ingest_token_expiry_ms{job="ingest"})'),  # the within: alert's soonest, ms already
        ("cert", 'min(cert_not_after{job="ingest"}) * 1000'),  # seconds, as `unit: s` said
        ("last_run", 'max(ingest_last_run{job="ingest"}) * 1000'),  # a date unit: the newest, never a sum
        ("last_ok", 'min(ingest_last_ok{job="ingest"}) * 1000'),  # the freshness SLI's own aggregation
    ],
)
def test_a_timestamp_panel_plots_one_instant_as_a_date(compilation: Compilation, title: str, expr: str) -> None:
    panel = _panel(compilation, title)
    assert exprs(panel) == [expr]
    assert panel["fieldConfig"]["defaults"]["unit"] == "dateTimeAsIso"
    assert "A timestamp" in panel["description"]


@pytest.fixture
def compilation(compiled: Compilation) -> Compilation:
    return compiled


def test_a_millisecond_duration_gauge_is_still_summed_in_ms(compilation: Compilation) -> None:
    """`unit: ms` alone is a duration: nothing says the gauge is a timestamp."""
    panel = _panel(compilation, "queue")
    assert exprs(panel) == ['sum(ingest_queue{job="ingest"})']
    assert panel["fieldConfig"]["defaults"]["unit"] == "ms"


def test_the_token_panel_shows_the_soonest_expiry_in_promtool(compilation: Compilation, tmp_path: Path) -> None:
    """Two instances' tokens (ms): the panel reads the first to expire, in the epoch ms a date unit shows."""
    [expr] = exprs(_panel(compilation, "Token expiry"))
    series = {
        'ingest_token_expiry_ms{job="ingest",instance="a"}': "1700000000000x10",
        'ingest_token_expiry_ms{job="ingest",instance="b"}': "1800000000000x10",
    }
    check = {"expr": expr, "eval_time": "5m", "exp_samples": [{"labels": "{}", "value": 1.7e12}]}
    (tmp_path / "none.yaml").write_text("groups: []\n")
    assert promtool_report(tmp_path, "none.yaml", series, [check]) == ""


def test_a_latency_slo_line_is_on_the_panel_of_the_histogram_it_reads(compilation: Compilation) -> None:
    latency, db = _panel(compilation, "Latency"), _panel(compilation, "db_latency")
    assert ("blue" not in [color for _, color in steps(latency)]) and "SLO" not in latency["description"]
    assert (0.05, "blue") in steps(db)  # db-fast's 50ms, over quantiles plotted in seconds
    assert db["fieldConfig"]["defaults"]["unit"] == "s"
    assert "Latency SLO thresholds (blue): 0.05s." in db["description"]


def test_a_date_unit_gauge_is_combined_with_max_by_default(compilation: Compilation) -> None:
    """Its alerts (above:, below:) and panels read the newest timestamp, as for `*_timestamp_seconds`."""
    [ingest] = compilation.fleet.services
    last_run = ingest.metric("last_run")
    assert last_run is not None and last_run.aggregation is Aggregation.MAX
