"""Linkerd's proxy metrics read without `direction` (round 48, an eighth fleet nobody here wrote).

The proxy beside a workload counts the requests it received (`direction="inbound"`) and the calls the workload made
(`direction="outbound"`) under the same names and the workload's own labels. A newcomer's cart SLO over
`response_total{deployment="cart"}` counted cart's calls to payments as cart's requests: replayed below with
promtool, 5% of those calls failing paged a cart that answered every request. Now a located warning."""

from __future__ import annotations

from pathlib import Path

import pytest

from compiler.api import CompileOptions, load_fleet
from compiler.model.mesh_directions import direction_warnings
from tests.conftest import require_tool
from tests.platform_text import sink_platform
from tests.test_sli_semantics import _firing, _promtool, _rules

HEAD = "apiVersion: obsc/v1\nservice: cart\nteam: core\ntargets: {job: cart}\n"
RATIO = (
    "selector: {namespace: shop, deployment: cart%s}\n"
    "metrics: {requests: response_total, errors: 'response_total{classification=\"failure\"}'}\n"
    "slos: [{name: availability, objective: 99.9, sli: {errors: errors, total: requests}}]\n"
)
LATENCY = (
    "selector: {namespace: shop, deployment: cart}\n"
    "metrics: {latency: {selector: 'response_latency_ms%s', unit: ms}}\n"
    "slos: [{name: latency, objective: 99, sli: {latency: latency, threshold: 500ms}}]\n"
)
RAW = (
    "selector: {namespace: shop}\n"
    "slos:\n  - name: availability\n    objective: 99.9\n    sli:\n      raw:\n"
    "        errors: 'sum(rate(response_total{$selector,%s,classification=\"failure\"}[$window]))'\n"
    "        total: 'sum(rate(response_total{$selector,%s}[$window]))'\n"
)


def _warnings(tmp_path: Path, body: str) -> list[str]:
    (tmp_path / "platform.yaml").write_text(sink_platform())
    (tmp_path / "cart.yaml").write_text(HEAD + body)
    fleet, _ = load_fleet([str(tmp_path)], CompileOptions(), {})
    return sorted(str(d) for d in direction_warnings(fleet.services))


@pytest.mark.parametrize(
    ("body", "paths"),
    [
        (RATIO % "", ["$.metrics.errors", "$.metrics.requests"]),
        (LATENCY % "", ["$.metrics.latency"]),
        (RAW % (('dst_deployment!=""',) * 2), []),  # only outbound series carry dst_*: one direction
        (RAW % (('direction=~".*"',) * 2), ["$.slos[0].sli.raw.errors", "$.slos[0].sli.raw.total"]),
        # a route's counter and the latency buckets read in a query (hand mutants of round 48 knew neither)
        (
            RAW.replace("response_total", "route_response_total") % (('code!=""',) * 2),
            ["$.slos[0].sli.raw.errors", "$.slos[0].sli.raw.total"],
        ),
        (
            RAW.replace("response_total", "response_latency_ms_bucket") % (('le="500"',) * 2),
            ["$.slos[0].sli.raw.errors", "$.slos[0].sli.raw.total"],
        ),
    ],
    ids=["ratio", "latency", "raw-callee", "raw-any-direction", "raw-route", "raw-buckets"],
)
def test_linkerd_metrics_read_in_both_directions_are_warned_of_at_the_metric(
    tmp_path: Path, body: str, paths: list[str]
) -> None:
    found = _warnings(tmp_path, body)
    assert sorted(f.split(" ")[1].rstrip(":") for f in found) == sorted(paths), found
    for warning in found:
        assert warning.startswith(f"{tmp_path / 'cart.yaml'}:") and "Linkerd's proxy metric" in warning
        assert 'pin direction="inbound"' in warning


@pytest.mark.parametrize(
    "body",
    [
        RATIO % ", direction: inbound",
        LATENCY % '{direction="inbound"}',
        RAW % (('direction="outbound",dst_deployment="cart"',) * 2),
        RATIO.replace("response_total", "http_responses_total") % "",  # not Linkerd's
        RAW % (('direction=~"inbound|outbound"',) * 2),  # both directions named: meant
    ],
    ids=["service-selector", "metric-selector", "callers-view", "another-counter", "both-named"],
)
def test_one_direction_or_another_counter_is_not_warned_of(tmp_path: Path, body: str) -> None:
    assert _warnings(tmp_path, body) == []


def test_a_dependencys_failures_page_cart_only_without_direction(tmp_path: Path) -> None:
    require_tool("promtool")
    # cart answers 600 requests a minute, none failing; it calls payments 300 times a minute, 15 failing (retried).
    # Unpinned, both page pairs of the one incident fire (2).
    own = 'namespace="shop",deployment="cart"'
    out = f'{own},direction="outbound",dst_deployment="payments"'
    series = {
        f'response_total{{{own},direction="inbound",classification="success"}}': "0+600x90",
        f'response_total{{{out},classification="success"}}': "0+285x90",
        f'response_total{{{out},classification="failure"}}': "0+15x90",
        'up{job="cart"}': "1x90",
    }
    for name, pin, pages in (("unpinned", "", 2), ("inbound", ", direction: inbound", 0)):
        folder = tmp_path / name
        folder.mkdir()
        (folder / "platform.yaml").write_text(sink_platform())
        rules = _rules(folder, "cart", HEAD + RATIO % pin)
        checks = [_firing("SLOErrorBudgetBurnFast", "80m", pages)]
        assert _promtool(folder, rules, "cart", series, checks) == "", name
