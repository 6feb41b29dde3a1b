"""`-v` says how SLO groups of a split label the scrape targets' `up` does not carry are watched, and what escapes.

A CDN's availability SLO `by: [pop]`: one PoP's series and its target gone for good fired nothing (promtool,
round 36), and nothing said so; a `cluster` lost gets SLODataMissing's vanished-group branch (down_groups.py).
Since round 37 a PoP is watched by its own series (silent_groups.py) once it has a week of busy history: the note
says that limit.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.cli_helpers import run_obsc

PLATFORM = """\
apiVersion: obsc/v1
kind: Platform
teams:
  edge:
    routing:
      critical: {webhook: {url: "https://pager.example.com/edge"}}
      warning: {webhook: {url: "https://tickets.example.com/edge"}}
"""
SPEC = """\
apiVersion: obsc/v1
service: cdn-edge
team: edge
selector: {{job: cdn-edge}}
metrics:
  requests: edge_requests_total
  errors: edge_requests_total{{code=~"5.."}}
slos:
  - {{name: availability, objective: 99.9, by: [{label}], sli: {{errors: errors, total: requests}}}}
"""
NOTE = (
    "SLO 'availability' is split by pop, which the scrape targets' `up` does not carry: a group whose own series "
    "stop is watched by them (SLODataMissing) only if it had at least 36 events an hour"
)


@pytest.mark.parametrize(("label", "said"), [("pop", True), ("cluster", False)])
def test_a_split_label_not_on_up_is_said_under_v(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], label: str, said: bool
) -> None:
    specs = tmp_path / "specs"
    specs.mkdir()
    (specs / "platform.yaml").write_text(PLATFORM)
    (specs / "cdn-edge.yaml").write_text(SPEC.format(label=label))
    result = run_obsc(capsys, "compile", str(specs), "--out", str(tmp_path / "out"), "--no-validate", "-v")
    assert result.code == 0, result.err
    assert (NOTE in result.err) is said, result.err
    assert ("is split by cluster, which" in result.err) is False
