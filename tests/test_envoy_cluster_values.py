"""Round 45: an Envoy cluster as Istio names it, `outbound|9080||reviews.bookinfo.svc.cluster.local` (direction,
port, subset, host), is a label value written with pipes. An exact matcher on it (`envoy_cluster_upstream_rq_retry
{cluster_name="outbound|9080||..."}`, a retry-storm threshold alert) was refused as a pattern ("compares cluster_name
with the text ... exactly, not as a pattern"), and the advised `=~` needs each pipe and dot escaped. Such a value is
read as the value it is; a pattern written with `=` is still refused, the Istio shape included."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.spec_errors import spec_errors

SPEC = """\
apiVersion: obsc/v1
service: reviews
team: t
selector: {{job: reviews{extra}}}
metrics:
  retries:
    selector: 'envoy_cluster_upstream_rq_retry{{cluster_name="{cluster}"}}'
    service_selector: false
    type: counter
threshold_alerts:
  - {{name: RetryStorm, metric: retries, above: 5/s, for: 10m}}
"""
CLUSTERS = (
    "outbound|9080||reviews.bookinfo.svc.cluster.local",
    "outbound|9080|v1|reviews.bookinfo.svc.cluster.local",
    "inbound|9080||",
    "inbound-vip|9080|http|reviews.bookinfo.svc.cluster.local",  # a waypoint's (a mutant without -vip passed)
)


@pytest.mark.parametrize("cluster", CLUSTERS)
def test_an_istio_cluster_name_is_a_value_in_a_metric_selector(tmp_path: Path, cluster: str) -> None:
    assert spec_errors(tmp_path, {"reviews.yaml": SPEC.format(cluster=cluster, extra="")}) == []


def test_an_istio_cluster_name_is_a_value_in_the_service_selector(tmp_path: Path) -> None:
    extra = f', envoy_cluster_name: "{CLUSTERS[0]}"'
    spec = SPEC.format(cluster=CLUSTERS[0], extra=extra).replace("team: t\n", "team: t\ntargets: {job: reviews}\n")
    assert spec_errors(tmp_path, {"reviews.yaml": spec}) == []


@pytest.mark.parametrize("cluster", ["outbound|9080||.*", "outbound|inbound", "reviews|ratings"])
def test_a_pattern_in_an_exact_matcher_is_still_refused(tmp_path: Path, cluster: str) -> None:
    found = spec_errors(tmp_path, {"reviews.yaml": SPEC.format(cluster=cluster, extra="")})
    assert len(found) == 1 and "exactly, not as a pattern" in found[0], found
