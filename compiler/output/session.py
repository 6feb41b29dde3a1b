"""`obsc compile`'s hold on its output directory, from the moment the specs are known to be sound to the swap.

A warm compile (an output tree exists) generates first and then, under the lock, plans and writes
(writer.compile_into). A cold one (no `--out`, or an empty directory, and not a subset compile) has
nothing to compare, keep or link: it takes the lock and makes the staging tree *before* generating, so
the worker processes write their files straight into it (output/direct.py). The lock is held from then
on, so no other run's recovery mistakes that staging tree for a killed run's leftovers; everything after
(the manifest, validation on the staged tree, the one atomic swap) is the writer's, unchanged.
"""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Callable
from contextlib import ExitStack
from types import TracebackType

from compiler import conventions, stops
from compiler.errors import OutputError
from compiler.output import lock, swap, writer
from compiler.output import subset as subsets
from compiler.output.bundle import Bundle


class Session:
    def __init__(self, out_dir: str, *, wait: bool = True, on_wait: Callable[[str], None] | None = None) -> None:
        self.out_dir = out_dir
        self.real = os.path.realpath(out_dir)
        self.wait, self.on_wait = wait, on_wait
        self.staging: str | None = None
        self._stack = ExitStack()
        self._locked = False

    def __enter__(self) -> Session:
        return self

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None) -> None:
        try:
            if self.staging is not None and os.path.lexists(self.staging):
                with stops.held():  # a second Ctrl-C waits for the clean-up
                    swap.discard(self.staging)  # not swapped in (bad specs, a failure): nothing was written
        finally:
            self._stack.close()

    def cold_staging(self) -> str | None:
        """Lock the output and, when it is missing or an empty directory, make the staging tree the workers
        fill; None otherwise (the output is then planned and written as usual)."""
        self._lock()
        try:
            cold = not os.path.lexists(self.real) or (os.path.isdir(self.real) and not os.listdir(self.real))
        except OSError:
            return None  # unreadable: the usual path reports why
        if not cold:
            return None
        self.staging = swap.staging_name(self.real)  # named first: a stop from here on finds it to clean up
        try:
            swap.make_staging(self.staging)
        except OSError as exc:
            raise writer.cannot_create(self.out_dir, exc) from None
        return self.staging

    def compile(
        self, bundle: Bundle, validate: Callable[[str], None] | None = None, subset: subsets.Subset | None = None
    ) -> writer.Plan:
        """writer.compile_into, in this session: plan and write (into the filled staging tree if there is one)."""
        self._lock()
        if subset is not None and self.staging is not None:  # not what the workers wrote: start afresh
            swap.discard(self.staging)
            self.staging = None
        p = writer.plan(subsets.merge(bundle, self.out_dir, subset) if subset else bundle, self.out_dir)
        if self.staging is None:
            writer.write(p, validate)
        else:  # the workers wrote every file but the manifest
            writer.write(p, validate, self.staging, frozenset(bundle.paths) - {conventions.MANIFEST})
        # A tree that could not be deleted (an immutable file, `chattr +i`) stayed beside the output, in silence,
        # at every compile (round 34 hunt): said now. Only ours can be there: this run holds the exclusive lock.
        olds, stagings = swap.leftovers(*os.path.split(self.real))
        return dataclasses.replace(p, left_behind=tuple(olds + stagings)) if olds or stagings else p

    def _lock(self) -> None:
        """The exclusive lock (once), then the repair of what a killed run left beside the output."""
        if self._locked:
            return
        try:
            os.makedirs(os.path.dirname(self.real), exist_ok=True)
        except OSError as exc:
            raise writer.cannot_create(self.out_dir, exc) from None
        self._stack.enter_context(lock.output_lock(self.out_dir, exclusive=True, wait=self.wait, on_wait=self.on_wait))
        self._locked = True
        try:
            swap.recover(self.real)
        except OSError as exc:
            raise OutputError(f"{self.out_dir}: cannot clean up after an interrupted run: {exc.strerror}") from None
