"""Cyclic garbage collection is paused where the work makes millions of objects and no cycles.

Validation (the focus parses every promtool test file into YAML events) ran with the collector on: each full
collection walked those events and the whole compiled bundle again, 27% of the Python CPU of validating 40 rich
services. And the tests themselves run with it paused (tests/conftest.py), as the compile does.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from pathlib import Path

import pytest

from compiler.output.bundle import Bundle
from compiler.toolcheck import amtool, grafana_lint, promtool, validate_bundle


@pytest.fixture
def collector_on() -> Iterator[None]:
    """The collector on, as in `obsc compile` (the suite pauses it around each test)."""
    was = gc.isenabled()
    gc.enable()
    try:
        yield
    finally:
        if not was:
            gc.disable()


@pytest.mark.usefixtures("collector_on")
def test_validation_runs_with_the_collector_paused_and_turns_it_back_on(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    seen: list[bool] = []
    for module in (promtool, amtool, grafana_lint):
        monkeypatch.setattr(module, "validate", lambda *_: seen.append(gc.isenabled()))
    validate_bundle(Bundle(()), str(tmp_path))
    assert seen == [False, False, False]
    assert gc.isenabled()


def test_a_test_runs_with_the_collector_paused() -> None:
    assert not gc.isenabled()
