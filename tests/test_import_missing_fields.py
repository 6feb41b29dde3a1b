"""`obsc import` of a peer's spec with a required field left out says the field is missing, located, exit 2,
nothing written. Every key of the corpus's Pyrra objectives and of an OpenSLO SLO was deleted one at a time
(round 35): the missing value was read as '' and reported as a bad value ("window '' is not a duration like
2w or 28d", "'' is not a series selector", "SLO name '' cannot become an obsc name", "duration '' is not
OpenSLO shorthand", "unsupported OpenSLO version null"), as if what was written were wrong rather than absent."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from compiler.errors import ExitCode
from tests.cli_helpers import run_obsc
from tests.conftest import require_shared

OPENSLO = """apiVersion: openslo/v1
kind: SLO
metadata:
  name: web-availability
spec:
  service: web
  indicator:
    metadata: {name: web-ok}
    spec:
      ratioMetric:
        counter: true
        good: {metricSource: {type: Prometheus, spec: {query: 'http_requests_total{job="web",code!~"5.."}'}}}
        total: {metricSource: {type: Prometheus, spec: {query: 'http_requests_total{job="web"}'}}}
  timeWindow:
    - duration: 28d
      isRolling: true
  budgetingMethod: Occurrences
  objectives:
    - target: 0.999
"""


def _without(data: dict[str, Any], path: tuple[str, ...], blank: bool) -> dict[str, Any]:
    """`data` with the key at `path` deleted (or set to '' when `blank`)."""
    node = data
    for key in path[:-1]:
        node = node[key][0] if isinstance(node[key], list) else node[key]
    if blank:
        node[path[-1]] = ""
    else:
        del node[path[-1]]
    return data


CASES = [
    ("pyrra", ("spec", "window"), "$.spec.window: an objective needs a window (Pyrra requires it)"),
    ("pyrra", ("spec", "indicator", "ratio", "errors", "metric"), ".errors.metric: the errors metric is missing"),
    ("pyrra", ("spec", "indicator", "ratio", "total", "metric"), ".total.metric: the total metric is missing"),
    ("pyrra", ("metadata", "name"), "$.metadata.name: no objective name: the source needs one"),
    ("openslo", ("metadata", "name"), "$.metadata.name: no SLO name: the source needs one"),
    ("openslo", ("spec", "service"), "$.spec.service: no service: the source needs one"),
    ("openslo", ("spec", "timeWindow", "duration"), "$.spec.timeWindow[0].duration: a time window needs a duration"),
    ("openslo", ("apiVersion",), "$.apiVersion: no apiVersion: an OpenSLO object starts with apiVersion: openslo/v1"),
]


@pytest.mark.parametrize("blank", [False, True], ids=["deleted", "empty"])
@pytest.mark.parametrize(("fmt", "path", "said"), CASES, ids=[".".join(c[1]) for c in CASES])
def test_a_missing_required_field_is_said_missing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], fmt: str, path: tuple[str, ...], said: str, blank: bool
) -> None:
    if fmt == "pyrra":
        text = require_shared("corpus/pyrra/slo-prometheus-operator-reconcile-errors.yaml").read_text()
    else:
        text = OPENSLO
    source, out = tmp_path / "source.yaml", tmp_path / "specs"
    source.write_text(yaml.safe_dump(_without(yaml.safe_load(text), path, blank), sort_keys=False))
    result = run_obsc(capsys, "import", fmt, str(source), "--out", str(out))
    assert result.code == ExitCode.BAD_INPUT, result.err
    assert f"{source}:" in result.err and said in result.err, result.err
    assert "''" not in result.err and "None" not in result.err and "Traceback" not in result.err, result.err
    assert not out.exists()


def test_the_same_sources_whole_import(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """The unedited sources of the cases above import: each case's error is the deletion's."""
    pyrra = require_shared("corpus/pyrra/slo-prometheus-operator-reconcile-errors.yaml")
    openslo = tmp_path / "openslo.yaml"
    openslo.write_text(OPENSLO)
    for fmt, source in (("pyrra", pyrra), ("openslo", openslo)):
        result = run_obsc(capsys, "import", fmt, str(source), "--out", str(tmp_path / fmt))
        assert result.code == ExitCode.OK, result.err
