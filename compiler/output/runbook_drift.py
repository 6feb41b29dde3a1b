"""Edited runbooks that obsc's stub has moved away from.

A page a human edited is never rewritten, so when its alert's lines, queries, dashboard links or receivers
change, the page keeps quoting the old ones. Its marker line (kept by most edits) holds the checksum of the stub
it was written from: when that is not the stub obsc writes now, the page is named, until the team deletes the
marker to say the page is up to date.
"""

from __future__ import annotations

from compiler.output.bundle import Bundle, Ownership, stub_origin
from compiler.output.writer import Plan, Status


def outdated(plan: Plan, bundle: Bundle) -> list[str]:
    """The kept (edited) runbooks whose marker names another stub than the one obsc would write there now."""
    stubs = {a.path: a.content for a in bundle.artifacts if a.ownership is Ownership.STUB}
    out = []
    for change in plan.changes:
        if change.status is not Status.PRESERVED or change.old is None or change.path not in stubs:
            continue
        origin = stub_origin(change.old)
        if origin is not None and origin != stub_origin(stubs[change.path]):
            out.append(change.path)
    return out
