"""schema.validate skips jsonschema for documents the compiled check (spec/fastcheck.py) proves valid. That
check must answer exactly what jsonschema answers (or say it is unsure), for every input we keep and for
documents mutated at random from them: a wrong "valid" would hide an error."""

from __future__ import annotations

import copy
import functools
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from compiler.spec import fastcheck, schema
from compiler.spec.document import Document
from tests.conftest import FULL
from tests.test_schema_inlined import _documents


def _jsonschema_valid(data: Any) -> bool:
    return next(iter(schema._validator().iter_errors(data)), None) is None


def _agrees(data: Any) -> bool | None:
    """The fast answer if it agrees with jsonschema's (None when it is unsure); fails the test otherwise."""
    proof = schema._proof()
    assert proof is not None
    try:
        answer = proof(data)
    except fastcheck.Unsure:
        return None
    assert answer == _jsonschema_valid(data), data
    return answer


@functools.cache
def _all_documents() -> tuple[Document, ...]:
    """The kept inputs, loaded once for the module: no test here changes a document (`_edit` copies)."""
    return tuple(_documents())


def test_the_shipped_schema_compiles() -> None:
    assert schema._proof() is not None, "a keyword fastcheck does not know: every spec goes through jsonschema"


def test_every_kept_input_gets_jsonschemas_answer() -> None:
    docs = _all_documents()
    answers = [_agrees(doc.data) for doc in docs]
    assert answers.count(True) >= 20 and answers.count(False) >= 15  # both answers are exercised
    assert answers.count(None) <= len(docs) // 10


def test_diagnostics_are_the_same_without_the_fast_path(monkeypatch: pytest.MonkeyPatch) -> None:
    docs = _all_documents()
    fast = [schema.validate(doc) for doc in docs]
    monkeypatch.setattr(schema, "_proof", lambda: None)
    assert [schema.validate(doc) for doc in docs] == fast


@pytest.mark.parametrize(
    ("edit", "valid"),
    [
        ({"targets": False}, True),
        ({"targets": 0}, False),  # `const: false` is not 0 (bool is no number in JSON Schema)
        ({"targets": None}, False),
        ({"slos": []}, True),
        ({"apiVersion": "obsc/v2"}, False),
        ({"kind": "Platform"}, False),
        ({"service": "Bad Name"}, False),
        ({"service": "svc\n"}, False),  # `$` is the end of the string, not before a final newline
        ({"selector": {}}, False),
        ({"unknown_key": 1}, False),
    ],
)
def test_edge_values(edit: dict[str, Any], valid: bool) -> None:
    data = {"apiVersion": "obsc/v1", "service": "svc", "team": "team-a", "selector": {"job": "svc"}, **edit}
    assert _agrees(data) is valid


def test_unsure_values_go_to_jsonschema() -> None:
    doc = Document(
        file="x.yaml", data={"apiVersion": "obsc/v1", "service": "svc", "team": "t", "selector": {"job": float("nan")}}
    )
    with pytest.raises(fastcheck.Unsure):
        schema._proof()(doc.data)  # type: ignore[misc]
    assert not schema._proved_valid(doc.data)
    assert schema.validate(doc), "jsonschema and the non-finite check still report it"


def test_unknown_keywords_are_refused() -> None:
    with pytest.raises(fastcheck.Unsupported):
        fastcheck.compile_schema({"type": "object", "dependentRequired": {"a": ["b"]}})
    with pytest.raises(fastcheck.Unsupported):
        fastcheck.compile_schema({"enum": [1, 2]})  # numbers compare as jsonschema's `equal` does: not here


# ---------------------------------------------------------------- random edits of real documents

_REPLACEMENTS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-3, 200),
    st.sampled_from([0.5, 1.0, 99.9, 100.0, 100.5, -1.0, 1e300]),
    st.sampled_from(["", "x", "5m", "30d", "99.9", "a b", "svc\n", "critical", "page", "Bad", "obsc/v1"]),
    st.just([]),
    st.just({}),
    st.lists(st.sampled_from(["a", "b", "5m"]), max_size=3),
)


