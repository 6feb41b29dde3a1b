"""Round 39: a platform's CPU and memory read cAdvisor's and kube-state-metrics' series through the service
selector (`container_cpu_usage_seconds_total{$selector}`), whose `job` those series never carry (they carry the
kubelet's and kube-state-metrics'): no series for any service, alerts that cannot fire and missing-data twins that
ticket for good, compiled without a word. `validate` now warns once per metric, located at its expression, naming
the services it reaches; the pod join of examples/platform.yaml, a spec for the exporter itself, and exporters
the selector does not pin (node_exporter on a VM's own job) are not warned of."""

from __future__ import annotations

from pathlib import Path

import pytest

from compiler.api import CompileOptions, load_fleet
from compiler.model.exporter_jobs import exporter_job_warnings
from tests.cli_helpers import run_obsc
from tests.platform_text import sink_platform

JOINED = "* on (namespace, pod) group_left () group by (namespace, pod) (up{$selector})"
BY_JOB = (
    "    cpu: sum(rate(container_cpu_usage_seconds_total{$selector}[$window]))"
    ' / sum(kube_pod_container_resource_limits{$selector,resource="cpu"})\n'
)
NODE_DISK = "    disk: max(1 - node_filesystem_avail_bytes{$selector} / node_filesystem_size_bytes{$selector})\n"
SPEC = (
    "apiVersion: obsc/v1\nservice: {name}\nteam: shop\nselector: {selector}\n{targets}metrics: {{requests: x_total}}\n"
)


def _warnings(tmp: Path, metrics: str, specs: dict[str, str]) -> list[str]:
    (tmp / "platform.yaml").write_text(
        sink_platform(before=f"defaults:\n  target_labels: [namespace]\n  metrics:\n{metrics}")
    )
    for name, selector in specs.items():
        (tmp / f"{name}.yaml").write_text(
            SPEC.format(name=name, selector=selector, targets="" if "job" in selector else "targets: {app: cart}\n")
        )
    fleet, _ = load_fleet([str(tmp)], CompileOptions(), {})
    return [str(d) for d in exporter_job_warnings(fleet.services)]


def test_a_platform_metric_read_by_the_services_job_is_warned_once_at_its_line(tmp_path: Path) -> None:
    said = _warnings(tmp_path, BY_JOB, {"cart": "{job: cart}", "pay": "{job: pay, namespace: shop}"})
    assert len(said) == 1, said
    line = next(n for n, text in enumerate((tmp_path / "platform.yaml").read_text().splitlines(), 1) if "cpu:" in text)
    assert said[0].startswith(f"{tmp_path / 'platform.yaml'}:{line}:")
    assert "$.defaults.metrics.cpu: " in said[0]
    assert (
        "container_cpu_usage_seconds_total is cAdvisor's, scraped from each node's kubelet (job=\"kubelet\"" in said[0]
    )
    assert "kube_pod_container_resource_limits is kube-state-metrics'" in said[0]
    assert "never each service's (cart, pay)" in said[0]
    assert JOINED in said[0]


@pytest.mark.parametrize(
    "metrics, selector",
    [
        (  # the pod join: $selector is read on `up`
            f'    cpu: sum(rate(container_cpu_usage_seconds_total{{container!=""}}[$window]) {JOINED})'
            f' / sum(kube_pod_container_resource_limits{{resource="cpu"}} {JOINED})\n',
            "{job: cart}",
        ),
        (BY_JOB, "{namespace: shop, app: cart}"),  # a selector pinning no job nor instance
        (BY_JOB, "{job: kube-state-metrics}"),  # a spec for the exporter itself
        (NODE_DISK, "{job: node-exporter}"),  # a spec for node_exporter itself
    ],
    ids=["joined", "no-job", "the-exporter", "node-exporter-itself"],
)
def test_what_is_not_warned_of(tmp_path: Path, metrics: str, selector: str) -> None:
    assert _warnings(tmp_path, metrics, {"cart": selector}) == []


def test_node_exporter_series_read_by_the_services_job_are_warned_in_a_kubernetes_fleet(tmp_path: Path) -> None:
    """Round 40: node_exporter's series carry its own job (a DaemonSet): a disk at 95% never fired (promtool)."""
    said = _warnings(tmp_path, NODE_DISK, {"cart": "{job: cart}"})
    assert len(said) == 1 and "$.defaults.metrics.disk: " in said[0], said
    assert "node_filesystem_avail_bytes is node_exporter's, scraped from each node" in said[0]
    assert "kubelet_volume_stats_available_bytes / kubelet_volume_stats_capacity_bytes" in said[0]
    assert JOINED not in said[0]  # the pod join is cAdvisor's advice


