"""Panel ids hashed from what each panel shows: distinct, in Grafana's range, and collisions settled by the
set of names, never by their order in the spec (model/panel_ids.py)."""

from __future__ import annotations

import itertools
from pathlib import Path

import pytest

from compiler import conventions as names
from compiler.model import panel_ids
from tests.test_panel_ids_stable import MIXED, Compiled, check_agreement

KEYS = ["availability", "latency", "writes", "close-fresh", "Latency", "LATENCY"]
HASHED = names.panel_slot


def test_every_key_gets_its_own_slot_whatever_the_order() -> None:
    first = panel_ids.assign(KEYS, 1000)
    assert len(set(first.values())) == len(KEYS)
    assert all(0 <= slot < 1000 for slot in first.values())
    for order in itertools.islice(itertools.permutations(KEYS), 50):
        assert panel_ids.assign(order, 1000) == first


def _colliding(key: str, attempt: int, slots: int) -> int:
    """Every key's first choice is slot 0, its next ones spread by the key: every pair collides at first."""
    return 0 if attempt == 0 else HASHED(key, attempt, slots)


def test_a_collision_is_settled_by_the_sorted_names_not_the_spec_order(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(names, "panel_slot", _colliding)
    first = panel_ids.assign(KEYS, 1000)
    assert first[min(KEYS)] == 0  # the first name in sorted order keeps the shared home slot
    assert len(set(first.values())) == len(KEYS)
    for order in itertools.islice(itertools.permutations(KEYS), 50):
        assert panel_ids.assign(order, 1000) == first
    # the one name that moves when the home's holder goes is the next in sorted order (it takes the home back);
    # every other name keeps its place
    rest = [k for k in KEYS if k != min(KEYS)]
    later = panel_ids.assign(rest, 1000)
    assert later[min(rest)] == 0
    assert all(later[k] == first[k] for k in rest if k != min(rest))


def test_a_key_without_a_collision_keeps_its_slot_when_others_come_and_go() -> None:
    alone = panel_ids.assign(["latency"], names.SLO_PANEL_BLOCKS)
    assert alone == {"latency": names.panel_slot("latency", 0, names.SLO_PANEL_BLOCKS)}
    assert panel_ids.assign(KEYS, names.SLO_PANEL_BLOCKS)["latency"] == alone["latency"]


def test_id_ranges_stay_apart_and_inside_a_32_bit_integer() -> None:
    fixed = max(max(names.KEY_PANEL_IDS.values()), 99)  # rows, overview, RED and saturation panels
    named = range(names.NAMED_PANEL_BASE, names.NAMED_PANEL_BASE + names.NAMED_PANEL_SLOTS)
    slo = range(names.SLO_PANEL_BASE, names.SLO_PANEL_BASE + 10 * names.SLO_PANEL_BLOCKS)
    assert fixed < named.start and named.stop <= slo.start and slo.stop <= 2**31


def test_a_dashboard_whose_names_all_collide_still_links_every_alert_to_its_panel(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setattr(names, "panel_slot", _colliding)
    compiled = Compiled(tmp_path / "specs", MIXED)
    check_agreement(compiled)  # unique ids, each alert's panel shows its SLO or metric, runbooks agree
    blocks = sorted(pid for pid, p in compiled.panels.items() if p["type"] == "row" and p["title"].startswith("SLO "))
    assert blocks[0] == names.SLO_PANEL_BASE + 9  # block 0 (the collided home) holds one SLO's row
