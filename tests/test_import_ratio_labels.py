"""Round 32: a ratio query split into {errors, total} (round 31) has its labels judged on the two sides the
query divides. `sum by (code) (...) / sum(...)` matches no series in Prometheus; one ratio query, so the message
names its numerator and denominator (it cited the same spot twice as two "queries"). A success ratio's errors
are obsc's `total - (good or 0 * total)`: judged on that text, `sum(good) / sum by (route) (all)` was imported
and then failed obsc's own compile, or was refused for "two sides of -" the user never wrote."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.cli_helpers import run_obsc

_SLOTH = """\
version: "prometheus/v1"
service: web
slos:
  - name: availability
    objective: 99.9
    sli:
      raw:
        error_ratio_query: {query}
    alerting: {{name: WebErrors}}
"""
_OPENSLO = """\
apiVersion: openslo/v1
kind: SLO
metadata: {{name: availability}}
spec:
  service: web
  budgetingMethod: Occurrences
  indicator:
    metadata: {{name: availability-sli}}
    spec:
      ratioMetric:
        counter: true
        rawType: success
        raw:
          metricSource:
            type: Prometheus
            spec:
              query: {query}
  objectives:
    - target: 0.99
  timeWindow:
    - duration: 28d
      isRolling: true
"""
_ALL = 'rate(http_requests_total{job="web"}[{{.window}}])'
_GOOD = 'rate(http_requests_total{job="web",code!~"5.."}[{{.window}}])'
_BAD = 'rate(http_requests_total{job="web",code=~"5.."}[{{.window}}])'


def _import(tmp_path: Path, capsys: pytest.CaptureFixture[str], kind: str, text: str) -> tuple[int, str]:
    source = tmp_path / "source.yaml"
    source.write_text(text)
    result = run_obsc(capsys, "import", kind, str(source), "--out", str(tmp_path / "out"), "--team", "web")
    return result.code, result.err


@pytest.mark.parametrize(
    ("kind", "template", "query", "sides"),
    [
        ("sloth", _SLOTH, f"sum by (code) ({_BAD}) / sum({_ALL})", ("by (code)", "no labels")),
        ("openslo", _OPENSLO, f"sum({_GOOD}) / sum by (route) ({_ALL})", ("no labels", "by (route)")),
        ("openslo", _OPENSLO, f"sum by (route) ({_GOOD}) / sum({_ALL})", ("by (route)", "no labels")),
    ],
)
def test_a_ratio_whose_sides_keep_other_labels_is_refused_at_its_query(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], kind: str, template: str, query: str, sides: tuple[str, str]
) -> None:
    code, err = _import(tmp_path, capsys, kind, template.format(query="'" + query + "'"))
    assert code == 2, err
    numerator, denominator = sides
    expected = f"the ratio's numerator keeps {numerator} and its denominator {denominator}: PromQL divides only"
    assert expected in err, err
    assert "does not compile" not in err and "two sides of -" not in err, err
    assert not (tmp_path / "out").exists()


def test_a_success_ratio_kept_by_route_on_both_sides_imports_per_route(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    query = f"sum by (route) ({_GOOD}) / sum by (route) ({_ALL})"
    code, err = _import(tmp_path, capsys, "openslo", _OPENSLO.format(query="'" + query + "'"))
    assert code == 0, err
    assert "  by: [route]\n" in (tmp_path / "out" / "web.yaml").read_text()
