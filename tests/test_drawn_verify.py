"""`obsc verify` on drawn fleets against a real Prometheus holding their series (tests/drawn_verify.py): its
findings are exactly those the drawing's mismatches call for, each at its spec line's path, and none on a healthy
service, one whose counters reset once, or one scaled down to one of its two targets.

SEEDS draw every mismatch once at least (missing bucket, renamed `by:` label, renamed target label, stale target,
HA copies) and the three healthy kinds, on one server: seed 13's latency SLO has copies under `rule_replica` while
seed 2's carry `replica`, the case that hid them before round 43 (the threshold bucket's `le=~` selector asked with
its escape dropped, which Prometheus refuses). More seeds: `make drawn-verify SEEDS=1-200`."""

from __future__ import annotations

from pathlib import Path

from tests.conftest import require_tool
from tests.drawn_verify import KINDS, Drawn, draw, run_batch, violations

SEEDS = [2, 12, 13, 16]


def test_verify_says_what_the_drawing_mismatched_and_nothing_else(tmp_path: Path) -> None:
    require_tool("prometheus")
    require_tool("promtool")
    results = run_batch(SEEDS, tmp_path)
    assert {seed: problems for seed, (_, problems) in results.items() if problems} == {}
    assert {d.kind for services, _ in results.values() for d in services} == set(KINDS)


def test_the_oracle_calls_a_missing_finding_a_false_ok_and_a_stray_one_a_false_alarm() -> None:
    services = draw(13)  # latency HA copies, and a service scaled down
    copied, scaled = services
    assert (copied.kind, scaled.kind) == ("ha_copies", "scaled_down")
    specs = Path("specs")
    at = str(specs / f"{copied.name}.yaml")
    told = [(at, ("slos", 0, "sli"), "copies"), (at, ("slos", 1, "sli"), "copies")]
    assert violations(services, specs, told) == []
    assert violations(services, specs, told[:1]) == [f"{copied.name} ha_copies: no finding at ['slos', 1, 'sli']"]
    stray = (str(specs / f"{scaled.name}.yaml"), ("selector",), "no target")
    said = violations(services, specs, [*told, stray])
    assert said == [f"{scaled.name} scaled_down: false alarm at ['selector']: no target"]


def test_the_drawer_is_seeded() -> None:
    assert [d.spec for d in draw(16)] == [d.spec for d in draw(16)]
    assert all(isinstance(d, Drawn) for d in draw(16))
