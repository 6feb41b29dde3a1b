"""The Jsonnet limits count the child's CPU time, not wall time (round 47; round 46 left it as an open item).

On a loaded CI machine a child gets a fraction of a core: with wall time, a sound spec ran out of its 10 s, and
the compile's allowance (`OBSC_JSONNET_TOTAL`) was spent by the machine's load rather than by the specs. Here the
load is a child held with SIGSTOP for longer than its limit while it evaluates: it uses no CPU in that time.
"""

from __future__ import annotations

import os
import signal
import threading
import time
from pathlib import Path

import pytest

from compiler.spec.jsonnet_sandbox import Limits, Pool, TimedOut

# ~0.05-0.2 CPU-s here: long enough to be caught mid-evaluation, far below the limit
WORK = "std.length([std.md5(std.toString(i)) for i in std.range(1, 40000)])\n"


def _held_while_evaluating(pool: Pool, path: Path, hold: float) -> tuple[str, list[float]]:
    """Evaluate `path` while its child is stopped for `hold` seconds of wall time; the output and what was spent."""
    pool.evaluate(str(path), "{}", None, [str(path.parent)])  # start the child; its pid is read below
    pid = pool._idle[0].proc.pid
    spent: list[float] = []

    def hold_child() -> None:
        time.sleep(0.02)
        os.kill(pid, signal.SIGSTOP)
        time.sleep(hold)
        os.kill(pid, signal.SIGCONT)

    holder = threading.Thread(target=hold_child, daemon=True)
    holder.start()
    try:
        output = pool.evaluate(str(path), WORK, None, [str(path.parent)], spent=spent.append)
    finally:
        holder.join()
    return output, spent


def test_a_child_held_past_its_limit_without_using_cpu_still_finishes(tmp_path: Path) -> None:
    pool = Pool(Limits(seconds=1.0), 1)
    try:
        output, spent = _held_while_evaluating(pool, tmp_path / "work.jsonnet", hold=3.0)
    finally:
        pool.close()
    assert output.strip() == "40000"
    assert len(spent) == 1 and spent[0] < 1.0, spent  # the allowance is charged CPU seconds, not the 3 s held


def test_a_child_that_uses_its_cpu_is_still_stopped(tmp_path: Path) -> None:
    path = tmp_path / "spin.jsonnet"
    spin = "local f(n) = if n == 0 then 0 else f(n - 1) + f(n - 1);\nf(60)\n"
    pool = Pool(Limits(seconds=0.5), 1)
    spent: list[float] = []
    start = time.monotonic()
    try:
        with pytest.raises(TimedOut, match=r"Jsonnet evaluation took longer than 0\.5 s of CPU time"):
            pool.evaluate(str(path), spin, None, [str(tmp_path)], spent=spent.append)
    finally:
        pool.close()
    assert 0.5 <= spent[0] < 2.0, spent
    assert time.monotonic() - start < 30


def test_a_child_starved_past_the_wall_backstop_is_stopped_with_its_own_message(tmp_path: Path) -> None:
    pool = Pool(Limits(seconds=0.1), 1)  # backstop: 30 x 0.1 + 1 = 4 s of wall time
    path = tmp_path / "quick.jsonnet"
    try:
        pool.evaluate(str(path), "{}", None, [str(tmp_path)])
        os.kill(pool._idle[0].proc.pid, signal.SIGSTOP)  # uses no CPU from here: only the backstop can stop it
        start = time.monotonic()
        with pytest.raises(TimedOut, match=r"did not finish within 4 s of wall time, 30 x its 0\.1 s CPU limit"):
            pool.evaluate(str(path), "{}", None, [str(tmp_path)])
        assert 3.5 < time.monotonic() - start < 15.0
    finally:
        pool.close()  # a stopped child is killed too
