"""The validation record (--out/.obsc-validated): only units whose exact bytes did not pass before are run;
changed bytes are always validated, whatever the record says; a forged line for bad bytes is what the
record trusts (documented), and --revalidate-all ignores it."""

from __future__ import annotations

import os
import shutil
import stat
from pathlib import Path

import pytest

from compiler import conventions as names
from compiler.api import CompileOptions, compile_specs, regenerate_command
from compiler.errors import ToolError
from compiler.output import writer
from compiler.toolcheck import _run, grafana_lint, promtool_focus, record, validate_bundle
from tests.cli_helpers import run_obsc
from tests.conftest import ROOT, require_tool

EXAMPLES = ROOT / "examples"
# Two of the examples (and the platform they share): the record's behaviour needs a changed service beside an
# unchanged one, not every example's promtool tests (~1 CPU-s a run instead of ~12; the whole examples/ tree
# passes the tools in test_promtool_toolcheck.py and test_amtool.py).
SUBSET = ("platform.yaml", "lib", "order-worker.yaml", "nightly-backup.yaml")


def copy_subset(folder: Path) -> None:
    """The two examples of SUBSET (and their platform and library) into a new `folder`."""
    folder.mkdir()
    for name in SUBSET:
        (shutil.copytree if (EXAMPLES / name).is_dir() else shutil.copy)(EXAMPLES / name, folder / name)


@pytest.fixture(scope="module")
def validated_once(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, record.Record]:
    """Two examples compiled and validated once for the module (the expensive part): root/specs, root/out."""
    require_tool("promtool", "PROMTOOL")
    require_tool("amtool", "AMTOOL")
    root = tmp_path_factory.mktemp("validated")
    copy_subset(root / "specs")
    first = compile_into(root / "specs", root / "out")
    return root, first


@pytest.fixture
def specs(validated_once: tuple[Path, record.Record], tmp_path: Path) -> Path:
    """A copy of the validated examples: tmp_path/specs and tmp_path/out (with its record)."""
    shutil.copytree(validated_once[0], tmp_path, dirs_exist_ok=True, symlinks=True)
    return tmp_path / "specs"


@pytest.fixture
def first(validated_once: tuple[Path, record.Record]) -> record.Record:
    return validated_once[1]


