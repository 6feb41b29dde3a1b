"""The killer hints (tests/mutation_hints.json) still name a test group of the mutants the default sweeps run.

A stale hint costs time, never a verdict: the mutant tries its groups in the usual order, ~4 promtool files
before one fails instead of 1. The generated tests pack cases into groups and a group's hint is a digest of its
name, so one new case can rename most groups of a file: after round 48's refresh, round 49's event-count cases
left 74 of the low-objectives sweep's 149 mutants (and 21 of order-worker's 110) without a hint that names a
group of theirs, and that sweep, the suite's costliest test, took ~82 CPU-s. Checked here without promtool
(a few CPU-s): when this fails, run `make mutation-hints` and commit the file.
"""

from __future__ import annotations

from typing import Any

import pytest

from tests import test_prometheus_mutations as sweep
from tests.mutation_hints import killer_hints

# Each default sweep that reads the hints, as its test calls `survivors`.
SWEEPS: dict[str, dict[str, Any]] = {
    "order-worker": {"services": ["order-worker"]},
    "nightly-backup+homepage": {"services": ["nightly-backup", "homepage"]},
    "low-objectives": sweep.OUT_OF_REACH,
    "cloud-exporter": {"services": ["invoices-alb"], "source": "tests/golden/cloud-exporter/specs"},
    "threshold-alerts": {"services": ["orders-consumer"], "only": sweep.THRESHOLD_ALERTS},
    "storefront-groups": {"services": ["storefront"], "only_groups": True},
}
# A hint may be missing for a mutant that no group killed (none may survive) or that a small change just added;
# a renaming of the groups leaves far more.
FRESH = 0.9


def unhinted(arguments: dict[str, Any]) -> tuple[list[str], int]:
    """The mutants (by their hint key) of a sweep whose hint names none of the test groups that can see them, and
    how many mutants the sweep runs."""
    hints = killer_hints()
    missing, total = [], 0
    for _, mutants, parsed in sweep.swept(**arguments):
        for mutant in mutants:
            total += 1
            order = sweep.trial_order(mutant, parsed)
            groups = {
                order.label(f"tests/{name}", n)
                for name, tests in parsed.items()
                if name != "rules"
                for n, group in enumerate(tests["tests"])
                if sweep._exercises(group, mutant)
            }
            if hints.get(order.mutant) not in groups:
                missing.append(order.mutant)
    return missing, total


@pytest.mark.skipif(sweep.MUTATION_FULL, reason="the full sweep runs mutants the default run's hints leave out")
@pytest.mark.parametrize("name", SWEEPS)
def test_the_default_sweeps_hints_name_a_group_of_their_mutants(name: str) -> None:
    missing, total = unhinted(SWEEPS[name])
    assert total > 0
    assert len(missing) <= (1 - FRESH) * total, (
        f"{len(missing)} of {total} mutants of the {name} sweep have no hint naming one of their test groups "
        "(tests/mutation_hints.json is stale: the generated tests changed). Run `make mutation-hints` and commit "
        "the file. First ones:\n  " + "\n  ".join(missing[:10])
    )
