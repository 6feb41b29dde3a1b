"""Which receivers each alert reaches, from the routing table obsc writes beside alertmanager.yml.

A service moved to another team changes no route when both teams have one: only the alerts' `team` label
moves, and with it the receiver that pages. The routing table (one row per alert: its labels and the
receivers Alertmanager picks, replayed by amtool at every compile) says so on each side.
"""

from __future__ import annotations

from compiler.changes import committed
from compiler.changes.compare import alert_key


def read(text: str | None) -> dict[str, tuple[str, ...]]:
    """Alert key → its receivers; rows of a shape obsc does not write are skipped."""
    out: dict[str, tuple[str, ...]] = {}
    for case in committed.sequence(committed.mapping(committed.load(text)).get("cases")):
        row = committed.mapping(case)
        labels = {str(k): str(v) for k, v in committed.mapping(row.get("labels")).items()}
        name = labels.pop("alertname", None)
        receivers = committed.sequence(row.get("receivers"))
        if name is not None and receivers:
            out[alert_key(name, labels)] = tuple(str(r) for r in receivers)
    return out
