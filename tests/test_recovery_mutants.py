"""A held burn pair's recovery check (counted_short.saw_recovery) is pinned by generated promtool cases in every
catalog: each of its two comparisons raised by half, lowered by 40% and flipped, and each window it reads taken for
another, must fail a generated test as validation runs it (recovery_cases.py). Round 32's first fix of the revived
hold was reverted because no generated case fed a short window's reading before its gap (its mutants survived),
and a second one left 2 alive on a 1d-period SLO. By default the 7d catalog's sample
(test_prometheus_mutations.sample: one mutant of each kind, each comparison at least once); every catalog and
mutant with OBSC_MUTATION_FULL=1 (~150 CPU-s)."""

from __future__ import annotations

import tempfile
from pathlib import Path

import pytest
import yaml

from tests import test_prometheus_mutations as sweep
from tests.conftest import require_tool

_CHECK = " last_over_time(("  # the recovery check's subquery, after the pair's ALERTS hold


def recovery_mutants(service: str, rules_text: str) -> list[sweep.Mutant]:
    """The mutants of `service` that change a burn rule inside its recovery check."""
    flat = [r for g in yaml.safe_load(rules_text)["groups"] for r in g["rules"]]
    out = []
    for mutant in sweep.mutants(service, rules_text):
        if mutant.field != "expr" or mutant.record:
            continue
        expr = str(flat[mutant.rule_index]["expr"])
        at = expr.find(_CHECK)
        end = expr.find("\n", at)  # the check ends its line
        rest = expr[end:] if end >= 0 else ""
        inside = mutant.expr[:at] == expr[:at] and mutant.expr.endswith(rest) and mutant.expr != expr
        if at >= 0 and inside and len(mutant.expr) - len(rest) > at:
            out.append(mutant)
    return out


# The default sweep of test_prometheus_mutations already samples these checks' mutants in order-worker (30d) and
# intranet (1d, 90d), so by default only the 7d catalog runs here (~1/3 of the CPU); OBSC_MUTATION_FULL runs all.
CATALOGS = {
    "7d": ("tests/golden/batch-and-exporters/specs", ["order-consumer"]),
    **(
        {
            "30d-28d": ("examples", ["order-worker", "search"]),
            "1d-90d": ("tests/golden/low-objectives/specs", ["intranet"]),  # pairs out of reach
        }
        if sweep.MUTATION_FULL
        else {}
    ),
}


@pytest.mark.parametrize(("source", "services"), list(CATALOGS.values()), ids=list(CATALOGS))
def test_every_mutant_of_the_recovery_check_is_killed(source: str, services: list[str]) -> None:
    promtool = require_tool("promtool", "PROMTOOL")
    files = sweep.compiled(source)
    with tempfile.TemporaryDirectory(dir=sweep.scratch_dir()) as tmp:
        written = []
        for service in services:
            parsed = {name: yaml.load(text, Loader=sweep._LOADER) for name, text in files[service].items()}
            found = recovery_mutants(service, files[service]["rules"])
            for mutant in found if sweep.MUTATION_FULL else sweep.sample(found):
                base, chosen = sweep.write_mutant(Path(tmp), len(written), mutant, parsed, files[service])
                written.append((mutant, base, chosen, sweep.trial_order(mutant, parsed)))
        # every pair with the check: both comparisons and both windows (OBSC_MUTATION_FULL), or one of each kind
        assert len(written) >= (8 if sweep.MUTATION_FULL else 4) * len(services), [m.what for m, *_ in written]
        assert not sweep.parse_failures(promtool, [b / "rules" / f"{m.service}.yaml" for m, b, _, _ in written])
        with sweep.each_test_file_parsed_once():
            runs = [sweep.focused_runs(b, m.service, c, first) for m, b, c, first in written]
        dead = sweep.kills(promtool, runs)
    named = [f"  {m.service} {m.alert} (rule {m.rule_index}): {m.what}" for m, *_ in written]
    alive = [line for line, d in zip(named, dead, strict=True) if not d]
    assert not alive, f"{len(alive)} of {len(written)} mutants of the recovery check survived:\n" + "\n".join(alive)
