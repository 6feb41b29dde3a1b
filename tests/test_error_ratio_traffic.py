"""An error-ratio SLI (`raw: {error_ratio: ...}`) records its total as 1 from its errors (`0 * errors + 1`): its
generated cases must feed that total as 1. Round 42's burn-pair start scaled every SLO's case traffic until a burn
at the line shows 8 failures in a short window; at 99.99% the fed total became 32 beside the recorded 1, promtool
refused the test file ("duplicate sample for timestamp") and every fleet with such an SLO failed to compile (exit 1;
found by drawn fleet 5, round 43)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import ROOT, require_tool
from tests.platform_text import sink_platform

SPEC = """\
apiVersion: obsc/v1
service: checkout
team: t
selector: {job: checkout}
slos:
  - name: availability
    objective: %s
    sli:
      raw:
        error_ratio: >-
          sum(rate(http_requests_total{$selector,code=~"5.."}[$window]))
          / sum(rate(http_requests_total{$selector}[$window]))
"""


@pytest.mark.parametrize("objective", ["99", "99.99"])
def test_an_error_ratio_slos_cases_feed_the_total_its_rules_record(tmp_path: Path, objective: str) -> None:
    promtool = require_tool("promtool", "PROMTOOL")
    specs, out = tmp_path / "specs", tmp_path / "out"
    specs.mkdir()
    (specs / "platform.yaml").write_text(sink_platform())
    (specs / "checkout.yaml").write_text(SPEC % objective)
    argv = [sys.executable, "-m", "compiler", "compile", str(specs), "--out", str(out), "--no-validate", "-q"]
    subprocess.run(argv, check=True, cwd=ROOT)
    main = out / "prometheus" / "tests" / "checkout.test.yaml"
    fed = [line for line in main.read_text().splitlines() if "slo:sli_total:" in line]
    assert fed  # the cases feed the total beside the errors
    result = subprocess.run([promtool, "test", "rules", str(main)], capture_output=True, text=True, cwd=main.parent)
    assert result.returncode == 0, result.stdout[-2000:]
