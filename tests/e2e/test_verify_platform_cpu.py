"""`obsc verify` against a real Prometheus 2.42 scraping a service beside cAdvisor (the kubelet's job) and
kube-state-metrics (round 39): the platform's CPU expression read through the service selector
(`container_cpu_usage_seconds_total{$selector}`) has no series, and the finding now names the selector that is
empty and the job its series carry (before: "the expression returns no series now" and the whole expression);
joined to the service's pods on `up`, the same series give the service's CPU and no finding; for a service
whose `up` has no `pod`, the finding says every selector has series and the join drops them."""

from __future__ import annotations

import urllib.parse
from collections.abc import Iterator

import pytest

from compiler.verify import Report, VerifyOptions, verify
from tests.conftest import require_tool
from tests.e2e.servers import exporter, get_json, prometheus, wait_until
from tests.platform_text import sink_platform

POD = 'namespace="shop",pod="checkout-1"'
POD_LABELS = "{namespace: shop, pod: checkout-1}"  # on the service's `up`, as Kubernetes discovery sets them
CADVISOR = (
    "# TYPE container_cpu_usage_seconds_total counter\n"
    f'container_cpu_usage_seconds_total{{{POD},container="checkout"}} {{n}}\n'
    'container_cpu_usage_seconds_total{namespace="batch",pod="etl-1",container="etl"} {n}\n'
)
KSM = (
    "# TYPE kube_pod_container_resource_limits gauge\n"
    f'kube_pod_container_resource_limits{{{POD},container="checkout",resource="cpu",unit="core"}} 2\n'
)
JOINED = "* on (namespace, pod) group_left () group by (namespace, pod) (up{$selector})"
PLATFORMS = {
    "by-job": "sum(rate(container_cpu_usage_seconds_total{$selector}[$window]))"
    ' / sum(kube_pod_container_resource_limits{$selector,resource="cpu"})',
    "joined": f'sum(rate(container_cpu_usage_seconds_total{{container!=""}}[$window]) {JOINED})'
    f' / sum(kube_pod_container_resource_limits{{resource="cpu"}} {JOINED})',
}
SPEC = """\
apiVersion: obsc/v1
service: {name}
team: shop
selector: {{job: {name}, namespace: shop}}
metrics:
  requests: http_requests_total
"""


@pytest.fixture(scope="module")
def reports(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Report]]:
    binary = require_tool("prometheus")
    work = tmp_path_factory.mktemp("platform-cpu")
    scrapes = iter(range(1, 10**6))
    with (
        exporter(lambda: CADVISOR.replace("{n}", str(next(scrapes)))) as kubelet,
        exporter(lambda: KSM) as ksm,
        exporter(lambda: "# TYPE http_requests_total counter\nhttp_requests_total 5\n") as checkout,
    ):
        config = work / "prometheus.yml"
        config.write_text(
            "global: {scrape_interval: 1s}\nscrape_configs:\n"
            f"  - {{job_name: kubelet, static_configs: [{{targets: [{kubelet}]}}]}}\n"
            f"  - {{job_name: kube-state-metrics, static_configs: [{{targets: [{ksm}]}}]}}\n"
            f"  - {{job_name: checkout, static_configs: [{{targets: [{checkout}], labels: {POD_LABELS}}}]}}\n"
            # the same pod scraped by a config that does not relabel the pod name onto its targets
            f"  - {{job_name: legacy, static_configs: [{{targets: [{checkout}], labels: {{namespace: shop}}}}]}}\n"
        )
        with prometheus(binary, config, work / "tsdb", work) as prom:
            ready = 'count_over_time(container_cpu_usage_seconds_total{pod="checkout-1"}[1m]) >= 5'
            wait_until(
                lambda: get_json(f"{prom.url}/api/v1/query?query={urllib.parse.quote(ready)}")["data"]["result"],
                60,
                what="5 scrapes of cAdvisor",
            )
            out = {}
            for name, cpu in PLATFORMS.items():
                specs = work / name
                specs.mkdir()
                (specs / "platform.yaml").write_text(
                    sink_platform(f"defaults:\n  target_labels: [namespace]\n  metrics:\n    cpu: '{cpu}'\n")
                )
                for service in ("checkout", "legacy"):
                    (specs / f"{service}.yaml").write_text(SPEC.format(name=service))
                out[name] = verify([str(specs)], VerifyOptions(prom.url))
            yield out


def test_the_cpu_read_by_the_services_job_names_the_empty_selector_and_its_job(reports: dict[str, Report]) -> None:
    found = [f for f in reports["by-job"].findings if "service 'checkout'" in f.message]
    assert len(found) == 1, [str(f) for f in reports["by-job"].findings]
    assert found[0].location.file.endswith("platform.yaml")
    assert (
        'container_cpu_usage_seconds_total{job="checkout",namespace="shop"} has no series in the last 1h, while '
        'container_cpu_usage_seconds_total{namespace="shop"} has series, under job="kubelet": they carry the job '
        "of the target that exports them"
    ) in found[0].message


def test_the_cpu_joined_on_up_has_series_and_no_finding(reports: dict[str, Report]) -> None:
    assert [str(f) for f in reports["joined"].findings if "service 'checkout'" in f.message] == []


def test_a_join_that_drops_every_series_is_said_so(reports: dict[str, Report]) -> None:
    """legacy's `up` has no `pod`: every selector of the expression has series, the join none."""
    found = [f for f in reports["joined"].findings if "service 'legacy'" in f.message]
    assert (
        len(found) == 1
        and (
            "each of its selectors has series in the last 1h, so its operators drop them: a join `on (...)` over a "
            "label one side lacks"
        )
        in found[0].message
    ), [str(f) for f in reports["joined"].findings]
