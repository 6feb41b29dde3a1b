"""A subset compile reads the names of the tree's other specs: a duplicate service name or a dashboard UID taken from
a spec it did not name is refused, located, exit 2, nothing written (round 51).

Round 50 left it: `obsc compile specs/teams/alpha --platform specs/platform.yaml --out OUT` judged a clash with team
bravo's service only by the files already in OUT, so a fresh output (a team's CI) or one compiled from alpha's
folder alone let it through to the merge. The UID twins are round 15's (tests/hostile/test_shared_repository.py).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.cli_helpers import run_obsc
from tests.hostile.test_shared_repository import PLATFORM, SPEC, TWIN, VICTIM, _repository


def _alpha_compile(capsys: pytest.CaptureFixture[str], specs: Path, out: Path) -> tuple[int, str]:
    platform = str(specs / "platform.yaml")
    result = run_obsc(
        capsys, "compile", str(specs / "teams" / "alpha"), "--platform", platform, "--out", str(out), "--no-validate"
    )
    return result.code, result.out + result.err


@pytest.mark.parametrize("earlier", ["fresh", "alpha-only"])
def test_a_duplicate_of_another_teams_service_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], earlier: str
) -> None:
    specs = _repository(tmp_path, {VICTIM: "bravo", "orders": "alpha"})
    out = tmp_path / "out"
    if earlier == "alpha-only":
        assert _alpha_compile(capsys, specs, out)[0] == 0
    before = sorted(p.relative_to(out) for p in out.rglob("*")) if out.exists() else []
    bravo = specs / "teams" / "bravo" / f"{VICTIM}.yaml"
    copied = specs / "teams" / "alpha" / f"{VICTIM}.yaml"
    copied.write_text(bravo.read_text().replace("team: bravo", "team: alpha"))
    code, said = _alpha_compile(capsys, specs, out)
    assert code == 2, said
    assert f"{copied}:2:10 $.service: service '{VICTIM}' is already defined at {bravo}:2:10 (team 'bravo')" in said
    assert (sorted(p.relative_to(out) for p in out.rglob("*")) if out.exists() else []) == before


def test_a_dashboard_uid_of_a_service_not_in_the_output_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    specs = _repository(tmp_path, {VICTIM: "bravo", TWIN: "alpha"})
    code, said = _alpha_compile(capsys, specs, tmp_path / "out")
    assert code == 2, said
    twin, victim = specs / "teams" / "alpha" / f"{TWIN}.yaml", specs / "teams" / "bravo" / f"{VICTIM}.yaml"
    assert f"{twin}:2:10 $.service: dashboard 'service' of service '{TWIN}' would have Grafana UID" in said
    assert f"the UID of dashboard 'service' of service '{VICTIM}' ({victim}:2:10, a spec this compile" in said
    assert not (tmp_path / "out").exists()


def test_unrelated_names_in_the_tree_compile(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """The control: alpha's own service beside bravo's, compiled from alpha's folder into a fresh output."""
    specs = _repository(tmp_path, {VICTIM: "bravo", "orders": "alpha"})
    code, said = _alpha_compile(capsys, specs, tmp_path / "out")
    assert code == 0, said


@pytest.mark.parametrize("where", ["spec", "platform"])
def test_a_spec_without_dashboards_takes_no_uid(tmp_path: Path, capsys: pytest.CaptureFixture[str], where: str) -> None:
    """bravo's twin lists no dashboard (`dashboards: []` in its spec, or none and the platform's default list
    empty): it takes no UID, and alpha's twin, listing the service dashboard, compiles. review52's hand mutants
    (`[]` read as "none listed", the platform's default read as the built-in one) refused it."""
    specs = _repository(tmp_path, {VICTIM: "bravo", TWIN: "alpha"})
    twin, victim = specs / "teams" / "alpha" / f"{TWIN}.yaml", specs / "teams" / "bravo" / f"{VICTIM}.yaml"
    twin.write_text(twin.read_text() + "dashboards: [service]\n")
    if where == "spec":
        victim.write_text(victim.read_text() + "dashboards: []\n")
    else:
        platform = specs / "platform.yaml"
        platform.write_text(platform.read_text() + "defaults:\n  dashboards: []\n")
    code, said = _alpha_compile(capsys, specs, tmp_path / "out")
    assert code == 0, said


def test_a_folder_of_cases_without_team_folders_compiles_a_case_at_a_time(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Without `secrets.team_spec_dir` (tests/errors/: unrelated cases beside one platform file, sharing names) a
    case compiled alone is not refused for its neighbour's name (review52: the guard dropped, it was)."""
    specs = tmp_path / "specs"
    specs.mkdir()
    (specs / "platform.yaml").write_text(PLATFORM.replace('  team_spec_dir: "teams/{team}/"\n', ""))
    for case in ("a", "b"):
        (specs / f"{case}.yaml").write_text(SPEC.format(service="orders", team="alpha", metric="orders"))
    platform = str(specs / "platform.yaml")
    result = run_obsc(capsys, "compile", str(specs / "a.yaml"), "--platform", platform, "--out", str(tmp_path / "out"))
    assert result.code == 0, result.out + result.err
