"""ServiceDown's crash-loop branch reads every scrape, not minute points (round 45, found on Prometheus 2.42).

The branch read `sum(up) == 0` at 1m subquery steps, and with 15s scrapes a loop whose period is a multiple of a
minute can be up at each minute boundary: up 10s of every 60s (83% down) or 45s of 120s read as always up, and
paged never (in 17% to 75% of the phases). It now reads each target's own samples (`avg_over_time(up[2×hold])`):
every such loop pages, and what paged nothing still pages nothing (an outage under the hold, one instance of two
down, a rolling deploy whose new instance fails its first scrapes, a scale-down). promtool, 15s scrapes.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from compiler.targets.prometheus.service_down import service_down_expr
from tests.conftest import require_tool
from tests.promtool_helpers import promtool_report, rules_checked_by
from tests.test_service_down_crash_loop import SPEC
from tests.test_sli_semantics import _firing, _rules

SCRAPE = 15  # seconds
MINUTES = 100


def _values(up_at: Callable[[int], int | None]) -> str:
    """The samples of every 15s scrape for MINUTES; None: no target then (a stale marker)."""
    samples = (up_at(i * SCRAPE) for i in range(MINUTES * 60 // SCRAPE + 1))
    return " ".join("stale" if v is None else str(v) for v in samples)


def _report(tmp_path: Path, series: dict[str, str], checks: list[dict[str, object]]) -> str:
    require_tool("promtool")
    rules = _rules(tmp_path, "consumer", SPEC)
    checked = rules_checked_by(rules.read_text(), [str(c["expr"]) for c in checks])
    (tmp_path / "checked.yaml").write_text(checked)
    return promtool_report(tmp_path, "checked.yaml", series, checks, input_interval=f"{SCRAPE}s")


def _loop(up: int, period: int) -> Callable[[int], int]:
    """Up the first `up` seconds of every `period` (up at each minute boundary: 1m points read it as up)."""
    return lambda t: 1 if t % period < up else 0


def test_a_loop_up_at_each_minute_boundary_pages(tmp_path: Path) -> None:
    """Healthy to 20m; up 10s of every 60s (83% down) to 50m; healthy to 70m; up 45s of 120s (62% down)."""
    first, second = _loop(10, 60), _loop(45, 120)

    def up_at(t: int) -> int:
        return first(t) if 1200 <= t < 3000 else second(t) if t >= 4200 else 1

    series = {'up{job="consumer",instance="c1"}': _values(up_at)}
    checks = [_firing("ServiceDown", at, 0) for at in ("20m", "70m")]  # before each loop, and resolved after one
    checks += [_firing("ServiceDown", at, 1) for at in ("40m", "50m", "90m", "100m")]
    assert _report(tmp_path, series, checks) == ""


def test_what_is_no_crash_loop_stays_quiet_at_every_scrape(tmp_path: Path) -> None:
    """c1 fails one scrape in three and is down 4m (under the 5m hold) at 60m; c2 (beside it) is down from 20m for
    good; c3 is replaced at 40m by c4, which fails its first minute of scrapes; c5 is scaled away at 30m."""
    series = {
        'up{job="consumer",instance="c1"}': _values(lambda t: 0 if t // SCRAPE % 3 == 2 or 3600 <= t < 3840 else 1),
        'up{job="consumer",instance="c2"}': _values(lambda t: 0 if t >= 1200 else 1),
        'up{job="consumer",instance="c3"}': _values(lambda t: 1 if t < 2460 else None),
        'up{job="consumer",instance="c4"}': _values(lambda t: None if t < 2400 else 0 if t < 2460 else 1),
        'up{job="consumer",instance="c5"}': _values(lambda t: 1 if t < 1800 else None),
    }
    checks = [_firing("ServiceDown", f"{m}m", 0) for m in range(10, MINUTES + 1, 5)]
    assert _report(tmp_path, series, checks) == ""


def test_a_one_minute_hold_reads_the_crash_loop_branch_too() -> None:
    # Asked of the expression (a replay costs ~5 CPU-s): a hand mutant of round 45 keeping the plain condition
    # alone at holds of a minute or less passed every test; a hold of 0 has no window to read
    assert 'min_over_time(max(avg_over_time(up{job="x"}[2m]))[1m:1m]) < 0.500001' in service_down_expr(
        'up{job="x"}', 60
    )
    assert "avg_over_time" not in service_down_expr('up{job="x"}', 0)


def test_a_loop_up_exactly_half_its_scrapes_pages(tmp_path: Path) -> None:
    """Up 5 minutes in 10, scraped every 15s off the evaluation's beat (5s after it, as a real server's scrapes
    fall): every 10m window holds 40 scrapes, 20 of them up, and `< 0.5` never paged (round 47). Half is down."""
    offset = 5

    def sample(t: int) -> str:
        if t % SCRAPE != offset:
            return "_"
        return "1" if t < 1200 or (t - 1200) % 600 < 300 else "0"  # healthy to 20m, then the loop

    values = " ".join(sample(i * offset) for i in range(MINUTES * 60 // offset + 1))
    require_tool("promtool")
    rules = _rules(tmp_path, "consumer", SPEC)
    checks = [_firing("ServiceDown", "20m", 0)]
    checks += [_firing("ServiceDown", at, 1) for at in ("40m", "55m", "60m", "75m", "100m")]
    checked = rules_checked_by(rules.read_text(), [str(c["expr"]) for c in checks])
    (tmp_path / "checked.yaml").write_text(checked)
    series = {'up{job="consumer",instance="c1"}': values}
    assert promtool_report(tmp_path, "checked.yaml", series, checks, input_interval=f"{offset}s") == ""
