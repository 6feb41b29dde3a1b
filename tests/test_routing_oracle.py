"""The generated routing tree against an oracle that is not obsc's route generator (tests/routing_oracle.py):
amtool, on the alertmanager.yml obsc wrote, must send each alert the rules emit to the one receiver the docs
promise, once; a real Alertmanager on it, with a seeded half of a drawn fleet's alerts firing, must mute exactly
the alerts the docs' inhibition rules mute. Drawn fleets (two seeds here; `make routing-oracle SEEDS=...` sweeps
more) and an awkward fleet (tests/routing_oracle_fleet/), compiled again with one of its services moved to another
team while it fires."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from tests.conftest import require_tool
from tests.routing_oracle import check_drawn, compile_fleet, disagreements

FLEET = Path(__file__).parent / "routing_oracle_fleet"


@pytest.mark.parametrize("seed", [5, 12])
def test_drawn_fleet_routes_and_inhibits_as_the_docs_say(seed: int) -> None:
    require_tool("amtool")
    require_tool("prometheus-alertmanager")
    asked, note = check_drawn(seed, inhibit=True)
    assert asked and note == "0 disagreement(s)", note


def test_awkward_fleet_routes_as_the_docs_say_before_and_after_a_service_moves(tmp_path: Path) -> None:
    require_tool("amtool")
    specs = shutil.copytree(FLEET, tmp_path / "specs")
    assert compile_fleet(specs, tmp_path / "out").returncode == 0
    asked, found = disagreements(specs, tmp_path / "out")
    assert asked > 20 and found == []
    # the oracle bites: a tree whose team leaf pages the catch-all, and one that pages twice, each fail it
    tree = tmp_path / "out" / "alertmanager" / "alertmanager.yml"
    text = tree.read_text()
    tree.write_text(text.replace("receiver: ops-pager", "receiver: fallback", 1))
    assert any("oracle 'ops-pager', amtool ['fallback']" in f for f in disagreements(specs, tmp_path / "out")[1])
    tree.write_text(text.replace("\n  routes:\n", "\n  routes:\n  - {receiver: fallback, continue: true}\n", 1))
    assert "amtool ['fallback', " in "".join(disagreements(specs, tmp_path / "out")[1])
    # lone moves from quiet (no routing of its own) to pay while its page and ticket still fire under team=quiet
    moved = (specs / "lone.yaml").read_text().replace("team: quiet", "team: pay")
    (specs / "lone.yaml").write_text(moved)
    assert compile_fleet(specs, tmp_path / "moved").returncode == 0
    old = tuple(
        {"alertname": name, "team": "quiet", "service": "lone", "severity": tier, "slo": "availability"}
        for name, tier in (("SLOErrorBudgetBurnFast", "critical"), ("SLOErrorBudgetBurnSlow", "warning"))
    )
    asked, found = disagreements(specs, tmp_path / "moved", extra=old)
    assert asked > 20 and found == []
