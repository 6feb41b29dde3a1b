"""A total outage pages within minutes whatever the objective (round 41, model/reachable_pairs.reachable_pages).

At 95% over 90d the Workbook's 1h/5m page needs an error ratio of 2.16 (43.2x the 5% budget): left out (round 26),
so a total outage paged only on the 6h/30m pair's 0.9 line, at minute 339 of the outage, after the 3d/6h ticket
(221). Each page pair's line is now at most 0.75 (windows.yaml `page_line`), its factor lowered to no less than 2;
the Workbook's (and Sloth's) factors stay wherever their line is at most 0.75 (95% over 30d: 0.72).
"""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

from compiler import conventions as names
from compiler.api import CompileOptions, compile_specs
from compiler.model.burnrate import catalog_for, page_line
from compiler.model.reachable_pairs import kept_pairs
from compiler.model.types import Tier
from compiler.model.units import parse_duration
from tests.platform_text import sink_platform
from tests.promtool_helpers import pairs_firing, rules_read_by

# Every catalog period, periods between them (capped by the next one) and past the longest (rescaled shares)
PERIODS = ["1d", "2d", "6d", "7d", "10d", "14d", "21d", "28d", "29d", "30d", "45d", "60d", "90d", "91d", "180d", "365d"]
# The schema's objectives: (0, 100); under 1 is refused as a fraction, at 100 no budget is left
OBJECTIVES = [
    *(Decimal(n) for n in range(1, 100)),
    *(Decimal(t) for t in ("50.01", "62.5", "62.49", "87.5", "97.69", "99.5", "99.9", "99.95", "99.99", "99.999")),
    Decimal("99.9999999999999"),
]


def _pairs(period: str, objective: Decimal) -> list[tuple[Tier, int, int, Decimal]]:
    """The pairs an SLO keeps, as (tier, long window s, `for` s, error-ratio line)."""
    seconds = parse_duration(period)
    catalog = catalog_for(seconds)
    assert catalog is not None
    kept, _ = kept_pairs(catalog, seconds, objective, {}, None, ())  # type: ignore[arg-type]
    budget = (100 - objective) / 100
    return [(w.tier, w.long_seconds, w.for_seconds, w.factor(seconds) * budget) for w in kept]


@pytest.mark.parametrize("period", PERIODS)
def test_every_objective_pages_a_total_outage_within_minutes_or_is_refused(period: str) -> None:
    """Over the schema's objectives at each period: every pair kept can fire (line below 1; one at or above 1 is
    left out, or its whole tier refused by checks.check_slos); a page tier with a pair that can fire fires on a
    total outage within 47 minutes (0.75 of the 1h window plus its 2m `for`) down to 62.5%, at 2x the budget
    below (to 50%), and no page factor is lowered under 2 nor raised above the catalog's."""
    limits = page_line()
    for objective in OBJECTIVES:
        lines = _pairs(period, objective)
        budget = (100 - objective) / 100
        refused = {tier for tier, *_ in lines if all(line >= 1 for t, *_, line in lines if t is tier)}
        assert all(line < 1 for tier, *_, line in lines if tier not in refused), (objective, lines)
        pages = [(long_s, for_s, line) for tier, long_s, for_s, line in lines if tier is Tier.CRITICAL]
        if Tier.CRITICAL in refused:  # every page pair out of reach: only at 2x a budget of half the events or more
            assert objective <= 50, (objective, lines)
            continue
        first = min(line * long_s + for_s for long_s, for_s, line in pages if line < 1)
        if objective >= Decimal("62.5"):
            assert first <= 47 * 60, (objective, first)
        elif objective > 50:  # at half the events or less only a catalog pair under 2x (7d's 6h: 1.4x) may be left
            assert first <= 2 * budget * 3600 + 120, (objective, first)
        for _, _, line in pages:
            assert line <= limits.max_line or line / budget <= limits.min_factor, (objective, line)


def test_the_workbook_factors_stay_wherever_their_line_is_reachable() -> None:
    """The cap binds only where the line passes 0.75: 99.9% and 95% over 30d keep 14.4x and 6x (Sloth's factors: its
    raw-home-wifi example is 95%), 99% over 90d keeps 43.2x and 18x, 95% over 90d lowers both to 15x."""
    assert [line for *_, line in _pairs("30d", Decimal("99.9"))] == [
        Decimal("0.0144"),
        Decimal("0.006"),
        Decimal("0.003"),
        Decimal("0.001"),
    ]
    assert [line for *_, line in _pairs("30d", Decimal("95"))][:2] == [Decimal("0.72"), Decimal("0.3")]
    assert [line for *_, line in _pairs("90d", Decimal("99"))][:2] == [Decimal("0.432"), Decimal("0.18")]
    assert [line for *_, line in _pairs("90d", Decimal("95"))][:2] == [Decimal("0.75"), Decimal("0.75")]


SPEC = """apiVersion: obsc/v1
service: wiki
team: docs
selector: {job: wiki}
metrics: {requests: r_total, errors: 'r_total{code=~"5.."}'}
alerts: {error_rate: false, traffic_anomaly: false, traffic_milestone: false, service_down: false}
slos:
  - {name: quarterly, objective: 95, period: 90d, sli: {errors: errors, total: requests}}
"""


def test_promtool_a_total_outage_of_a_95_percent_90d_slo_pages_within_48_minutes(tmp_path: Path) -> None:
    """100 requests a minute, all failing from minute 360: the 1h/5m page fires 48 minutes in (over a 0.75 ratio over
    1h at 46, then its 2m `for`); before, no 1h pair existed and the 6h pair fired at minute 699 (339 in)."""
    specs = tmp_path / "specs"
    specs.mkdir()
    (specs / "platform.yaml").write_text(sink_platform())
    (specs / "wiki.yaml").write_text(SPEC)
    bundle = compile_specs([str(specs)], CompileOptions(jobs=1)).bundle
    text = next(a.content for a in bundle.artifacts if a.path == names.prometheus_rules_path("wiki"))
    rules = rules_read_by(text, alert=lambda rule: rule.get("alert") == "SLOErrorBudgetBurnFast")
    series = {
        'up{job="wiki"}': "1x420",
        'r_total{job="wiki",code="200"}': "0+100x360 36000x60",
        'r_total{job="wiki",code="500"}': "0x360 0+100x60",
    }
    fired = pairs_firing(tmp_path, rules, series, "quarterly", ("fast", "medium"), range(390, 421))
    assert fired["fast"] == list(range(408, 421)), fired  # over 0.75 over 1h at 46 minutes in, then its 2m
    assert fired["medium"] == [], fired  # 0.75 over 6h: 270 minutes of outage, then its 15m
