"""Where each threshold alert stands in its spec, so the warnings on threshold alerts point at the alert's own keys."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any


def written_indexes(data: Mapping[str, Any]) -> dict[str, int]:
    """Each alert name's index in the spec's `threshold_alerts` list (the first, where a name repeats)."""
    index: dict[str, int] = {}
    for i, raw in enumerate(data.get("threshold_alerts") or []):
        if isinstance(raw, Mapping):
            index.setdefault(str(raw.get("name")), i)
    return index
