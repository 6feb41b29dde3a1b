"""Seeded mutations of the valid spec sets (tests/hostile/spec_fuzz.py): whatever a contributor writes in one
field or does to one file, obsc compiles it (exit 0) or refuses it where it is written (exit 2, `file:line:col`,
nothing written); never an internal error (exit 70) or a traceback. Found so: a threshold alert's metric
nested 1,900 levels deep was a RecursionError in the first walker that read it (exit 70); a service selector's
value `"up offset 99999999999d"` was read as an offset by the generated tests' text search (exit 70).
The suite runs a few; `make fuzz` more (FUZZ_MUTATIONS, FUZZ_SEED, FUZZ_SWEEP=1)."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

from tests.cli_helpers import run_obsc
from tests.hostile.spec_fuzz import Mutation, mutations, sweep, write_set

SEED = int(os.environ.get("OBSC_FUZZ_SEED", "43"))
COUNT = int(os.environ.get("OBSC_FUZZ_MUTATIONS", "8"))
SWEEP = sweep() if os.environ.get("OBSC_FUZZ_SWEEP") == "1" else []
_LOCATED = re.compile(r"^\S+\.(?:yaml|jsonnet|libsonnet)(?::\d+:\d+)? \$\S*: ", re.M)  # a whole file: no line

# Always run: the values that exited 70 before round 43, each where a contributor writes PromQL.
_FOUND = [
    Mutation("examples", "orders-consumer.yaml", ("metrics", "consumer_lag"), "metric_expr_1900"),
    Mutation("examples", "order-worker.yaml", ("metrics", "backlog", "expr"), "parens_1900"),
    Mutation("examples", "platform.yaml", ("defaults", "metrics", "memory"), "parens_1900"),
    Mutation("examples", "checkout.yaml", ("selector", "job"), "promql_offset_huge"),
    Mutation("examples", "checkout.yaml", ("selector", "job"), "promql_range_huge"),
]


@pytest.mark.parametrize("mutation", [*_FOUND, *mutations(SEED, COUNT), *SWEEP], ids=str)
def test_a_mutated_spec_compiles_or_is_refused_where_written(
    mutation: Mutation, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    write_set(mutation, tmp_path / "specs")
    out = tmp_path / "out"
    result = run_obsc(capsys, "compile", str(tmp_path / "specs"), "--out", str(out), "--no-validate")
    said = result.out + result.err
    assert result.code in (0, 2), f"{mutation}: exit {result.code}\n{said[-3000:]}"
    assert "Traceback" not in said, f"{mutation}\n{said[-3000:]}"
    if result.code == 2:
        assert _LOCATED.search(result.err), f"{mutation}: no located message\n{said[-3000:]}"
        assert not out.exists() or not any(out.iterdir()), f"{mutation}: exit 2 wrote files"
