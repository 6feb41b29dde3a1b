"""ServiceDown sees a crash loop whose every restart is a new instance (round 47).

A pod that gets a new IP (or a task a new port) at each restart has an `up` series per life: up at each of its few
scrapes, then gone (a staleness marker), the next one a gap later. No per-target share reads it (each target was up
at every scrape it had), and the plain condition restarted its hold at each new life: a service up 30s in 90s never
paged (round 45/46's known limit). ServiceDown now also reads the service as a whole at 15s moments, a moment with no
target being down. What paged nothing still pages nothing: a rolling deploy, a Recreate deploy's minute with no
target, a service whose rules came before its first target. promtool, 15s scrapes.
"""

from __future__ import annotations

from pathlib import Path

from compiler.targets.prometheus.service_down import crash_loop_text, service_down_expr
from tests.conftest import require_tool
from tests.promtool_helpers import promtool_report, rules_checked_by
from tests.test_service_down_crash_loop import SPEC
from tests.test_service_down_every_scrape import MINUTES, SCRAPE, _report
from tests.test_sli_semantics import _firing, _rules

Life = tuple[int, int, int]  # start, seconds up, then seconds listed and failing (seconds)


def _series(lives: list[Life]) -> dict[str, str]:
    """One `up` series per life: absent before it, marked stale the scrape after it ends."""
    out = {}
    for n, (start, up, failing) in enumerate(lives):
        values = []
        for i in range(MINUTES * 60 // SCRAPE + 1):
            t = i * SCRAPE
            end = start + up + failing
            value = "_" if t < start or t > end else "stale" if t == end else "1" if t < start + up else "0"
            values.append(value)
        out[f'up{{job="consumer",instance="10.0.{n}.1:8080"}}'] = " ".join(values)
    return out


HEALTHY: list[Life] = [(0, 1200, 0)]  # one instance to 20m, replaced by the loop's first life at 20m


def test_a_crash_loop_with_a_new_instance_per_restart_pages(tmp_path: Path) -> None:
    """A new instance every 90s from 20m, up 30s (two scrapes), then gone; from 60m one failed scrape before it
    goes (listed 15s more). Old rule: no page at any minute."""
    lives = HEALTHY + [(1200 + 90 * n, 30, 0 if n < 26 else 15) for n in range(54)]
    checks = [_firing("ServiceDown", at, 0) for at in ("19m", "25m")]
    checks += [_firing("ServiceDown", at, 1) for at in ("40m", "55m", "70m", "100m")]
    assert _report(tmp_path, _series(lives), checks) == ""


def test_deploys_and_a_new_service_stay_quiet(tmp_path: Path) -> None:
    """Three instances replaced one by one at 20m (each new one 15s before its old one goes); at 50m a Recreate
    deploy: every instance gone, a new one a minute later. A second run: the service's first target at 3m."""
    rolling = [(0, 1200 + 30 * n, 0) for n in range(3)] + [(1185 + 30 * n, 1815 - 30 * n, 0) for n in range(3)]
    recreate = [(3060 + 15 * n, 3000, 0) for n in range(3)]
    checks = [_firing("ServiceDown", f"{m}m", 0) for m in range(5, MINUTES + 1, 5)]
    assert _report(tmp_path, _series(rolling + recreate), checks) == ""
    late = tmp_path / "late"
    late.mkdir()
    assert _report(late, _series([(180, MINUTES * 60, 0)]), checks) == ""


def test_a_new_instance_each_minute_up_at_the_minute_boundary_pages(tmp_path: Path) -> None:
    """A new instance at each minute boundary from 20m, up for one 15s scrape: the service is up a quarter of its
    scrapes, and at every minute point. Read at 1m moments (a subquery step over the scrape interval) it is always
    up and never paged; at the scrape interval's moments it pages, as the 90s loop above does."""
    lives = HEALTHY + [(1200 + 60 * n, 15, 0) for n in range(80)]
    checks = [_firing("ServiceDown", at, 0) for at in ("19m",)]
    checks += [_firing("ServiceDown", at, 1) for at in ("40m", "70m", "99m")]
    assert _report(tmp_path, _series(lives), checks) == ""


def test_a_service_that_scales_to_zero_stays_quiet_when_its_last_instance_goes(tmp_path: Path) -> None:
    """With `missing: ignore` no target is idle, not down: the churn branch (a moment with no target read as down)
    is left out, and a service whose only instance goes at 20m, and another that comes and goes, page nothing."""
    require_tool("promtool")
    spec = SPEC + "alerts: {service_down: {missing: ignore}}\n"
    rules = _rules(tmp_path, "consumer", spec)
    assert "the service had an instance up at half or fewer" not in rules.read_text()  # nor its description
    (tmp_path / "default").mkdir()
    assert (
        "the service had an instance up at half or fewer" in _rules(tmp_path / "default", "consumer", SPEC).read_text()
    )
    checks = [_firing("ServiceDown", f"{m}m", 0) for m in range(5, MINUTES + 1, 5)]
    checked = rules_checked_by(rules.read_text(), [str(c["expr"]) for c in checks])
    (tmp_path / "checked.yaml").write_text(checked)
    lives = [*HEALTHY, (3000, 300, 0)]  # gone from 20m, back for 5 minutes at 50m
    report = promtool_report(tmp_path, "checked.yaml", _series(lives), checks, input_interval=f"{SCRAPE}s")
    assert report == ""


def test_the_churn_guard_reads_twice_the_hold_before_the_window() -> None:
    """Asked of the expression (a replay of a 1m hold's loop pages by the plain branch as well, so it cannot tell):
    read over the hold alone, a 1m hold's 1m span fell between two lives of a loop and the hold restarted (round
    47); a hand mutant reading `[1m] offset 1m` passed every test. Since round 50 the branch counts a share at half
    or less at any evaluation of the last hold, so the guard reads before the whole window: `offset` a hold, a new
    service's moments before its first target (read as down) held the branch for a hold more, and paged."""
    assert 'count(last_over_time(up{job="x"}[2m] offset 2m))' in service_down_expr('up{job="x"}', 60)
    assert 'count(last_over_time(up{job="x"}[10m] offset 10m))' in service_down_expr('up{job="x"}', 300)


def test_the_description_says_a_loops_page_ends_up_to_twice_the_hold_after_it() -> None:
    """A share counts while it was at half or less at some minute of the last hold, read over twice the hold: the
    page ends up to twice the hold after the instances return (review51: the text saying one hold lived)."""
    text = crash_loop_text(300)
    assert "at some minute of the last 5m, every instance was up at half or fewer of its scrapes in the 10m" in text
    assert text.endswith("one loop is one page, which ends up to 10m after the instances return.")
