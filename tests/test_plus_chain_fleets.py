"""Any spec obsc accepts gets generated tests that pass against its own rules: a property over drawn services whose
SLIs are the shapes the generated data-missing timeline and traffic cases handle least by rote.

- Raw SLIs whose `errors` and `total` add 1-10 `rate(...)` terms with `+`. Round 43: with 7 terms or more beside a
  second SLO, `obsc compile` exited 1 ("validation failed") on obsc's own SLODataMissing test. The timeline
  (promtool/missing_timeline.py) spaces its scenarios by the longest range the alerts read, the sum of every range
  in the query (35m for seven `[5m]`), and carried the alert that fires in every scenario (the chained SLI is never
  fed) into the next one's checks; but past the 5m lookback a step at 30m evaluation saw neither scenario's `up`,
  so the alert resolved there and was pending, not firing, at the next check.
- Series shared between SLOs of a service (the same counter in two SLIs' queries, across `+` chains).
- Error-ratio SLIs (`raw: {error_ratio}`) at high objectives, free or the one-division form imported as events.

One compile of three drawn services with validation (~4 CPU-s); the draw is seeded and
covers each shape (checked below), so the test is the same on every run.
"""

from __future__ import annotations

import random
import subprocess
import sys
from pathlib import Path

from tests.conftest import ROOT, require_tool
from tests.platform_text import sink_platform

SEEDS = range(3)
METRICS = ("req_total", "fail_total", "retry_total")  # few names: SLOs of one service share series
OBJECTIVES = ("99", "99.5", "99.9", "99.95", "99.99")


def _chain(draw: random.Random, terms: int) -> str:
    """`rate(m{$selector}[$window]) + ...`: `terms` rates of metrics drawn from the shared few."""
    return " + ".join(f"rate({draw.choice(METRICS)}{{$selector}}[$window])" for _ in range(terms))


def _sli(draw: random.Random, seed: int, index: int) -> str:
    """One SLI in flow YAML. Index 0 is a long chain (7-10 terms); index 1 one whose counters the data-missing
    scenarios feed (without one, no scenario has traffic and nothing is carried between them); index 2 a chain of
    1-10 or a free error ratio."""
    shapes = {0: ("chain",), 1: ("sum", "ratio", "events")}.get(index, ("free_ratio", "chain"))
    shape = shapes[seed % len(shapes)]  # each shape in SEEDS' few services; terms, metrics and objectives drawn
    if shape == "events":  # the service's counters, which the chains read too
        return "{errors: errors, total: requests}"
    if shape == "chain":
        terms = draw.randint(7, 10) if index == 0 else draw.randint(1, 10)
        return f"{{raw: {{errors: '{_chain(draw, terms)}', total: '{_chain(draw, draw.randint(1, 10))}'}}}}"
    bad, total = draw.sample(METRICS, 2)  # the same query both sides is refused (a ratio of 1)
    if shape == "sum":  # one summed rate a side
        errors, events = (f"sum(rate({m}{{$selector}}[$window]))" for m in (bad, total))
        return f"{{raw: {{errors: '{errors}', total: '{events}'}}}}"
    if shape == "ratio":  # one division of two summed rates: imported as errors/total
        query = f"sum(rate({bad}{{$selector}}[$window])) / sum(rate({total}{{$selector}}[$window]))"
    else:  # no event counts to read: a free ratio, recorded as it is
        query = f"max(rate({bad}{{$selector}}[$window]) / rate({total}{{$selector}}[$window]))"
    return f"{{raw: {{error_ratio: '{query}'}}}}"


def draw_service(seed: int) -> str:
    """A service spec of 3 SLOs, the first a raw SLI adding 7 or more rates."""
    draw = random.Random(seed)
    lines = [
        "apiVersion: obsc/v1",
        f"service: chain{seed}",
        "team: t",
        f"selector: {{job: chain{seed}}}",
        "metrics: {requests: req_total, errors: fail_total}",
        "slos:",
    ]
    for index in range(3):
        objective = draw.choice(OBJECTIVES)
        lines.append(f"  - {{name: s{index}, objective: {objective}, sli: {_sli(draw, seed, index)}}}")
    return "\n".join(lines) + "\n"


def test_the_draw_covers_each_shape() -> None:
    text = "".join(draw_service(seed) for seed in SEEDS)
    longest = max(line.count(" + ") + 1 for line in text.splitlines())
    assert longest >= 7
    assert "error_ratio: 'sum(" in text and "error_ratio: 'max(" in text and "errors: 'sum(" in text
    assert "sli: {errors: errors, total: requests}" in text
    assert "objective: 99.99," in text or "objective: 99.95," in text
    assert any(text.count(f"{m}{{") > 1 for m in METRICS)


def test_drawn_plus_chain_and_error_ratio_services_pass_their_own_generated_tests(tmp_path: Path) -> None:
    require_tool("promtool")
    require_tool("amtool")
    specs, out = tmp_path / "specs", tmp_path / "out"
    specs.mkdir()
    (specs / "platform.yaml").write_text(sink_platform())
    for seed in SEEDS:
        (specs / f"chain{seed}.yaml").write_text(draw_service(seed))
    argv = [sys.executable, "-m", "compiler", "compile", str(specs), "--out", str(out), "-q"]
    result = subprocess.run(argv, capture_output=True, text=True, cwd=ROOT)
    assert result.returncode == 0, result.stderr[-3000:]
