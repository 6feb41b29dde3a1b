"""The two tiers, as pytest collects them, partition the whole suite (slow tier: three collections, ~15 CPU-s)."""

from __future__ import annotations

from tests.tier_collection import FAST, SLOW, collect, partition_problems


def test_make_test_and_the_slow_tier_partition_every_collected_test() -> None:
    whole, fast, slow = collect(), collect(*FAST), collect(*SLOW)
    assert partition_problems(whole, fast, slow) == []
    assert any(test.startswith("tests/e2e/") for test in slow)
    assert not any(test.startswith("tests/e2e/") for test in fast)
    assert any(test.startswith("tests/test_golden.py::") for test in fast)
    assert any(test.startswith("tests/test_tier_collection.py::") for test in slow)
