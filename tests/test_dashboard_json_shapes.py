"""A platform's standard dashboard is any JSON its Jsonnet writes: every reader of it takes any value where a list of
panels, queries or variables goes, or a name, id or title, without a traceback (the SDK round trip names the wrong
shape). Round 47: `targets: 5` on a panel was exit 70 at compile (the untold-legend reader of round 46) and again at
validation (the lint); a variable named by a list was exit 70 at compile, a panel id that is an object at validation."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from compiler.api import compile_specs
from compiler.model.types import RenderedDashboard, Service
from compiler.targets.grafana import queries, standard
from compiler.targets.grafana.standard_legends import untold_lines
from compiler.targets.grafana.standard_render import shows_nothing
from compiler.toolcheck import grafana_lint
from tests.test_grafana_standard import _fleet
from tests.test_grafana_support import compile_dir, dashboards

# A metric kept per group: the legend reader looks at every panel's queries for it.
GROUPED = "metrics: {depth: {expr: 'sum by (queue) (queue_depth{$selector})', type: gauge}, "
TARGETS_FIVE = """function(service) {
  title: service.name + ' / echo',
  panels: [{id: 1, type: 'timeseries', title: 'Depth', targets: 5}],
}"""


def _grouped_fleet(tmp_path: Path, jsonnet: str) -> Path:
    specs = _fleet(tmp_path, jsonnet)
    spec = specs / "alpha.yaml"
    spec.write_text(spec.read_text().replace("metrics: {", GROUPED, 1))
    return specs


def test_a_panel_whose_targets_is_a_number_compiles_and_lints_without_a_traceback(tmp_path: Path) -> None:
    compilation = compile_dir(_grouped_fleet(tmp_path, TARGETS_FIVE))
    (board,) = [d for path, d in dashboards(compilation).items() if path.endswith(".echo.json")]
    assert board["panels"][0]["targets"] == 5  # left as written, for the checks to name
    found = grafana_lint.lint("echo.json", board)
    assert [f.message for f in found if "panel 1" in f.where] == ["has no unit (fieldConfig.defaults.unit)"]
    assert list(grafana_lint.queries("echo.json", board)) == []


def test_a_variable_named_by_a_list_compiles_without_a_traceback(tmp_path: Path) -> None:
    panels = "panels: [{id: 1, type: 'text', title: 't'}]"
    jsonnet = f"function(service) {{ title: 'x', {panels}, templating: {{list: [{{name: []}}]}} }}"
    compile_specs([str(_grouped_fleet(tmp_path, jsonnet))])


_LEAVES = st.one_of(st.none(), st.booleans(), st.integers(-2, 3), st.floats(allow_nan=False), st.text(max_size=8))
_KEYS = st.sampled_from(
    ["panels", "targets", "expr", "legendFormat", "title", "id", "type", "fieldConfig", "defaults", "unit",
     "templating", "list", "name", "query", "datasource", "uid", "refId"]
)  # fmt: skip
_JSON = st.recursive(
    _LEAVES | st.sampled_from(["row", 'sum by (queue) (queue_depth{job="alpha"})', "{{queue}}", "__auto"]),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(_KEYS, inner, max_size=5),
    max_leaves=25,
)


@pytest.fixture(scope="module")
def service(tmp_path_factory: pytest.TempPathFactory) -> Service:
    specs = _grouped_fleet(tmp_path_factory.mktemp("grouped"), TARGETS_FIVE.replace("5", "[]"))
    return compile_dir(specs).fleet.services[0]


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.dictionaries(_KEYS, _JSON, max_size=6))
def test_every_reader_of_a_rendered_dashboard_takes_any_json(service: Service, data: dict[str, Any]) -> None:
    grafana_lint.lint("board.json", data)
    list(grafana_lint.queries("board.json", data))
    untold_lines(service, data)
    shows_nothing(data)
    standard.finish(RenderedDashboard(service.name, "echo", "board.json", json.dumps(data)), service)


def test_a_dashboard_of_collapsed_rows_holding_panels_shows_something() -> None:
    """A collapsed row carries its panels inside it (a hand mutant of round 46 reading every row as empty passed
    every test); rows with none inside, or no panel at all, show nothing."""
    inside = {"id": 2, "type": "timeseries", "title": "Depth"}
    assert not shows_nothing({"panels": [{"id": 1, "type": "row", "collapsed": True, "panels": [inside]}]})
    assert shows_nothing({"panels": [{"id": 1, "type": "row", "panels": []}]})
    assert shows_nothing({"panels": []})


def test_a_panel_inside_a_row_is_read_for_lines_named_alike(service: Service) -> None:
    """A collapsed row's panels plot lines too (a hand mutant of round 46 reading top-level panels only passed every
    test): a metric kept per group under a fixed legend is found there as at the top."""
    depth = next(m for m in service.metrics if m.name == "depth")
    panel = {
        "id": 2,
        "type": "timeseries",
        "title": "Depth",
        "targets": [{"expr": queries.per_group_value(service, depth), "legendFormat": "Depth"}],
    }
    top = untold_lines(service, {"panels": [panel]})
    assert top == [("Depth", "depth", "Depth")]
    assert untold_lines(service, {"panels": [{"id": 1, "type": "row", "collapsed": True, "panels": [panel]}]}) == top
