"""The example platform's CPU and memory signals, replayed with promtool over series labelled as cAdvisor and
kube-state-metrics label them (round 39): their `job` is the kubelet's and kube-state-metrics', never the
service's, so an expression reading `container_cpu_usage_seconds_total{$selector}` had no series for any service
and its missing-data twin ticketed for as long as the service ran. Joined to the service's pods on the
`namespace` and `pod` of its targets' `up`, each reads the service's own containers, and only theirs."""

from __future__ import annotations

from pathlib import Path

from compiler.api import CompileOptions, compile_specs
from compiler.conventions import prometheus_rules_path
from tests.promtool_helpers import promtool_report, rules_read_by

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"
POD = 'namespace="shop",pod="storefront-7d9f-abcde"'
CADVISOR = 'job="kubelet",metrics_path="/metrics/cadvisor",instance="node-1"'
KSM = 'job="kube-state-metrics",instance="10.0.9.9:8080"'
SERIES = {
    f'up{{job="storefront",{POD},instance="10.0.0.5:8080"}}': "1x90",
    # 0.9 of a core in the service's container; its pod's own cgroup (container="") and another pod on the node
    f'container_cpu_usage_seconds_total{{{CADVISOR},{POD},container="storefront"}}': "0+54x90",
    f'container_cpu_usage_seconds_total{{{CADVISOR},{POD},container=""}}': "0+60x90",
    f'container_cpu_usage_seconds_total{{{CADVISOR},namespace="batch",pod="etl-1",container="etl"}}': "0+60x90",
    f'container_memory_working_set_bytes{{{CADVISOR},{POD},container="storefront"}}': "900000000x90",
    f'container_memory_working_set_bytes{{{CADVISOR},{POD},container=""}}': "950000000x90",
    f'kube_pod_container_resource_limits{{{KSM},{POD},container="storefront",resource="cpu",unit="core"}}': "1x90",
    f'kube_pod_container_resource_limits{{{KSM},{POD},container="storefront",resource="memory",unit="byte"}}': (
        "1000000000x90"
    ),
    f'kube_pod_container_resource_limits{{{KSM},namespace="batch",pod="etl-1",container="etl",resource="cpu"}}': (
        "1x90"
    ),
}


def test_the_example_platform_reads_the_services_own_containers(tmp_path: Path) -> None:
    compilation = compile_specs([str(EXAMPLES)], CompileOptions(jobs=1))
    artifact = compilation.bundle.get(prometheus_rules_path("storefront"))
    assert artifact is not None
    twins = 'ALERTS{alertname=~"Service(CPU|Memory)Saturation",data="missing"}'
    records = ["service:cpu_utilisation:ratio", "service:memory_utilisation:ratio"]
    (tmp_path / "rules.yaml").write_text(
        rules_read_by(artifact.content, records, lambda rule: "Saturation" in str(rule["alert"]))
    )
    checks = [
        *(
            {
                "expr": record,
                "eval_time": "60m",
                "exp_samples": [{"labels": f'{record}{{service="storefront"}}', "value": 0.9}],
            }
            for record in records
        ),
        {"expr": twins, "eval_time": "60m", "exp_samples": []},
    ]
    assert promtool_report(tmp_path, "rules.yaml", SERIES, checks, evaluation_interval="1m") == ""
