"""Problems of the machine, not of obsc or the specs: a full disk behind stdout, an unusable setting. Each is
said in a sentence with exit 2; they used to end as "internal error (this is a bug in obsc)", exit 70."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from compiler.errors import ExitCode, ToolError
from compiler.toolcheck import _run
from tests.cli_helpers import run_obsc
from tests.conftest import ROOT, require_tool

ONE = ("specs/mailer.yaml", "--platform", "specs/platform.yaml")  # one service of specs/: a sixth of its compile


def _obsc(*args: str, env: dict[str, str] | None = None, stdout: int | None = None) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, "-m", "compiler", *args]
    return subprocess.run(
        command, cwd=ROOT, env={**os.environ, **(env or {})}, stdout=stdout, stderr=subprocess.PIPE, text=True
    )


@pytest.mark.parametrize("args", [("validate", "examples"), ("schema",)])
def test_a_full_disk_behind_stdout_is_said_and_exits_2(args: tuple[str, ...]) -> None:
    with open("/dev/full", "w") as full:
        done = _obsc(*args, stdout=full.fileno())
    assert done.returncode == 2, done.stderr
    assert done.stderr.strip() == "obsc: error: cannot write to standard output: No space left on device"


@pytest.mark.parametrize(
    ("name", "value", "message"),
    [
        (
            "OBSC_JSONNET_TIMEOUT",
            "1e400",
            "OBSC_JSONNET_TIMEOUT='1e400' must be a number of seconds from 0.001 to 86,400",
        ),
        ("OBSC_JSONNET_TIMEOUT", "inf", "OBSC_JSONNET_TIMEOUT='inf' must be a number of seconds from 0.001 to 86,400"),
        ("OBSC_JSONNET_TIMEOUT", "soon", "OBSC_JSONNET_TIMEOUT='soon' must be a number of seconds"),
        ("OBSC_JSONNET_MEMORY_MB", "1", "OBSC_JSONNET_MEMORY_MB='1' must be a number of MiB from 128 to 1,048,576"),
        ("OBSC_JSONNET_MEMORY_MB", "nan", "OBSC_JSONNET_MEMORY_MB='nan' must be a number of MiB"),
        ("OBSC_JSONNET_TOTAL", "inf", "OBSC_JSONNET_TOTAL='inf' must be a number of seconds from 0.001 to 86,400"),
    ],
)
def test_an_unusable_jsonnet_setting_is_named_and_exits_2(
    name: str, value: str, message: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    # In-process (a child cost ~0.4 CPU-s to start): the settings are read where an evaluation needs them.
    monkeypatch.setenv(name, value)
    monkeypatch.chdir(ROOT)
    done = run_obsc(capsys, "validate", "examples")
    assert done.code == 2, done.err
    assert done.err.startswith(f"obsc: error: {message}"), done.err
    assert "internal error" not in done.err


@pytest.mark.parametrize("value", ["nan", "inf", "1e400", "1e300", "-1", "soon"])
def test_an_unusable_tool_timeout_is_named_and_exits_2(
    value: str, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """NaN, `inf` and huge numbers reached select() and ended as "internal error", exit 70 (round 29). One
    service of specs/ reaches the first tool call as surely as all of examples/, for a sixth of the compile. In-process:
    the setting is read at each tool call."""
    monkeypatch.setenv("OBSC_TOOL_TIMEOUT", value)
    monkeypatch.chdir(ROOT)
    done = run_obsc(capsys, "compile", *ONE, "--out", str(tmp_path / "out"))
    assert done.code == 2, done.err
    message = f"obsc: OBSC_TOOL_TIMEOUT='{value}' must be a number of seconds from 0.001 to 86,400"
    assert done.err.strip() == message, done.err
    assert not (tmp_path / "out").exists()


def test_a_line_break_in_a_spec_file_name_stays_on_its_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    # Raw, the second line began `::error`: a GitHub Actions workflow command in a CI log. In-process: the
    # escape is obsc's text, not the stream's.
    (tmp_path / "a\n::error file=x.yaml::forged.yaml").write_text("apiVersion: obsc/v1\nservice: 1\n")
    monkeypatch.chdir(ROOT)
    done = run_obsc(capsys, "validate", str(tmp_path), "--platform", "tests/errors/platform.yaml")
    assert done.code == 2, done.err
    assert "a\\n::error file=x.yaml::forged.yaml:1:1 $: missing required key" in done.err
    assert not any(line.startswith("::") for line in done.err.splitlines())


def test_a_character_the_locale_cannot_encode_is_escaped_not_a_crash(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # Under LC_ALL=en_US.ISO-8859-1 a dash from a spec's description ended `check`'s report of the drift with
    # UnicodeEncodeError ("internal error", 70) instead of exit 1. The encoding is read at start-up: the check
    # runs in a child; the compile before it needs none.
    specs = tmp_path / "specs"
    shutil.copytree(ROOT / "specs", specs)
    assert run_obsc(capsys, "compile", str(specs), "--out", str(tmp_path / "out"), "--no-validate", "-q").code == 0
    mailer = specs / "mailer.yaml"
    mailer.write_text(mailer.read_text().replace("description: Sends", "description: Sends \u2014"))
    done = _obsc(
        "check", str(specs), "--out", str(tmp_path / "out"), env={"PYTHONIOENCODING": "latin-1"}, stdout=subprocess.PIPE
    )
    assert done.returncode == 1, done.stderr
    assert "\\u2014" in done.stdout and "internal error" not in done.stderr


def test_a_closed_stdout_keeps_the_exit_code() -> None:
    done = subprocess.run(
        f"exec >&-; exec {sys.executable} -m compiler check specs --out generated",
        shell=True,
        cwd=ROOT,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert done.returncode == 0, done.stderr
    assert "internal error" not in done.stderr


def test_a_deleted_working_directory_is_said_and_exits_2(tmp_path: Path) -> None:
    gone = tmp_path / "gone"
    gone.mkdir()
    check = f"{sys.executable} -m compiler check {ROOT / 'specs'} --out {ROOT / 'generated'}"
    script = f"cd {gone} && rmdir {gone} && exec {check}"
    done = subprocess.run(
        script, shell=True, env={**os.environ, "PYTHONPATH": str(ROOT)}, stderr=subprocess.PIPE, text=True
    )
    assert done.returncode == 2, done.stderr
    assert done.stderr.strip() == (
        "obsc: error: the working directory no longer exists; cd into an existing directory and run obsc again"
    )


def test_a_tool_that_panics_is_a_machine_problem_not_a_rejection(tmp_path: Path) -> None:
    # promtool panics (a Go stack trace) when its temporary folder is missing or full: shown as "promtool rejected
    # the generated rules" (exit 1) before. Each run now gets its own temporary folder, removed afterwards.
    tool = tmp_path / "tool"
    tool.write_text('#!/bin/sh\necho "$TMPDIR" > "$1"\necho "panic: runtime error: nil pointer"\necho "goroutine 1"\n')
    tool.chmod(0o755)
    seen = tmp_path / "seen"
    with pytest.raises(ToolError) as raised:
        _run.run([str(tool), str(seen)])
    assert raised.value.exit_code == ExitCode.BAD_INPUT
    assert str(raised.value).startswith("tool crashed (panic: runtime error: nil pointer); this is usually the machine")
    scratch = Path(seen.read_text().strip())
    assert scratch.name.startswith("obsc-tool-") and not scratch.exists()


def test_a_tool_killed_by_a_signal_is_a_machine_problem_not_a_rejection(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    # A CI container's memory limit: the kernel SIGKILLs promtool, which prints nothing. obsc said "promtool
    # rejected the generated rules: promtool exited -9:", exit 1, the code for output that is wrong.
    tool = tmp_path / "promtool"
    tool.write_text('#!/bin/sh\n[ "$1" = --version ] && { echo "promtool, version 2.42.0"; exit 0; }\nkill -KILL $$\n')
    tool.chmod(0o755)
    monkeypatch.setenv("PROMTOOL", str(tool))
    monkeypatch.chdir(ROOT)
    done = run_obsc(capsys, "compile", *ONE, "--out", str(tmp_path / "out"))
    assert done.code == ExitCode.BAD_INPUT, done.err
    assert done.err.startswith("obsc: promtool was killed by SIGKILL before it finished; most often the kernel's")
    assert "OBSC_JOBS=1" in done.err and "rejected" not in done.err
    assert not (tmp_path / "out").exists()
    tool.write_text("#!/bin/sh\nkill -SEGV $$\n")
    with pytest.raises(ToolError) as raised:
        _run.run([str(tool)])
    assert raised.value.exit_code == ExitCode.BAD_INPUT
    assert str(raised.value).startswith("promtool was killed by SIGSEGV before it finished; this is the machine")


def test_a_tool_that_prints_without_end_is_stopped_at_the_output_limit(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    # `PROMTOOL=yes` (or a tool stuck in a loop printing) was read whole by communicate(): 3.6 GB in 3 seconds, an
    # out-of-memory kill long before the timeout. Past 64 MiB it is stopped now, exit 2, said as the tool's fault.
    tool = tmp_path / "promtool"
    tool.write_text('#!/bin/sh\n[ "$1" = --version ] && { echo "promtool, version 2.42.0"; exit 0; }\nexec yes\n')
    tool.chmod(0o755)
    monkeypatch.setenv("PROMTOOL", str(tool))
    monkeypatch.setenv("OBSC_TOOL_TIMEOUT", "60")
    monkeypatch.chdir(ROOT)
    done = run_obsc(capsys, "compile", *ONE, "--out", str(tmp_path / "out"))
    assert done.code == ExitCode.BAD_INPUT, done.err
    said = "obsc: promtool printed more than 64 MiB and was stopped; this is the tool"
    assert done.err.startswith(said), done.err
    assert not (tmp_path / "out").exists()


def test_a_tool_output_that_is_not_utf8_is_read_not_a_crash(tmp_path: Path) -> None:
    tool = tmp_path / "tool"
    tool.write_text("#!/bin/sh\nprintf 'bad \\377 byte\\r\\nnext\\n'; printf 'err\\r\\n' >&2\n")
    tool.chmod(0o755)
    result = _run.run([str(tool)])
    assert (result.returncode, result.stdout, result.stderr) == (0, "bad \ufffd byte\nnext\n", "err\n")


def test_a_missing_tmpdir_does_not_break_validation(tmp_path: Path) -> None:
    require_tool("promtool")
    # One service of specs/ (promtool, amtool and the dashboard lint all run for it): ~1.3 CPU-s, not ~3.6.
    done = _obsc("compile", *ONE, "--out", str(tmp_path / "out"), "-q", env={"TMPDIR": str(tmp_path / "missing")})
    assert done.returncode == 0, done.stderr
    assert (tmp_path / "out" / ".obsc-validated").is_file()  # validated, not skipped


@pytest.mark.parametrize("below", ["x", "x/y"])
def test_an_output_path_through_a_file_names_the_file(
    tmp_path: Path, below: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    # `--out notes.txt/generated` (a typo, a file where the folder was): "cannot create output: File exists" or
    # "Not a directory", naming no path, so nothing said which part of the path was wrong.
    blocker = tmp_path / "notes.txt"
    blocker.write_text("")
    out = blocker / below
    monkeypatch.chdir(ROOT)
    done = run_obsc(capsys, "compile", *ONE, "--out", str(out), "--no-validate")
    assert done.code == 2, done.err
    assert done.err.strip() == (
        f"obsc: error: {out}: cannot create output: {blocker} is not a folder; nothing was written"
    )
