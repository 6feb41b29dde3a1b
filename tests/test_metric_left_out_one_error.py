"""A metric the schema check leaves out (a `type:` obsc has no word for: `summary`, `gauges`) is one error, at its
own line. Its time-slice or ratio SLI also said "metric 'p99' is not defined under metrics: (defined: requests)",
false (it is written two lines up) and a second error for one mistake."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.platform_text import sink_platform
from tests.spec_errors import spec_errors

SPEC = """\
apiVersion: obsc/v1
service: quote
team: t
selector: {{job: quote}}
metrics:
  requests: quote_requests_total
{metrics}
slos:
  - {{name: s, objective: 99, sli: {sli}}}
"""
CASES = {
    "summary": ("  p99: {selector: rpc_seconds, type: summary}", "{good_when: 'p99 < 0.5'}"),
    "a typo": ("  p99: {selector: rpc_seconds, type: gauges, aggregation: max}", "{good_when: 'p99 < 0.5'}"),
    "a ratio": ("  failed: {selector: quote_failed_total, type: countr}", "{errors: failed, total: requests}"),
}


@pytest.mark.parametrize("case", CASES)
def test_one_error_for_a_metric_left_out(tmp_path: Path, case: str) -> None:
    metrics, sli = CASES[case]
    found = spec_errors(tmp_path, {"quote.yaml": SPEC.format(metrics=metrics, sli=sli)})
    assert len(found) == 1 and found[0].startswith("metrics."), found


def test_a_platform_default_left_out_is_told_there_only(tmp_path: Path) -> None:
    platform = sink_platform() + "defaults:\n  metrics:\n    p99: {selector: rpc_seconds, type: summary}\n"
    spec = SPEC.format(metrics="", sli="{good_when: 'p99 < 0.5'}")
    found = spec_errors(tmp_path, {"quote.yaml": spec}, platform=platform)
    assert found and all("not defined" not in f for f in found), found


def test_an_undefined_metric_is_still_told(tmp_path: Path) -> None:
    found = spec_errors(tmp_path, {"quote.yaml": SPEC.format(metrics="", sli="{good_when: 'p99 < 0.5'}")})
    assert found == ["slos.0.sli.good_when: metric 'p99' is not defined under metrics: (defined: requests)"], found