def _paths(data: Any, path: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    out = [path]
    if isinstance(data, dict):
        for key, value in data.items():
            out += _paths(value, (*path, key))
    elif isinstance(data, list):
        for i, value in enumerate(data):
            out += _paths(value, (*path, i))
    return out


def _edit(data: Any, path: tuple[Any, ...], action: str, value: Any) -> Any:
    data = copy.deepcopy(data)
    if not path:
        return value
    parent = data
    for step in path[:-1]:
        parent = parent[step]
    if action == "delete":
        del parent[path[-1]]
    elif action == "add" and isinstance(parent[path[-1]], dict):
        parent[path[-1]]["extra_key" if value is None else "name"] = value
    else:
        parent[path[-1]] = value
    return data


@st.composite
def _mutants(draw: st.DrawFn) -> Any:
    docs = [d.data for d in _documents_cached()]
    data = draw(st.sampled_from(docs))
    for _ in range(draw(st.integers(1, 3))):
        paths = _paths(data)
        path = draw(st.sampled_from(paths))
        data = _edit(data, path, draw(st.sampled_from(["set", "delete", "add"])), draw(_REPLACEMENTS))
    return data


def _documents_cached() -> list[Document]:
    return [d for d in _all_documents() if isinstance(d.data, dict)]


@settings(max_examples=2000 if FULL else 300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_mutants())
def test_random_edits_get_jsonschemas_answer(data: Any) -> None:
    _agrees(data)


# ---------------------------------------------------------------- every keyword, on small schemas

_SCHEMAS = [
    {"type": "integer"},
    {"type": "number", "minimum": 1, "maximum": 100},
    {"type": ["string", "null"], "minLength": 2, "maxLength": 3},
    {"exclusiveMinimum": 0, "exclusiveMaximum": 1},
    {"enum": ["a", False, None]},
    {"const": True},
    {"type": "string", "pattern": "^[a-z]+$"},
    {"oneOf": [{"type": "string"}, {"minLength": 1}]},  # a non-empty string matches both: invalid
    {"anyOf": [{"type": "integer"}, {"type": "boolean"}]},
    {"allOf": [{"type": "array"}, {"minItems": 1, "maxItems": 2, "uniqueItems": True}]},
    {"type": "array", "items": {"type": "string"}, "uniqueItems": True},
    {"type": "object", "properties": {"a": {"type": "string"}}, "required": ["a"], "additionalProperties": False},
    {"additionalProperties": {"type": "integer"}, "propertyNames": {"pattern": "^x"}, "maxProperties": 2},
    {"minProperties": 1, "if": {"required": ["a"]}, "then": {"required": ["b"]}, "else": {"required": ["c"]}},
    {"$defs": {"n": {"type": "integer"}}, "properties": {"a": {"$ref": "#/$defs/n", "minimum": 3}}},
]
_SCALARS = (
    st.none()
    | st.booleans()
    | st.sampled_from([-1, 0, 1, 2, 3, 100, 101])
    | st.sampled_from([0.0, 0.5, 1.0, 2.0, 100.0, 100.5])
    | st.sampled_from(["", "a", "ab", "abc", "xy", "Ab", "ab\n", "b", "c"])
)
_JSON = _SCALARS | st.recursive(
    _SCALARS,
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.sampled_from(["a", "b", "c", "x1"]), inner, max_size=3)
    ),
    max_leaves=6,
)


@pytest.mark.parametrize("raw", _SCHEMAS, ids=[",".join(k for k in s if k != "$defs") for s in _SCHEMAS])
def test_each_keyword_answers_as_jsonschema(raw: dict[str, Any]) -> None:
    check = fastcheck.compile_schema(raw)
    reference = schema._strict_validator()(raw)

    @settings(max_examples=400 if FULL else 100, deadline=None)
    @given(_JSON)
    def answers_alike(data: Any) -> None:
        try:
            answer = check(data)
        except fastcheck.Unsure:
            return
        assert answer == (next(iter(reference.iter_errors(data)), None) is None), data

    answers_alike()


@pytest.mark.parametrize(
    ("package", "name"),
    [("compiler.spec", "schema.yaml"), ("compiler.model", "windows.yaml"), ("compiler.model", "defaults.yaml")],
)
def test_shipped_yaml_reads_the_same_with_libyaml(package: str, name: str) -> None:
    from importlib import resources

    import yaml

    from compiler.spec.files import SHIPPED_LOADER

    text = resources.files(package).joinpath(name).read_text(encoding="utf-8")
    assert yaml.load(text, Loader=SHIPPED_LOADER) == yaml.safe_load(text)
