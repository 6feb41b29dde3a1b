"""A memo of `amtool config routes test` answers for tests that compile many similar fleets.

The tool-backed property tests compile one service per drawn example, and most examples write the same
alertmanager.yml: amtool replayed the same label sets against the same bytes again and again. An answer
depends only on the binary, the config file's bytes, and the labels and receivers it is given (not the
row's name): a replay with all of them seen before takes the recorded answer; any other byte runs amtool.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from compiler.toolcheck import amtool_routes

_Key = tuple[str, str, tuple[tuple[str, str], ...], tuple[str, ...]]
_answers: dict[_Key, tuple[bool, str]] = {}
seen = {"replayed": 0, "recalled": 0}  # counts, for the test that shows the memo is used and keyed right


@contextmanager
def remembered_routes() -> Iterator[None]:
    """Within the block, routes tests whose binary, config bytes and case were replayed before are recalled."""
    real = amtool_routes.route_once

    def route_once(amtool: str, config: Path, case: amtool_routes.Case) -> tuple[bool, str]:
        key = (amtool, hashlib.sha256(config.read_bytes()).hexdigest(), case.labels, case.receivers)
        if key in _answers:
            seen["recalled"] += 1
        else:
            seen["replayed"] += 1
            _answers[key] = real(amtool, config, case)
        return _answers[key]

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(amtool_routes, "route_once", route_once)
        yield
