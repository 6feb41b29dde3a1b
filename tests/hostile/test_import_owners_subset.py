"""A compile of one team's folder reads folders as the compile of the whole spec tree does (round 49).

Round 48's folder reading (without `secrets.team_spec_dir`, a folder belongs to the team whose specs it holds) knew
only the compile's own specs: `obsc compile specs/teams/alpha --platform specs/platform.yaml`, alpha's CI, passed
alpha's import of bravo's notes, exit 0, which the compile of `specs` refused. Now the specs of the tree the
compile did not name are read where an import needs them.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from compiler.model.import_owners import Tree, problems
from tests.cli_helpers import run_obsc
from tests.hostile.test_import_claims import ALPHA
from tests.hostile.test_import_owners import BRAVO, PLATFORM

BRAVO_JSONNET = """\
{
  apiVersion: 'obsc/v1', service: 'search', team: 'bravo', selector: {job: 'search'},
  metrics: {requests: 'search_total', errors: 'search_total{code=~"5.."}'},
  slos: [{name: 'availability', objective: 99.9, sli: {errors: 'errors', total: 'requests'}}],
}
"""


def _tree(tmp_path: Path, read: str, bravo: tuple[str, str] = ("search.yaml", BRAVO)) -> Path:
    """specs/ with the platform file, bravo's spec and notes in teams/bravo, alpha's cart.jsonnet (its description
    adds `read`) in teams/alpha, a readme in teams/ and a library in teams/lib."""
    specs = tmp_path / "specs"
    for folder in ("teams/bravo/deep", "teams/alpha", "teams/lib"):
        (specs / folder).mkdir(parents=True, exist_ok=True)
    (specs / "platform.yaml").write_text(PLATFORM)
    (specs / "teams" / "bravo" / bravo[0]).write_text(bravo[1])
    (specs / "teams" / "bravo" / "deep" / "notes.txt").write_text("bravo's notes\n")
    (specs / "teams" / "readme.txt").write_text("every team's words\n")
    (specs / "teams" / "alpha" / "cart.jsonnet").write_text(ALPHA.format(read=read))
    (specs / "teams" / "alpha" / "own.txt").write_text("alpha's own words\n")
    (specs / "teams" / "lib" / "shared.libsonnet").write_text("{prefix: 'x'}\n")
    return specs


def _compile(capsys: pytest.CaptureFixture[str], specs: Path, named: str, code: int, *platform: str) -> str:
    out = specs.parent / "out"
    jpaths = ["-J", str(specs / "teams"), "-J", str(specs / "teams" / "lib")]
    result = run_obsc(capsys, "compile", str(specs / named), *platform, *jpaths, "--out", str(out), "--no-validate")
    assert result.code == code, result.out + result.err
    assert out.exists() == (code == 0)
    assert "Traceback" not in result.err and "bravo's notes" not in result.err
    return result.err


@pytest.mark.parametrize(
    ("bravo", "named"),
    [
        (("search.yaml", BRAVO), "teams/alpha"),
        (("search.yaml", BRAVO), "teams/alpha/cart.jsonnet"),
        (("search.jsonnet", BRAVO_JSONNET), "teams/alpha"),  # bravo's team is known once its spec is evaluated
    ],
)
def test_one_teams_compile_refuses_what_the_whole_trees_refuses(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    bravo: tuple[str, str],
    named: str,
) -> None:
    monkeypatch.chdir(tmp_path)
    specs = _tree(tmp_path, "importstr 'bravo/deep/notes.txt'", bravo)
    whole = _compile(capsys, specs, ".", 2)
    alone = _compile(capsys, specs, named, 2, "--platform", str(specs / "platform.yaml"))
    said = "cart.jsonnet:6:41 $: imports specs/teams/bravo/deep/notes.txt, a file in specs/teams/bravo"
    assert said in whole and said in alone


def test_the_repository_top_is_the_tree_when_the_platform_file_is_elsewhere(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    specs = _tree(tmp_path, "importstr 'bravo/deep/notes.txt'")
    (tmp_path / ".git").mkdir()
    (tmp_path / "platform").mkdir()
    (specs / "platform.yaml").rename(tmp_path / "platform" / "platform.yaml")
    err = _compile(capsys, specs, "teams/alpha", 2, "--platform", str(tmp_path / "platform" / "platform.yaml"))
    assert "imports specs/teams/bravo/deep/notes.txt, a file in specs/teams/bravo, where only team bravo's" in err


def test_own_and_shared_files_still_compile_alone(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    read = "(importstr 'own.txt') + (importstr 'readme.txt') + (importstr 'alpha/own.txt')"
    specs = _tree(tmp_path, read, ("search.jsonnet", BRAVO_JSONNET))
    _compile(capsys, specs, "teams/alpha", 0, "--platform", str(specs / "platform.yaml"))
    assert "every team's words" in (tmp_path / "out" / "runbooks" / "cart" / "ServiceDown.md").read_text()


class _Specs:
    """A tree of two unnamed specs: bravo's, and one not evaluated in time."""

    top = "/r"

    def __init__(self) -> None:
        self.asked: list[str] = []

    def below(self, folder: str) -> tuple[str, ...]:
        found = {"/r/b": ("/r/b/y.yaml",), "/r/c": ("/r/c/slow.jsonnet",)}.get(folder, ())
        return found if folder != "/r" else ("/r/b/y.yaml", "/r/c/slow.jsonnet")

    def teams(self, real: str) -> frozenset[str] | None:
        self.asked.append(real)
        return frozenset({"bravo"}) if real.endswith("y.yaml") else None


