"""The writer: atomic replacement, pruning, check-mode drift, and runbooks humans own."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from compiler.api import CompileOptions, compile_specs, regenerate_command
from compiler.errors import OutputError
from compiler.output import strangers, writer
from tests.bench.fleet import write_fleet
from tests.cli_helpers import run_obsc
from tests.conftest import FULL, ROOT, tree


def _compile(specs: Path, out: Path) -> writer.Plan:
    options = CompileOptions(regenerate_command=regenerate_command([str(specs)], str(out)))
    return writer.compile_into(compile_specs([str(specs)], options).bundle, str(out))


def _runbook(out: Path) -> Path:
    return out / "runbooks/svc-0000/ServiceHighErrorRate.md"


def test_prunes_what_no_spec_produces_and_keeps_foreign_files(tmp_path: Path) -> None:
    specs = write_fleet(tmp_path, services=3)
    out = tmp_path / "out"
    _compile(specs, out)
    (out / "README.md").write_text("notes kept by humans\n")
    (specs / "svc-0002.yaml").unlink()
    plan = _compile(specs, out)
    assert not (out / "runbooks/svc-0002").exists()
    assert (out / "README.md").read_text() == "notes kept by humans\n"
    assert plan.count(writer.Status.REMOVED) > 0


def test_files_of_yours_that_the_generated_configs_load_are_kept_and_said(tmp_path: Path) -> None:
    # A hotfix rule file beside obsc's was kept silently: Prometheus loads it with the rules, obsc validates none
    # of it. Kept (it is the user's), but every compile and check says so; a README there is not loaded.
    specs = write_fleet(tmp_path, services=1)
    out = tmp_path / "out"
    _compile(specs, out)
    (out / "prometheus/rules/zz-hotfix.yaml").write_text(
        "groups: [{name: x, rules: [{record: a, expr: 'vector(1'}]}]\n"
    )
    (out / "prometheus/rules/README.md").write_text("notes\n")
    (out / "grafana/dashboards/fleet/mine.json").write_text("{}\n")
    plan = _compile(specs, out)
    loaded = "not obsc's, in a folder the generated configs load whole; obsc neither writes nor validates it"
    assert [w.split(":")[0] for w in plan.warnings if loaded in w] == [
        "grafana/dashboards/fleet/mine.json",
        "prometheus/rules/zz-hotfix.yaml",
    ]
    assert (out / "prometheus/rules/zz-hotfix.yaml").exists()


def test_files_of_yours_that_grafana_loads_below_obsc_folders_are_said(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Found by a hunt (round 21): Grafana reads every folder of the provisioning root obsc's output is installed
    # as (a datasource there can become the default every dashboard reads) and a dashboard provider's subfolders
    # too; files there passed check and compile without a word, as obsc listed only folders it writes into.
    specs = write_fleet(tmp_path, services=1)
    out = tmp_path / "out"
    _compile(specs, out)
    team = next((out / "grafana/dashboards/teams").iterdir()).name
    mine = {
        "grafana/provisioning/datasources/default.yaml": "apiVersion: 1\n",
        "grafana/provisioning/alerting/contact-points.yml": "apiVersion: 1\n",
        f"grafana/dashboards/teams/{team}/old/mine.json": "{}\n",
        "grafana/provisioning/notes.yaml": "not read by Grafana\n",  # the root itself is not a folder it reads
        "grafana/provisioning/datasources/README.md": "notes\n",
    }
    for path, text in mine.items():
        (out / path).parent.mkdir(parents=True, exist_ok=True)
        (out / path).write_text(text)
    monkeypatch.setattr(strangers, "_MAX_LISTED", 4)  # the four entries of the user's folders: obsc's are scanned
    plan = _compile(specs, out)
    loaded = "not obsc's, in a folder the generated configs load whole"
    assert [w.split(":")[0] for w in plan.warnings if loaded in w] == [
        f"grafana/dashboards/teams/{team}/old/mine.json",
        "grafana/provisioning/alerting/contact-points.yml",
        "grafana/provisioning/datasources/default.yaml",
    ]
    assert all((out / path).read_text() == text for path, text in mine.items())


def test_unchanged_output_is_not_rewritten(tmp_path: Path) -> None:
    specs = write_fleet(tmp_path, services=2)
    out = tmp_path / "out"
    _compile(specs, out)
    inode = out.stat().st_ino
    plan = _compile(specs, out)
    assert plan.drift == ()
    assert out.stat().st_ino == inode, "a no-op compile must not swap the directory"


def test_edited_runbook_is_never_overwritten(tmp_path: Path) -> None:
    specs = write_fleet(tmp_path, services=2)
    out = tmp_path / "out"
    _compile(specs, out)
    page = _runbook(out)
    edited = page.read_text().replace("_Write down what worked here", "Restart the payment proxy. _Write down")
    page.write_text(edited)
    untouched = out / "runbooks/svc-0001/ServiceHighErrorRate.md"
    before_untouched = untouched.read_text()
    write_fleet(tmp_path, services=2, warning_threshold="3%")  # thresholds change: stubs are refreshed
    plan = _compile(specs, out)
    assert page.read_text() == edited
    assert untouched.read_text() != before_untouched and "above 3%" in untouched.read_text()
    assert any(
        c.status is writer.Status.PRESERVED and c.path.endswith("svc-0000/ServiceHighErrorRate.md")
        for c in plan.changes
    )


def test_edited_runbook_of_a_removed_alert_is_kept_and_reported(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    specs = write_fleet(tmp_path, services=1)
    out = tmp_path / "out"
    _compile(specs, out)
    page = _runbook(out)
    page.write_text("# Our own page\n")
    spec = specs / "svc-0000.yaml"
    spec.write_text(spec.read_text() + "alerts: {error_rate: false}\n")
    result = run_obsc(capsys, "compile", str(specs), "--out", str(out), "--no-validate")
    assert result.code == 0, result.err
    assert page.read_text() == "# Our own page\n"
    assert "edited by a human but its alert no longer exists" in result.out


def test_missing_runbook_is_drift_but_an_edited_one_is_not(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    specs = write_fleet(tmp_path, services=1)
    out = tmp_path / "out"
    _compile(specs, out)
    _runbook(out).write_text("# edited\n")
    assert run_obsc(capsys, "check", str(specs), "--out", str(out)).code == 0
    _runbook(out).unlink()
    result = run_obsc(capsys, "check", str(specs), "--out", str(out))
    assert result.code == 1
    assert "missing: runbooks/svc-0000/ServiceHighErrorRate.md" in result.out  # deleted, not "added"


def test_check_reports_changed_extra_and_missing_files_with_a_diff(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    specs = write_fleet(tmp_path, services=2)
    out = tmp_path / "out"
    _compile(specs, out)
    assert run_obsc(capsys, "check", str(specs), "--out", str(out)).code == 0
    manifest = out / ".obsc-manifest"
    manifest.write_text(manifest.read_text().replace("svc-0001", "svc-0009", 1))
    result = run_obsc(capsys, "check", str(specs), "--out", str(out))
    assert result.code == 1
    assert "changed: .obsc-manifest" in result.out
    assert "--- a/.obsc-manifest" in result.out and "+++ b/.obsc-manifest" in result.out
    assert "run `obsc compile" in result.err
    _compile(specs, out)
    assert run_obsc(capsys, "check", str(specs), "--out", str(out)).code == 0


def test_read_only_output_directory_is_refused(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    specs = write_fleet(tmp_path, services=1)
    out = tmp_path / "out"
    _compile(specs, out)
    write_fleet(tmp_path, services=1, warning_threshold="4%")
    before = tree(out)
    os.chmod(out, 0o555)
    try:
        result = run_obsc(capsys, "compile", str(specs), "--out", str(out), "--no-validate")
    finally:
        os.chmod(out, 0o755)
    assert result.code == 2
    assert "read-only" in result.err and "nothing was written" in result.err
    assert tree(out) == before


def test_output_path_that_is_a_file_is_refused(tmp_path: Path) -> None:
    specs = write_fleet(tmp_path, services=1)
    target = tmp_path / "file"
    target.write_text("x")
    with pytest.raises(OutputError, match="not a directory"):
        _compile(specs, target)


# Kill moments, each reached by watching the filesystem rather than by a delay (a delay mostly landed in the
# generation stage on a loaded machine, before anything was written): the staging tree just created, a
# fraction of the new files written into it, and the exchange done (the old tree not yet discarded).
KILL_MOMENTS: tuple[float | str, ...] = (
    (0.0, 0.1, 0.25, 0.5, 0.75, 0.9, 1.0, "swapped") if FULL else (0.0, 0.5, "swapped")
)


def _files_under(root: Path) -> int:
    return sum(len(files) for _, _, files in os.walk(root))


def _stop_at(proc: subprocess.Popen[bytes], out: Path, moment: float | str, total: int, ignore: set[str]) -> str:
    """Freeze `proc` (SIGSTOP) once `moment` is reached and say what the filesystem showed then:
    'staging' (its staging tree beside `out`; `ignore`: earlier runs' leftovers), 'swapped' (`out` is the
    new tree) or 'exited'."""
    inode = out.stat().st_ino
    while proc.poll() is None:
        staging = [p for p in out.parent.iterdir() if ".obsc-staging-" in p.name and p.name not in ignore]
        swapped = out.exists() and out.stat().st_ino != inode
        reached = (
            swapped
            if moment == "swapped"
            else swapped or (bool(staging) and _files_under(staging[0]) >= float(moment) * total)
        )
        if reached:
            proc.send_signal(signal.SIGSTOP)
            return "swapped" if out.stat().st_ino != inode else "staging"
        time.sleep(0.001)
    return "exited"


def test_sigkill_mid_write_leaves_old_or_new_tree_never_a_mix(tmp_path: Path) -> None:
    """Kill `obsc compile` at moments of its write while it rewrites every file of a 40-service tree."""
    specs = write_fleet(tmp_path / "a", services=40)
    old_out, out = tmp_path / "old", tmp_path / "out"
    _compile(specs, out)
    old_tree = tree(out)
    subprocess.run(["cp", "-a", str(out), str(old_out)], check=True)
    write_fleet(tmp_path / "a", services=40, warning_threshold="2%")
    _compile(specs, out)
    new_tree = tree(out)
    subprocess.run(["rm", "-rf", str(out)], check=True)
    rules = [k for k in new_tree if k.startswith("prometheus/rules/")]
    assert len(rules) == 40 and all(old_tree[k] != new_tree[k] for k in rules)  # a mix would show
    seen: dict[str, str] = {}
    for moment in KILL_MOMENTS:
        wanted = "swapped" if moment == "swapped" else "staging"
        for _attempt in range(3):  # a loaded machine may let the compile run past the moment: try again
            subprocess.run(["rm", "-rf", str(out)], check=True)
            subprocess.run(["cp", "-a", str(old_out), str(out)], check=True)
            proc = subprocess.Popen(
                [sys.executable, "-m", "compiler", "compile", str(specs), "--out", str(out), "--no-validate", "-q"],
                cwd=ROOT,
            )
            state = _stop_at(proc, out, moment, len(new_tree), {p.name for p in tmp_path.iterdir()})
            proc.send_signal(signal.SIGKILL)
            proc.wait()
            now = tree(out)
            assert now in (old_tree, new_tree), f"mixed tree after SIGKILL at {moment} ({state})"
            seen[f"{moment}"] = f"{state}: {'new' if now == new_tree else 'old'}"
            if state == wanted:
                break
    # The next run cleans up whatever the killed ones left beside the output directory.
    _compile(specs, out)
    assert tree(out) == new_tree
    assert not [p for p in tmp_path.iterdir() if ".obsc-" in p.name]
    # The moments were reached: killed mid-write the old tree stays; killed after the exchange the new one is there.
    assert seen["0.0"] == seen["0.5"] == "staging: old" and seen["swapped"] == "swapped: new", seen


@pytest.mark.parametrize(
    "edit",
    [
        pytest.param(lambda text: text.replace("-->\n", "--> owned by the payments on-call\n", 1), id="note-on-marker"),
        pytest.param(lambda text: text.replace("edit freely", "HUMAN OWNED", 1), id="marker-reworded"),
    ],
)
def test_an_edit_of_the_marker_line_is_an_edit(tmp_path: Path, edit: object) -> None:
    # Found by a hunt: the checksum covered the body only, so these edits were overwritten by the next compile.
    specs = write_fleet(tmp_path, services=1)
    out = tmp_path / "out"
    _compile(specs, out)
    page = _runbook(out)
    assert callable(edit)
    edited = edit(page.read_text())
    page.write_text(edited)
    write_fleet(tmp_path, services=1, warning_threshold="3%")  # the stub's text changes
    _compile(specs, out)
    assert page.read_text() == edited


def test_a_runbook_replaced_by_a_link_is_kept(tmp_path: Path) -> None:
    # Found by a hunt: a team linked the page to its own runbook; the next compile put a fresh stub there.
    specs = write_fleet(tmp_path, services=1)
    out = tmp_path / "out"
    _compile(specs, out)
    page = _runbook(out)
    own = tmp_path / "our-runbook.md"
    own.write_text("# what we do\n")
    page.unlink()
    page.symlink_to(own)
    write_fleet(tmp_path, services=1, warning_threshold="3%")
    plan = _compile(specs, out)
    assert page.is_symlink() and os.readlink(page) == str(own)
    assert any(c.status is writer.Status.PRESERVED and c.path.endswith("ServiceHighErrorRate.md") for c in plan.changes)


def test_a_rewritten_file_keeps_its_mode_whatever_the_umask(tmp_path: Path) -> None:
    """Found by a hunt: a changed file was created anew with this run's umask, so a compile under umask 077
    (a hardened root shell) left the rule files it rewrote 0600 beside untouched 0644 ones: unreadable to a
    Prometheus of another user that reads the output, while folders kept their modes."""
    specs = write_fleet(tmp_path, services=2)
    out = tmp_path / "out"
    _compile(specs, out)
    rules = out / "prometheus/rules"
    (rules / "svc-0001.yaml").chmod(0o640)
    first = (rules / "svc-0000.yaml").stat().st_mode & 0o777  # this process's umask: 0o644 under 022
    assert first & 0o044, oct(first)
    for spec in specs.glob("svc-*.yaml"):
        spec.write_text(spec.read_text().replace("objective: 99.9", "objective: 99.8"))
    old = os.umask(0o077)
    try:
        plan = _compile(specs, out)
    finally:
        os.umask(old)
    assert {"prometheus/rules/svc-0000.yaml", "prometheus/rules/svc-0001.yaml"} <= {
        c.path for c in plan.changes if c.status is writer.Status.CHANGED
    }
    modes = [(rules / name).stat().st_mode & 0o777 for name in ("svc-0000.yaml", "svc-0001.yaml")]
    assert modes == [first, 0o640], [oct(m) for m in modes]
