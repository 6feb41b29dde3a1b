"""The suite's own scheduling: the known-slow modules conftest starts first still exist."""

from __future__ import annotations

from tests.conftest import ROOT, SLOW_FIRST


def test_every_slow_first_module_exists_once() -> None:
    assert len(set(SLOW_FIRST)) == len(SLOW_FIRST)
    assert [m for m in SLOW_FIRST if not (ROOT / m).is_file()] == []
