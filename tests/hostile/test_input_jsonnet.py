"""Jsonnet that would take the process down: evaluated in sandboxed worker processes, refused with a located error."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from compiler.errors import InputError
from compiler.spec import jsonnet_sandbox, loader
from compiler.spec.jsonnet_sandbox import Limits, Pool
from compiler.spec.loader import JsonnetOptions, evaluate_jsonnet_function, load_file
from tests.conftest import ROOT

OOM = "std.makeArray(5e7, function(i) i)\n"
# CPU without memory: 100,000 rounds of 1,000 md5s, a few MB live at a time.
SPIN = (
    "std.length(std.join('', [std.foldl(function(a, i) std.md5(a), std.range(1, 1000), '')"
    " for j in std.range(1, 100000)]))\n"
)


@pytest.fixture
def small_pool(monkeypatch: pytest.MonkeyPatch) -> Iterator[Pool]:
    """The loader's shared pool swapped for one with tight limits (fast to hit)."""
    pool = Pool(Limits(seconds=60.0, memory_bytes=256 << 20, output_chars=100_000), 2)
    monkeypatch.setattr(jsonnet_sandbox, "_shared", pool)
    monkeypatch.setattr(jsonnet_sandbox, "_shared_pid", os.getpid())
    yield pool
    pool.close()


def _spec(tmp_path: Path, name: str, text: str) -> str:
    path = tmp_path / name
    path.write_text(text)
    return str(path)


def test_a_huge_array_is_a_located_memory_error_not_a_go_crash(tmp_path: Path, small_pool: Pool) -> None:
    path = _spec(tmp_path, "oom.jsonnet", OOM)
    with pytest.raises(InputError, match=r"oom.jsonnet:1:1 \$: Jsonnet evaluation needed more than 256 MiB"):
        load_file(path, JsonnetOptions())


def test_endless_work_is_stopped_at_the_time_limit(tmp_path: Path, small_pool: Pool) -> None:
    small_pool.limits = Limits(seconds=1.0)
    path = _spec(tmp_path, "spin.jsonnet", SPIN)
    start = time.monotonic()
    with pytest.raises(InputError, match=r"spin.jsonnet:1:1 \$: Jsonnet evaluation took longer than 1 s"):
        load_file(path, JsonnetOptions())
    assert time.monotonic() - start < 30  # 1 s of CPU, 2 s of wall, the rest is a loaded machine's slack


def test_the_pool_recovers_after_a_child_was_stopped(tmp_path: Path, small_pool: Pool) -> None:
    with pytest.raises(InputError):
        load_file(_spec(tmp_path, "oom.jsonnet", OOM), JsonnetOptions())
    (doc,) = load_file(_spec(tmp_path, "ok.jsonnet", "{apiVersion: 'obsc/v1', n: 1 + 1}"), JsonnetOptions())
    assert doc.data == {"apiVersion": "obsc/v1", "n": 2}


def test_output_amplification_is_refused(tmp_path: Path, small_pool: Pool) -> None:
    path = _spec(tmp_path, "wide.jsonnet", "{x: std.repeat('x', 200000)}\n")
    with pytest.raises(InputError, match=r"evaluates to 200,0\d\d characters of JSON; the limit is 100,000"):
        load_file(path, JsonnetOptions())


