"""An availability SLO counting Istio's calls in the server's view only (round 41, a mesh service's SLO).

With every pod unready the callers' sidecars answer 503 (no healthy upstream) and the server's sidecar sees no call:
an SLI over `reporter="destination"` reads no traffic, and the pods stay up. Replayed below with promtool: a total
outage pages nothing read so, and pages read from the callers' side. obsc's own refusal of an unpinned reporter
offered both views alike; now the server's view in an availability SLI is a located warning."""

from __future__ import annotations

from pathlib import Path

import pytest

from compiler.api import CompileOptions, load_fleet
from compiler.model.mesh_views import destination_view_warnings
from tests.platform_text import sink_platform
from tests.promtool_helpers import counter_values
from tests.test_sli_semantics import _firing, _promtool, _rules

HEAD = "apiVersion: obsc/v1\nservice: reviews\nteam: core\ntargets: {job: reviews}\n"
RATIO = (
    "selector: {destination_service_name: reviews, reporter: %s}\n"
    "metrics: {requests: istio_requests_total, errors: 'istio_requests_total{response_code=~\"5..\"}'}\n"
    "slos: [{name: availability, objective: 99.9, sli: {errors: errors, total: requests}}]\n"
)
PINNED_IN_METRIC = (
    "selector: {destination_service_name: reviews}\n"
    "metrics:\n  requests: 'istio_requests_total{reporter=\"destination\"}'\n"
    '  errors: \'istio_requests_total{reporter="destination",response_code=~"5.."}\'\n'
    "slos: [{name: availability, objective: 99.9, sli: {errors: errors, total: requests}}]\n"
)
RAW = (
    "selector: {destination_service_name: reviews}\n"
    "slos:\n  - name: availability\n    objective: 99.9\n    sli:\n      raw:\n"
    "        errors: 'sum(rate(istio_requests_total{$selector,reporter%s,response_code=~\"5..\"}[$window]))'\n"
    "        total: 'sum(rate(istio_requests_total{$selector,reporter%s}[$window]))'\n"
)
LATENCY = (
    "selector: {destination_service_name: reviews, reporter: destination}\n"
    "metrics: {latency: {selector: istio_request_duration_milliseconds, unit: ms}}\n"
    "slos: [{name: latency, objective: 99, sli: {latency: latency, threshold: 500ms}}]\n"
)


def _warnings(tmp_path: Path, body: str) -> list[str]:
    (tmp_path / "platform.yaml").write_text(sink_platform())
    (tmp_path / "reviews.yaml").write_text(HEAD + body)
    fleet, _ = load_fleet([str(tmp_path)], CompileOptions(), {})
    return [str(d) for d in destination_view_warnings(fleet.services)]


@pytest.mark.parametrize(
    "body",
    [RATIO % "destination", PINNED_IN_METRIC, RAW % (('="destination"',) * 2), RAW % (('=~"dest.*"',) * 2)],
    ids=["service-selector", "metric-selector", "raw", "raw-regex"],
)
def test_an_availability_slo_in_the_servers_view_is_warned_of_at_the_slo(tmp_path: Path, body: str) -> None:
    found = _warnings(tmp_path, body)
    assert len(found) == 1, found
    assert found[0].startswith(f"{tmp_path / 'reviews.yaml'}:") and " $.slos[0].sli: SLO 'availability' " in found[0]
    assert "a call that never reaches a server pod is in none of them" in found[0]
    assert 'count reporter="source" (what the callers got)' in found[0]


@pytest.mark.parametrize(
    "body",
    [
        RATIO % "source",
        RAW % (('="source"',) * 2),
        RAW % (('=~"source|destination"',) * 2),
        LATENCY,
        RAW % (('="waypoint"',) * 2),  # ambient mode's waypoint: neither view (read as the server's, it survived)
        RAW.replace("istio_requests_total", "app_requests_total") % (('="destination"',) * 2),  # not Istio's
    ],
    ids=["source", "raw-source", "both-views-named", "latency-slo", "waypoint", "another-counter"],
)
def test_the_callers_view_both_views_or_a_latency_slo_are_not_warned_of(tmp_path: Path, body: str) -> None:
    assert _warnings(tmp_path, body) == []


def test_an_outage_before_the_server_pages_only_in_the_callers_view(tmp_path: Path) -> None:
    # 60 calls a minute; 30 minutes in, every pod unready: the callers get 503 UH, the server's sidecar sees nothing
    at = 'destination_service_name="reviews"'
    source = counter_values([(30, 0, 60), (30, 1, 60)], "ok", "failed")
    series = {
        f'istio_requests_total{{{at},reporter="source",response_code="200"}}': source["ok"],
        f'istio_requests_total{{{at},reporter="source",response_code="503",response_flags="UH"}}': source["failed"],
        f'istio_requests_total{{{at},reporter="destination",response_code="200"}}': source["ok"],
        'up{job="reviews"}': "1x60",
    }
    for view, pages in (("source", 2), ("destination", 0)):  # 2: both page pairs of the one incident
        folder = tmp_path / view
        folder.mkdir()
        rules = _rules(folder, "reviews", HEAD + RATIO % view)
        checks = [_firing("SLOErrorBudgetBurnFast", "45m", pages), _firing("SLODataMissing", "45m", 0)]
        assert _promtool(folder, rules, "reviews", series, checks) == "", view