def test_the_reading_stops_at_the_nearest_folder_and_says_what_it_could_not_read() -> None:
    specs = _Specs()
    tree: Tree = specs
    alpha = "/r/a/x.jsonnet"
    importers = [(alpha, "alpha", (("/r/a/own.txt", 2, 3), ("/r/b/notes.txt", 4, 5), ("/r/c/notes.txt", 6, 7)))]
    found = problems(importers, {alpha: "alpha"}, tree)
    assert [(d.location.line, d.location.col) for d in found] == [(4, 5), (6, 7)]
    assert "where only team bravo's specs live" in found[0].message
    slow = os.path.relpath("/r/c/slow.jsonnet")
    assert f"the Jsonnet spec {slow} of that folder was not evaluated" in found[1].message
    assert specs.asked == ["/r/b/y.yaml", "/r/c/slow.jsonnet"]  # own.txt: alpha's folder, nothing read


BRAVO_IMPORTING = BRAVO_JSONNET.replace(
    "service: 'search'", "service: 'search', description: importstr '../readme.txt'"
)
SPIN = "local f(n) = if n == 0 then 0 else f(n - 1) + f(n - 1);\n{apiVersion: 'obsc/v1', team: f(60)}\n"


def test_a_teams_compile_does_not_evaluate_another_teams_jsonnet_its_own_folders_settle(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    # Bravo's CI compiles bravo's folder: alpha's spinning spec beside the shared readme is never evaluated (were
    # it read, it would outrun the tree's 1 CPU-s allowance, and bravo's import would be a "cannot tell", exit 2)
    monkeypatch.chdir(tmp_path)
    specs = _tree(tmp_path, "''", ("search.jsonnet", BRAVO_IMPORTING))
    (specs / "teams" / "alpha" / "a-spin.jsonnet").write_text(SPIN)  # read before cart.jsonnet, if read
    monkeypatch.setenv("OBSC_JSONNET_TIMEOUT", "2")
    monkeypatch.setenv("OBSC_JSONNET_TOTAL", "1")
    _compile(capsys, specs, "teams/bravo", 0, "--platform", str(specs / "platform.yaml"))
    assert "every team's words" in (tmp_path / "out" / "runbooks" / "search" / "ServiceDown.md").read_text()


def test_an_allowance_spent_before_the_owner_is_known_fails_the_compile(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    # Bravo's folder holds only a Jsonnet spec that outlasts the tree's allowance (1 CPU-s, below its own limit):
    # alpha's compile cannot tell whose folder it is, and fails closed (read as absent, the import would pass)
    monkeypatch.chdir(tmp_path)
    specs = _tree(tmp_path, "importstr 'bravo/deep/notes.txt'", ("spin.jsonnet", SPIN))
    monkeypatch.setenv("OBSC_JSONNET_TIMEOUT", "2")
    monkeypatch.setenv("OBSC_JSONNET_TOTAL", "1")
    err = _compile(capsys, specs, "teams/alpha", 2, "--platform", str(specs / "platform.yaml"))
    assert (
        "cart.jsonnet:6:41 $: imports specs/teams/bravo/deep/notes.txt, in a folder whose owner this compile cannot "
        "tell: the Jsonnet spec specs/teams/bravo/spin.jsonnet of that folder was not evaluated"
    ) in err
    assert "(the allowance for reading the specs this compile did not name, OBSC_JSONNET_TOTAL, ran out)" in err
