"""Every `pattern` of the spec schema is told in words: a value that breaks one is refused with the field's
description (or a hint of spec/hints.py), never as the regular expression. Metric names, Slack channels,
e-mail addresses and standard dashboard files were refused as "'x' does not match '^[#@]?[a-zA-Z0-9._-]+$'"."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import yaml

from tests.conftest import ROOT

# Patterns spec/hints.py explains with a rule of its own (each has an error golden under tests/errors/).
EXPLAINED_BY_HINTS = {
    "$defs/labelName",
    "$defs/url",
    "$defs/eventRate/oneOf/1",  # the description is eventRate's own, one level up
    "$defs/businessHours/properties/weekdays/items",
    "$defs/businessHours/properties/times/items/properties/start",
    "$defs/businessHours/properties/times/items/properties/end",
    "$defs/platform/properties/alertmanager/properties/receiver_url_prefixes/items",  # $defs/url's shape
    "$defs/service/properties/targets/oneOf/2",  # label matchers in braces (spec/label_hints.targets_text)
}


def _patterns(node: Any, path: str = "") -> Iterator[tuple[str, dict[str, Any]]]:
    if isinstance(node, dict):
        if isinstance(node.get("pattern"), str):
            yield path.lstrip("/"), node
        for key, value in node.items():
            yield from _patterns(value, f"{path}/{key}")
    elif isinstance(node, list):
        for i, value in enumerate(node):
            yield from _patterns(value, f"{path}/{i}")


def test_every_schema_pattern_has_words_for_the_user() -> None:
    schema = yaml.safe_load((ROOT / "compiler/spec/schema.yaml").read_text())
    found = dict(_patterns(schema))
    assert len(found) > 10, "the walk found the schema's patterns"
    unexplained = sorted(p for p, node in found.items() if "description" not in node and p not in EXPLAINED_BY_HINTS)
    assert unexplained == [], "give these patterns a description (shown as \"'x' is not valid: <description>\")"
    assert set(found) >= EXPLAINED_BY_HINTS, "an entry of EXPLAINED_BY_HINTS names no pattern any more"
