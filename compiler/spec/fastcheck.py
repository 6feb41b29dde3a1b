"""A fast yes/no check of a document against the spec schema: schema.validate runs jsonschema (which
builds every message) only for documents this check does not prove valid.

Why: nearly every spec of a large fleet is valid, and jsonschema's interpreter (a validator object and a
generator per keyword per node) was about half of checking a spec. The schema is compiled once into
nested closures over the few keywords it uses. Each closure answers exactly as Draft 2020-12 would
(including jsonschema's Python type rules: bool is no number, 1.0 is an integer), or raises `Unsure`
where exactness would take jsonschema's own rules (`uniqueItems` over non-strings, a non-finite number,
a type JSON has not, a subclass of one): then jsonschema decides. A keyword this module does
not know makes `compile_schema` fail, and the caller keeps jsonschema for everything. Exact answers matter
inside `oneOf` and `if`: a branch wrongly called invalid there could hide an error, not only cost time.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sized
from dataclasses import dataclass
from typing import Any

from compiler.spec import patterns

Check = Callable[[Any], bool]

# Keywords that never make a document invalid (`$defs` is reached through the inlined references).
_ANNOTATIONS = frozenset({"$schema", "$id", "$comment", "$defs", "title", "description", "default", "examples"})


class Unsure(Exception):
    """This check cannot answer exactly for this value; jsonschema must."""


class Unsupported(Exception):
    """The schema uses a keyword this module does not implement."""


def compile_schema(schema: Any) -> Check:
    """A function telling whether an instance is valid against `schema` (lone `$ref`s already inlined:
    schema._inlined); raises Unsupported for anything else. The function raises Unsure where it cannot
    answer exactly."""
    defs = schema.get("$defs", {}) if isinstance(schema, dict) else {}
    check = _compile(schema, _Context({}, defs))

    def valid(instance: Any) -> bool:
        _plain(instance)
        return check(instance)

    return valid


def _plain(data: Any) -> None:
    """Raise Unsure unless `data` holds only JSON's own Python types (exactly: no subclasses, string
    keys, finite numbers). The checks below may then test types by identity."""
    stack = [data]
    while stack:
        value = stack.pop()
        kind = type(value)
        if kind is dict:
            for k in value:
                if type(k) is not str:
                    raise Unsure("a key that is not a string")
            stack.extend(value.values())
        elif kind is list:
            stack.extend(value)
        elif kind is float:
            if not math.isfinite(value):
                raise Unsure("non-finite number")
        elif not (kind is str or kind is int or kind is bool or value is None):
            raise Unsure(f"a {kind.__name__} value")


@dataclass(frozen=True)
class _Context:
    done: dict[int, Check | None]  # compiled nodes by id (None: being compiled)
    defs: dict[str, Any]  # the root's $defs, for a `$ref` beside other keywords


def _compile(node: Any, ctx: _Context) -> Check:
    if node is True:
        return _always
    if node is False:
        return _never
    if not isinstance(node, dict):
        raise Unsupported(f"schema node {node!r}")
    if id(node) in ctx.done:  # definitions are shared objects after inlining: compile each once
        known = ctx.done[id(node)]
        if known is None:
            raise Unsupported("a recursive definition")
        return known
    ctx.done[id(node)] = None
    unknown = set(node) - _ANNOTATIONS - _KEYWORDS
    if unknown:
        raise Unsupported(", ".join(sorted(unknown)))
    checks = [_KEYWORDS_ORDERED[k](node, ctx) for k in _ORDER if k in node]
    checks = [c for c in checks if c is not _always]
    if not checks:
        check: Check = _always
    elif len(checks) == 1:
        check = checks[0]
    else:
        check = _all(checks)
    ctx.done[id(node)] = check
    return check


def _always(instance: Any) -> bool:
    return True


def _never(instance: Any) -> bool:
    return False


# The closures below loop instead of calling all() over a generator: a spec is checked node by node, and the
# generator's frame per node was a large part of the check.
def _all(checks: list[Check]) -> Check:
    def all_of(instance: Any) -> bool:
        for check in checks:  # noqa: SIM110 (the loop, see above)
            if not check(instance):
                return False
        return True

    return all_of


# ---------------------------------------------------------------- types (jsonschema's Python type rules)


def _kind(instance: Any) -> str:
    kind = type(instance)
    if kind is str:
        return "string"
    if kind is dict:
        return "object"
    if kind is list:
        return "array"
    if kind is bool:
        return "boolean"
    if kind is int:
        return "int"
    if kind is float:
        return "float"
    if instance is None:
        return "null"
    raise Unsure(f"a {kind.__name__} value")  # _plain lets none through


def _type(node: dict[str, Any], ctx: _Context) -> Check:
    wanted = node["type"]
    names = (wanted,) if isinstance(wanted, str) else tuple(wanted)
    if not all(isinstance(n, str) for n in names):
        raise Unsupported(f"type {wanted!r}")
    if names == ("string",):
        return lambda instance: type(instance) is str
    if names == ("object",):
        return lambda instance: type(instance) is dict
    # The names as kinds: a "number" is an int or a float, an "integer" an int or a float without a fraction.
    kinds = frozenset(
        k for n in names for k in (("int", "float") if n == "number" else ("int",) if n == "integer" else (n,))
    )
    integral_float = "integer" in names and "float" not in kinds

    def of_type(instance: Any) -> bool:
        kind = _kind(instance)
        return kind in kinds or (integral_float and kind == "float" and float(instance).is_integer())

    return of_type


def _number(instance: Any) -> bool:
    kind = type(instance)
    return kind is int or kind is float


# ---------------------------------------------------------------- objects


def _properties(node: dict[str, Any], ctx: _Context) -> Check:
    props = {key: _compile(sub, ctx) for key, sub in node["properties"].items()}
    items = tuple(props.items())

    def properties(instance: Any) -> bool:
        if type(instance) is dict:
            for k, check in items:
                if k in instance and not check(instance[k]):
                    return False
        return True

    return properties


def _additional(node: dict[str, Any], ctx: _Context) -> Check:
    known = frozenset(node.get("properties", {}))
    if "patternProperties" in node:
        raise Unsupported("patternProperties")
    rule = node["additionalProperties"]
    if rule is True:
        return _always
    if rule is False:
        return lambda instance: type(instance) is not dict or known.issuperset(instance)
    check = _compile(rule, ctx)

    def additional(instance: Any) -> bool:
        if type(instance) is dict:
            for k, v in instance.items():
                if k not in known and not check(v):
                    return False
        return True

    return additional


def _required(node: dict[str, Any], ctx: _Context) -> Check:
    keys = tuple(node["required"])

    def required(instance: Any) -> bool:
        if type(instance) is dict:
            for k in keys:
                if k not in instance:
                    return False
        return True

    return required


def _property_names(node: dict[str, Any], ctx: _Context) -> Check:
    check = _compile(node["propertyNames"], ctx)
    return lambda instance: type(instance) is not dict or all(check(k) for k in instance)


def _size_bound(keyword: str, kind: type[Sized], at_least: bool) -> Callable[[dict[str, Any], _Context], Check]:
    """min/maxProperties, min/maxItems, min/maxLength: a bound on len() of one JSON type, others pass."""

    def compile_bound(node: dict[str, Any], ctx: _Context) -> Check:
        bound = node[keyword]
        if at_least:
            return lambda instance: type(instance) is not kind or len(instance) >= bound
        return lambda instance: type(instance) is not kind or len(instance) <= bound

    return compile_bound


# ---------------------------------------------------------------- arrays


def _items(node: dict[str, Any], ctx: _Context) -> Check:
    if "prefixItems" in node:
        raise Unsupported("prefixItems")
    check = _compile(node["items"], ctx)

    def items(instance: Any) -> bool:
        if type(instance) is list:
            for item in instance:
                if not check(item):
                    return False
        return True

    return items


def _unique(instance: Any) -> bool:
    if type(instance) is not list:
        return True
    if not all(type(item) is str for item in instance):
        raise Unsure("uniqueItems over values other than strings")
    return len(set(instance)) == len(instance)


def _unique_items(node: dict[str, Any], ctx: _Context) -> Check:
    return _unique if node["uniqueItems"] is True else _always


# ---------------------------------------------------------------- strings and numbers


def _pattern(node: dict[str, Any], ctx: _Context) -> Check:
    search = patterns.strict(node["pattern"]).search
    return lambda instance: type(instance) is not str or search(instance) is not None


def _minimum(node: dict[str, Any], ctx: _Context) -> Check:
    least = node["minimum"]
    return lambda instance: not _number(instance) or not instance < least


def _maximum(node: dict[str, Any], ctx: _Context) -> Check:
    most = node["maximum"]
    return lambda instance: not _number(instance) or not instance > most


def _exclusive_minimum(node: dict[str, Any], ctx: _Context) -> Check:
    least = node["exclusiveMinimum"]
    return lambda instance: not _number(instance) or instance > least


def _exclusive_maximum(node: dict[str, Any], ctx: _Context) -> Check:
    most = node["exclusiveMaximum"]
    return lambda instance: not _number(instance) or instance < most


# ---------------------------------------------------------------- values


def _values(values: list[Any], keyword: str) -> Check:
    """Membership as jsonschema's `equal` decides it, for strings, booleans and null: a string equals only
    an equal string, true/false/null only themselves (never 1, 0 or 1.0)."""
    strings = frozenset(v for v in values if type(v) is str)
    singletons = tuple(v for v in values if v is True or v is False or v is None)
    if len(strings) + len(singletons) != len(values):
        raise Unsupported(f"{keyword} with values other than strings, booleans and null")
    if not singletons:
        return lambda instance: type(instance) is str and instance in strings

    def member(instance: Any) -> bool:
        if type(instance) is str:
            return instance in strings
        return any(instance is v for v in singletons)

    return member


def _enum(node: dict[str, Any], ctx: _Context) -> Check:
    return _values(node["enum"], "enum")


def _const(node: dict[str, Any], ctx: _Context) -> Check:
    return _values([node["const"]], "const")


# ---------------------------------------------------------------- combinations


def _one_of(node: dict[str, Any], ctx: _Context) -> Check:
    branches = tuple(_compile(sub, ctx) for sub in node["oneOf"])

    def one_of(instance: Any) -> bool:
        found = 0
        for branch in branches:
            if branch(instance):
                found += 1
                if found > 1:
                    return False
        return found == 1

    return one_of


def _any_of(node: dict[str, Any], ctx: _Context) -> Check:
    branches = tuple(_compile(sub, ctx) for sub in node["anyOf"])
    return lambda instance: any(branch(instance) for branch in branches)


def _all_of(node: dict[str, Any], ctx: _Context) -> Check:
    return _all([_compile(sub, ctx) for sub in node["allOf"]])


def _if(node: dict[str, Any], ctx: _Context) -> Check:
    condition = _compile(node["if"], ctx)
    then = _compile(node.get("then", True), ctx)
    otherwise = _compile(node.get("else", True), ctx)
    return lambda instance: then(instance) if condition(instance) else otherwise(instance)


def _ref(node: dict[str, Any], ctx: _Context) -> Check:
    ref = node["$ref"]
    name = ref.removeprefix("#/$defs/") if isinstance(ref, str) else None
    if name is None or name == ref or name not in ctx.defs:
        raise Unsupported(f"$ref {ref!r}")
    return _compile(ctx.defs[name], ctx)


def _ignored(node: dict[str, Any], ctx: _Context) -> Check:
    return _always  # `then`/`else` are read by `if`; alone they do nothing


# Cheap, common checks first: a document fails as soon as one fails, and the order changes no answer.
_KEYWORDS_ORDERED: dict[str, Callable[[dict[str, Any], _Context], Check]] = {
    "type": _type,
    "enum": _enum,
    "const": _const,
    "minLength": _size_bound("minLength", str, at_least=True),
    "maxLength": _size_bound("maxLength", str, at_least=False),
    "pattern": _pattern,
    "minimum": _minimum,
    "maximum": _maximum,
    "exclusiveMinimum": _exclusive_minimum,
    "exclusiveMaximum": _exclusive_maximum,
    "required": _required,
    "minProperties": _size_bound("minProperties", dict, at_least=True),
    "maxProperties": _size_bound("maxProperties", dict, at_least=False),
    "minItems": _size_bound("minItems", list, at_least=True),
    "maxItems": _size_bound("maxItems", list, at_least=False),
    "uniqueItems": _unique_items,
    "propertyNames": _property_names,
    "additionalProperties": _additional,
    "properties": _properties,
    "items": _items,
    "oneOf": _one_of,
    "anyOf": _any_of,
    "allOf": _all_of,
    "if": _if,
    "$ref": _ref,
    "then": _ignored,
    "else": _ignored,
}
_ORDER = tuple(_KEYWORDS_ORDERED)
_KEYWORDS = frozenset(_KEYWORDS_ORDERED)
