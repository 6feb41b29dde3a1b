"""A Jsonnet spec reads only its own team's files (round 47, a hostile contributor of team alpha).

Round 46 left `-J` on a folder above the team folders: alpha's spec could `importstr` bravo's spec into its
description. With `-J` on a secret folder, it could do the same with bravo's webhook token, which then stood in
alpha's runbooks and dashboard (compiled, exit 0). Now both are a located exit 2 and nothing is written.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.cli_helpers import run_obsc

PLATFORM = """\
apiVersion: obsc/v1
kind: Platform
secrets:
  team_root: "{secrets}/team-{{team}}/"
  shared_root: {secrets}/platform/
  team_spec_dir: "teams/{{team}}/"
teams:
  alpha:
    routing:
      critical: {{webhook: {{url: "https://hooks.example/alpha"}}}}
      warning: {{webhook: {{url: "https://hooks.example/alpha"}}}}
  bravo:
    routing:
      critical: {{webhook: {{url: "https://hooks.example/bravo", credentials_file: "{secrets}/team-bravo/tok"}}}}
      warning: {{webhook: {{url: "https://hooks.example/bravo"}}}}
"""

BRAVO = """\
apiVersion: obsc/v1
service: search
team: bravo
description: bravo's plans
selector: {job: search}
metrics: {requests: search_total, errors: 'search_total{code=~"5.."}'}
slos:
  - {name: availability, objective: 99.9, sli: {errors: errors, total: requests}}
"""

ALPHA = """\
local lib = import 'shared.libsonnet';
{{
  apiVersion: 'obsc/v1',
  service: 'cart',
  team: 'alpha',
  description: lib.prefix + ({read}),
  selector: {{job: 'cart'}},
  metrics: {{requests: 'cart_total', errors: 'cart_total{{code=~"5.."}}'}},
  slos: [{{name: 'availability', objective: 99.9, sli: {{errors: 'errors', total: 'requests'}}}}],
}}
"""


def _compile(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    read: str,
    library: str = "{prefix: 'x'}",
    code: int = 2,
    platform: str = PLATFORM,
) -> str:
    """Compile alpha's cart.jsonnet (its description adds `read`) beside bravo's spec, with -J on the team folders,
    the secret folder and a library folder; returns stderr after checking the exit code (2: nothing written)."""
    secrets = tmp_path / "secrets"
    (secrets / "team-bravo").mkdir(parents=True)
    (secrets / "team-bravo" / "tok").write_text("s3cr3t-token\n")
    specs = tmp_path / "specs"
    for team in ("alpha", "bravo"):
        (specs / "teams" / team).mkdir(parents=True, exist_ok=True)
    (specs / "platform.yaml").write_text(platform.format(secrets=secrets))
    (secrets / "platform-notes").mkdir()
    (secrets / "platform-notes" / "readme.txt").write_text("no secret here\n")
    (specs / "teams" / "bravo" / "search.yaml").write_text(BRAVO)
    (specs / "teams" / "bravo" / "plans.libsonnet").write_text("{prefix: 'bravo'}\n")
    (specs / "teams" / "alpha" / "cart.jsonnet").write_text(ALPHA.format(read=read))
    (specs / "teams" / "alpha" / "own.txt").write_text("alpha's own words\n")
    (tmp_path / "lib").mkdir()
    (tmp_path / "lib" / "shared.libsonnet").write_text(library + "\n")
    out = tmp_path / "out"
    jpaths = ["-J", str(specs / "teams"), "-J", str(secrets), "-J", str(tmp_path / "lib")]
    result = run_obsc(capsys, "compile", str(specs), *jpaths, "--out", str(out), "--no-validate")
    assert result.code == code, result.out + result.err
    assert out.exists() == (code == 0)
    assert "Traceback" not in result.err
    return result.err


def test_importing_another_teams_spec_is_a_located_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    err = _compile(tmp_path, capsys, "importstr 'bravo/search.yaml'")
    specs = tmp_path / "specs"
    assert (
        f"{specs}/teams/alpha/cart.jsonnet:6:41 $: imports {specs}/teams/bravo/search.yaml, a file of team bravo "
        f"(below {specs}/teams/bravo/, secrets.team_spec_dir in {specs}/platform.yaml)"
    ) in err
    assert "move what the teams share to a -J library folder" in err


def test_a_library_importing_another_teams_file_is_refused_at_the_spec(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    err = _compile(tmp_path, capsys, "''", library="import 'bravo/plans.libsonnet'")
    teams = tmp_path / "specs" / "teams"
    assert f"{teams}/alpha/cart.jsonnet:1:1 $: imports {teams}/bravo/plans.libsonnet" in err


def test_importing_a_secret_file_is_a_located_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    err = _compile(tmp_path, capsys, "importstr 'team-bravo/tok'")
    assert f"cart.jsonnet:6:41 $: imports {tmp_path}/secrets/team-bravo/tok, below team bravo's secret root" in err
    assert "s3cr3t" not in err


def test_own_files_and_libraries_no_team_owns_still_compile(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    _compile(tmp_path, capsys, "(importstr 'own.txt') + (importstr 'alpha/own.txt')", code=0)
    assert "alpha's own words" in (tmp_path / "out" / "runbooks" / "cart" / "ServiceDown.md").read_text()


def test_a_symlink_in_the_own_folder_to_another_teams_file_is_judged_by_its_target(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    teams = tmp_path / "specs" / "teams"
    (teams / "alpha").mkdir(parents=True)
    (teams / "alpha" / "notes.txt").symlink_to("../bravo/search.yaml")
    err = _compile(tmp_path, capsys, "importstr 'notes.txt'")
    assert f"{teams}/alpha/cart.jsonnet:6:41 $: imports {teams}/bravo/search.yaml, a file of team bravo" in err


def test_a_folder_named_like_the_shared_root_compiles_and_without_team_folders_a_folder_is_its_specs_team(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """`secrets/platform-notes/` is not below the shared root `secrets/platform/`; without team_spec_dir a folder is
    judged by the specs it holds (round 48), not by the team_spec_dir pattern (two hand mutants of round 47: the
    root matched as a bare prefix, the team folder judged by the pattern without team_spec_dir)."""
    _compile(tmp_path / "a", capsys, "importstr 'platform-notes/readme.txt'", code=0)
    flat = PLATFORM.replace('  team_spec_dir: "teams/{{team}}/"\n', "")
    err = _compile(tmp_path / "b", capsys, "importstr 'bravo/plans.libsonnet'", code=2, platform=flat)
    assert "where only team bravo's specs live: without secrets.team_spec_dir a folder belongs to the team" in err
    assert "a file of team bravo" not in err
