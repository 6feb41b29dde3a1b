"""A stop (Ctrl-C, SIGTERM, SIGHUP) during validation ends the tool runs at once (compiler/toolcheck).

Found by a review: the validators run on threads (promtool, amtool and the lint at once, each spreading its
tool runs over more threads), and only the main thread gets a stop. It left them running: a compile of 40
services stopped 5 s into validation printed "interrupted" and exited 4.9 s later, having started new
promtool and amtool processes meanwhile, while its staging tree was removed under them; a fleet's would run
for minutes, and a CI runner's SIGKILL that follows a SIGTERM would then leave their temporary folders.
"""

from __future__ import annotations

import os
import signal
import threading
import time
from pathlib import Path

import pytest

from compiler import workers
from compiler.output.bundle import Bundle
from compiler.stops import Terminated
from compiler.toolcheck import _run, amtool, grafana_lint, promtool, validate_bundle

RUNS = 40  # per validator


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


def test_a_stop_during_validation_kills_the_tools_and_starts_no_more(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    started = tmp_path / "started"
    tool = tmp_path / "tool"
    tool.write_text(f"#!/bin/sh\necho $$ >> {started}\nexec sleep 0.5\n")
    tool.chmod(0o755)

    # Forty tool runs each, two at a time: 10 s unless stopped. Long enough that the stop, sent from a thread
    # as the first run starts, lands during validation even when a loaded machine starves that thread; the
    # test lasts only until the stop.
    def check(bundle: Bundle, out_dir: str, record: object) -> None:
        workers.map_threads(lambda n: _run.run([str(tool)]), list(range(RUNS)), 2)

    for validator in (promtool, amtool, grafana_lint):
        monkeypatch.setattr(validator, "validate", check)

    def pids() -> list[int]:
        return [int(line) for line in started.read_text().split()] if started.exists() else []

    def stop_once_running() -> None:
        while not pids():
            time.sleep(0.01)
        os.kill(os.getpid(), signal.SIGTERM)

    def stop(number: int, frame: object) -> None:
        raise Terminated(signal.Signals(number).name)

    before = signal.signal(signal.SIGTERM, stop)
    threading.Thread(target=stop_once_running, daemon=True).start()
    try:
        try:
            with pytest.raises(Terminated):
                validate_bundle(Bundle(()), str(tmp_path))
        except Terminated:  # (a KeyboardInterrupt: escaping the test, it would end the whole pytest run)
            pytest.fail("the stop landed after validation had ended")
        running = [pid for pid in pids() if _alive(pid)]
        ran = len(pids())
        time.sleep(0.8)  # more than a run's length: one started meanwhile has written its pid
        more = len(pids()) - ran
    finally:
        signal.signal(signal.SIGTERM, before)
        for thread in threading.enumerate():  # (before the fix: the validators' threads ran on)
            if thread.name.startswith("ThreadPoolExecutor"):
                thread.join(10)
    assert running == [], "tools still running after the stop"
    assert more == 0, f"{more} tools started after the stop"
    assert ran < 3 * RUNS, ran  # the stop waited for the runs under way (killed), not for every run to end
