"""Istio's callers' view selected by the answering pod's labels (round 50, a tenth fleet nobody here wrote).

`reporter="source"` is read for the calls no server pod answered (503 UH with every pod unready), but the caller's
sidecar takes `destination_workload`, `destination_app`, `destination_version`... from the pod that answered: on
those calls they are "unknown". A newcomer's spec selected reviews by `destination_workload` in the callers' view:
replayed below with promtool, a total outage of that kind paged nothing read so, and paged selected by
`destination_service_name` (from the route). Now `compile` and `validate` warn at the SLI."""

from __future__ import annotations

from pathlib import Path

import pytest

from compiler.api import CompileOptions, load_fleet
from compiler.model.mesh_views import answering_pod_warnings
from tests.conftest import require_tool
from tests.platform_text import sink_platform
from tests.promtool_helpers import counter_values
from tests.test_sli_semantics import _firing, _promtool, _rules

HEAD = "apiVersion: obsc/v1\nservice: reviews\nteam: core\ntargets: {job: reviews}\n"
RATIO = (
    "selector: {%s, reporter: %s}\n"
    "metrics: {requests: istio_requests_total, errors: 'istio_requests_total{response_code=~\"5..\"}'}\n"
    "slos: [{name: availability, objective: 99.9, sli: {errors: errors, total: requests}}]\n"
)
BY_WORKLOAD = "destination_workload: reviews, destination_workload_namespace: bookinfo"
BY_SERVICE = "destination_service_name: reviews, destination_service_namespace: bookinfo"


def _warnings(tmp_path: Path, body: str) -> list[str]:
    (tmp_path / "platform.yaml").write_text(sink_platform())
    (tmp_path / "reviews.yaml").write_text(HEAD + body)
    fleet, _ = load_fleet([str(tmp_path)], CompileOptions(), {})
    return [str(d) for d in answering_pod_warnings(fleet.services)]


def test_the_callers_view_by_the_answering_pods_labels_is_warned_of_at_the_sli(tmp_path: Path) -> None:
    found = _warnings(tmp_path, RATIO % (BY_WORKLOAD, "source"))
    assert len(found) == 1, found
    assert ":7:" in found[0] and "$.slos[0].sli" in found[0]
    assert "by destination_workload, destination_workload_namespace," in found[0]


@pytest.mark.parametrize(
    "body",
    [RATIO % (BY_SERVICE, "source"), RATIO % (BY_WORKLOAD, "destination")],
    ids=["by-service", "servers-view"],
)
def test_the_service_labels_or_the_servers_view_are_not_warned_of(tmp_path: Path, body: str) -> None:
    assert _warnings(tmp_path, body) == []


def test_a_pod_label_matcher_that_keeps_unknown_is_not_warned_of(tmp_path: Path) -> None:
    """destination_workload!="ratings" keeps the calls no pod answered ("unknown"): the outage is in the SLI (a hand
    mutant warning at any answering pod's label lived)."""
    body = RATIO.replace(
        "requests: istio_requests_total,", "requests: 'istio_requests_total{destination_workload!=\"ratings\"}',"
    )
    body = body.replace("{response_code=", '{destination_workload!="ratings",response_code=')
    assert _warnings(tmp_path, body % (BY_SERVICE, "source")) == []


def test_a_total_outage_pages_selected_by_service_and_not_by_workload(tmp_path: Path) -> None:
    require_tool("promtool")
    # 60 calls a minute; 30 minutes in, every pod unready: the callers get 503 UH, the workload labels "unknown"
    route = 'destination_service_name="reviews",destination_service_namespace="bookinfo",reporter="source"'
    calls = counter_values([(30, 0, 60), (30, 1, 60)], "ok", "failed")
    answered = 'destination_workload="reviews",destination_workload_namespace="bookinfo"'
    unanswered = 'destination_workload="unknown",destination_workload_namespace="unknown"'
    series = {
        f'istio_requests_total{{{route},{answered},response_code="200"}}': calls["ok"],
        f'istio_requests_total{{{route},{unanswered},response_code="503",response_flags="UH"}}': calls["failed"],
        'up{job="reviews"}': "1x60",
    }
    for name, selector, pages in (("service", BY_SERVICE, 2), ("workload", BY_WORKLOAD, 0)):  # 2: both pairs
        folder = tmp_path / name
        folder.mkdir()
        (folder / "platform.yaml").write_text(sink_platform())
        rules = _rules(folder, "reviews", HEAD + RATIO % (selector, "source"))
        checks = [_firing("SLOErrorBudgetBurnFast", "45m", pages)]
        assert _promtool(folder, rules, "reviews", series, checks) == "", name


@pytest.mark.parametrize(
    "label",
    [
        "destination_workload",
        "destination_workload_namespace",
        "destination_app",
        "destination_version",
        "destination_canonical_service",
        "destination_canonical_revision",
    ],
)
def test_each_label_of_the_answering_pod_is_warned_of_alone(tmp_path: Path, label: str) -> None:
    """Each label Istio's caller sidecar takes from the pod that answered, pinned alone (review51: the canonical
    service or the version dropped from the list lived)."""
    found = _warnings(tmp_path, RATIO % (f"{label}: reviews, destination_service_name: reviews", "source"))
    assert len(found) == 1 and f"by {label}, which" in found[0], found


def test_a_raw_total_pinning_the_answering_pod_in_a_later_selector_is_warned_of(tmp_path: Path) -> None:
    """Every selector of a raw SLI's total is read, not only its first (review51: the first alone lived)."""
    calls = 'istio_requests_total{$selector,reporter="source"%s}'
    failed, pinned = calls % ',response_code=~"5.."', calls % ',destination_workload="reviews-v2"'
    errors = f"sum(rate({failed}[$window]))"
    total = f"sum(rate({calls % ''}[$window])) + sum(rate({pinned}[$window]))"
    raw = (
        "selector: {destination_service_name: reviews}\n"
        "slos:\n  - name: availability\n    objective: 99.9\n    sli:\n      raw:\n"
        f"        errors: '{errors}'\n        total: '{total}'\n"
    )
    found = _warnings(tmp_path, raw)
    assert len(found) == 1 and "by destination_workload, which" in found[0], found