class Calls:
    """Every external tool call, as argv without the binary."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.argv: list[tuple[str, ...]] = []
        real = _run.run

        def spy(argv: list[str], **kwargs: object) -> _run.Result:
            self.argv.append((os.path.basename(argv[0]), *argv[1:]))
            return real(argv, **kwargs)  # type: ignore[arg-type]

        monkeypatch.setattr(_run, "run", spy)

    def files(self, tool: str, *command: str) -> list[str]:
        """The files the calls of `tool command` read; a focused test group counts as its test file."""
        n = len(command) + 1
        found = [a for a in self.argv if a[0] == tool and a[1:n] == command]
        named = {_source(f) for a in found for f in a[n:] if not f.startswith(("-", "/"))}  # not the lint's temp file
        return sorted(named)

    def clear(self) -> None:
        self.argv.clear()


def _source(path: str) -> str:
    focused = promtool_focus.source_of(path)
    return focused[0] if focused else path


def compile_into(specs: Path, out: Path, revalidate_all: bool = False) -> record.Record:
    """What `obsc compile` does: write through the staged tree, validate it against the live record."""
    options = CompileOptions(regenerate_command=regenerate_command([str(specs)], str(out)))  # as the CLI's
    compilation = compile_specs([str(specs)], options)
    done: list[record.Record] = []

    def check(tree: str) -> None:
        done.append(validate_bundle(compilation.bundle, tree, str(out), revalidate_all))

    writer.compile_into(compilation.bundle, str(out), check)
    return done[0]


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text()
    assert old in text, f"{old!r} not in {path}"
    path.write_text(text.replace(old, new, 1))


def test_a_one_service_change_runs_promtool_for_that_service_only(
    specs: Path, tmp_path: Path, first: record.Record, monkeypatch: pytest.MonkeyPatch
) -> None:
    out = tmp_path / "out"
    assert first.skipped == 0 and first.ran > 0
    calls = Calls(monkeypatch)
    again = compile_into(specs, out)  # nothing changed: no tool runs at all
    assert again.ran == 0 and again.skipped == first.ran
    assert [a for a in calls.argv if "--version" not in a] == []

    edit(specs / "order-worker.yaml", "objective: 99.5", "objective: 99.6")
    calls.clear()
    changed = compile_into(specs, out)
    assert calls.files("promtool", "test", "rules") == [
        "prometheus/tests/order-worker.holds.test.yaml",
        "prometheus/tests/order-worker.long.test.yaml",
        "prometheus/tests/order-worker.scrapes.test.yaml",
        "prometheus/tests/order-worker.test.yaml",
        "prometheus/tests/order-worker.twins.test.yaml",
    ]
    assert calls.files("promtool", "check", "rules") == ["prometheus/rules/order-worker.yaml"]
    assert changed.skipped > 0
    # the record now lists exactly the current units, and the next run skips them all
    assert compile_into(specs, out).ran == 0


def test_changed_bytes_are_validated_whatever_the_record_says(specs: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    compilation = compile_specs([str(specs)], CompileOptions())
    rules = out / "prometheus/rules/order-worker.yaml"
    edit(rules, "> 0.05", "> 0.5")  # bytes X' where the record says X passed; the test file is unchanged
    before = (out / names.VALIDATION_RECORD).read_text()
    with pytest.raises(ToolError, match="order-worker"):
        validate_bundle(compilation.bundle, str(out), str(out))
    assert (out / names.VALIDATION_RECORD).read_text() == before  # a failed run records nothing


def test_a_test_file_is_keyed_by_the_rule_files_it_loads(
    specs: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    out = tmp_path / "out"
    compilation = compile_specs([str(specs)], CompileOptions())
    rules = out / "prometheus/rules/order-worker.yaml"
    edit(rules, "> 0.05", "> 0.5")
    calls = Calls(monkeypatch)
    with pytest.raises(ToolError, match="ServiceHighErrorRate"):
        validate_bundle(compilation.bundle, str(out), str(out))
    assert calls.files("promtool", "test", "rules") == [
        "prometheus/tests/order-worker.holds.test.yaml",
        "prometheus/tests/order-worker.long.test.yaml",
        "prometheus/tests/order-worker.scrapes.test.yaml",
        "prometheus/tests/order-worker.test.yaml",
        "prometheus/tests/order-worker.twins.test.yaml",
    ]


@pytest.mark.parametrize("tamper", ["garbage", "empty", "symlink", "fifo", "other keys"])
def test_a_tampered_record_only_causes_extra_work(
    specs: Path, tmp_path: Path, first: record.Record, tamper: str
) -> None:
    out = tmp_path / "out"
    path = out / names.VALIDATION_RECORD
    assert record.load(str(out)).known == set(first.passed)
    path.unlink()
    if tamper == "garbage":
        path.write_bytes(b"\xff\x00 not a record\n" + b"z" * 64 + b" promtool-test x\n")
    elif tamper == "empty":
        path.write_text("")
    elif tamper == "symlink":
        os.symlink(tmp_path / "out-copy-of-record", path)
        (tmp_path / "out-copy-of-record").write_text(record.Record(passed=dict(first.passed)).text())
    elif tamper == "fifo":
        os.mkfifo(path)
    else:  # well-formed lines for every path, with keys of other bytes
        path.write_text("".join(f"{'ab' * 32} {kind} {p}\n" for kind, p in first.passed.values()))
    assert not record.load(str(out)).known & set(first.passed)  # nothing is skipped: every check runs
    if tamper == "other keys":  # and end to end: every check runs and the record is rewritten
        again = compile_into(specs, out)
        assert again.skipped == 0 and again.ran == first.ran
        assert stat.S_ISREG(os.lstat(path).st_mode) and record.load(str(out)).known == set(first.passed)


def test_a_forged_line_for_bad_bytes_is_trusted_and_revalidate_all_catches_it(specs: Path, tmp_path: Path) -> None:
    """What the record trusts (docs/ci.md): a line whose key matches bad bytes skips their check. The record is
    committed and reviewed with the output; --revalidate-all (nightly) ignores it."""
    out = tmp_path / "out"
    compilation = compile_specs([str(specs)], CompileOptions())
    edit(out / "prometheus/rules/order-worker.yaml", "> 0.05", "> 0.5")
    # the record of the good bytes: the other service's files, which passed, are not run again in either step
    forged = record.Record(known=frozenset(record.load(str(out)).known))
    with pytest.raises(ToolError):
        validate_bundle(compilation.bundle, str(out), str(out))  # untrusted: fails
    # a forger who computes the keys of the bad bytes (what a failed run would have recorded)
    from compiler.toolcheck import promtool as pt

    layout = pt.Layout(
        str(out),
        tuple(p for p in compilation.bundle.paths if p.startswith("prometheus/rules/")),
        tuple(p for p in compilation.bundle.paths if p.endswith(".test.yaml")),
        {},
    )
    pt.run_promtool(_run.find(pt.PROMTOOL), layout, forged)
    lines = [f"{k} {kind} {p}\n" for k, (kind, p) in forged.passed.items()]
    with open(out / names.VALIDATION_RECORD, "a") as fh:
        fh.writelines(lines)
    validate_bundle(compilation.bundle, str(out), str(out))  # trusted: skipped
    with pytest.raises(ToolError, match="order-worker"):
        validate_bundle(compilation.bundle, str(out), str(out), revalidate_all=True)


def test_a_new_tool_version_revalidates_everything(
    specs: Path, tmp_path: Path, first: record.Record, monkeypatch: pytest.MonkeyPatch
) -> None:
    out = tmp_path / "out"
    real = _run.find(_run.Tool("promtool", "PROMTOOL", "prometheus"))
    wrapper = tmp_path / "promtool"
    wrapper.write_text(
        f'#!/bin/sh\nif [ "$1" = --version ]; then echo "promtool, version 9.9.9"; exit 0; fi\nexec {real} "$@"\n'
    )
    wrapper.chmod(0o755)
    # monkeypatch, not os.environ: a PROMTOOL the developer or CI set must be there again for the tests after this
    with monkeypatch.context() as patch:
        patch.setenv("PROMTOOL", str(wrapper))
        again = compile_into(specs, out)
    promtool_units = sum(1 for kind, _ in first.passed.values() if kind != "amtool")
    assert again.ran == promtool_units  # every promtool-read unit (dashboards too: promtool parses their PromQL)


def test_the_record_travels_with_the_output_and_check_ignores_it(
    specs: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "out"
    text = (out / names.VALIDATION_RECORD).read_text()
    rows = [line for line in text.splitlines() if not line.startswith("#")]
    assert str(tmp_path) not in text and rows == sorted(rows, key=_row) and text.startswith(record.HEADER)
    assert names.VALIDATION_RECORD not in (out / names.MANIFEST).read_text()
    assert run_obsc(capsys, "check", str(specs), "--out", str(out)).code == 0
    clone = tmp_path / "clone"  # a fresh clone: the same relative bytes elsewhere
    clone.mkdir()
    shutil.copytree(specs, clone / "specs")
    shutil.copytree(out, clone / "out")
    result = run_obsc(capsys, "compile", str(clone / "specs"), "--out", str(clone / "out"), "-v")
    assert result.code == 0 and "0 check(s) run" in result.err, result.err
    result = run_obsc(capsys, "compile", str(clone / "specs"), "--out", str(clone / "out"), "-v", "--revalidate-all")
    assert result.code == 0 and "0 skipped" in result.err, result.err
    assert (clone / "out" / names.VALIDATION_RECORD).read_text() == text
    # --no-validate keeps the old record (its lines still say which bytes passed)
    edit(clone / "specs/order-worker.yaml", "objective: 99.5", "objective: 99.6")
    assert run_obsc(capsys, "compile", str(clone / "specs"), "--out", str(clone / "out"), "--no-validate").code == 0
    assert (clone / "out" / names.VALIDATION_RECORD).read_text() == text


def _row(line: str) -> tuple[str, ...]:
    key, kind, path = line.split()
    return kind, path, key


def test_a_record_that_cannot_be_written_is_said_and_leaves_nothing_behind(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    """Found by a hunt: with the disk full, the record's temporary file stayed in --out, and nothing was said."""

    def full(*_: object) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(record.os, "replace", full)
    with caplog.at_level("WARNING", logger="obsc"):
        record.save(record.Record(), str(tmp_path))
    assert sorted(p.name for p in tmp_path.iterdir()) == []
    assert "could not be written (No space left on device" in caplog.text or "[Errno 28]" in caplog.text


