"""The generated tests' made-up series stay apart from the service's own, whatever the service's label values.

Found by the round 30 matcher hunt: ServiceDown's "no instance is scraped at all" case fed `up{job="obsc-unrelated"}`
as another job's target; a service whose targets are `{job: obsc-unrelated}` read it as its own instance up, so
the case's expected page never came and a valid spec's compile failed its own tests (exit 1). Needs promtool and
amtool (fails under CI=true without them).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.cli_helpers import run_obsc
from tests.conftest import require_tool
from tests.platform_text import sink_platform

PLATFORM = sink_platform()
SPEC = """apiVersion: obsc/v1
service: odd
team: shop
selector: {job: obsc-unrelated}
metrics: {requests: http_requests_total, errors: 'http_requests_total{code=~"5.."}'}
slos: [{name: availability, objective: 99.9, sli: {errors: errors, total: requests}}]
"""


def test_a_job_named_like_the_unrelated_target_compiles_through_its_own_tests(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    require_tool("promtool")
    require_tool("amtool")
    specs = tmp_path / "specs"
    specs.mkdir()
    (specs / "platform.yaml").write_text(PLATFORM)
    (specs / "odd.yaml").write_text(SPEC)
    result = run_obsc(capsys, "compile", str(specs), "--out", str(tmp_path / "out"))
    assert result.code == 0, result.err
    tests = (tmp_path / "out" / "prometheus" / "tests" / "odd.test.yaml").read_text()
    assert 'up{job="obsc-unrelated-2"}' in tests  # the case is still there, with another job's name
