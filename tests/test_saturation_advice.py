"""The share-of-capacity advice a refused cpu, memory or disk metric is given compiles as written (round 44).

Round 44 wrote a bastion host's spec as an outsider would, `disk: node_filesystem_avail_bytes{mountpoint="/"}`:
refused (bytes are no share), and told to write the kubelet's volume shares, series a host outside Kubernetes does
not have. The CPU advice itself was refused when pasted: it read `rate(...[5m])`, and an expr's range must be
`[$window]`. Now a node exporter series is answered with the node exporter's shares, and every advice pasted into the
spec compiles."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.cli_helpers import run_obsc
from tests.test_healthy_lines import PLATFORM  # one team, data

SPEC = """apiVersion: obsc/v1
service: bastion
team: data
selector: {job: node, role: bastion}
targets: {job: node, role: bastion}
metrics:
  NAME: BODY
"""
_ADVICE = re.compile(r"e\.g\. `(cpu|memory|disk): \{expr: '(.+?)'\}`")


def _validate(tmp_path: Path, capsys: pytest.CaptureFixture[str], name: str, body: str) -> tuple[int, str]:
    specs = tmp_path / "specs"
    specs.mkdir(exist_ok=True)
    (specs / "platform.yaml").write_text(PLATFORM)
    (specs / "bastion.yaml").write_text(SPEC.replace("NAME", name).replace("BODY", body))
    result = run_obsc(capsys, "validate", str(specs))
    return result.code, result.err


@pytest.mark.parametrize(
    ("name", "body", "series"),
    [
        ("cpu", "{selector: node_cpu_seconds_total, type: counter}", "node_cpu_seconds_total"),
        ("memory", "node_memory_MemAvailable_bytes", "node_memory_MemTotal_bytes"),
        ("disk", "'node_filesystem_avail_bytes{mountpoint=\"/\"}'", "node_filesystem_size_bytes"),
        ("cpu", "process_cpu_seconds_total", "container_cpu_usage_seconds_total"),
        ("memory", "process_resident_memory_bytes", "container_memory_working_set_bytes"),
        ("disk", "{selector: kubelet_volume_stats_used_bytes}", "kubelet_volume_stats_capacity_bytes"),
    ],
    ids=["node-cpu", "node-memory", "node-disk", "process-cpu", "process-memory", "kubelet-disk"],
)
def test_the_advice_for_a_metric_that_is_no_share_fits_its_exporter_and_compiles(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], name: str, body: str, series: str
) -> None:
    code, err = _validate(tmp_path, capsys, name, body)
    advice = _ADVICE.search(err)
    assert code == 2 and advice is not None, err
    assert advice.group(1) == name and series in advice.group(2), err
    code, err = _validate(tmp_path, capsys, name, "{expr: '" + advice.group(2) + "'}")
    assert code == 0, err
