"""The validator runs on the schema with its `$ref`s inlined (speed); every message must stay what the
`$ref` form gives, for every bad input we keep (tests/errors, the hostile corpus) and for good specs."""

from __future__ import annotations

from typing import Any

import pytest

from compiler.errors import InputError
from compiler.spec import loader, schema
from compiler.spec.document import Document
from tests.conftest import ROOT

INPUTS = sorted(
    p
    for folder in ("tests/errors", "tests/hostile", "examples", "specs")
    if (ROOT / folder).is_dir()
    for p in (ROOT / folder).rglob("*")
    if p.suffix in (".yaml", ".yml", ".jsonnet")
)


def _documents() -> list[Document]:
    docs: list[Document] = []
    for path in INPUTS:
        try:
            docs.extend(loader.load_file(str(path), loader.JsonnetOptions()))
        except InputError:
            continue  # not loadable: never reaches the schema
    return docs


def test_the_inlined_schema_has_no_lone_refs_left() -> None:
    def refs(node: Any) -> int:
        if isinstance(node, dict):
            alone = int(len(node) == 1 and "$ref" in node)
            return alone + sum(refs(v) for v in node.values())
        return sum(refs(v) for v in node) if isinstance(node, list) else 0

    assert refs(schema.schema()) > 50
    assert refs(schema._inlined()) == 0


def test_inlined_refs_give_the_same_diagnostics(monkeypatch: pytest.MonkeyPatch) -> None:
    docs = _documents()
    assert len(docs) > 50
    fast = [schema.validate(doc) for doc in docs]
    assert any(fast), "some inputs must be invalid, or this compares nothing"
    reference = schema._strict_validator()(schema.schema())
    monkeypatch.setattr(schema, "_validator", lambda: reference)
    monkeypatch.setattr(schema, "_defs", lambda: schema.schema()["$defs"])
    assert [schema.validate(doc) for doc in docs] == fast
