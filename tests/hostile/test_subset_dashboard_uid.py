"""A subset compile checks the compiled dashboards' Grafana UIDs against the other services' dashboards in the
output (round 50, hostile50).

The fleet's UID check reads every spec: team alpha's service named to meet team bravo's dashboard UID is refused
by the whole spec directory. `obsc compile specs/teams/alpha --platform specs/platform.yaml --out generated` reads
alpha's specs only, and before this round wrote alpha's dashboard beside bravo's with the same UID, exit 0: Grafana
provisions one of them, and the other team's alert links open it. The names are round 15's pair (the same first 24
characters and the same 40 bits of hash, tests/hostile/test_shared_repository.py).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.cli_helpers import run_obsc
from tests.hostile.test_shared_repository import TWIN, VICTIM, _repository


def _uids(out: Path) -> list[str]:
    return sorted(json.loads(p.read_text())["uid"] for p in (out / "grafana" / "dashboards" / "teams").rglob("*.json"))


def test_a_subset_compile_refuses_a_dashboard_with_another_services_uid(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    specs = _repository(tmp_path, {VICTIM: "bravo", TWIN: "alpha"})
    twin = specs / "teams" / "alpha" / f"{TWIN}.yaml"
    text = twin.read_text()
    twin.unlink()
    out = tmp_path / "out"
    assert run_obsc(capsys, "compile", str(specs), "--out", str(out), "--no-validate").code == 0
    before = sorted(p.relative_to(out) for p in out.rglob("*"))
    twin.write_text(text)
    # bravo's spec gone from the tree (its own branch, not yet merged): only the output shows its dashboard
    # (with the spec in the tree, tests/hostile/test_subset_tree_names.py refuses it there first)
    (specs / "teams" / "bravo" / f"{VICTIM}.yaml").unlink()
    platform = str(specs / "platform.yaml")
    result = run_obsc(
        capsys, "compile", str(specs / "teams" / "alpha"), "--platform", platform, "--out", str(out), "--no-validate"
    )
    assert result.code == 2, result.out + result.err
    assert f"{twin}:2:10 $.service: the dashboard grafana/dashboards/teams/alpha/{TWIN}.json" in result.err
    assert f"the UID of grafana/dashboards/teams/bravo/{VICTIM}.json in {out} (service '{VICTIM}'" in result.err
    assert sorted(p.relative_to(out) for p in out.rglob("*")) == before  # nothing written
    assert len(set(_uids(out))) == len(_uids(out)) == 1


def test_a_subset_compile_of_an_unrelated_name_still_writes(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """The control: a name with another UID compiles beside bravo's as before."""
    specs = _repository(tmp_path, {VICTIM: "bravo"})
    out = tmp_path / "out"
    assert run_obsc(capsys, "compile", str(specs), "--out", str(out), "--no-validate").code == 0
    (specs / "teams" / "alpha").mkdir()
    spec = (specs / "teams" / "bravo" / f"{VICTIM}.yaml").read_text()
    other = "payments-reconciliation-w2"
    (specs / "teams" / "alpha" / f"{other}.yaml").write_text(
        spec.replace(VICTIM, other).replace("team: bravo", "team: alpha").replace("w172272_total", "w2_total")
    )
    platform = str(specs / "platform.yaml")
    result = run_obsc(
        capsys, "compile", str(specs / "teams" / "alpha"), "--platform", platform, "--out", str(out), "--no-validate"
    )
    assert result.code == 0, result.out + result.err
    assert len(set(_uids(out))) == len(_uids(out)) == 2