@pytest.mark.parametrize("changed", ["glob match edited", "glob match added", "literal edited"])
def test_a_platform_template_that_changed_is_checked_again(
    specs: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, changed: str
) -> None:
    """Found by a hunt (round 28): amtool check-config parses the platform's `templates:` too, but the key
    of the Alertmanager check hashed only obsc's files, so a team template broken in --out was skipped."""
    out = tmp_path / "out"
    edit(
        specs / "platform.yaml", "  default_receiver:", '  templates: ["custom/*.tmpl", team.tmpl]\n  default_receiver:'
    )
    (out / "alertmanager/custom").mkdir()
    (out / "alertmanager/custom/a.tmpl").write_text('{{ define "a" }}ok{{ end }}\n')
    (out / "alertmanager/team.tmpl").write_text('{{ define "t" }}ok{{ end }}\n')
    compile_into(specs, out)  # a new alertmanager.yml, validated in the staged tree (without the team's files)
    compile_into(specs, out)  # validated in place: the templates pass and are recorded
    calls = Calls(monkeypatch)
    assert compile_into(specs, out).ran == 0 and calls.files("amtool", "check-config") == []
    broken = '{{ define "b" }}broken{{ end \n'
    where = {"glob match edited": "custom/a.tmpl", "glob match added": "custom/b.tmpl", "literal edited": "team.tmpl"}
    (out / "alertmanager" / where[changed]).write_text(broken)
    with pytest.raises(ToolError, match="unclosed action"):
        compile_into(specs, out)
    assert [a for a in calls.argv if a[:2] == ("amtool", "check-config")]


