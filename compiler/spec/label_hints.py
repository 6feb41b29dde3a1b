"""Hints for label values obsc cannot write as given. hints.py holds the others."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # jsonschema is imported only when a document is not proved valid (schema.py)
    from jsonschema.exceptions import ValidationError

_TIERS = ("critical", "warning", "info")


def empty_label_value(error: ValidationError, defs: dict[str, Any], path: tuple[str | int, ...]) -> str | None:
    """`labels: {tier: ""}`: Prometheus drops a label whose value is empty, so no alert would carry it."""
    if error.validator != "minLength" or error.instance != "" or len(path) < 2 or not isinstance(path[-1], str):
        return None
    extra = path[-2] == "labels" or (path[-2] in _TIERS and path[-3:-2] == ("tier_labels",))
    if not extra:
        return None
    return (
        f"an empty value is no label: Prometheus drops {path[-1]!r} from the alerts, so nothing (a route, a silence, "
        "a notification) would see it; give it a value or leave the label out"
    )
