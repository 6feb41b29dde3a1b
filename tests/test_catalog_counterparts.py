"""A period between two window catalogs is capped by the next longer catalog's pair of the same kind (tier and
windows, else rank in the tier), never by a row of the same name. Found by a hunt (slo3 #1): a platform 7d catalog
naming its rows page-1h/page-6h/ticket-1d left a 5d SLO's pairs uncapped at 60x/15x, so a 10% outage of a 99%
SLO (its budget gone in 12 hours) never paged."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest
import yaml

from compiler import conventions as names
from compiler.api import CompileOptions, compile_specs
from compiler.errors import InputError
from compiler.model import burnrate
from compiler.model.types import Tier
from compiler.model.units import parse_duration
from tests.promtool_helpers import promtool_report, rules_read_by

DAY = 86400
PLATFORM = """\
apiVersion: obsc/v1
kind: Platform
receivers: {{sink: {{webhook: {{url: "http://127.0.0.1:9/"}}}}}}
alertmanager: {{default_receiver: sink}}
defaults:
  slo_alerts:
    windows:
{windows}
"""
SPEC = """\
apiVersion: obsc/v1
service: wren
team: t
selector: {{job: wren}}
metrics: {{requests: wren_requests_total, errors: 'wren_requests_total{{status="error"}}'}}
slos: [{{name: avail, objective: 99, period: {period}, sli: {{errors: errors, total: requests}}}}]
"""
RENAMED_7D = """\
      7d:
        - {tier: critical, name: page-1h, long: 1h, short: 5m, budget_share: 2%, for: 2m}
        - {tier: critical, name: page-6h, long: 6h, short: 30m, budget_share: 5%, for: 15m}
        - {tier: warning, name: ticket-1d, long: 1d, short: 2h, factor: 1, for: 5m}
"""
RENAMED_1D = """\
      1d:
        - {tier: critical, name: hour, long: 1h, short: 5m, budget_share: 50%, for: 2m}
        - {tier: critical, name: quarter, long: 6h, short: 30m, budget_share: 75%, for: 15m}
        - {tier: warning, name: day, long: 1d, short: 2h, factor: 1, for: 5m}
"""
RENAMED_90D = """\
      90d:
        - {tier: critical, name: p1, long: 1h, short: 5m, budget_share: 2%, for: 2m}
        - {tier: critical, name: p2, long: 6h, short: 30m, budget_share: 5%, for: 15m}
        - {tier: warning, name: t1, long: 1d, short: 2h, budget_share: 10%, for: 5m}
        - {tier: warning, name: t2, long: 3d, short: 6h, factor: 1, for: 5m}
