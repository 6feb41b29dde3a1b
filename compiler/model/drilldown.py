"""The panels of an SLO's row that say what fails, beyond how fast the budget burns (round 48).

A burn or budget page opens the burn-rate or budget panel: how much fails. What fails is on two other panels of the
row: the failures per code its failure selector reads (a ratio SLI, model.failure_codes) and a latency SLI's
requests per bucket of its histogram. The dashboard links them from the panels a page opens, and the runbook page
lists them under Diagnosis; both ask here which exist.
"""

from __future__ import annotations

from compiler import conventions as names
from compiler.model.failure_codes import failure_codes
from compiler.model.types import Slo


def shows_buckets(slo: Slo) -> bool:
    """Whether the SLO's row has the bucket heatmap: a latency SLI over a histogram's selector."""
    sli = slo.sli
    return sli.latency is not None and sli.latency.selector is not None and sli.threshold_le is not None


def drilldown_panels(slo: Slo) -> list[tuple[str, int]]:
    """(title, panel offset in the SLO's id block) of each what-fails panel of the SLO's row."""
    out = []
    codes = failure_codes(slo.sli)
    if codes is not None:
        out.append((f"Failures by {' and '.join(codes.labels)}", names.SLO_CODES_OFFSET))
    if shows_buckets(slo):
        out.append(("Requests per latency bucket", names.SLO_LATENCY_OFFSET))
    return out
