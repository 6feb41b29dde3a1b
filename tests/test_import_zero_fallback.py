"""An errors query ending in `or vector(0)` (a Sloth and OpenSLO idiom: the ratio reads 0, not no data, for a
service with traffic and no failures) imports without it, with a note: obsc counts absent errors as 0 while
the total has traffic, and refuses the constant in an errors query. Before, such a spec (which its tool
accepts) failed to import: "the errors query gives a value when the service exports nothing"."""

from __future__ import annotations

from pathlib import Path

import pytest

from compiler.errors import InputError
from compiler.model.types import SliKind
from tests.import_helpers import import_and_compile

SLOTH = """\
version: "prometheus/v1"
service: api
labels: {owner: web}
slos:
  - name: avail
    objective: 99.95
    sli:
      events:
        error_query: sum(rate(http_requests_total{job="api",code=~"5.."}[{{.window}}])) or on() vector(0)
        total_query: sum(rate(http_requests_total{job="api"}[{{.window}}]))
    alerting: {name: ApiAvailability}
  - name: by-route
    objective: 95
    sli:
      events:
        error_query: sum by (route) (rate(http_requests_total{job="api",code=~"5.."}[{{.window}}])) or vector(0)
        total_query: sum by (route) (rate(http_requests_total{job="api"}[{{.window}}]))
    alerting: {name: ApiRoutes}
  - name: ratio
    objective: 99
    sli:
      raw:
        error_ratio_query: >-
          (sum(rate(http_requests_total{job="api",code=~"5.."}[{{.window}}])) or vector(0))
          / sum(rate(http_requests_total{job="api"}[{{.window}}]))
    alerting: {name: ApiRatio}
"""

OPENSLO = """\
apiVersion: openslo/v1
kind: SLO
metadata: {name: api-availability}
spec:
  service: api
  budgetingMethod: Occurrences
  timeWindow: [{duration: 28d, isRolling: true}]
  indicator:
    metadata: {name: api-errors}
    spec:
      ratioMetric:
        counter: true
        bad:
          metricSource:
            type: Prometheus
            spec: {query: 'sum(rate(http_requests_total{job="api",code=~"5.."}[{{.window}}])) or vector(0)'}
        total:
          metricSource:
            type: Prometheus
            spec: {query: 'sum(rate(http_requests_total{job="api"}[{{.window}}]))'}
  objectives: [{target: 0.999}]
"""


def test_sloth_errors_query_with_or_vector_0_imports_without_it(tmp_path: Path) -> None:
    source = tmp_path / "api.yaml"
    source.write_text(SLOTH)
    imported, compilation = import_and_compile("sloth", [source], tmp_path / "out")
    slos = {slo.name: slo for slo in compilation.fleet.services[0].slos}
    assert slos["avail"].sli.raw_errors == 'sum(rate(http_requests_total{job="api",code=~"5.."}[$window]))'
    assert slos["by-route"].by == ("route",), "the groups are read without the fallback"
    # round 31: a ratio of two summed rates splits into {errors, total}; its numerator's fallback goes too
    assert slos["ratio"].sli.raw_errors == 'sum(rate(http_requests_total{job="api",code=~"5.."}[$window]))'
    assert [n for n in imported.notes if n.path[:2] == ("slos", 2) and "`or vector(0)` is taken off" in n.message]
    noted = sorted(n.path for n in imported.notes if "`or vector(0)` taken off" in n.message)
    assert noted == [("slos", i, "sli", "events", "error_query") for i in (0, 1)]


def test_openslo_bad_query_with_or_vector_0_imports_without_it(tmp_path: Path) -> None:
    source = tmp_path / "api.yaml"
    source.write_text(OPENSLO)
    imported, compilation = import_and_compile("openslo", [source], tmp_path / "out")
    [slo] = compilation.fleet.services[0].slos
    assert slo.sli.raw_errors == 'sum(rate(http_requests_total{job="api",code=~"5.."}[$window]))'
    assert [n.path[-1] for n in imported.notes if "`or vector(0)` taken off" in n.message] == ["query"]


def test_another_constant_is_still_refused(tmp_path: Path) -> None:
    """Only `or vector(0)` means "no errors yet"; `or vector(1)` is a made-up error rate."""
    source = tmp_path / "api.yaml"
    source.write_text(SLOTH.replace("or on() vector(0)", "or vector(1)"))
    with pytest.raises(InputError, match="gives a value when the service exports nothing"):
        import_and_compile("sloth", [source], tmp_path / "out")


def test_openslo_good_query_with_or_vector_0_is_obscs_good_total_sli(tmp_path: Path) -> None:
    """A good query with the fallback stayed raw `total - (good or vector(0) or 0 * total)`, without the
    {good, total} SLI's data-missing check and dashboard panels."""
    source = tmp_path / "api.yaml"
    good = (
        OPENSLO.replace("bad:", "good:")
        .replace('code=~\\"5..\\"', 'code!~\\"5..\\"')
        .replace('code=~"5.."', 'code!~"5.."')
    )
    source.write_text(good)
    imported, compilation = import_and_compile("openslo", [source], tmp_path / "out")
    [slo] = compilation.fleet.services[0].slos
    assert slo.sli.kind is SliKind.RATIO and slo.sli.good is not None and slo.sli.raw_errors is None
    assert slo.sli.good.selector is not None
    assert slo.sli.good.selector.render() == 'http_requests_total{code!~"5..",job="api"}'
    assert any("taken off the good query" in n.message for n in imported.notes)
