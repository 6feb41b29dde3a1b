"""Hints for label values obsc cannot write as given. hints.py holds the others."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # jsonschema is imported only when a document is not proved valid (schema.py)
    from jsonschema.exceptions import ValidationError

_TIERS = ("critical", "warning", "info")


def empty_label_value(error: ValidationError, defs: dict[str, Any], path: tuple[str | int, ...]) -> str | None:
    """`labels: {tier: ""}`: Prometheus drops a label whose value is empty, so no alert would carry it. In a
    selector or targets, an empty value selects the series that lack the label."""
    if error.validator != "minLength" or error.instance != "" or len(path) < 2 or not isinstance(path[-1], str):
        return None
    if len(path) == 2 and path[0] in ("selector", "targets"):
        return (
            f"an empty value matches only series without {path[-1]!r} (Prometheus reads a missing label as empty), "
            f"not the service's; give the label's value, or leave the label out of the {path[0]}"
        )
    extra = path[-2] == "labels" or (path[-2] in _TIERS and path[-3:-2] == ("tier_labels",))
    if not extra:
        return None
    return (
        f"an empty value is no label: Prometheus drops {path[-1]!r} from the alerts, so nothing (a route, a silence, "
        "a notification) would see it; give it a value or leave the label out"
    )


def targets_text(error: ValidationError, defs: dict[str, Any], path: tuple[str | int, ...]) -> str | None:
    """`targets: job=checkout`, `targets: none`-like text that is no label matchers in braces: the two forms."""
    if path != ("targets",) or error.validator != "pattern" or not isinstance(error.instance, str):
        return None
    return (
        "targets are the labels of the service's `up` series: a mapping of exact values (targets: {job: checkout}), "
        "or label matchers in braces, as a metric's selector writes them (targets: '{job=~\"search-(blue|green)\"}'); "
        "targets: false when nothing scrapes the service"
    )