def _silent_stand_in(tmp_path: Path, tool: str, env_var: str) -> Path:
    """A `tool` that prints the real one's version (the record's identity) and says nothing about any file."""
    real = _run.find(_run.Tool(tool, env_var, "prometheus"))
    stand_in = tmp_path / "bin" / tool
    stand_in.parent.mkdir(exist_ok=True)
    stand_in.write_text(f'#!/bin/sh\nif [ "$1" = --version ]; then exec {real} --version; fi\nexit 0\n')
    stand_in.chmod(0o755)
    return stand_in


@pytest.mark.parametrize(
    ("tool", "env_var", "said"),
    [("promtool", "PROMTOOL", "promtool said nothing of it"), ("amtool", "AMTOOL", "amtool check-config said nothing")],
)
def test_a_tool_that_says_nothing_is_no_pass_and_is_not_recorded(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    tool: str,
    env_var: str,
    said: str,
) -> None:
    """Found by a hunt (round 28): a stand-in that exits 0 without a word (a CI shim, PROMTOOL=true with a
    version) passed every check, and the record then said these bytes passed."""
    require_tool(tool, env_var)
    monkeypatch.setenv(env_var, str(_silent_stand_in(tmp_path, tool, env_var)))
    one = (str(ROOT / "specs/mailer.yaml"), "--platform", str(ROOT / "specs/platform.yaml"))
    result = run_obsc(capsys, "compile", *one, "--out", str(tmp_path / "out"))
    assert result.code == 1 and said in result.err, result.err
    assert not (tmp_path / "out").exists()


def test_a_promtool_that_says_nothing_fails_the_dashboard_lint(tmp_path: Path) -> None:
    require_tool("promtool", "PROMTOOL")
    stand_in = _silent_stand_in(tmp_path, "promtool", "PROMTOOL")
    found = grafana_lint.check_promql([grafana_lint.Expression("d.json", "panel 1", "up")], str(stand_in))
    assert [f.message for f in found] == ["failed on the dashboard queries: no output, exit 0"]


def test_check_and_diff_ignore_a_record_that_alone_differs(
    specs: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Decided in round 28 (docs/ci.md): the record is a cache of what the tools said, not made from the specs,
    and check runs no tool; stale, merged or garbled lines are not drift (the next compile rewrites them)."""
    out = tmp_path / "out"
    path = out / names.VALIDATION_RECORD
    text = path.read_text()
    path.write_text(f"<<<<<<< HEAD\r\n{text}=======\r\n{'ab' * 32} promtool-test ../../etc/passwd\r\n>>>>>>> other\r\n")
    assert run_obsc(capsys, "check", str(specs), "--out", str(out)).code == 0
    result = run_obsc(capsys, "diff", str(specs), "--out", str(out))
    assert result.code == 0 and names.VALIDATION_RECORD not in result.out + result.err
