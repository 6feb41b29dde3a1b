"""How validation keeps both CPUs busy: promtool runs with one Go thread per process, its test and check
calls share one queue (slowest first, findings still in command order), its cross-check overlaps the
promtool processes, and promtool, amtool and the dashboard lint run at the same time."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest

from compiler.errors import ToolError
from compiler.output.bundle import Bundle
from compiler.toolcheck import _run, amtool, grafana_lint, promtool, validate_bundle
from compiler.toolcheck.promtool import GO_DEFAULTS, Layout
from compiler.toolcheck.record import Record
from tests.test_promtool_toolcheck import have_promtool, written  # noqa: F401 (fixture)

WAIT = 20.0  # seconds a step waits for the one it should overlap with; only reached when they do not overlap


def test_promtool_gets_one_go_thread_and_a_lazier_collector_unless_the_user_says(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    assert GO_DEFAULTS == {"GOGC": "400", "GOMAXPROCS": "1"}
    show = ["python3", "-c", "import os; print(os.environ['GOMAXPROCS'], os.environ['GOGC'])"]
    monkeypatch.delenv("GOMAXPROCS", raising=False)
    monkeypatch.delenv("GOGC", raising=False)
    assert _run.run(show, defaults=GO_DEFAULTS).stdout.split() == ["1", "400"]
    monkeypatch.setenv("GOMAXPROCS", "4")
    assert _run.run(show, defaults=GO_DEFAULTS).stdout.split() == ["4", "400"]


def _fake_tree(tmp_path: Path) -> Layout:
    sizes = {"rules/a.yaml": 10, "rules/b.yaml": 5000, "tests/a.test.yaml": 20, "tests/b.test.yaml": 900}
    for rel, size in sizes.items():
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / rel).write_text("x" * size)
    return Layout(str(tmp_path), ("rules/a.yaml", "rules/b.yaml"), ("tests/a.test.yaml", "tests/b.test.yaml"), {})


def test_tests_start_before_checks_heaviest_first_and_findings_keep_command_order(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    layout = _fake_tree(tmp_path)
    started: list[tuple[str, ...]] = []

    def fake(argv: list[str], **kwargs: object) -> _run.Result:
        started.append(tuple(argv[1:2] + argv[-1:]))
        header = "Checking" if argv[1] == "check" else "Unit Testing:"
        return _run.Result(tuple(argv), 1, f"{header} {argv[-1]}\n  FAILED:\nbroken\n", "")

    monkeypatch.setattr(_run, "run", fake)
    monkeypatch.setattr(promtool, "FILES_PER_CALL", 1)  # a call per file, one at a time: the start order shows
    monkeypatch.setenv("OBSC_JOBS", "1")
    calls = [
        [promtool._Part(("check", "rules"), tuple((r,) for r in layout.rules))],
        [promtool._Part(("test", "rules"), tuple((t,) for t in layout.tests))],
    ]
    runner = promtool._Runner("promtool", layout, {}, str(tmp_path))
    found = [f for problems in promtool._spread(runner, calls, layout) for f in problems]
    assert started == [
        ("test", "tests/b.test.yaml"),
        ("test", "tests/a.test.yaml"),
        ("check", "rules/b.yaml"),
        ("check", "rules/a.yaml"),
    ]
    where = [f.split(":")[0] for f in found]
    assert where == ["rules/b.yaml", "rules/a.yaml", "tests/b.test.yaml", "tests/a.test.yaml"]


def test_the_cross_check_runs_while_promtool_does(
    have_promtool: str,  # noqa: F811
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    crossing = threading.Event()
    overlapped: list[bool] = []
    real_run, real_cross = _run.run, promtool.cross_check

    def run(argv: list[str], **kwargs: object) -> _run.Result:
        if argv[1:3] == ["test", "rules"]:
            overlapped.append(crossing.wait(WAIT))
        return real_run(argv, **kwargs)  # type: ignore[arg-type]

    def cross(*args: object, **kwargs: object) -> list[str]:
        crossing.set()
        return real_cross(*args, **kwargs)  # type: ignore[arg-type]

    compilation = written(tmp_path)
    monkeypatch.setattr(_run, "run", run)
    monkeypatch.setattr(promtool, "cross_check", cross)
    promtool.validate(compilation.bundle, str(tmp_path))
    assert overlapped and all(overlapped)


def test_promtool_amtool_and_the_lint_run_at_once_and_the_first_failure_in_order_wins(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    meeting = threading.Barrier(3, timeout=WAIT)
    ran: list[str] = []

    def validator(name: str, fails: bool) -> object:
        def check(bundle: Bundle, out_dir: str, record: Record | None = None) -> None:
            meeting.wait()  # breaks (BrokenBarrierError) unless all three are running together
            ran.append(name)
            if fails:
                raise ToolError(f"{name} rejected the output")

        return check

    monkeypatch.setattr(promtool, "validate", validator("promtool", False))
    monkeypatch.setattr(amtool, "validate", validator("amtool", True))
    monkeypatch.setattr(grafana_lint, "validate", validator("lint", True))
    with pytest.raises(ToolError, match=r"^amtool rejected"):
        validate_bundle(Bundle(()), str(tmp_path), str(tmp_path))
    assert sorted(ran) == ["amtool", "lint", "promtool"]
    assert not (tmp_path / ".obsc-validated").exists()  # a failed validation records nothing


def test_one_promtool_more_than_cpus_unless_obsc_jobs_says(monkeypatch: pytest.MonkeyPatch) -> None:
    from compiler import workers

    monkeypatch.setattr(workers, "available_cpus", lambda: 2)
    monkeypatch.delenv("OBSC_JOBS", raising=False)
    assert promtool._jobs() == 3
    monkeypatch.setenv("OBSC_JOBS", "2")
    assert promtool._jobs() == 2


def test_one_changed_service_splits_its_focused_groups_over_the_idle_cpus_in_order(
    have_promtool: str,  # noqa: F811
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """One service to test (one changed): its ~25 focused groups ran in one promtool process, the longest pole
    of the one-service-changed compile, while the other CPU idled. They now run in one process per CPU, at the
    same time, each group once, and every group's finding is still reported, in the groups' order."""
    from compiler import workers

    compilation = written(tmp_path)
    layout = Layout(
        str(tmp_path),
        tuple(p for p in compilation.bundle.paths if p.startswith("prometheus/rules/")),
        tuple(p for p in compilation.bundle.paths if p.endswith(".test.yaml")),
        {},
    )
    meeting = threading.Barrier(2, timeout=WAIT)
    groups: list[list[str]] = []

    def fake(argv: list[str], **kwargs: object) -> _run.Result:
        files = argv[3:] if argv[1] == "test" else argv[4:]
        if argv[1] == "test":
            groups.append(files)
            if workers.available_cpus() == 2:
                meeting.wait()  # breaks unless the two processes run at once
        return _run.Result(tuple(argv), 1, "".join(f"Unit Testing: {f}\n  FAILED:\nbroken\n" for f in files), "")

    monkeypatch.setattr(workers, "available_cpus", lambda: 2)
    monkeypatch.delenv("OBSC_JOBS", raising=False)  # OBSC_JOBS=1 keeps one process (test_promtool_toolcheck.py)
    monkeypatch.setattr(_run, "run", fake)
    found = promtool.run_promtool(have_promtool, layout, Record())
    assert len(groups) == 2 and all(groups)
    ran = [f for files in groups for f in files]
    assert len(ran) == len(set(ran)) > 10
    tested = [f for f in found if " (test " in f]
    assert len(tested) == len(ran)
    # the findings read as from one process: every group's, in the order one promtool reports them
    monkeypatch.setattr(workers, "available_cpus", lambda: 1)
    groups.clear()
    alone = promtool.run_promtool(have_promtool, layout, Record())
    assert len(groups) == 1 and found == alone


def test_focused_groups_are_cut_into_consecutive_runs_of_about_equal_cost(tmp_path: Path) -> None:
    from compiler.toolcheck import focus_runs

    def group(name: str, size: int, interval: str) -> str:
        (tmp_path / name).write_text(f'evaluation_interval: "{interval}"\n' + "x" * size)
        return name

    files = [group("a", 1000, "1m"), group("b", 1000, "30m"), group("c", 1000, "30m"), group("d", 1000, "30m")]
    assert focus_runs.chunks(files, 1, str(tmp_path)) == [files]
    assert focus_runs.chunks(files, 2, str(tmp_path)) == [["a"], ["b", "c", "d"]]  # a 1m group costs ~3x
    assert focus_runs.chunks(files[1:], 2, str(tmp_path)) == [["b", "c"], ["d"]]
    assert focus_runs.chunks(files, 8, str(tmp_path)) == [["a"], ["b"], ["c"], ["d"]]
    assert focus_runs.chunks(files[:1], 2, str(tmp_path)) == [["a"]]


@pytest.mark.parametrize("jobs", ["2", "3"])
def test_split_groups_never_run_more_promtools_at_once_than_obsc_jobs(
    have_promtool: str,  # noqa: F811
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    jobs: str,
) -> None:
    """OBSC_JOBS=N caps the promtool processes running at once (docs/ci.md; a container's memory holds N):
    one changed service's rule check and its focused groups split over the CPUs ran N+1 together."""
    import time

    from compiler import workers

    compilation = written(tmp_path)
    layout = Layout(
        str(tmp_path),
        tuple(p for p in compilation.bundle.paths if p.startswith("prometheus/rules/")),
        tuple(p for p in compilation.bundle.paths if p.endswith(".test.yaml")),
        {},
    )
    lock, running, most = threading.Lock(), [0], [0]

    def fake(argv: list[str], **kwargs: object) -> _run.Result:
        with lock:
            running[0] += 1
            most[0] = max(most[0], running[0])
        time.sleep(0.3)  # long enough for every process allowed at once to have started
        with lock:
            running[0] -= 1
        header = "Checking" if argv[1] == "check" else "Unit Testing:"
        start = 3 if argv[1] == "test" else 4
        return _run.Result(tuple(argv), 0, "".join(f"{header} {f}\n  SUCCESS\n" for f in argv[start:]), "")

    monkeypatch.setattr(workers, "available_cpus", lambda: int(jobs))
    monkeypatch.setenv("OBSC_JOBS", jobs)
    monkeypatch.setattr(_run, "run", fake)
    assert promtool.run_promtool(have_promtool, layout, Record()) == []
    assert most[0] == int(jobs)


def test_a_cold_fleet_runs_four_rich_services_in_each_promtool_process(tmp_path: Path) -> None:
    """Each promtool process pays a fixed ~20 ms start and the growth of its Go heap (first-touch page faults,
    most of promtool's system CPU); two services a process started 500 for a 1,000-service fleet."""
    units = []
    kinds = ("", ".holds", ".long", ".scrapes", ".twins")
    for service in range(40):  # a rich service: five test files, one unit (never split)
        unit = tuple(f"tests/svc-{service:02d}{kind}.test.yaml" for kind in kinds)
        for rel in unit:
            (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
            (tmp_path / rel).write_text("x" * 100)
        units.append(unit)
    layout = Layout(str(tmp_path), (), tuple(f for unit in units for f in unit), {})
    parts = promtool._bins([promtool._Part(("test", "rules"), tuple(units), focus=True)], 3, layout)
    assert [len(part.units) for part in parts] == [4] * 10
    assert sorted(unit for part in parts for unit in part.units) == sorted(units)
