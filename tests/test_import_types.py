"""Importers on peers' specs with a wrong type at any node (`slos: 42`, a list where a mapping goes, null):
each is reported, located, or imported; never a traceback (exit 70). Found by a hunt: a scalar where
Sloth and OpenSLO take a list crashed. Reads ../shared/corpus (README)."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from compiler.errors import InputError
from compiler.importers import ImportOptions, import_specs
from tests.conftest import require_shared

SOURCES = [
    ("sloth", "corpus/sloth/examples/getting-started.yml"),
    ("openslo", "corpus/openslo/examples/budgeting-method/ratio-timeslices.yaml"),
    ("pyrra", "corpus/pyrra/prometheus-http.yaml"),
]
WRONG = (42, "x", [], {"a": 1}, None)
# libyaml's emitter where available: the same text as safe_dump_all for every document here (all 972 compared
# byte for byte, 2026-12-02), ~4x less CPU than the pure-Python emitter that took most of this module's time.
_DUMPER: Any = getattr(yaml, "CSafeDumper", yaml.SafeDumper)
# numbers no source means: NaN compared raised decimal.InvalidOperation, 5,000 digits broke int() (exit 70)
ODD_NUMBERS = (float("nan"), "NaN", "sNaN", "-Infinity", "9" * 5000, "9" * 5000 + "d", "1e999999")


def _paths(node: Any, path: tuple[Any, ...] = ()) -> Iterator[tuple[Any, ...]]:
    if path:
        yield path
    items = node.items() if isinstance(node, dict) else enumerate(node) if isinstance(node, list) else ()
    for key, child in items:
        yield from _paths(child, (*path, key))


def _swapped(data: Any, path: tuple[Any, ...], value: Any) -> Any:
    if not path:
        return value
    copy = dict(data) if isinstance(data, dict) else list(data)
    copy[path[0]] = _swapped(data[path[0]], path[1:], value)
    return copy


@pytest.mark.parametrize("values", [WRONG, ODD_NUMBERS], ids=["types", "numbers"])
@pytest.mark.parametrize(("fmt", "relative"), SOURCES)
def test_a_wrong_type_anywhere_is_reported_never_a_crash(
    fmt: str, relative: str, values: tuple[Any, ...], tmp_path: Path
) -> None:
    docs = list(yaml.safe_load_all(require_shared(relative).read_text()))
    runs = 0
    for d, doc in enumerate(docs):
        for path in _paths(doc):
            for value in values:
                swapped = [_swapped(doc, path, value) if i == d else other for i, other in enumerate(docs)]
                source = tmp_path / f"{runs}.yaml"
                source.write_text(yaml.dump_all(swapped, Dumper=_DUMPER))
                with contextlib.suppress(InputError):
                    import_specs(fmt, [str(source)], ImportOptions())
                runs += 1
    assert runs > 50


@pytest.mark.parametrize("bound", ["1e99999", "9" * 5000, "NaN", "-Infinity"])
def test_a_bucket_bound_no_histogram_has_is_kept_as_written_or_located(bound: str, tmp_path: Path) -> None:
    text = require_shared("corpus/pyrra/slo-apiserver-read-cluster-latency.yaml").read_text()
    assert 'le="5.0"' in text
    source = tmp_path / "slo.yaml"
    source.write_text(text.replace('le="5.0"', f'le="{bound}"'))
    if bound[0].isdigit():  # a huge bound (its duration text had 5,000 digits: exit 70): kept in raw PromQL
        (spec,) = import_specs("pyrra", [str(source)], ImportOptions()).specs.values()
        assert f'le="{bound}"' in spec
        return
    with pytest.raises(InputError, match=r"slo.yaml:14:9 \$.spec.indicator.latency.success.metric: expected a"):
        import_specs("pyrra", [str(source)], ImportOptions())


@pytest.mark.parametrize(
    ("written", "shown"),
    [("yes", "true"), (".nan", ".nan"), ("[99.9]", "[99.9]"), ("{a: 1}", '{"a": 1}'), ("'1,5'", "'1,5'")],
)
def test_a_value_is_shown_as_yaml_writes_it(tmp_path: Path, written: str, shown: str) -> None:
    """An objective of `yes` read `objective True is not a number`, and `slos:` as a mapping `got dict
    "{'x': ...}"`: Python's words, not the source's."""
    source = tmp_path / "s.yaml"
    source.write_text(
        f"version: prometheus/v1\nservice: api\nslos:\n  - name: a\n    objective: {written}\n"
        "    sli: {raw: {error_ratio_query: 'sum(rate(e[{{.window}}])) / sum(rate(t[{{.window}}]))'}}\n"
        "    alerting: {page_alert: {disable: true}, ticket_alert: {disable: true}}\n"
    )
    with pytest.raises(InputError) as refused:
        import_specs("sloth", [str(source)], ImportOptions())
    assert [d.message for d in refused.value.diagnostics] == [f"objective {shown} is not a number"]
    source.write_text("version: prometheus/v1\nservice: api\nslos: {x: {a: 1}}\n")
    with pytest.raises(InputError, match=r'expected a list, got \{"x": \{"a": 1\}\}'):
        import_specs("sloth", [str(source)], ImportOptions())


def test_an_objective_with_a_percent_sign_says_what_to_write(tmp_path: Path) -> None:
    source = tmp_path / "s.yaml"
    source.write_text(
        "version: prometheus/v1\nservice: api\nslos:\n  - name: a\n    objective: 99.9%\n"
        "    sli: {raw: {error_ratio_query: 'sum(rate(e[{{.window}}])) / sum(rate(t[{{.window}}]))'}}\n"
        "    alerting: {page_alert: {disable: true}, ticket_alert: {disable: true}}\n"
    )
    with pytest.raises(InputError) as refused:
        import_specs("sloth", [str(source)], ImportOptions())
    assert [d.message for d in refused.value.diagnostics] == [
        "objective '99.9%' is not a number: write 99.9, without the % sign"
    ]


def test_label_and_annotation_values_are_carried_as_written(tmp_path: Path) -> None:
    """Found by the round 20 user hunt: `critical: yes` became the label value `True`, `paged: no` `False`, a
    null `None` (Python's words; Sloth's Go decoder keeps the text written in a string field), and `count: 3`
    was dropped as "not plain text (Go templates)"."""
    source = tmp_path / "s.yaml"
    source.write_text(
        "version: prometheus/v1\nservice: api\nlabels: {owner: payments, critical: yes, tier: 1, ratio: 0.50,"
        " empty: null}\nslos:\n  - name: a\n    objective: 99.9\n    description: yes\n"
        "    labels:\n      paged: no   # a comment\n"
        "    sli: {raw: {error_ratio_query: 'sum(rate(e[{{.window}}])) / sum(rate(t[{{.window}}]))'}}\n"
        "    alerting: {name: A, annotations: {count: 3, state: off}}\n"
    )
    imported = import_specs("sloth", [str(source)], ImportOptions())
    spec = yaml.safe_load(imported.specs["api.yaml"])
    assert spec["labels"] == {"owner": "payments", "critical": "yes", "tier": "1", "ratio": "0.50"}
    slo = spec["slos"][0]
    assert (slo["labels"], slo["annotations"], slo["description"]) == (
        {"paged": "no"},
        {"count": "3", "state": "off"},
        "yes",
    )
    assert any("label 'empty' has no value" in d.message for d in imported.notes)
    assert not imported.dropped or all("count" not in str(d) for d in imported.dropped)
