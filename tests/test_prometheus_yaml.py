"""The rule/test YAML writer: every generated file reads back (PyYAML) as exactly what was written."""

from __future__ import annotations

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from compiler.api import CompileOptions, compile_specs
from compiler.targets.prometheus import yaml_emit
from compiler.targets.prometheus.yaml_emit import dump
from tests.conftest import ROOT

# libyaml's parser where built (PyYAML's resolver and constructors either way): ~8x less CPU on the examples' rules.
_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def test_generated_files_read_back_exactly() -> None:
    checked: set[str] = set()  # the check reads the bytes only: the layouts share their promtool test files
    for fmt in ("prometheus", "prometheus-operator", "mimir"):
        bundle = compile_specs([str(ROOT / "examples")], CompileOptions(format=fmt)).bundle
        for artifact in bundle.artifacts:
            if artifact.path.startswith("prometheus/") and artifact.content not in checked:
                checked.add(artifact.content)
                data = yaml.load(artifact.content, Loader=_LOADER)
                assert yaml.load(dump(data), Loader=_LOADER) == data, artifact.path


def test_awkward_strings_and_numbers_keep_their_type() -> None:
    awkward = ["yes", "No", "off", "null", "~", "1.5", "5m", "0x1f", "x: y", "a #b", "", " lead", "trail ", "-x"]
    awkward += ["{x}", "*x", "&a", "!t", "%p", "@a", "`b", "ünï×", "a\nb", "a\nb\n", "\nx", "x\n\n", "  a\nb"]
    data = {"strings": awkward, "numbers": [1e-07, 3.0, -0.5, float("inf"), 0, 12], "flags": [True, None]}
    data["nested"] = [{"a": 1, "b": [{"c": "d"}], "e": {}}, [], {}]
    assert yaml.safe_load(dump(data)) == data


def test_multi_line_expressions_are_literal_blocks() -> None:
    text = dump({"expr": "a > 1\nand on (x)\nb > 1"})
    assert text == "expr: |-\n  a > 1\n  and on (x)\n  b > 1\n"


@settings(max_examples=300, deadline=None)
@given(st.dictionaries(st.text(min_size=1, max_size=8), st.text(max_size=30) | st.floats(allow_nan=False), max_size=5))
def test_any_flat_mapping_reads_back(data: dict[str, object]) -> None:
    assert yaml.safe_load(dump({"m": data})) == {"m": data}


def test_full_scalar_caches_are_cleared_not_grown(monkeypatch: pytest.MonkeyPatch) -> None:
    """The writer's caches of rendered keys and values stay bounded and give the same bytes when refilled."""
    data = {"groups": [{"name": f"g{i}", "labels": {f"k{i}": f"v{i}", "x": "yes"}} for i in range(50)]}
    expected = dump(data)
    monkeypatch.setattr(yaml_emit, "_LIMIT", 4)
    yaml_emit._KEYS.clear()
    yaml_emit._VALUES.clear()
    assert dump(data) == expected
    assert len(yaml_emit._KEYS) <= 4 and len(yaml_emit._VALUES) <= 4
