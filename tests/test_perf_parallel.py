"""Generation spread over worker processes: the same bytes as in one process, and the same errors.

Behaviour only; how fast it is belongs to `make bench` (tests/bench/bench_prometheus.py).
"""

from __future__ import annotations

import contextlib
import os
import subprocess
import sys
import time
from collections.abc import Sequence
from pathlib import Path

import pytest

from compiler import workers
from compiler.api import CompileOptions, compile_specs, load_fleet
from compiler.errors import InputError
from compiler.model.types import Fleet, Service
from compiler.output.bundle import Artifact
from compiler.spec.loader import JsonnetOptions
from compiler.targets import TargetOptions, runbooks
from compiler.targets.grafana.standard_render import render_standard_dashboards
from tests.bench.fleet import with_standard_dashboard, write_fleet
from tests.conftest import ROOT

GOLDEN = ROOT / "tests" / "golden"
CASES = sorted([*(p / "specs" for p in GOLDEN.iterdir() if (p / "specs").is_dir()), ROOT / "examples"])

needs_fork = pytest.mark.skipif(not workers.can_fork(), reason="worker processes need fork (Linux)")


def _files(specs: Path, jobs: int, fmt: str = "prometheus") -> dict[str, str]:
    bundle = compile_specs([str(specs)], CompileOptions(format=fmt, jobs=jobs)).bundle
    return {a.path: a.content for a in bundle.artifacts}


@needs_fork
@pytest.mark.parametrize("specs", CASES, ids=lambda p: p.parent.name if p.name == "specs" else p.name)
def test_workers_write_the_same_bytes_as_one_process(specs: Path) -> None:
    one = _files(specs, jobs=1)
    assert list(_files(specs, jobs=3)) == list(one)  # same paths, same order
    assert _files(specs, jobs=3) == one


@needs_fork
@pytest.mark.parametrize("fmt", ["prometheus-operator", "mimir", "vmalert"])
def test_workers_write_the_same_bytes_in_every_layout(fmt: str) -> None:
    assert _files(ROOT / "examples", jobs=2, fmt=fmt) == _files(ROOT / "examples", jobs=1, fmt=fmt)


@needs_fork
def test_a_fleet_cut_into_chunks_compiles_to_the_same_bytes(tmp_path: Path) -> None:
    specs = write_fleet(tmp_path, services=30, rich=True)
    with_standard_dashboard(specs)
    one = _files(specs, jobs=1)
    assert sum(p.endswith(".golden-signals.json") for p in one) == 30  # every chunk had standard dashboards
    assert _files(specs, jobs=2) == one


