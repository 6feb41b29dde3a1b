"""Single-file and subset compiles into a fleet's output: platform.yaml found beside the file, other services'
files and the fleet-wide files kept byte-identical, nothing pruned without --prune, `check` of a subset
looks at its files only."""

from __future__ import annotations

import json
import re
import shlex
import shutil
from pathlib import Path

import pytest
import yaml

from compiler import conventions as names
from compiler.api import CompileOptions, compile_specs, regenerate_command
from compiler.output import writer
from tests.bench.fleet import write_fleet
from tests.cli_helpers import run_obsc
from tests.conftest import tree


@pytest.fixture(scope="module")
def fleet_output(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """20 services compiled as a whole (no tools needed: --no-validate), built once for the module."""
    root = tmp_path_factory.mktemp("fleet")
    specs = write_fleet(root, 20)
    out = root / "gen"
    options = CompileOptions(regenerate_command=regenerate_command([str(specs)], str(out)))
    writer.compile_into(compile_specs([str(specs)], options).bundle, str(out))
    return root


@pytest.fixture
def fleet(fleet_output: Path, tmp_path: Path) -> Path:
    copy = tmp_path / "fleet"
    shutil.copytree(fleet_output, copy)
    return copy


def service_files(files: dict[str, bytes], service: str) -> dict[str, bytes]:
    return {p: b for p, b in files.items() if f"/{service}." in p or f"/{service}/" in p}


def test_a_single_file_compile_leaves_the_other_19_services_byte_identical(
    fleet: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    before = tree(fleet / "gen")
    spec = fleet / "specs/svc-0003.yaml"
    spec.write_text(spec.read_text().replace("objective: 99.9", "objective: 99.8", 1))
    result = run_obsc(capsys, "compile", str(spec), "--out", str(fleet / "gen"), "--no-validate")
    assert result.code == 0, result.err
    assert "1 service(s)" in result.out and "0 removed" in result.out
    assert "kept fleet-wide alertmanager/alertmanager.yml" in result.out
    after = tree(fleet / "gen")
    changed = {p for p in set(before) | set(after) if before.get(p) != after.get(p)}
    assert changed and all("svc-0003" in p for p in changed), sorted(changed)
    assert before[names.ALERTMANAGER_CONFIG] == after[names.ALERTMANAGER_CONFIG]
    assert before[names.MANIFEST] == after[names.MANIFEST]
    for other in (f"svc-{i:04d}" for i in range(20) if i != 3):
        assert service_files(after, other) == service_files(before, other) != {}
    # the whole directory agrees with what the single-file compile wrote (same headers, same bytes)
    assert run_obsc(capsys, "check", str(fleet / "specs"), "--out", str(fleet / "gen")).code == 0


def test_the_platform_file_is_found_beside_a_named_spec_file(fleet: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = fleet / "alone"
    result = run_obsc(capsys, "compile", str(fleet / "specs/svc-0001.yaml"), "--out", str(out), "--no-validate")
    assert result.code == 0, result.err
    assert b"team-1" in (out / names.ALERTMANAGER_CONFIG).read_bytes()  # routing from the platform's teams
    # without it beside the file, the platform's team list is missing: the spec alone is compiled differently
    lonely = fleet / "lonely"
    lonely.mkdir()
    shutil.copy(fleet / "specs/svc-0001.yaml", lonely)
    other = fleet / "other"
    run_obsc(capsys, "compile", str(lonely / "svc-0001.yaml"), "--out", str(other), "--no-validate")
    assert tree(other) != tree(out)


def test_prune_makes_named_files_own_the_output(fleet: Path, capsys: pytest.CaptureFixture[str]) -> None:
    spec = str(fleet / "specs/svc-0003.yaml")
    result = run_obsc(capsys, "compile", spec, "--out", str(fleet / "gen"), "--no-validate", "--prune")
    assert result.code == 0, result.err
    left = tree(fleet / "gen")
    assert not any("svc-0004" in p for p in left) and any("svc-0003" in p for p in left)


def test_a_service_file_no_longer_produced_is_removed_others_are_not(
    fleet: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A subset compile prunes the files of the services it compiled that they no longer produce."""
    gen = fleet / "gen"
    stale = "prometheus/tests/svc-0003.stale.test.yaml"
    other = "prometheus/tests/svc-0004.stale.test.yaml"
    for path in (stale, other):
        (gen / path).write_text("# generated once\n")
    manifest = gen / names.MANIFEST
    manifest.write_text(manifest.read_text() + f"{stale}\n{other}\n")
    result = run_obsc(capsys, "compile", str(fleet / "specs/svc-0003.yaml"), "--out", str(gen), "--no-validate")
    assert result.code == 0, result.err
    assert not (gen / stale).exists() and (gen / other).exists()
    assert other in manifest.read_text() and stale not in manifest.read_text()


def test_check_of_a_subset_compares_only_its_files(fleet: Path, capsys: pytest.CaptureFixture[str]) -> None:
    gen = fleet / "gen"
    (gen / "prometheus/rules/svc-0004.yaml").write_text("# edited by hand\n")
    ok = run_obsc(capsys, "check", str(fleet / "specs/svc-0003.yaml"), "--out", str(gen))
    assert ok.code == 0, ok.out + ok.err
    drift = run_obsc(capsys, "check", str(fleet / "specs/svc-0004.yaml"), "--out", str(gen))
    assert drift.code == 1 and "changed: prometheus/rules/svc-0004.yaml" in drift.out
    whole = run_obsc(capsys, "check", str(fleet / "specs"), "--out", str(gen))
    assert whole.code == 1


def test_a_subset_check_says_which_fleet_wide_files_it_did_not_compare(
    fleet: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Found by a hunt: `obsc check specs/*.yaml` (every spec, named one by one) said "gen is up to date (N
    files)" with a receiver changed in platform.yaml: alertmanager.yml, kept as it is by a subset, was counted
    but never compared. It now says so and names the check of the directory that compares it."""
    gen, platform = fleet / "gen", fleet / "specs/platform.yaml"
    platform.write_text(platform.read_text().replace("127.0.0.1:9/warning", "127.0.0.1:9/tickets"))
    assert "/tickets" in platform.read_text()
    named = sorted(str(p) for p in (fleet / "specs").glob("svc-*.yaml"))
    result = run_obsc(capsys, "check", *named, "--out", str(gen))
    assert result.code == 0, result.out + result.err
    assert "up to date for the named spec files" in result.out
    assert f"not compared (spec files named, not the fleet): {names.ALERTMANAGER_CONFIG}" in result.out
    assert f"run `obsc check {fleet / 'specs'} --out {gen}` to compare them" in result.out
    assert run_obsc(capsys, "check", str(fleet / "specs"), "--out", str(gen)).code == 1
    whole = run_obsc(capsys, "check", str(fleet / "specs"), "--out", str(gen))
    assert "not compared" not in whole.out + whole.err


def test_a_directory_compile_still_prunes_a_removed_service(fleet: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (fleet / "specs/svc-0019.yaml").unlink()
    result = run_obsc(capsys, "compile", str(fleet / "specs"), "--out", str(fleet / "gen"), "--no-validate")
    assert result.code == 0, result.err
    assert not any("svc-0019" in p for p in tree(fleet / "gen"))


def test_a_forged_regenerate_command_in_the_manifest_is_not_copied_into_headers(
    fleet: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    gen = fleet / "gen"
    manifest = gen / names.MANIFEST
    text = manifest.read_text()
    manifest.write_text(text.replace("# Regenerate with: obsc compile", "# Regenerate with: rm -rf / #", 1))
    result = run_obsc(capsys, "compile", str(fleet / "specs/svc-0003.yaml"), "--out", str(gen), "--no-validate")
    assert result.code == 0, result.err
    assert "rm -rf" not in (gen / "prometheus/rules/svc-0003.yaml").read_text()


def test_the_commands_a_subset_check_suggests_work_from_a_nested_spec_needing_j_and_platform(
    fleet: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Found by the round 28 paths hunt: a spec in a team's folder below the platform's (specs/team-a/x.jsonnet,
    importing a library found through -J) checked alone with `--platform specs/platform.yaml -J specs` was told to
    run `obsc compile specs/team-a/x.jsonnet --out gen` (exit 2: the import and the platform file both missing)
    and to compare the fleet-wide files with `obsc check specs/team-a --out gen`, which is not the fleet."""
    specs, gen = fleet / "specs", fleet / "gen"
    (specs / "lib").mkdir()
    (specs / "team-a").mkdir()
    data = yaml.safe_load((specs / "svc-0005.yaml").read_text())
    (specs / "lib/svc-0005.libsonnet").write_text(json.dumps(data))
    (specs / "team-a/svc-0005.jsonnet").write_text("(import 'lib/svc-0005.libsonnet') + {description: 'moved'}\n")
    (specs / "svc-0005.yaml").unlink()
    spec, flags = specs / "team-a/svc-0005.jsonnet", ["-J", str(specs), "--platform", str(specs / "platform.yaml")]
    drift = run_obsc(capsys, "check", str(spec), "--out", str(gen), *flags)
    assert drift.code == 1, drift.out + drift.err
    advice = re.search(r"run `(obsc compile [^`]+)`", drift.err)
    assert advice is not None, drift.err
    assert run_obsc(capsys, *shlex.split(advice.group(1))[1:], "--no-validate").code == 0
    ok = run_obsc(capsys, "check", str(spec), "--out", str(gen), *flags)
    assert ok.code == 0, ok.out + ok.err
    fleet_check = re.search(r"run `(obsc check [^`]+)` to compare them", ok.out)
    assert fleet_check is not None, ok.out
    whole = run_obsc(capsys, *shlex.split(fleet_check.group(1))[1:])
    assert whole.code == 0 and f"{gen} is up to date (" in whole.out, whole.out + whole.err


def test_a_spec_named_twice_or_inside_a_named_folder_is_read_once(
    fleet: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Found by the round 28 paths hunt: `obsc check specs specs/../specs/team-a` failed (exit 2) with every
    service of team-a "already defined" at its own line; `obsc compile specs ./specs` wrote `obsc compile specs
    specs` into every header, so `obsc check specs` read 84 files as drift; `obsc compile specs/svc-0001.yaml
    specs` was a subset compile that kept a deleted service's files."""
    specs, gen = fleet / "specs", fleet / "gen"
    (specs / "team-a").mkdir()
    (specs / "svc-0002.yaml").rename(specs / "team-a/svc-0002.yaml")
    nested = run_obsc(capsys, "check", str(specs), f"{specs}/../specs/team-a", "--out", str(gen))
    assert nested.code == 0, nested.out + nested.err
    fresh = fleet / "fresh"
    assert run_obsc(capsys, "compile", str(specs), f"{fleet}/./specs/", "--out", str(fresh), "--no-validate").code == 0
    assert run_obsc(capsys, "check", str(specs), "--out", str(fresh)).code == 0  # the headers name `specs` once
    (specs / "svc-0019.yaml").unlink()
    both = run_obsc(capsys, "compile", str(specs / "svc-0001.yaml"), str(specs), "--out", str(gen), "--no-validate")
    assert both.code == 0 and "kept fleet-wide" not in both.out, both.out + both.err
    assert not any("svc-0019" in p for p in tree(gen))
    assert run_obsc(capsys, "check", str(specs), "--out", str(gen)).code == 0


def test_a_team_folder_below_the_compiled_fleet_folder_is_a_subset(
    fleet: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Found by the round 28 paths hunt: `obsc compile specs/team-a --platform specs/platform.yaml --out gen`
    (a team's folder, its platform named as asked) was a whole-fleet compile that removed every other team's
    files. A folder below the one the output was compiled from (its manifest says which) writes only its
    services' files, like spec files; `--prune` still makes it own the output."""
    specs, gen = fleet / "specs", fleet / "gen"
    (specs / "team-a").mkdir()
    (specs / "svc-0002.yaml").rename(specs / "team-a/svc-0002.yaml")
    before = tree(gen)
    team = [str(specs / "team-a"), "--out", str(gen), "--platform", str(specs / "platform.yaml")]
    result = run_obsc(capsys, "compile", *team, "--no-validate")
    assert result.code == 0 and "kept fleet-wide" in result.out and " 0 removed" in result.out, result.out
    assert tree(gen) == before
    assert run_obsc(capsys, "check", *team).code == 0
    assert run_obsc(capsys, "check", str(specs), "--out", str(gen)).code == 0
    pruned = run_obsc(capsys, "compile", *team, "--no-validate", "--prune")
    assert pruned.code == 0 and not any("svc-0003" in p for p in tree(gen)), pruned.out
