"""Without `secrets.team_spec_dir`, a folder belongs to the team whose specs it holds (round 48, a hostile
contributor of team alpha).

Round 47 judged imports by team only with team_spec_dir: without it, with `-J specs` (or from a spec at the top of
the spec tree), alpha's spec could `importstr` bravo's spec, notes or libraries into its own dashboard and runbooks,
exit 0. Now a file whose nearest folder holding specs holds only another team's is a located exit 2, nothing
written; a library folder no one team holds and alpha's own folders still compile.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from compiler.model.import_owners import folder_teams, owner
from tests.cli_helpers import run_obsc
from tests.hostile.test_import_claims import ALPHA  # the same Jsonnet spec of alpha, reading `read`

PLATFORM = """\
apiVersion: obsc/v1
kind: Platform
teams:
  alpha:
    routing:
      critical: {webhook: {url: "https://hooks.example/alpha"}}
      warning: {webhook: {url: "https://hooks.example/alpha"}}
  bravo:
    routing:
      critical: {webhook: {url: "https://hooks.example/bravo"}}
      warning: {webhook: {url: "https://hooks.example/bravo"}}
"""

BRAVO = """\
apiVersion: obsc/v1
service: search
team: bravo
selector: {job: search}
metrics: {requests: search_total, errors: 'search_total{code=~"5.."}'}
slos:
  - {name: availability, objective: 99.9, sli: {errors: errors, total: requests}}
"""


def _compile(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    read: str,
    library: str = "{prefix: 'x'}",
    code: int = 2,
    alpha_folder: str = "teams/alpha",
) -> str:
    """Compile alpha's cart.jsonnet (its description adds `read`) beside bravo's spec and files, with no
    team_spec_dir and -J on the team folders and a shared library folder; returns stderr after checking the exit
    code (2: nothing written)."""
    specs = tmp_path / "specs"
    for folder in ("teams/bravo/deep", alpha_folder, "teams/lib"):
        (specs / folder).mkdir(parents=True, exist_ok=True)
    (specs / "platform.yaml").write_text(PLATFORM)
    (specs / "teams" / "bravo" / "search.yaml").write_text(BRAVO)
    (specs / "teams" / "bravo" / "plans.libsonnet").write_text("{prefix: 'bravo'}\n")
    (specs / "teams" / "bravo" / "deep" / "notes.txt").write_text("bravo's notes\n")
    (specs / "teams" / "readme.txt").write_text("every team's words\n")
    (specs / alpha_folder / "cart.jsonnet").write_text(ALPHA.format(read=read))
    (specs / alpha_folder / "own.txt").write_text("alpha's own words\n")
    (specs / "teams" / "lib" / "shared.libsonnet").write_text(library + "\n")
    out = tmp_path / "out"
    jpaths = ["-J", str(specs / "teams"), "-J", str(specs / "teams" / "lib")]
    result = run_obsc(capsys, "compile", str(specs), *jpaths, "--out", str(out), "--no-validate")
    assert result.code == code, result.out + result.err
    assert out.exists() == (code == 0)
    assert "Traceback" not in result.err and "bravo's notes" not in result.err
    return result.err


@pytest.mark.parametrize(
    ("read", "col", "what"),
    [
        ("importstr 'bravo/search.yaml'", 41, "team bravo's spec in specs/teams/bravo"),
        ("(import 'bravo/plans.libsonnet').prefix", 39, "a file in specs/teams/bravo"),
        ("importstr 'bravo/deep/notes.txt'", 41, "a file in specs/teams/bravo"),  # below bravo's, no spec in it
    ],
)
def test_a_file_of_a_folder_only_another_team_holds_is_a_located_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], read: str, col: int, what: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    err = _compile(tmp_path, capsys, read)
    imported = read.split("'")[1]
    assert (
        f"specs/teams/alpha/cart.jsonnet:6:{col} $: imports specs/teams/{imported}, {what}, "
        "where only team bravo's specs live" in err
    )
    assert "without secrets.team_spec_dir a folder belongs to the team whose specs it holds" in err


def test_a_library_importing_another_teams_file_is_refused_at_the_spec(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    err = _compile(tmp_path, capsys, "''", library="import 'bravo/plans.libsonnet'")
    assert "specs/teams/alpha/cart.jsonnet:1:1 $: imports specs/teams/bravo/plans.libsonnet, a file in" in err


def test_a_spec_above_the_team_folders_is_refused_too(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    # alpha's spec at the top of the tree reaches bravo's folder from its own, with no -J on it
    monkeypatch.chdir(tmp_path)
    err = _compile(tmp_path, capsys, "importstr 'bravo/deep/notes.txt'", alpha_folder="teams")
    assert "specs/teams/cart.jsonnet:6:" in err and "imports specs/teams/bravo/deep/notes.txt, a file in" in err


def test_a_symlink_in_the_own_folder_is_judged_by_its_target(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "specs" / "teams" / "alpha").mkdir(parents=True)
    (tmp_path / "specs" / "teams" / "alpha" / "notes.txt").symlink_to("../bravo/search.yaml")
    err = _compile(tmp_path, capsys, "importstr 'notes.txt'")
    assert "imports specs/teams/bravo/search.yaml, team bravo's spec in specs/teams/bravo" in err


def test_own_and_shared_files_still_compile(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # own.txt beside the spec, readme.txt in the folder both teams' specs are below, the library folder no spec holds
    _compile(tmp_path, capsys, "(importstr 'own.txt') + (importstr 'readme.txt') + (importstr 'alpha/own.txt')", code=0)
    assert "every team's words" in (tmp_path / "out" / "runbooks" / "cart" / "ServiceDown.md").read_text()


def test_a_folder_of_two_teams_or_none_belongs_to_no_team() -> None:
    teams = folder_teams({"/r/a/x.yaml": "alpha", "/r/b/y.yaml": "bravo", "/r/b/z.yaml": "bravo"})
    assert owner("/r/b/lib/p.libsonnet", teams) == ("bravo", "/r/b")
    assert owner("/r/a/x.yaml", teams) == ("alpha", "/r/a")
    assert owner("/r/shared.txt", teams) is None  # holds both teams' specs
    assert owner("/elsewhere/lib.libsonnet", teams) is None  # / holds both teams' specs too
    assert owner("/r/b/y.yaml", folder_teams({"/r/b/y.yaml": "bravo", "/r/b/w.yaml": "alpha"})) is None
