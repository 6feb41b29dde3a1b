"""A stop (Ctrl-C, SIGTERM, SIGHUP) at any line of a compile's write leaves the output as it was or as the
specs make it, with every foreign entry and human-edited runbook in it, and nothing beside it: no staging
tree, no journal, no lock file.

Found by CI: test_cli's SIGTERM test, which stops a real compile after a sleep, found a staging tree left
beside the output once in many runs. The stop had landed in a window: inside the call that made the staging
tree, before the caller held its name, or while the old tree was deleted after the swap. Such a window is
hit by chance only; here a real signal is sent at each line the write runs (a trace hook counts lines of
compiler/output and signals at the chosen one), through the path `obsc compile` takes: the session's lock,
a cold compile's staging tree filled as files are generated, the plan, the moves, the swap. Stops the code
holds (compiler/stops.py) are delivered when it lets them, as a real signal is.
"""

from __future__ import annotations

import functools
import linecache
import os
import shutil
import signal
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from types import FrameType
from typing import Any, TypeVar

import pytest

from compiler import api, generation, importing
from compiler.api import CompileOptions, compile_specs
from compiler.errors import ExitCode
from compiler.output.bundle import Bundle
from compiler.output.guard import write_new_file
from compiler.output.session import Session
from compiler.starter import starter_spec
from compiler.stops import Terminated
from compiler.ui import failures
from tests.conftest import ROOT, tree

# The modules that make, move or remove something in or beside the output (not bundle.py or tree.py: they
# only build data and read), less their functions that only read: a stop there is a stop at the line that
# called them, as far as the disk is concerned.
OUTPUT = ROOT / "compiler" / "output"
TRACED = {str(OUTPUT / f"{name}.py") for name in ("direct", "lock", "session", "swap", "writer")}
READ_ONLY = {"plan", "_edited_since", "_mode_of", "_file_mode", "_umask", "leftovers", "_holder", "_same_file"}
MINIMAL = ROOT / "tests" / "golden" / "minimal" / "specs" / "api.yaml"
T = TypeVar("T")


def _compile(specs: Path, out: Path) -> None:
    """What `obsc compile SPECS --out OUT --no-validate` does with its output, in one process."""
    with Session(str(out)) as session:
        compilation = compile_specs([str(specs)], CompileOptions(jobs=1), write_into=session.cold_staging)
        session.compile(compilation.bundle)


def _write(bundle: Bundle, out: Path) -> None:
    """The same into an output that has files: the specs compile to the same bundle each time, so it is made
    once (the session makes no staging tree for the workers there: it locks and repairs, as in `_compile`)."""
    with Session(str(out)) as session:
        assert session.cold_staging() is None
        session.compile(bundle)


def _lines_of_the_write(action: Any, stop_at: int | None = None) -> list[tuple[str, int]]:
    """The lines of compiler/output that `action` runs, in order; with `stop_at`, SIGTERM is sent to this
    process at that line (counted from 1)."""
    seen: list[tuple[str, int]] = []

    def local(frame: FrameType, event: str, arg: object) -> Any:
        if event == "line":
            seen.append((frame.f_code.co_filename, frame.f_lineno))
            if len(seen) == stop_at:
                signal.raise_signal(signal.SIGTERM)  # raised here at once, unless the code holds stops
        return local

    def calls(frame: FrameType, event: str, arg: object) -> Any:
        code = frame.f_code
        return local if code.co_filename in TRACED and code.co_name not in READ_ONLY else None

    sys.settrace(calls)
    try:
        action()
    finally:
        sys.settrace(None)
    return seen


def _moments(lines: list[tuple[str, int]]) -> list[int]:
    """Each line's first and last run (a loop's first and last turn), as 1-based counts. Not a `try:` line:
    an exception a trace hook raises there skips the handlers of the `try` around it, which no real signal
    can do (Python runs a signal's handler only after a call, a loop's jump back or a function's start)."""
    first: dict[tuple[str, int], int] = {}
    last: dict[tuple[str, int], int] = {}
    for count, line in enumerate(lines, 1):
        if linecache.getline(*line).strip() == "try:":
            continue
        first.setdefault(line, count)
        last[line] = count
    return sorted(set(first.values()) | set(last.values()))


@pytest.fixture
def stops_raise() -> Iterator[None]:
    """SIGTERM handled as `obsc` handles it (compiler/stops.py), for this test only."""

    def stop(number: int, frame: object) -> None:
        raise Terminated(signal.Signals(number).name)

    before = signal.signal(signal.SIGTERM, stop)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, before)


