"""The groups ServiceDown watches apart: a service whose SLOs are split `by:` a label its scrape targets carry.

One ServiceDown for the whole service sums every target's `up`, so with every target of one region down and
another region healthy it stays quiet, and the region's SLO has no events to burn: a group nobody called read
as a group with nothing wrong. Split by such a label, ServiceDown also fires for each group whose targets all
report 0. Only labels `up` carries can split it: those the targets declare, or the usual target labels
(model/build_targets.py); a metric label (`route`, `topic`) is not on `up` and splits nothing.
"""

from __future__ import annotations

from compiler.model.build_targets import TARGET_LABELS
from compiler.model.types import Service


def down_groups(service: Service) -> tuple[tuple[str, ...], ...]:
    """Each distinct split (sorted labels) ServiceDown also fires per group of; () when nothing splits it."""
    if not service.targets:
        return ()
    declared = {m.label for m in service.targets}
    # A label the targets pin to one value (`region: eu`) has one group: the whole service's alert covers it.
    pinned = {m.label for m in service.targets if m.op == "="}
    found: set[tuple[str, ...]] = set()
    for slo in service.slos:
        kept = tuple(sorted({label for label in slo.by if label in TARGET_LABELS | declared} - pinned))
        if kept:
            found.add(kept)
    return tuple(sorted(found))
