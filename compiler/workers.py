"""Run pure work on every CPU: forked worker processes, results in task order.

Checking and building one spec, and generating one service's files, read nothing of another's, so the
pipeline cuts a large fleet into chunks and hands them to workers (see api.py). Workers are forked: they
inherit the model and the task list and send back only their results; they write nothing and never touch
the output directory. Results are joined in task order, so the output is the same bytes as a run in one
process. Where fork is not available (not Linux), with one CPU, or for a small fleet, everything runs in
this process. Tasks must not call Jsonnet: a forked child has no Go runtime threads (Jsonnet runs in the
parent, in the loader and the dashboards stage, before any fork). Jsonnet evaluation itself releases the
GIL while Go evaluates, so the dashboards stage spreads it over threads instead (`map_threads`).

`OBSC_JOBS=N` sets the number of workers (1: none); the default is one per available CPU.
"""

from __future__ import annotations

import contextlib
import ctypes
import gc
import logging
import multiprocessing
import os
import signal
import sys
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor
from typing import Any, TypeVar

from compiler import stops

log = logging.getLogger("obsc")

T = TypeVar("T")
U = TypeVar("U")

MIN_ITEMS_PER_WORKER = 25  # below this a worker costs more (fork, transfer) than it saves

_tasks: Sequence[Callable[[], Any]] = ()  # in a worker: what it runs, by index (set when it starts)


def available_cpus() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not Linux
        return os.cpu_count() or 1


def can_fork() -> bool:
    return sys.platform == "linux" and "fork" in multiprocessing.get_all_start_methods()


def worker_count(items: int, jobs: int | None = None, threads: bool = False) -> int:
    """Worker processes (or `threads`) for `items` independent pieces of work; 1 means run them here.

    `jobs` (an explicit request) wins; otherwise OBSC_JOBS, else one per CPU while each worker gets at least
    MIN_ITEMS_PER_WORKER items. Processes need fork.
    """
    if jobs is None:
        env = os.environ.get("OBSC_JOBS", "").strip()
        wanted = int(env) if env.isdigit() and int(env) > 0 else available_cpus()
        jobs = min(wanted, items // MIN_ITEMS_PER_WORKER)
    return max(1, min(jobs, items)) if threads or can_fork() else 1


CHUNKS_PER_WORKER = 8  # work is handed out in chunks: enough to even out the workers' finish times


def chunks(items: Sequence[T], workers: int) -> list[Sequence[T]]:
    """`items` cut in order into CHUNKS_PER_WORKER pieces per worker (one piece for one worker, none if empty)."""
    pieces = workers * CHUNKS_PER_WORKER if workers > 1 else 1
    size = max(1, -(-len(items) // pieces))
    return [items[i : i + size] for i in range(0, len(items), size)]


def chunks_of_groups(keys: Sequence[str], workers: int) -> list[list[int]]:
    """Indices of `keys` cut into about as many pieces as `chunks` makes, each piece whole groups of equal
    keys (in key order, indices ascending within a group) where a group fits in one piece's share."""
    order = sorted(range(len(keys)), key=lambda i: (keys[i], i))
    pieces = workers * CHUNKS_PER_WORKER if workers > 1 else 1
    share = max(1, -(-len(keys) // pieces))
    out: list[list[int]] = []
    current: list[int] = []
    start = 0
    while start < len(order):
        end = start
        while end < len(order) and keys[order[end]] == keys[order[start]]:
            end += 1
        group = order[start:end]
        if len(current) + len(group) > share and current:
            out.append(current)
            current = []
        for i in range(0, len(group), share):  # a group larger than a share is cut
            current.extend(group[i : i + share])
            if len(current) >= share:
                out.append(current)
                current = []
        start = end
    if current:
        out.append(current)
    return out


def run(tasks: Sequence[Callable[[], T]], workers: int) -> list[T]:
    """Each task's result, in task order; on `workers` forked processes when more than one.

    Tasks must be pure: a worker's side effects are lost. A task that fails in a worker is run again here,
    so its exception (and traceback) is the one a run in one process shows.
    """
    if workers <= 1 or len(tasks) <= 1:
        return [task() for task in tasks]
    context = multiprocessing.get_context("fork")  # workers inherit `tasks` (and the model they close over)
    pool = ProcessPoolExecutor(
        min(workers, len(tasks)), mp_context=context, initializer=_start_worker, initargs=(tasks, os.getpid())
    )
    try:
        with stops.held():  # the workers are forked at the first submit: a stop raised inside fork's own
            # callbacks (logging re-takes its lock) was swallowed, and the compile went on
            futures = [pool.submit(_run, i) for i in range(len(tasks))]
        results: list[T] = [future.result() for future in futures]
    except Exception as exc:  # any failure: redo the work here, where it raises for real
        # Wait for the chunks still running: a worker writing into a staging tree (output/direct.py) must be
        # done before the caller discards that tree, or it would leave folders behind.
        pool.shutdown(wait=True, cancel_futures=True)
        log.debug("worker processes failed (%s); running the work in this process", exc)
        return [task() for task in tasks]
    except BaseException:  # Ctrl-C: drop the queued work, and wait for the chunks running (a fraction of a second)
        # A worker still writing into a staging tree (output/direct.py) after the stop put folders back into the
        # tree the caller then removes, and left it beside the output. Killing the workers instead could cut a
        # result half sent: the executor's thread then waited for the rest, and obsc never exited.
        pool.shutdown(wait=True, cancel_futures=True)
        raise
    pool.shutdown()
    return results


def map_threads(function: Callable[[U], T], items: Sequence[U], threads: int) -> list[T]:
    """`function` of each item, in order, on `threads` threads: for work that releases the GIL (Jsonnet
    evaluates in Go). Exceptions propagate as from a loop."""
    if threads <= 1 or len(items) <= 1:
        return [function(item) for item in items]
    with ThreadPoolExecutor(min(threads, len(items))) as pool:
        return list(pool.map(function, items))


def _run(index: int) -> Any:
    return _tasks[index]()


_PR_SET_PDEATHSIG = 1


def _start_worker(tasks: Sequence[Callable[[], Any]], parent: int) -> None:
    """Take the task list; leave Ctrl-C (and SIGTERM, SIGHUP) to the parent, and die with it (a killed compile
    leaves no workers)."""
    global _tasks
    _tasks = tasks
    for number in stops.STOPS:  # the parent cleans up (entry.py)
        signal.signal(number, signal.SIG_IGN)
    signal.pthread_sigmask(signal.SIG_UNBLOCK, stops.STOPS)  # forked while the parent held them
    with contextlib.suppress(Exception):
        ctypes.CDLL(None, use_errno=True).prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)  # libc's, already loaded
    if os.getppid() != parent:  # the parent died before prctl took effect
        os._exit(1)


@contextlib.contextmanager
def paused_gc() -> Iterator[None]:
    """No cyclic garbage collection while generating: the pipeline makes millions of small objects and
    hardly any cycles, and each full collection walks them all (about 15% of a large fleet's compile)."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            # What the run made goes straight to the oldest generation, unscanned: enabled as it was, the
            # collector would first walk every object made since the pause (~0.15 s for 1,000 services).
            # Cycles among them are still freed, by the next full collection.
            if not gc.get_freeze_count():  # (unfreeze would release another's frozen objects)
                gc.freeze()
                gc.unfreeze()
            gc.enable()