def test_a_result_beyond_the_node_budget_is_refused(
    tmp_path: Path, small_pool: Pool, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(loader, "MAX_NODES", 1000)  # Go needs ~1 KB per array element: keep the test light
    path = _spec(tmp_path, "many.jsonnet", "{x: std.makeArray(2000, function(i) 0)}\n")
    with pytest.raises(InputError, match="Jsonnet result has more than 1,000 nodes"):
        load_file(path, JsonnetOptions())
    path = _spec(tmp_path, "deep.jsonnet", "std.foldl(function(acc, i) [acc], std.range(1, 100), [])\n")
    with pytest.raises(InputError, match="Jsonnet result has nesting deeper than 64 levels"):
        load_file(path, JsonnetOptions())


def test_a_standard_dashboard_function_is_sandboxed_too(tmp_path: Path, small_pool: Pool) -> None:
    (tmp_path / "dash.jsonnet").write_text("function(service) " + OOM)
    with pytest.raises(InputError, match=r"dash.jsonnet:1:1 \$: Jsonnet evaluation needed more than"):
        evaluate_jsonnet_function(str(tmp_path / "dash.jsonnet"), {"service": {}}, JsonnetOptions(), str(tmp_path))
    (tmp_path / "ok.jsonnet").write_text("function(service) {title: service.name}")
    got = evaluate_jsonnet_function(
        str(tmp_path / "ok.jsonnet"), {"service": {"name": "a"}}, JsonnetOptions(), str(tmp_path)
    )
    assert got == {"title": "a"}


def test_an_import_of_a_fifo_is_refused_without_blocking(tmp_path: Path, small_pool: Pool) -> None:
    os.mkfifo(tmp_path / "pipe.libsonnet")
    path = _spec(tmp_path, "imp.jsonnet", "import 'pipe.libsonnet'\n")
    with pytest.raises(InputError, match=r"import 'pipe.libsonnet' is not a regular file \(a FIFO\)"):
        load_file(path, JsonnetOptions())


def test_threads_share_the_pool_and_each_gets_its_own_answer(tmp_path: Path, small_pool: Pool) -> None:
    (tmp_path / "f.jsonnet").write_text("function(service) {n: service.n * 2}")
    results: dict[int, object] = {}

    def work(n: int) -> None:
        results[n] = evaluate_jsonnet_function(
            str(tmp_path / "f.jsonnet"), {"service": {"n": n}}, JsonnetOptions(), str(tmp_path)
        )

    threads = [threading.Thread(target=work, args=(n,)) for n in range(24)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert results == {n: {"n": n * 2} for n in range(24)}
    assert small_pool._started <= 2


def test_callers_waiting_for_a_child_go_on_when_every_child_was_stopped(tmp_path: Path) -> None:
    """More callers than children (OBSC_JOBS above the CPUs sets the standard dashboards' threads), and every
    evaluation runs out of time: a caller waiting for a child to come back waited for good, since a stopped
    child never does. Each caller must get its own located error."""
    pool = Pool(Limits(seconds=0.5), 1)
    path = tmp_path / "spin.jsonnet"
    path.write_text(SPIN)
    outcome: dict[int, str] = {}

    def work(n: int) -> None:
        try:
            pool.evaluate(str(path), SPIN, None, [str(tmp_path)])
        except InputError as exc:
            outcome[n] = exc.diagnostics[0].message

    threads = [threading.Thread(target=work, args=(n,), daemon=True) for n in range(3)]
    try:
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=60)
        assert not any(t.is_alive() for t in threads), f"callers still waiting; answered: {sorted(outcome)}"
        assert sorted(outcome) == [0, 1, 2]
        assert all("; stopped it (OBSC_JSONNET_" in message for message in outcome.values()), outcome
    finally:
        pool.close()


def test_the_cli_exits_2_with_a_located_message_and_never_loads_go(tmp_path: Path) -> None:
    (tmp_path / "oom.jsonnet").write_text(OOM)
    probe = (
        "import sys, runpy\n"
        "sys.argv = ['obsc', 'validate', sys.argv[1], '--platform', 'tests/errors/platform.yaml']\n"
        "try:\n    runpy.run_module('compiler', run_name='__main__')\n"
        "finally:\n    print('go loaded' if '_gojsonnet' in sys.modules else 'go not loaded', file=sys.stderr)\n"
    )
    env = dict(os.environ, OBSC_JSONNET_MEMORY_MB="256")
    proc = subprocess.run(
        [sys.executable, "-c", probe, str(tmp_path / "oom.jsonnet")],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert proc.returncode == 2, proc.stderr
    assert "Jsonnet evaluation needed more than 256 MiB" in proc.stderr
    assert "Traceback" not in proc.stderr and "goroutine" not in proc.stderr
    assert "go not loaded" in proc.stderr
