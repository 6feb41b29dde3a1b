"""A hint for a metric written without what it reads (hints.py holds the others; this one keeps that module small)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # jsonschema is imported only when a document is not proved valid (schema.py)
    from jsonschema.exceptions import ValidationError


def metric_source(error: ValidationError, defs: dict[str, Any], path: tuple[str | int, ...]) -> str | None:
    """A metric mapping with neither `selector` nor `expr`: most often a spec that meant to tune one key (a unit,
    a title) of the platform's metric of that name, which it replaces whole."""
    body = error.instance
    if path[-2:-1] != ("metrics",) or not isinstance(body, dict) or "selector" in body or "expr" in body:
        return None
    known = (defs.get("metric") or {}).get("oneOf", [{}, {}])[1].get("properties") or {}
    if any(key not in known for key in body):
        return None  # an unknown key says more
    message = f"metrics.{path[-1]} needs `selector:` (a series) or `expr:` (PromQL)"
    if len(path) == 2:  # in a spec
        message += (
            f"; a metric written in a spec replaces the platform's defaults.metrics.{path[-1]} whole (nothing of it "
            "is kept), so repeat its selector or expr beside the keys you change"
        )
    return message
