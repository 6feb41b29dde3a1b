"""A ticket holds through a scrape gap shorter than its pair's short window, and lets go when data never returns
(round 41, targets/prometheus/slo.py `_guard_rate_expr`).

The tickets' min_bad_events guard over 1d and 3d reads when the coarse tier first saw the SLO
(slo:sli_coarse:since_timestamp), which is not recorded while no samples come. It was read 15 minutes back: a
45-minute gap (no samples at all) during a 1.5% burn at 99.9% resolved both tickets 20 minutes into the gap and
fired them again 10 minutes after it (a second ticket notification; round 40's known limit, replayed beside
Sloth). It is now read back as far as the pair's short window (2h, 6h): the gap is bridged, and data that stops
for good ends the 1d/2h ticket ~2h after the last sample and the 3d/6h one ~6h after (SLODataMissing tickets the
gap itself). Both scenarios at the coarse tier's 5m evaluation interval.

The burn is 30% (round 43: it was 1.5%, 15x). The rules start with the data, and since round 43 a young SLO's 1d
and 3d windows read the time their samples do not cover as good (coarse_history.py): a 15x burn from the rules'
first minute tickets ~4.8h in, when it has spent each ticket's share of the budget, as one on a service recorded for
months does. 30% crosses both ticket lines within ~15 minutes, so the gap is what the cases read.
"""

from __future__ import annotations

from pathlib import Path

from compiler import conventions as names
from compiler.api import CompileOptions, compile_specs
from tests.platform_text import sink_platform
from tests.promtool_helpers import pairs_firing, rules_read_by

SPEC = """apiVersion: obsc/v1
service: wiki
team: docs
selector: {job: wiki}
metrics: {requests: r_total, errors: 'r_total{code=~"5.."}'}
alerts: {error_rate: false, traffic_anomaly: false, traffic_milestone: false, service_down: false}
slos:
  - {name: avail, objective: 99.9, sli: {errors: errors, total: requests}}
"""


def _ticket_rules(tmp_path: Path) -> str:
    specs = tmp_path / "specs"
    specs.mkdir()
    (specs / "platform.yaml").write_text(sink_platform())
    (specs / "wiki.yaml").write_text(SPEC)
    bundle = compile_specs([str(specs)], CompileOptions(jobs=1)).bundle
    text = next(a.content for a in bundle.artifacts if a.path == names.prometheus_rules_path("wiki"))
    return rules_read_by(text, alert=lambda rule: rule.get("alert") == names.SLO_BURN_SLOW)


def test_promtool_a_45_minute_scrape_gap_during_a_burn_keeps_one_ticket(tmp_path: Path) -> None:
    """200 requests a minute, 30% failing, no samples at all from minute 120 to 165: both tickets fire from
    minute ~20 and hold through the gap (before round 41: not firing 145-170, again from 175)."""
    series = {
        'up{job="wiki"}': "1x120 _x45 1x135",
        'r_total{job="wiki",code="200"}': "0+140x120 _x45 16940+140x135",
        'r_total{job="wiki",code="500"}': "0+60x120 _x45 7260+60x135",
    }
    watched = range(100, 201, 5)
    fired = pairs_firing(tmp_path, _ticket_rules(tmp_path), series, "avail", ("slow", "slowest"), watched, "", "5m")
    assert fired == {"slow": list(watched), "slowest": list(watched)}, fired


def test_promtool_a_ticket_lets_go_when_data_never_returns(tmp_path: Path) -> None:
    """The same burn, and no sample after minute 120: the 1d/2h ticket ends within its 2h short window (last
    firing at 240), the 3d/6h one within 6h (480); before, both ended at ~145."""
    series = {
        'up{job="wiki"}': "1x120",
        'r_total{job="wiki",code="200"}': "0+140x120",
        'r_total{job="wiki",code="500"}': "0+60x120",
    }
    watched = range(130, 511, 10)
    fired = pairs_firing(tmp_path, _ticket_rules(tmp_path), series, "avail", ("slow", "slowest"), watched, "", "5m")
    assert fired == {"slow": list(range(130, 250, 10)), "slowest": list(range(130, 490, 10))}, fired
