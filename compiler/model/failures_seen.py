"""When a failures counter of its own name (queries.errors_family) was last seen: what tells a counter renamed or
dropped (seen in the last day, gone now: SLODataMissing) from one never created (a labelled counter before its
first failure, or a name the service never writes: the info notice SLOFailuresCounterUnseen)."""

from __future__ import annotations

from compiler.model.promql import Matcher
from compiler.model.queries import errors_family
from compiler.model.types import Sli

# A failures counter of its own name seen this recently and gone now was renamed or dropped (or its service
# restarted since its last failure); one never seen is a labelled counter before its first failure, or a typo.
# Read at steps: a counter that had series for a step's length is seen.
FAMILY_SEEN_LOOKBACK = "1d"
FAMILY_SEEN_STEP = "10m"
# SLOFailuresCounterUnseen's hold: a service that fails now and then creates its failure series within it.
FAILURES_UNSEEN_FOR_SECONDS = 6 * 3600


def errors_family_seen(sli: Sli, selector: tuple[Matcher, ...]) -> str | None:
    """Whether the failures counter of its own name (errors_family) had a series at a step of the last
    FAMILY_SEEN_LOOKBACK: `{} 1` if so, nothing if not; None without such a counter."""
    family = errors_family(sli, selector)
    if family is None:
        return None
    return f"max_over_time((group({family.render()}))[{FAMILY_SEEN_LOOKBACK}:{FAMILY_SEEN_STEP}])"
