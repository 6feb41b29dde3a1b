"""Alertmanager YAML: the own writer gives PyYAML's bytes, or hands the document to PyYAML."""

from __future__ import annotations

import random
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from compiler.api import compile_specs
from compiler.targets.alertmanager import yaml_emit
from compiler.targets.alertmanager.config import alertmanager_config
from compiler.targets.alertmanager.operator import team_configs
from tests.conftest import FULL, ROOT

_WORDS = ["receiver", "group_by", "svc-0001", "team_a", "30s", "1h", "5ms", "12", "1e3", "0x1f", "1_000", "2d"]
_WORDS += ["yes", "No", "ON", "null", "~", "y", "", " lead", "trail ", "a: b", "a #b", "a#b", "x:", "-x", "?x", "*x"]
_WORDS += ['team="a"', "severity=~x", "09:00", "17:30", "it's", "'q'", "http://127.0.0.1:9/x", "a, b", "[x]", "{x}"]
_WORDS += [
    "#sre",
    "{{ .x }}",
    "/etc/x",
    "a:b",
    "two  spaces",
    "tab\there",
    "line\nbreak",
    "ünï",
    "\x07",
    "x" * 120,
    "y " * 200,
    ".inf",
    "=",
    "<<",
    "---",
]
_ASCII = st.text(st.characters(min_codepoint=32, max_codepoint=126), max_size=12)
_STRINGS = st.sampled_from(_WORDS) | st.text(max_size=10) | _ASCII
_SCALARS = _STRINGS | st.integers(-5, 10**6) | st.booleans() | st.none() | st.floats(allow_nan=False) | st.just(0.5)
_TREES = st.recursive(
    _SCALARS,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(_STRINGS, inner, max_size=4),
    max_leaves=20,
)


@settings(max_examples=3000 if FULL else 300, deadline=None)  # nightly (OBSC_TEST_FULL) 3,000
@given(st.dictionaries(_STRINGS, _TREES, max_size=5))
def test_any_document_is_written_as_pyyaml_writes_it(data: dict[str, Any]) -> None:
    assert yaml_emit.to_yaml(data) == yaml_emit._pyyaml(data)


def test_shared_objects_and_long_lines_go_to_pyyaml() -> None:
    shared = ["service", "slo"]
    for data in (
        {"a": {"group_by": shared}, "b": {"group_by": shared}},  # PyYAML anchors a list it meets twice
        {"a": [{"x": 1}], "b": {"c": {}}},
        {"long": [f"label_{i}" for i in range(120)]},  # past the width: PyYAML breaks the flow list
        {"f": 1.5, "n": [[{"a": 1}]]},
    ):
        assert yaml_emit.to_yaml(data) == yaml_emit._pyyaml(data)


def test_generated_configs_take_the_own_writer(monkeypatch: pytest.MonkeyPatch) -> None:
    """The examples' configs are spelled without PyYAML (the point of the writer), as PyYAML would."""
    fleet = compile_specs([str(ROOT / "examples")]).fleet
    config = alertmanager_config(fleet)
    expected = yaml_emit._pyyaml(config)
    teams = [(a.path, a.content) for a in team_configs(fleet)]

    def refuse(data: Any) -> str:
        raise AssertionError("fell back to PyYAML")

    monkeypatch.setattr(yaml_emit, "_pyyaml", refuse)
    assert yaml_emit.to_yaml(config) == expected
    assert [(a.path, a.content) for a in team_configs(fleet)] == teams


def test_long_flow_lists_of_matchers_take_the_own_writer_as_pyyaml_breaks_them(monkeypatch: pytest.MonkeyPatch) -> None:
    """Round 38: inhibit rules list a shape's services (`service=~"a|b|…"`), thousands of characters on a large
    fleet; past 300 characters every such document went to PyYAML (1,000 services: 1.9 CPU-s, not 0.3). PyYAML
    folds a single-quoted scalar only at a space and breaks a flow list after a comma past its width: so does the
    writer, at every indent and length tried."""
    rng = random.Random(38)
    docs = []
    for _ in range(400):
        names = (f"svc-{rng.randrange(10 ** rng.randrange(1, 6))}" for _ in range(rng.randrange(1, 300)))
        items = [f'service=~"{"|".join(names)}"' for _ in range(rng.randrange(1, 4))]
        items += rng.sample(['severity="critical"', "team", "x" * rng.randrange(1, 60), 'region=""'], rng.randrange(4))
        rng.shuffle(items)
        rule = {"k" * rng.randrange(1, 40): items, "equal": ["team"]}
        docs.append({"inhibit_rules": [rule], "a": {"b": list(items)}})
    expected = [yaml_emit._pyyaml(doc) for doc in docs]

    def refuse(data: Any) -> str:
        raise AssertionError("fell back to PyYAML")

    monkeypatch.setattr(yaml_emit, "_pyyaml", refuse)
    assert [yaml_emit.to_yaml(doc) for doc in docs] == expected
    assert sum(text.count("\n") > 5 for text in expected) > 100  # a list past the width is broken across lines
