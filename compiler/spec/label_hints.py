"""Hints for label values obsc cannot write as given. hints.py holds the others."""

from __future__ import annotations

import re
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


# One matcher of a selector written as PromQL text: `job="cart"`, `job=~"cart|cart-canary"`, `env!=dev`.
# Greedy to the end, stripped after: a lazy value before trailing white space is quadratic in a run of it.
_TEXT_MATCHER = re.compile(r"\s*([A-Za-z_][A-Za-z0-9_]*)\s*(=~|!~|!=|=)(.*)")
# What makes a value a pattern under =~ (a value without any of these matches itself alone).
_REGEX_CHARACTERS = re.compile(r"[.*+?|()\[\]{}^$\\]")


def selector_text(error: ValidationError, defs: dict[str, Any], path: tuple[str | int, ...]) -> str | None:
    """`selector: 'job=checkout, env=prod'`: the mapping to write. A matcher the mapping cannot hold (a pattern,
    a negative) is said apart: `job=~"cart"` was advised as `{job: ~"cart}`, text YAML reads as no mapping."""
    if path not in (("selector",), ("targets",)) or error.validator != "type" or not isinstance(error.instance, str):
        return None
    written = error.instance.strip()
    matchers = [_TEXT_MATCHER.fullmatch(part) for part in written.strip("{} ").split(",") if part.strip()]
    exact: dict[str, str] = {}
    other: list[str] = []
    for m in matchers:
        value = m[3].strip().strip("\"'`") if m else ""
        if m is None or not value:
            exact, other = {}, []
            break
        if m[2] == "=" or (m[2] == "=~" and not _REGEX_CHARACTERS.search(value)):
            exact[m[1]] = value  # `=~"cart"` matches the text cart alone: that exact value
        else:
            other.append(f'{m[1]}{m[2]}"{value}"')
    key = path[0]
    if other:
        mapping = "{" + ", ".join(f"{k}: {v}" for k, v in exact.items()) + "}" if exact else "{label: value}"
        patterns = ", ".join(other)
        return (
            f"{key} is a mapping of label names to exact values, not text: write {key}: {mapping}, the labels "
            f"every series of the service carries with one value each; {patterns} is no exact value: it goes in each "
            f"metric's own selector, and the scrape targets' in targets: '{{{patterns}}}'"
        )
    if exact:
        example = "{" + ", ".join(f"{k}: {v}" for k, v in exact.items()) + "}"
    elif re.fullmatch(r"[A-Za-z0-9_.:-]{1,60}", written):  # `selector: shop`: most likely its job
        example = f"{{job: {written}}}"
    else:
        example = "{job: checkout}"
    return (
        f"{key} is a mapping of label names to values, not text: write {key}: {example} "
        "(exact values only; the service's series are the ones carrying all of these labels)"
    )
