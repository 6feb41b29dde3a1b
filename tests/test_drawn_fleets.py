"""Two drawn fleets (tests/drawn_fleets.py) compile with validation: obsc's output of specs nobody here wrote passes
obsc's own promtool/amtool tests. Seed 176: one Jsonnet spec importing a fleet library under `team_spec_dir`, a
relay (`targets_via`), a `by:` group, threshold alerts, secret-file receivers, an Alertmanager template glob and a
platform burn-window catalog; seed 179: the standard Jsonnet dashboard a spec lists, and a catalog. The sweep itself
(`make drawn-fleets SEEDS=1-200`) runs outside `make test`; these two keep the drawer and the runner working."""

from __future__ import annotations

import pytest

from tests.conftest import require_tool
from tests.drawn_fleets import compile_fleet, draw


@pytest.mark.parametrize("seed", [176, 179])
def test_drawn_fleet_compiles_and_passes_its_own_checks(seed: int) -> None:
    require_tool("promtool")
    require_tool("amtool")
    rc, first_error = compile_fleet(seed, keep=None)
    assert (rc, first_error) == (0, "")


def test_the_drawer_is_seeded_and_covers_the_named_features() -> None:
    assert draw(176) == draw(176)
    fleet = draw(179)
    text = "\n".join([*draw(176).values(), *fleet.values()])
    for feature in ("team_spec_dir", "targets_via", "import 'lib/common.libsonnet'", "_file", "templates"):
        assert feature in text, feature
    assert "dash/golden-signals.jsonnet" in fleet and "- golden-signals" in text
