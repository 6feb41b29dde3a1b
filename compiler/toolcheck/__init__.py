"""External validators run on the written bundle (the only subprocess calls in obsc)."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from concurrent.futures import ThreadPoolExecutor, wait
from functools import partial

from compiler.output.bundle import Bundle
from compiler.toolcheck import _run
from compiler.toolcheck.record import Record
from compiler.toolcheck.record_base import Base
from compiler.workers import paused_gc

STOP_POLL_SECONDS = 0.1  # how soon a stop another thread received ends validation


def validate_bundle(
    bundle: Bundle,
    tree_dir: str,
    record_dir: str | None = None,
    revalidate_all: bool = False,
    base: Base | None = None,
    teams: Mapping[str, str] | None = None,
) -> Record:
    """Run every validator that applies to the output written in `tree_dir`; raise ToolError on failure.

    `record_dir` holds the validation record of the previous run (the live output; `tree_dir` may be the
    staged tree that replaces it): checks whose exact input bytes it lists are skipped, unless
    `revalidate_all`; with a `base` (`--record-base`), only checks whose bytes that revision committed and
    validated. On success the record of this run is written into `tree_dir`. Without `record_dir`
    everything runs and no record is written. `teams`: each service's team, from the model (promtool's shapes
    of test groups reach across teams by it).
    """
    # No cyclic GC while validating: the focus parses every test file into ~60,000 YAML events a file, and
    # each full collection walked them and the whole compiled bundle again (27% of the Python CPU of a cold
    # validation of 40 rich services; they hold no cycles and are freed as they go).
    with paused_gc():
        return _validate_bundle(bundle, tree_dir, record_dir, revalidate_all, base, teams)


def _validate_bundle(
    bundle: Bundle,
    tree_dir: str,
    record_dir: str | None,
    revalidate_all: bool,
    base: Base | None,
    teams: Mapping[str, str] | None,
) -> Record:
    from compiler.toolcheck import amtool, grafana_lint, promtool, record

    current = record.load(record_dir, revalidate_all, base) if record_dir is not None else None
    # The three run at once: promtool keeps every CPU busy for minutes on a large fleet, and amtool's and the
    # lint's work (a minute at 1,000 services, part of it one core of Python) fits in its gaps instead of
    # after it. The first failure in the order promtool, amtool, lint is the one reported, as before.
    by_teams = partial(promtool.validate, teams=teams) if teams else promtool.validate  # teams: group shapes
    validators = (by_teams, amtool.validate, grafana_lint.validate)
    pool = ThreadPoolExecutor(len(validators))
    try:
        running = [pool.submit(check, bundle, tree_dir, current) for check in validators]
        # In short waits: the kernel may hand a stop to any thread, and then only wakes the main thread's own
        # wait when it ends; a wait for all of validation ran on to the end (seen in test_stop_validation).
        while wait(running, timeout=STOP_POLL_SECONDS).not_done:
            pass
    except BaseException:  # a stop: the validators' threads do not get it; their tools end now
        _run.stop_all()
        pool.shutdown(cancel_futures=True)  # quick now: no tool runs any more
        _run.resume()
        raise
    pool.shutdown()
    for finished in running:
        finished.result()
    if current is None:
        return record.Record()
    record.save(current, tree_dir)
    shaped = f" ({current.by_shape} of them passed by their shape's verdict)" if current.by_shape else ""
    logging.getLogger("obsc").info(
        "validation: %d check(s) run%s, %d skipped (their exact bytes passed before)",
        current.ran,
        shaped,
        current.skipped,
        extra={"checks_run": current.ran, "checks_skipped": current.skipped},
    )
    return current
