"""Hints for a list written where a mapping goes and the reverse (hints.py holds the others; this keeps it small).

JSON Schema says `[{"requests": "http_requests_total"}, ...] is not of type object`: true, and the reader has to
work out that the `- ` in front of each entry is the mistake."""

from __future__ import annotations

import json
import re
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # jsonschema is imported only when a document is not proved valid (schema.py)
    from jsonschema.exceptions import ValidationError


def _where(path: tuple[str | int, ...]) -> str:
    return ".".join(str(p) if isinstance(p, str) else f"[{p}]" for p in path).replace(".[", "[") or "the spec"


def _plain(value: Any) -> str:
    return value if isinstance(value, str) else json.dumps(value)


def list_for_mapping(error: ValidationError, defs: dict[str, Any], path: tuple[str | int, ...]) -> str | None:
    """`metrics:` (or `selector:`, `alerts:`, `links:`) written as a list of one-key entries."""
    value = error.instance
    if error.validator != "type" or error.validator_value != "object" or not path or not isinstance(value, list):
        return None
    if not value or not all(isinstance(item, dict) and len(item) == 1 for item in value):
        return None
    key, first = next(iter(value[0].items()))
    shown = _plain(first) if not isinstance(first, dict | list) else "..."
    return (
        f"{_where(path)} is a mapping, not a list: drop the `- ` in front of each entry "
        f"(write `{key}: {shown[:60]}` one level under {path[-1]}:)"
    )


def scalar_for_list(error: ValidationError, defs: dict[str, Any], path: tuple[str | int, ...]) -> str | None:
    """`dashboards: service` or `dashboards: {service: true}` where a list goes."""
    value = error.instance
    if error.validator != "type" or error.validator_value != "array" or not path:
        return None
    if value is False:  # `dashboards: no`
        if isinstance(error.schema, dict) and error.schema.get("minItems", 0) > 0:  # `by: []` is refused too
            return f"{_where(path)} is a list of at least one item: false is no value for it"
        return f"{_where(path)} is a list: write {path[-1]}: [] for none"
    takes = _resolved(error.schema.get("items") if isinstance(error.schema, dict) else None, defs)
    if not (isinstance(takes, dict) and takes.get("type") == "string"):  # `slos: availability`: `[availability]`
        if not (isinstance(value, str) and isinstance(takes, dict) and "name" in takes.get("properties", {})):
            return None
        return (
            f"{_where(path)} is a list of mappings: write `- name: {value[:60]}` and its other keys one level under "
            f"{path[-1]}:"
        )
    if isinstance(value, str) and value and len(value) <= 60:
        # `by: region, tenant` (or `region tenant`): the names, one item each, not one item of them all
        items = [item for item in re.split(r"[,\s]+", value.strip()) if item] or [value]
    elif isinstance(value, dict) and value and all(v is True for v in value.values()):
        items = list(value)
    else:
        return None
    one = ", even of one" if len(items) == 1 else ""
    return f"{_where(path)} is a list{one}: write {path[-1]}: [{', '.join(_flow_item(i) for i in items)}]"


def _resolved(node: Any, defs: dict[str, Any]) -> Any:
    """`node` with its `$ref`s followed: the validator may run on the schema with them inlined or not, and the
    hint must read the same either way (tests/test_schema_inlined.py)."""
    for _ in range(8):  # a chain of refs is short; never loop on a cycle
        if not (isinstance(node, dict) and isinstance(node.get("$ref"), str)):
            break
        node = defs.get(node["$ref"].rsplit("/", 1)[-1], {})
    return node


def _flow_item(item: str) -> str:
    """The item as it can stand in `[...]`: `[#payments]` would be a comment, `[a, b]` two items."""
    return item if re.fullmatch(r"[A-Za-z0-9_][\w./-]*", item) else "'" + item.replace("'", "''") + "'"


def sli_or_links_not_mapping(error: ValidationError, defs: dict[str, Any], path: tuple[str | int, ...]) -> str | None:
    """`sli: errors/requests`, `links: https://...` or a list of URLs: the parts each need their name."""
    value = error.instance
    if error.validator != "type" or error.validator_value != "object" or isinstance(value, dict):
        return None
    if path == ("links",) and isinstance(value, str | list):
        return "links is a mapping of names to URLs: write links: {repo: https://..., oncall: https://...}"
    if path[-1:] != ("sli",):
        return None
    parts = value.split("/") if isinstance(value, str) else []
    example = "{errors: errors, total: requests}"
    if len(parts) == 2 and all(p.strip().isidentifier() for p in parts):
        example = f"{{errors: {parts[0].strip()}, total: {parts[1].strip()}}}"
    return (
        f"sli is a mapping that names its metrics (names under metrics:): write sli: {example}, or "
        "{good: ..., total: ...}, {latency: ..., threshold: 300ms} (docs/slo-kinds.md lists every kind)"
    )


# JSON Schema's type names in a reader's words: "42 is not of type string" named a type the spec never mentions.
_KINDS = {
    "object": "a mapping of keys",
    "string": "text",
    "array": "a list",
    "number": "a number",
    "integer": "a whole number",
    "boolean": "true or false",
}


def in_words(kind: object) -> str:
    """A JSON Schema type (or list of them) as the reader would say it."""
    return " or ".join(_KINDS.get(str(t), str(t)) for t in (kind if isinstance(kind, list) else [kind]))


def wrong_type(error: ValidationError) -> str:
    """The last word on a value of the wrong type, when no hint knew better: what the field takes, in words, and
    how that is written."""
    path = tuple(error.absolute_path)
    value, wanted = error.instance, error.validator_value
    expected = in_words(wanted)
    shown = repr(value) if isinstance(value, str) else json.dumps(value)
    shown = shown if len(shown) <= 60 else shown[:57] + "..."
    if not path and wanted == "object":
        return (
            f"{shown}: a spec is a mapping of keys, one per line (apiVersion: obsc/v1, service: ..., team: ...); "
            "`obsc init SERVICE` writes a commented starter"
        )
    key = path[-1] if path else ""
    if not isinstance(key, str):  # an item of a list
        return f"{shown} is not {expected}"
    if wanted == "object":
        return f"{shown}: {key} takes {expected}: write them indented below {key}:, one `name: value` per line"
    if wanted == "string" and isinstance(value, list) and len(value) == 1 and isinstance(value[0], str):
        return f"{shown}: {key} takes {expected}, not a list: write {key}: {_flow_item(value[0])}"
    return f"{shown}: {key} takes {expected}"
