"""`obsc verify`: a raw SLI's total without series that its `idle_while` reads as idle, as SLODataMissing does.

A CloudWatch exporter writes no sample for a period without requests, so round 40's recipe (`idle_while:` the
load balancer's healthy-host count) has a total without series every quiet hour. Verify read that as a fault
(round 41's review): "the total query returns no series" over a night's lookback, and, 5 to 30 minutes after
the last request, "samples later than the windows read" of a spec that reads the right offset, each exit 1.
The idle series, written every period whatever the traffic, tells: where it is, the source is idle.
"""

from __future__ import annotations

import re
from typing import Any

from compiler.model import promql_tree, queries
from compiler.model.promql_check import selectors
from compiler.model.promql_text import mask
from compiler.model.raw_windows import IDLE_SEEN_LOOKBACK, idle_guard
from compiler.model.types import Sli
from compiler.model.units import format_duration
from compiler.verify.client import Prometheus

# the idle selector's own offset (one selector: it ends it): `x offset 10m[5m]` does not parse
_OWN_OFFSET = re.compile(r"\s+offset\s+\S+\s*$", re.IGNORECASE)


def total_selectors(sli: Sli) -> list[Any]:
    """The selectors (parsed) a raw SLI's total reads; their text is selector_text's (`str()` drops escapes)."""
    try:
        tree = promql_tree.parse_filled(sli.raw_total or "", window="5m")
    except (ValueError, TypeError):
        return []
    return selectors(tree)


def idle_read(sli: Sli, prometheus: Prometheus) -> bool:
    """Whether the `idle_while` series has a sample in the 5m window the total reads (its selectors' offset): the
    exporter's samples reach the windows, so a total that reads nothing there is idle, not late."""
    if sli.raw_idle_while is None:
        return False
    found = [int(s.offset.total_seconds()) for s in total_selectors(sli) if s.offset is not None]
    shift = f" offset {format_duration(max(found))}" if found and max(found) > 0 else ""
    own = _OWN_OFFSET.search(mask(sli.raw_idle_while))  # read where the total reads, whatever its own (round 42)
    idle = sli.raw_idle_while[: own.start()] if own else sli.raw_idle_while
    return bool(prometheus.query(f"count(last_over_time({idle}[5m]{shift}))"))


def idle_now(sli: Sli, prometheus: Prometheus) -> bool:
    """SLODataMissing's reading of a total without series: idle while the `idle_while` series exists and the
    total had series within IDLE_SEEN_LOOKBACK (slo_missing._unless_idle)."""
    if sli.raw_idle_while is None:
        return False
    guard = idle_guard(queries.sli_total(sli, IDLE_SEEN_LOOKBACK), sli.raw_idle_while)
    return bool(prometheus.query(f"count({guard})"))