"""


def _catalogs(windows: str) -> dict[int, burnrate.Catalog]:
    messages: list[str] = []
    raw = yaml.safe_load(PLATFORM.format(windows=windows))["defaults"]["slo_alerts"]["windows"]
    own = burnrate.parse_platform_catalogs(raw, lambda path, message: messages.append(message))
    assert messages == []
    return {**burnrate.builtin_catalogs(), **own}


def _factors(catalogs: dict[int, burnrate.Catalog], period: str) -> list[str]:
    seconds = parse_duration(period)
    found = burnrate.catalog_for(seconds, catalogs)
    assert found is not None
    return [w.factor_text(seconds) for w in found]


@pytest.mark.parametrize(
    ("windows", "period", "factors"),
    [
        (RENAMED_7D, "5d", ["3.36", "1.4", "1"]),  # a platform 7d catalog over the built-in 1d one
        (RENAMED_7D, "2d", ["3.36", "1.4", "1"]),
        (RENAMED_1D, "6d", ["3.36", "1.4", "1"]),  # a platform 1d catalog under the built-in 7d one
        (RENAMED_90D, "60d", ["28.8", "12", "6", "1"]),  # the slowest ticket stays at 1x, not 2x
        (RENAMED_1D + RENAMED_7D, "4d", ["3.36", "1.4", "1"]),  # both the platform's
    ],
)
def test_renamed_rows_are_capped_by_the_pair_of_the_same_windows(windows: str, period: str, factors: list[str]) -> None:
    assert _factors(_catalogs(windows), period) == factors


def test_a_pair_the_next_catalog_lacks_is_capped_by_the_tier_pair_at_its_rank() -> None:
    # The platform's 7d catalog pages on 2h/10m and 12h/1h: the 1d catalog's 1h and 6h pairs (60x and 15x
    # rescaled to 5d) take the factors of the pairs at their ranks.
    windows = (
        "      7d:\n"
        "        - {tier: critical, name: a, long: 2h, short: 10m, factor: 4, for: 2m}\n"
        "        - {tier: critical, name: b, long: 12h, short: 1h, factor: 2, for: 15m}\n"
    )
    assert _factors(_catalogs(windows), "5d") == ["4", "2", "1"]
    # ...and a tier with fewer pairs above caps the extra ones at its slowest.
    one = "      7d:\n        - {tier: critical, name: a, long: 1h, short: 5m, factor: 5, for: 2m}\n"
    assert _factors(_catalogs(one), "5d") == ["5", "5", "1"]


def test_every_in_between_period_is_capped_by_the_next_catalog_whatever_the_names() -> None:
    catalogs = _catalogs(RENAMED_1D + RENAMED_7D + RENAMED_90D)
    periods = sorted(catalogs)
    for days in range(2, 120):
        period = days * DAY
        above = [p for p in periods if p > period]
        below = max(p for p in periods if p <= period)
        found = burnrate.catalog_for(period, catalogs)
        assert found is not None
        if not above or below == period:
            continue
        upper = catalogs[min(above)]
        for row, w in zip(catalogs[below], found, strict=True):
            bound = burnrate.counterpart(row, catalogs[below], upper)
            assert bound is not None, (days, row.name)
            assert Decimal(1) <= w.factor(period) <= bound.factor(min(above)), (days, row.name)


def test_a_share_pair_with_nothing_above_to_cap_it_is_refused_at_a_period_that_needs_it(tmp_path: Path) -> None:
    # The 7d catalog tickets only: the built-in 1d catalog's page shares would page a 6d SLO at 72x. Refused at
    # the SLO whose period falls in between; a fleet whose periods are catalogs (or above 7d) is fine: a
    # platform may turn pages off for its longer catalogs (the ticket hand-over e2e test does, at 2d and 3d).
    windows = "      7d:\n        - {tier: warning, name: t, long: 1d, short: 2h, factor: 1, for: 5m}\n"
    (tmp_path / "platform.yaml").write_text(PLATFORM.format(windows=windows))
    (tmp_path / "wren.yaml").write_text(SPEC.format(period="30d"))
    compile_specs([str(tmp_path)], CompileOptions())
    (tmp_path / "wren.yaml").write_text(SPEC.format(period="6d"))
    with pytest.raises(InputError) as info:
        compile_specs([str(tmp_path)], CompileOptions())
    text = str(info.value)
    assert "wren.yaml:" in text and "$.slos[0].period: period 6d: the 1d catalog's 1h/5m pair (50% of" in text, text
    assert "has no critical pair in the 7d catalog to cap its factor" in text
    assert "use a period of a catalog (1d or 7d), or add a critical pair to the platform's 7d catalog" in text
    # A platform row of its own is refused the same way, where a period needs it.
    windows = RENAMED_1D.replace("factor: 1,", "budget_share: 100%,") + (
        "      7d:\n        - {tier: critical, name: p, long: 1h, short: 5m, factor: 4, for: 2m}\n"
    )
    (tmp_path / "platform.yaml").write_text(PLATFORM.format(windows=windows))
    with pytest.raises(InputError) as info:
        compile_specs([str(tmp_path)], CompileOptions())
    text = str(info.value)
    assert text.count("$.slos[0].period: period 6d: the 1d catalog's 1d/2h pair (100% of the budget)") == 1, text
    assert "critical pair" not in text, "the critical pairs take the 7d page pair's factor; only the ticket"


def test_a_10_percent_outage_of_a_99_percent_5d_slo_pages_beside_a_renamed_7d_catalog(tmp_path: Path) -> None:
    """The hunter's case, on hand-written raw series: 600 req/min, 10% failing from 1h on (a 5d budget gone in
    12 hours). By 9h both page pairs of the 5d SLO fire, as those of a 7d one do."""
    (tmp_path / "platform.yaml").write_text(PLATFORM.format(windows=RENAMED_7D))
    (tmp_path / "wren.yaml").write_text(SPEC.format(period="5d"))
    bundle = compile_specs([str(tmp_path)], CompileOptions()).bundle
    rules = next(a.content for a in bundle.artifacts if a.path == names.prometheus_rules_path("wren"))
    assert "> (60 * 0.01)" not in rules and "> (3.36 * 0.01)" in rules and "> (1.4 * 0.01)" in rules
    # the page's pairs (the alerts checked) and what they read: the key and coarse groups only cost time
    kept = rules_read_by(rules, alert=lambda rule: rule["alert"] == names.SLO_BURN_FAST)
    (tmp_path / "rules.yaml").write_text(kept)
    series = {
        'wren_requests_total{job="wren",instance="w1"}': "0+600x600",
        'wren_requests_total{job="wren",instance="w1",status="error"}': "0+0x60 0+60x540",
        'up{job="wren",instance="w1"}': "1+0x600",
    }
    paging = f'count by (burn_window) (ALERTS{{alertname="{names.SLO_BURN_FAST}",alertstate="firing",slo="avail"}})'
    exprs = [
        {
            "expr": paging,
            "eval_time": "9h",
            "exp_samples": [
                {"labels": '{burn_window="fast"}', "value": 1},
                {"labels": '{burn_window="medium"}', "value": 1},
            ],
        }
    ]
    order = [g["name"] for g in yaml.safe_load(kept)["groups"]]
    assert promtool_report(tmp_path, "rules.yaml", series, exprs, "1m", order) == ""


def test_tiers_are_matched_never_across() -> None:
    # A warning pair over the same windows as a critical one is no counterpart for it.
    low = burnrate.builtin_catalogs()[DAY]
    fast = next(w for w in low if w.tier is Tier.CRITICAL)
    upper = tuple(w for w in burnrate.builtin_catalogs()[7 * DAY] if w.tier is Tier.WARNING)
    assert burnrate.counterpart(fast, low, upper) is None
