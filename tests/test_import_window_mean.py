"""An event query a peer evaluates over every window, whose 1d and 3d values obsc's coarse tier reads as the
mean of its 5m values: the same number for sums of rate, increase, count_over_time or sum_over_time, another
for `count(... > 0)`, `max_over_time`, a comparison above the window. Before, `count(increase(x[{{.window}}]) > 0)`
imported with exit 0 and nothing said that obsc's tickets read another ratio than Sloth's [1d] and [3d] rules."""

from __future__ import annotations

from pathlib import Path

import pytest

from compiler.importers import ImportOptions, import_specs
from compiler.model.window_mean import not_a_window_mean
from tests.import_helpers import assert_located_at_their_keys

SLOTH = """\
version: prometheus/v1
service: batch
labels: {owner: jobs}
slos:
  - name: runs
    objective: 99
    sli:
      events:
        error_query: ERRORS
        total_query: sum(increase(runs_total{job="batch"}[{{.window}}]))
    alerting: {page_alert: {disable: true}, ticket_alert: {disable: true}}
"""

OPENSLO = """\
apiVersion: openslo/v1
kind: SLO
metadata: {name: runs, labels: {team: jobs}}
spec:
  service: batch
  budgetingMethod: Occurrences
  timeWindow: [{duration: 30d, isRolling: true}]
  indicator:
    metadata: {name: runs}
    spec:
      ratioMetric:
        counter: true
        bad: {metricSource: {type: Prometheus, spec: {query: 'sum(max_over_time(failing{job="batch"}[{{.window}}]))'}}}
        total: {metricSource: {type: Prometheus, spec: {query: 'sum(rate(runs_total{job="batch"}[{{.window}}]))'}}}
  objectives: [{target: 0.99}]
"""


def _notes_at_queries(tmp_path: Path, fmt: str, text: str) -> dict[str, str]:
    source = tmp_path / "a.yaml"
    source.write_text(text)
    imported = import_specs(fmt, [str(source)], ImportOptions())
    said = [n for n in imported.notes if "stands above the window" in n.message]
    assert_located_at_their_keys(said)
    return {str(n.path[-1]): n.message for n in said}


@pytest.mark.parametrize(
    ("errors", "culprit"),
    [
        ('count(increase(runs_total{job="batch",result="failed"}[{{.window}}]) > 0)', "count()"),
        ('sum(max_over_time(failing{job="batch"}[{{.window}}]))', "max_over_time()"),
        ('sum(increase(runs_total{job="batch",result="failed"}[{{.window}}]) > 0)', "the comparison `>`"),
    ],
)
def test_a_sloth_query_whose_long_windows_are_no_mean_of_5m_is_said_at_the_query(
    tmp_path: Path, errors: str, culprit: str
) -> None:
    notes = _notes_at_queries(tmp_path, "sloth", SLOTH.replace("ERRORS", f"'{errors}'"))
    assert list(notes) == ["error_query"]
    assert notes["error_query"].startswith(f"{culprit} stands above the window")
    assert "Sloth's [1d] and [3d] rules evaluate the query" in notes["error_query"]


@pytest.mark.parametrize(
    "errors",
    [
        'sum(increase(runs_total{job="batch",result="failed"}[{{.window}}]))',
        'sum(sum_over_time(batch_failures{job="batch"}[{{.window}}]))',
        'sum(count_over_time((up{job="batch"} == 0)[{{.window}}:1m]))',  # compared per point, then counted
        'sum(rate(runs_total{job="batch"}[{{.window}}])) - sum(rate(runs_total{job="batch",result="ok"}[{{.window}}]))',
        'sum(increase(runs_total{job="batch",result="failed"}[{{.window}}])) * 2',
    ],
)
def test_sums_of_counts_read_the_same_and_say_nothing(tmp_path: Path, errors: str) -> None:
    assert _notes_at_queries(tmp_path, "sloth", SLOTH.replace("ERRORS", f"'{errors}'")) == {}


def test_an_openslo_bad_query_is_said_too(tmp_path: Path) -> None:
    notes = _notes_at_queries(tmp_path, "openslo", OPENSLO)
    assert list(notes) == ["query"]
    assert notes["query"].startswith("max_over_time() stands above")


def test_the_reader_names_what_is_no_sum() -> None:
    assert not_a_window_mean("sum(rate(a[$window])) / sum(rate(b[$window]))") == "`/` of two windowed queries"
    assert not_a_window_mean("histogram_quantile(0.9, sum by (le) (rate(a[$window])))") == "histogram_quantile()"
    assert not_a_window_mean("sum(irate(a[$window]))") == "irate()"
    assert not_a_window_mean("sum(rate(a[$window])) * sum(rate(b[$window]))") == "`*` of two windowed queries"
    assert not_a_window_mean("max(a)") is None  # no window: nothing to read apart
    assert not_a_window_mean("sum(rate(a[$window])") is None  # does not parse: obsc's own checks say why
