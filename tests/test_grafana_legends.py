"""Each line of a panel is named apart. An expression metric kept per label (`sum by (queue) (...)`) names its
group in the legend; one whose labels its text does not tell (unaggregated, `rate(x[$window])`: a line per
instance; `sum without (...)`; a label_replace) gets Grafana's auto legend, which names each line by the labels
it differs by. Before round 45 such a panel wrote the metric's name on every line: a Redis hit-or-miss rate,
`rate(hits) + rate(misses)`, drew one indistinguishable "lookups" line per instance (2 instances on a real
Prometheus 2.42; tests/e2e/test_dashboard_queries_unlike_examples.py reads the lines there)."""

from __future__ import annotations

from pathlib import Path

from compiler.api import compile_specs
from compiler.targets.grafana.queries import AUTO_LEGEND
from tests.test_grafana_support import all_panels, service_dashboard

SPEC = """apiVersion: obsc/v1
service: cache
team: data
selector: {job: redis}
metrics:
  lookups:
    expr: 'rate(redis_keyspace_hits_total{$selector}[$window]) + rate(redis_keyspace_misses_total{$selector}[$window])'
  per_node: {expr: 'sum without (db) (redis_db_keys{$selector})', title: Keys per node}
  renamed: {expr: 'label_replace(redis_memory_used_bytes{$selector}, "node", "$1", "instance", "(.*)")', unit: bytes}
  cpu: {expr: 'rate(process_cpu_seconds_total{$selector}[$window])', unit: percentunit}
  per_db: {expr: 'sum by (db) (redis_db_keys{$selector})'}
  total: {expr: 'sum(redis_db_keys{$selector})'}
  evictions: redis_evicted_keys_total
routing:
  critical: {webhook: {url: "http://relay:8080/page"}}
  warning: {webhook: {url: "http://relay:8080/ticket"}}
"""
UNTOLD = {"lookups", "Keys per node", "renamed", "CPU utilisation"}  # panel titles
NAMED = {"per_db": "per_db {{db}}", "total": "total", "evictions": "evictions"}


def test_lines_of_an_expression_whose_labels_are_untold_are_named_by_grafanas_auto_legend(tmp_path: Path) -> None:
    (tmp_path / "specs").mkdir()
    (tmp_path / "specs" / "cache.yaml").write_text(SPEC)
    board = service_dashboard(compile_specs([str(tmp_path / "specs")]), "cache")
    legends = {p["title"]: [t.get("legendFormat") for t in p.get("targets") or []] for p in all_panels(board)}
    for title in sorted(UNTOLD):
        assert legends.get(title) == [AUTO_LEGEND], f"{title}: {legends.get(title)}"
    for title, legend in NAMED.items():
        assert legends.get(title) == [legend], f"{title}: {legends.get(title)}"
