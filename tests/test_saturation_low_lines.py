"""A CPU, memory or disk line under 1% compiles and passes its own generated tests.

Round 38's hunt: the missing-data twins' cases fed 1% as the reading "under every line", so `cpu: {warning: 0.5%}`
fired ServiceCPUSaturation where the case expected silence, and `obsc compile` failed its own tests (exit 1,
"promtool rejected the generated rules"). The quiet reading is now half the lowest line when that is under 1%.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.cli_helpers import run_obsc

SPEC = """\
apiVersion: obsc/v1
service: vault
team: keys
selector: {{job: vault}}
metrics:
  requests: http_requests_total
  errors: http_requests_total{{code=~"5.."}}
  {signal}: {{expr: "{expr}"}}
alerts:
  {signal}: {{warning: "{line}", critical: false}}
routing:
  critical: {{webhook: {{url: "https://pager.example.net/keys"}}}}
  warning: {{webhook: {{url: "https://queue.example.net/keys"}}}}
"""
EXPR = {
    "cpu": "rate(process_cpu_seconds_total{$selector}[$window])",
    "memory": "process_resident_memory_bytes{$selector} / 1e9",
    "disk": "1 - node_filesystem_avail_bytes{$selector} / node_filesystem_size_bytes{$selector}",
}


@pytest.mark.parametrize("signal", sorted(EXPR))
@pytest.mark.parametrize("line", ["0.5%", "0.0001%"])
def test_a_saturation_line_under_one_percent_passes_its_generated_tests(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], signal: str, line: str
) -> None:
    spec = tmp_path / "vault.yaml"
    spec.write_text(SPEC.format(signal=signal, expr=EXPR[signal], line=line))
    result = run_obsc(capsys, "compile", str(spec), "--out", str(tmp_path / "out"))
    assert result.code == 0, result.err