def test_node_exporter_series_on_vms_are_not_judged(tmp_path: Path) -> None:
    """Static scrape configs (`target_labels: []`): a service's own job may scrape its host's node_exporter."""
    (tmp_path / "platform.yaml").write_text(
        sink_platform(before=f"defaults:\n  target_labels: []\n  metrics:\n{NODE_DISK}")
    )
    (tmp_path / "cart.yaml").write_text(SPEC.format(name="cart", selector="{job: cart}", targets=""))
    fleet, _ = load_fleet([str(tmp_path)], CompileOptions(), {})
    assert exporter_job_warnings(fleet.services) == []


def test_a_specs_own_metric_is_warned_at_the_spec(tmp_path: Path) -> None:
    (tmp_path / "platform.yaml").write_text(sink_platform())
    (tmp_path / "cart.yaml").write_text(
        SPEC.format(name="cart", selector="{job: cart}", targets="").replace(
            "metrics: {requests: x_total}",
            "metrics:\n  requests: x_total\n  ready: {selector: kube_pod_status_ready, type: gauge}",
        )
    )
    fleet, _ = load_fleet([str(tmp_path)], CompileOptions(), {})
    said = [str(d) for d in exporter_job_warnings(fleet.services)]
    assert len(said) == 1 and said[0].startswith(f"{tmp_path / 'cart.yaml'}:7:") and "never the service's" in said[0], (
        said
    )


def test_validate_says_it_as_a_warning(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "platform.yaml").write_text(sink_platform(before=f"defaults:\n  metrics:\n{BY_JOB}"))
    (tmp_path / "cart.yaml").write_text(SPEC.format(name="cart", selector="{job: cart}", targets=""))
    result = run_obsc(capsys, "validate", str(tmp_path))
    assert result.code == 0
    assert "$.defaults.metrics.cpu: warning: container_cpu_usage_seconds_total is cAdvisor's" in result.err


MACHINE = "    memory: sum(machine_memory_bytes{$selector})\n"  # cAdvisor's machine_* series too


@pytest.mark.parametrize(
    ("metrics", "specs", "said"),
    [
        (BY_JOB, {"db": '{instance: "db-1:9100"}'}, "never each service's (db)"),  # an instance pins a target too
        (MACHINE, {"cart": "{job: cart}"}, "machine_memory_bytes is cAdvisor's"),
        (BY_JOB, {n: f"{{job: {n}}}" for n in ("a1", "b2", "c3", "d4", "e5")}, "(a1, b2, c3 and 2 more)"),
    ],
    ids=["instance", "machine", "five-services"],
)
def test_what_is_warned_of_beyond_a_job(tmp_path: Path, metrics: str, specs: dict[str, str], said: str) -> None:
    """Round 39's review: the `instance` matcher, cAdvisor's machine_* family and the list of services a platform
    metric reaches (its first three) each decide a warning no other case reaches."""
    (warning,) = _warnings(tmp_path, metrics, specs)
    assert said in warning, warning


def test_a_selector_naming_its_namespace_is_a_kubernetes_service(tmp_path: Path) -> None:
    """With no `namespace` in the platform's target_labels, a selector that names one is still Kubernetes's: its
    node_exporter series read by its job are warned of (not left to the VM reading)."""
    (tmp_path / "platform.yaml").write_text(
        sink_platform(before=f"defaults:\n  target_labels: []\n  metrics:\n{NODE_DISK}")
    )
    (tmp_path / "cart.yaml").write_text(SPEC.format(name="cart", selector="{job: cart, namespace: shop}", targets=""))
    fleet, _ = load_fleet([str(tmp_path)], CompileOptions(), {})
    assert len(exporter_job_warnings(fleet.services)) == 1


def test_the_kubelets_volume_series_read_by_the_services_job_are_warned(tmp_path: Path) -> None:
    volume = (
        "    disk: max(1 - kubelet_volume_stats_available_bytes{$selector}"
        " / kubelet_volume_stats_capacity_bytes{$selector})\n"
    )
    said = _warnings(tmp_path, volume, {"cart": "{job: cart}"})
    assert len(said) == 1 and "kubelet_volume_stats_available_bytes is the kubelet's" in said[0], said