@needs_fork
def test_a_failure_in_a_worker_raises_the_same_error_as_in_one_process(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    specs = write_fleet(tmp_path, services=6)
    real = runbooks.service_artifacts

    def broken(fleet: Fleet, services: Sequence[Service], options: TargetOptions) -> list[Artifact]:
        if any(s.name == "svc-0004" for s in services):
            raise ValueError("runbook bug for svc-0004")
        return real(fleet, services, options)

    monkeypatch.setattr(runbooks, "service_artifacts", broken)
    with pytest.raises(ValueError, match="runbook bug for svc-0004"):
        compile_specs([str(specs)], CompileOptions(jobs=2))


def test_small_fleets_stay_in_one_process_and_obsc_jobs_is_obeyed(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("OBSC_JOBS", raising=False)
    monkeypatch.setattr(workers, "available_cpus", lambda: 8)
    monkeypatch.setattr(workers, "can_fork", lambda: True)
    assert workers.worker_count(3) == 1  # not worth a fork
    assert workers.worker_count(workers.MIN_ITEMS_PER_WORKER * 3) == 3
    assert workers.worker_count(1000) == 8
    monkeypatch.setenv("OBSC_JOBS", "1")
    assert workers.worker_count(1000) == 1
    monkeypatch.setenv("OBSC_JOBS", "2")
    assert workers.worker_count(1000) == 2
    assert workers.worker_count(1000, jobs=4) == 4  # an explicit request wins
    assert workers.worker_count(2, jobs=4) == 2  # never more workers than pieces of work
    monkeypatch.setattr(workers, "can_fork", lambda: False)
    assert workers.worker_count(1000, jobs=4) == 1


def test_run_keeps_task_order_and_runs_here_with_one_worker() -> None:
    tasks = [lambda i=i: i * i for i in range(10)]  # type: ignore[misc]
    assert workers.run(tasks, 1) == [i * i for i in range(10)]
    if workers.can_fork():
        assert workers.run(tasks, 3) == [i * i for i in range(10)]


ERRORS = ROOT / "tests" / "errors"


def _diagnostics(paths: list[str], jobs: int) -> tuple[str, ...]:
    options = CompileOptions(platform_file=str(ERRORS / "platform.yaml"), jobs=jobs)
    with pytest.raises(InputError) as caught:
        load_fleet(paths, options, {})
    return tuple(str(d) for d in caught.value.diagnostics)


@needs_fork
def test_specs_checked_in_workers_report_the_same_errors(tmp_path: Path) -> None:
    # (jsonnet_memory hits the memory or the time limit first depending on the machine's load: its own golden
    # checks the message; both runs here would only compare two races)
    skipped = ("platform", "jsonnet_memory")
    cases = sorted(str(p) for p in ERRORS.iterdir() if p.suffix in (".yaml", ".jsonnet") and p.stem not in skipped)
    one = _diagnostics(cases, jobs=1)
    assert len(one) >= len(cases)  # every bad file says something
    assert _diagnostics(cases, jobs=3) == one


@needs_fork
def test_specs_built_in_workers_give_the_same_model_and_notes(tmp_path: Path) -> None:
    specs = write_fleet(tmp_path, services=12)  # plain: notes say which key alerts are skipped
    (specs / "svc-0003.yaml").write_text(
        (specs / "svc-0003.yaml").read_text()
        + "routing:\n  critical: {webhook: {url: 'http://127.0.0.1:9/own'}}\n"  # an inline receiver
    )
    one, notes_one = load_fleet([str(specs)], CompileOptions(jobs=1), {})
    three, notes_three = load_fleet([str(specs)], CompileOptions(jobs=3), {})
    assert three == one
    assert notes_three == notes_one and notes_one
    assert any(r.name.startswith("svc-0003") for r in three.receivers)


def _children(pid: int) -> set[int]:
    found: set[int] = set()
    for task in Path(f"/proc/{pid}/task").glob("*"):
        with contextlib.suppress(OSError):
            found |= {int(c) for c in (task / "children").read_text().split()}
    return found


def _running(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


@needs_fork
def test_a_killed_compile_leaves_no_worker_behind(tmp_path: Path) -> None:
    specs = write_fleet(tmp_path, services=200, rich=True)
    argv = [sys.executable, "-m", "compiler", "compile", str(specs), "--out", str(tmp_path / "out"), "--no-validate"]
    proc = subprocess.Popen([*argv, "-q"], cwd=ROOT, env=dict(os.environ, OBSC_JOBS="2"))
    try:
        # The loop ends once workers run; the deadline is for a compile that never starts them. At load 37 on this
        # 2-core machine they took 20 s to appear (round 49), a third of the 60 s this allowed.
        deadline, children = time.monotonic() + 240, set()
        while not children and proc.poll() is None and time.monotonic() < deadline:
            children = _children(proc.pid)
            time.sleep(0.02)
        assert children, "the compile never started worker processes"
    finally:
        proc.kill()
        proc.wait()
    deadline = time.monotonic() + 10
    while any(_running(c) for c in children) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not [c for c in children if _running(c)], "workers outlived the compile"


def test_standard_dashboards_evaluated_on_threads_are_the_same(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    specs = write_fleet(tmp_path, services=4)
    with_standard_dashboard(specs)
    (specs / "svc-0002.yaml").write_text((specs / "svc-0002.yaml").read_text() + "dashboards: [service]\n")
    fleet, _ = load_fleet([str(specs)], CompileOptions(), {})
    monkeypatch.setattr(workers, "worker_count", lambda items, jobs=None, threads=False: 1)
    one = render_standard_dashboards(fleet, JsonnetOptions())
    monkeypatch.setattr(workers, "worker_count", lambda items, jobs=None, threads=False: 3)
    assert render_standard_dashboards(fleet, JsonnetOptions()) == one
    assert [(r.service, r.name) for r in one.rendered_dashboards] == [
        (f"svc-000{i}", "golden-signals") for i in (0, 1, 3)
    ]


def test_standard_dashboard_errors_on_threads_name_the_first_service(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    specs = write_fleet(tmp_path, services=4)
    with_standard_dashboard(specs)
    broken = "function(service) error 'no dashboard for ' + service.name\n"
    (specs / "lib" / "golden-signals.jsonnet").write_text(broken)
    fleet, _ = load_fleet([str(specs)], CompileOptions(), {})
    messages = []
    for count in (1, 3):
        monkeypatch.setattr(workers, "worker_count", lambda items, jobs=None, threads=False, n=count: n)
        with pytest.raises(InputError) as caught:
            render_standard_dashboards(fleet, JsonnetOptions())
        messages.append(str(caught.value))
    assert messages[0] == messages[1]
    assert "service 'svc-0000'" in messages[0] and "no dashboard for svc-0000" in messages[0], messages[0]
