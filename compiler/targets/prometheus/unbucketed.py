"""A latency SLO's record of its histogram series that have requests and no threshold bucket now.

Each fast window's rates leave out a series that had requests and no threshold bucket at the window's end or
start (a release that dropped or added the bucket in place: queries.spanning_bucket_rate). Read inline, every
window record read three raw selectors, the bucket's regex among them, at both ends: +19% promtool CPU on a
rich service's generated tests. The set is recorded once, first in the fast group so that its windows read
this evaluation's value, and each window reads the record now and `offset <window>`.

The record has no history before its rules are loaded: for one window after that, a bucket changed in place
shortly before reads as it did before round 33 (its `offset` read is empty), never worse. The coarse tier's 5m
rates, evaluated every few minutes in another group, keep the raw reads: a record a fast interval old there
would miss a release in that interval and count a fifth of a 5m sample's requests slow.
"""

from __future__ import annotations

from compiler import conventions as names
from compiler.model import queries
from compiler.model.types import SliKind, Slo
from compiler.targets.prometheus.rule_model import Rule


def unbucketed_record(slo: Slo, labels: tuple[tuple[str, str], ...], selector: str) -> tuple[Rule | None, str]:
    """The record (None for an SLI other than latency) and its selector for queries.sli_rates' `recorded`."""
    if slo.sli.kind is not SliKind.LATENCY:
        return None, ""
    expr = queries.unbucketed_now(slo.sli, without=queries.OBSC_SLO_LABELS)
    return Rule(expr, record=names.SLI_UNBUCKETED, labels=labels), names.SLI_UNBUCKETED + selector