def _specs(root: Path, objective: str, services: tuple[str, ...]) -> Path:
    root.mkdir(parents=True)
    for service in services:
        text = MINIMAL.read_text().replace("service: api", f"service: {service}").replace("99.5", objective)
        (root / f"{service}.yaml").write_text(text.replace("job: api", f"job: {service}"))
    return root


def _edit_a_runbook(out: Path) -> None:
    page = sorted((out / "runbooks").rglob("*.md"))[0]
    page.write_text(page.read_text() + "\nChecked with the on-call lead.\n")


@pytest.mark.parametrize("start", ["cold", "warm"])
def test_a_stop_at_any_line_of_the_write_leaves_the_old_tree_or_the_new_one_and_nothing_beside_it(
    tmp_path: Path, stops_raise: None, start: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    old_specs = _specs(tmp_path / "old", "99.5", ("api", "gone"))
    new_specs = _specs(tmp_path / "new", "99.9", ("api", "web"))
    base = tmp_path / "base" / "out"  # the output before the stopped compile
    if start == "warm":
        _compile(old_specs, base)
        _edit_a_runbook(base)
        (base / ".git").mkdir()
        (base / ".git" / "HEAD").write_text("ref: refs/heads/main\n")
        (base / "NOTES.md").write_text("ours\n")
    finished = tmp_path / "finished" / "out"
    if start == "warm":
        shutil.copytree(base, finished, symlinks=True)
    _compile(new_specs, finished)
    outcomes = {"old": tree(base) if base.exists() else {}, "new": tree(finished)}

    work = tmp_path / "work"
    if start == "cold":
        write: Callable[[Path], None] = functools.partial(_compile, new_specs)
    else:
        write = functools.partial(_write, compile_specs([str(new_specs)], CompileOptions(jobs=1)).bundle)
    run = functools.partial(_afresh, base, work, write)
    reached: dict[str, int] = {"old": 0, "new": 0}
    lines = _lines_of_the_write(run)
    # Reading the specs and the targets' generation (between the cold compile's writes) run untraced in the
    # stopped runs: they run no line of compiler/output, as this shows, and the trace hook's call on each of
    # their calls was a third of the cost of each stopped run.
    written, load = generation._written, api.load_fleet
    monkeypatch.setattr(generation, "_written", lambda part, into: written(_untraced(part), into))
    monkeypatch.setattr(api, "load_fleet", lambda *args: _untraced(lambda: load(*args))())
    assert _lines_of_the_write(run) == lines
    moments = _moments(lines)
    assert len(moments) > 120, len(moments)  # the write's lines, not only the lock's
    for moment in moments:
        with pytest.raises(SystemExit) as stopped:  # as `obsc compile` ends on a stop (ui/failures.py)
            failures.run(functools.partial(_stopped, run, moment), [])
        assert stopped.value.code == ExitCode.INTERRUPTED
        out, where = work / "out", "{}:{}".format(*lines[moment - 1])
        assert [p.name for p in work.iterdir()] == (["out"] if out.exists() else []), f"left beside, stopped at {where}"
        now = tree(out) if out.exists() else {}
        matches = [name for name, files in outcomes.items() if files == now]
        assert matches, f"stopped at {where}: the output is neither the old tree nor the new one"
        reached[matches[0]] += 1
    assert reached["old"] and reached["new"], reached  # stops before the swap and after it were both tried


def _untraced(part: Callable[[], T]) -> Callable[[], T]:
    """`part` with the trace hook off while it runs (on again after, as it was)."""

    def run() -> T:
        hook = sys.gettrace()
        sys.settrace(None)
        try:
            return part()
        finally:
            sys.settrace(hook)

    return run


def _stopped(run: Callable[[], None], moment: int, settings: object) -> None:
    _lines_of_the_write(run, moment)


def _afresh(base: Path, work: Path, write: Callable[[Path], None]) -> None:
    """The output as it was (copied afresh, files hard-linked: obsc never writes into a file it keeps; not
    traced: only compiler/output is), then `write` into it."""
    if work.exists():
        shutil.rmtree(work)
    work.mkdir()
    if base.exists():
        shutil.copytree(base, work / "out", symlinks=True, copy_function=os.link)
    write(work / "out")


def _each_stop(run: Callable[[], None]) -> Iterator[str]:
    """Runs `run` stopped at each moment of its write, through obsc's stop handler (exit 130 each time), and
    yields where it was stopped after each run, for the caller to look at what it left."""
    lines = _lines_of_the_write(run)
    moments = _moments(lines)
    assert len(moments) > 10, len(moments)
    for moment in moments:
        with pytest.raises(SystemExit) as stopped:
            failures.run(functools.partial(_stopped, run, moment), [])
        assert stopped.value.code == ExitCode.INTERRUPTED
        yield "{}:{}".format(*lines[moment - 1])


def test_a_stop_at_any_line_of_obsc_init_leaves_the_file_whole_or_absent_and_nothing_else(
    tmp_path: Path, stops_raise: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Found by a review: `obsc init` and `obsc import` write each file through a temporary one beside it
    (guard.write_text_safely), removed on an OSError only: a stop between its creation and the rename left
    `.api.yaml.tmp-PID` in the specs folder. The same stop at each line, through `obsc init`'s write."""
    monkeypatch.setattr(sys.modules[__name__], "TRACED", {str(OUTPUT / "guard.py")})
    text = starter_spec("api", "my-team")
    folder = tmp_path / "specs"

    def run() -> None:
        if folder.exists():
            shutil.rmtree(folder)
        write_new_file(str(folder), "api.yaml", text, "--dir")

    for where in _each_stop(run):
        left = sorted(p.name for p in folder.iterdir()) if folder.exists() else []
        assert left in ([], ["api.yaml"]), f"stopped at {where}: {left}"
        assert not left or (folder / "api.yaml").read_text() == text, f"stopped at {where}: a part written"


def _sloth_source(path: Path, objective: str) -> Path:
    docs = [
        f"version: prometheus/v1\nservice: {service}\nlabels: {{owner: payments}}\nslos:\n"
        f"  - name: availability\n    objective: {objective}\n    sli:\n      events:\n"
        f'        error_query: sum(rate(http_requests_total{{job="{service}",code=~"5.."}}[{{{{.window}}}}]))\n'
        f'        total_query: sum(rate(http_requests_total{{job="{service}"}}[{{{{.window}}}}]))\n'
        "    alerting: {page_alert: {disable: true}, ticket_alert: {disable: true}}\n"
        for service in ("api", "billing", "web")
    ]
    path.write_text("---\n".join(docs))
    return path


@pytest.mark.parametrize("start", ["cold", "warm"])
def test_a_stop_at_any_line_of_obsc_import_leaves_the_specs_folder_as_it_was_or_fully_written(
    tmp_path: Path, stops_raise: None, monkeypatch: pytest.MonkeyPatch, start: str
) -> None:
    """A stopped `obsc import` kept the spec files it had written: a Ctrl-C after the first of three left
    one service imported and two not (cold), or with --force one spec new and two old (warm), and the message
    said the output was as it was or fully written. The same stop at each line of the import's write (the
    proof by compiling is not the write: left out here), cold into a folder that does not exist yet and warm
    over older imports and a file of the user's."""
    monkeypatch.setattr(sys.modules[__name__], "TRACED", {str(OUTPUT / name) for name in ("guard.py", "file_set.py")})
    monkeypatch.setattr(importing, "_prove", lambda *args: [])
    source = _sloth_source(tmp_path / "sloth.yaml", "99.9")
    base = tmp_path / "base" / "specs"  # the specs folder before the stopped import
    if start == "warm":
        base.mkdir(parents=True)
        importing.run(
            "sloth",
            [str(_sloth_source(tmp_path / "old.yaml", "99.5"))],
            str(base),
            team=None,
            period="30d",
            force=False,
        )
        (base / "NOTES.md").write_text("ours\n")
    finished = tmp_path / "finished" / "specs"
    if start == "warm":
        shutil.copytree(base, finished)
    importing.run("sloth", [str(source)], str(finished), team=None, period="30d", force=True)
    outcomes = {"old": tree(base) if base.exists() else {}, "new": tree(finished)}
    assert outcomes["old"] != outcomes["new"]

    work = tmp_path / "work"
    folder = work / "specs"

    def run() -> None:
        if work.exists():
            shutil.rmtree(work)
        work.mkdir()
        if base.exists():
            shutil.copytree(base, folder)
        importing.run("sloth", [str(source)], str(folder), team=None, period="30d", force=True)

    reached: dict[str, int] = {"old": 0, "new": 0}
    for where in _each_stop(run):
        now = tree(folder) if folder.exists() else {}
        matches = [name for name, files in outcomes.items() if files == now]
        assert matches, f"stopped at {where}: the specs folder is neither as it was nor fully written: {sorted(now)}"
        assert folder.exists() == base.exists() or matches == ["new"], f"stopped at {where}: an empty folder left"
        reached[matches[0]] += 1
    assert reached["old"] and reached["new"], reached
