"""Round 40: a service nothing scrapes (`targets: false`) has no `up`, and the platform's CPU and memory join
cAdvisor's series to the service's `up` (docs/operations.md): examples/nightly-backup and homepage-probe got
ServiceCPUSaturation and ServiceMemorySaturation rules that could never fire (promtool: a container at 100% of its
limit, no `up`, no alert), and with no targets no missing-data twin said so. Such platform metrics are now left out
of the service, said by `-v`; a scraped service, the spec's own metric, and a platform metric that does not read
`up` through the selector stay."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.cli_helpers import run_obsc
from tests.platform_text import sink_platform
from tests.promtool_helpers import alert_fires

JOINED = "* on (namespace, pod) group_left () group by (namespace, pod) (up{$selector})"
CPU = (
    f'    cpu: sum(rate(container_cpu_usage_seconds_total{{container!=""}}[$window]) {JOINED})'
    f' / sum(kube_pod_container_resource_limits{{resource="cpu"}} {JOINED})\n'
    "    memory: max(process_resident_memory_bytes{$selector} / process_virtual_memory_max_bytes{$selector})\n"
)
SPEC = """apiVersion: obsc/v1
service: {name}
team: shop
selector: {{job: {name}}}
{targets}metrics:
  last_success: {{selector: batch_last_success_timestamp_seconds, type: gauge}}
{own}slos:
  - name: fresh
    objective: 95
    period: 7d
    sli: {{last_success: last_success, max_age: 26h}}
    alerts: {{critical: false}}
"""


def _compile(tmp: Path, capsys: pytest.CaptureFixture[str], targets: str, own: str = "") -> tuple[str, str]:
    (tmp / "specs").mkdir()
    (tmp / "specs/platform.yaml").write_text(
        sink_platform(before=f"defaults:\n  target_labels: [namespace]\n  metrics:\n{CPU}")
    )
    (tmp / "specs/batch.yaml").write_text(SPEC.format(name="batch", targets=targets, own=own))
    result = run_obsc(capsys, "compile", str(tmp / "specs"), "--out", str(tmp / "out"), "--no-validate", "-v")
    assert result.code == 0, result.err
    return (tmp / "out/prometheus/rules/batch.yaml").read_text(), result.err + result.out


def test_a_service_nothing_scrapes_gets_no_cpu_joined_to_its_up(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    rules, said = _compile(tmp_path, capsys, "targets: false\n")
    assert "ServiceCPUSaturation" not in rules and "container_cpu_usage_seconds_total" not in rules
    assert "ServiceMemorySaturation" in rules  # read by the selector, not joined to `up`: kept
    assert "batch: platform metrics cpu not applied: nothing scrapes this service (targets: false)" in said


@pytest.mark.parametrize(
    "targets, own",
    [("targets: {job: batch}\n", ""), ("targets: false\n", "  cpu: max(process_cpu_share{$selector})\n")],
    ids=["scraped", "its-own-cpu"],
)
def test_what_keeps_its_cpu(tmp_path: Path, capsys: pytest.CaptureFixture[str], targets: str, own: str) -> None:
    rules, said = _compile(tmp_path, capsys, targets, own)
    assert "ServiceCPUSaturation" in rules and "not applied" not in said


def test_the_joined_cpu_never_fires_without_up(tmp_path: Path) -> None:
    """The proof: the container at 100% of its limit, no `up` of the service: no alert."""
    expr = CPU.split("cpu: ")[1].split("\n")[0].replace("$window", "5m").replace("$selector", 'job="batch"')
    rules = f"groups:\n- name: g\n  rules:\n  - alert: Cpu\n    expr: {expr} > 0.8\n    for: 5m\n"
    pod = 'namespace="shop",pod="batch-1"'
    series = {
        f'container_cpu_usage_seconds_total{{job="kubelet",{pod},container="batch"}}': "0+60x30",
        f'kube_pod_container_resource_limits{{job="kube-state-metrics",{pod},resource="cpu"}}': "1x30",
    }
    assert not alert_fires(tmp_path, rules, "Cpu", series, eval_time="20m")
    up = {f'up{{job="batch",{pod}}}': "1x30"}
    (tmp_path / "up").mkdir()
    assert alert_fires(tmp_path / "up", rules, "Cpu", {**series, **up}, eval_time="20m")  # with its `up`: fires
