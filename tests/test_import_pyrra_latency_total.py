"""A Pyrra latency indicator whose total is the histogram's `+Inf` bucket (`x_bucket{le="+Inf"}`, the same count
as `x_count`) is obsc's latency SLI, as with `_count` (round 44). Read as another metric it was kept raw,
`total - (good or 0 * total)`: a build whose histogram has no bucket at the threshold counted every request slow,
and a healthy service paged (promtool, below). A latency kept raw for a real reason (the good selector tests
another label) takes the matcher both queries share as the service selector; both said "the metrics share no
label matcher" and guessed `{job: <objective name>}` with `targets: false`, which named no target of the service."""

from __future__ import annotations

from pathlib import Path

from compiler.importers import ImportOptions, import_specs
from tests.import_helpers import import_and_compile
from tests.promtool_helpers import alert_fires

SOURCE = """\
apiVersion: pyrra.dev/v1alpha1
kind: ServiceLevelObjective
metadata: {name: api-latency, namespace: shop}
spec:
  target: "99"
  window: 28d
  indicator:
    latency:
      success: {metric: 'http_request_duration_seconds_bucket{job="api",GOODle="0.5"}'}
      total: {metric: 'TOTAL'}
"""
INF = 'http_request_duration_seconds_bucket{job="api",le="+Inf"}'


def _source(tmp_path: Path, total: str, good: str = "") -> Path:
    path = tmp_path / "slo.yaml"
    path.write_text(SOURCE.replace("TOTAL", total).replace("GOOD", good))
    return path


def _counter(instance: str, le: str) -> str:
    return f'http_request_duration_seconds_bucket{{job="api",instance="{instance}",le="{le}"}}'


def test_a_total_read_from_the_inf_bucket_is_the_histograms_latency_sli(tmp_path: Path) -> None:
    count = _source(tmp_path, 'http_request_duration_seconds_count{job="api"}')
    as_count = import_specs("pyrra", [str(count)], ImportOptions()).specs["api-latency.yaml"]
    imported, compiled = import_and_compile("pyrra", [_source(tmp_path, INF)], tmp_path / "specs")
    spec = imported.specs["api-latency.yaml"]
    assert spec == as_count
    assert "selector: {job: api}" in spec and "threshold: 500ms" in spec and "raw:" not in spec
    # Two builds, every request fast: b's histogram has buckets 0.25, 1 and +Inf, none at 0.5
    series = {
        _counter("a", "0.5"): "0+600x180",
        _counter("a", "+Inf"): "0+600x180",
        _counter("b", "0.25"): "0+600x180",
        _counter("b", "1"): "0+600x180",
        _counter("b", "+Inf"): "0+600x180",
    }
    rules = compiled.bundle.get("prometheus/rules/api-latency.yaml")
    assert rules is not None
    assert not alert_fires(tmp_path, rules.content, "SLOErrorBudgetBurnFast", series)


def test_a_latency_kept_raw_takes_the_matcher_its_queries_share(tmp_path: Path) -> None:
    source = _source(tmp_path, 'http_request_duration_seconds_count{job="api"}', good='code!~"5..",')
    spec = import_specs("pyrra", [str(source)], ImportOptions()).specs["api-latency.yaml"]
    assert "selector: {job: api}" in spec and "raw:" in spec
    assert "targets: false" not in spec


def test_a_bound_no_duration_writes_is_kept_raw_not_an_internal_error(tmp_path: Path) -> None:
    # le="1e999999": its seconds times 1000 overflowed Decimal's context, exit 70 (review of round 45); as
    # another bound that is no whole millisecond, it stays the source's ratio
    source = _source(tmp_path, 'http_request_duration_seconds_count{job="api"}').read_text()
    path = tmp_path / "huge.yaml"
    path.write_text(source.replace('le="0.5"', 'le="1e999999"'))
    spec = import_specs("pyrra", [str(path)], ImportOptions()).specs["api-latency.yaml"]
    assert 'le="1e999999"' in spec and "raw:" in spec
