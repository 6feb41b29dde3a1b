"""Latency histograms that time watches and streams with the short requests (round 41, the Kubernetes API server).

`apiserver_request_duration_seconds` holds each WATCH for as long as its client stays; read whole, a healthy API
server's watches are slow requests. Replayed below with promtool: WATCH at 1% of requests paged a 99.9% latency SLO
(6h/30m pair) and ticketed, with nothing wrong; `verb!~"WATCH|CONNECT"` reads the same server quiet. Compiled
without a word before; now a located warning at the metric. Round 42: gRPC's handling histograms time a stream over
its life the same way (`grpc_type`); a price feed's subscriptions at 4% of its calls ticketed a healthy 99% SLO."""

from __future__ import annotations

from pathlib import Path

import pytest

from compiler.api import CompileOptions, load_fleet
from compiler.model.long_running import long_running_warnings
from tests.platform_text import sink_platform
from tests.test_sli_semantics import _firing, _promtool, _rules

SPEC = """apiVersion: obsc/v1
service: apiserver
team: platform
selector: {job: apiserver}
metrics:
  latency: %s
slos: [{name: latency, objective: 99.9, sli: {latency: latency, threshold: 1s}}]
"""
WHOLE = "apiserver_request_duration_seconds"
UNSTREAMED = 'subresource!~"log|proxy|attach|exec|portforward"'
SHORT = f"""'apiserver_request_duration_seconds{{verb!~"WATCH|CONNECT",{UNSTREAMED}}}'"""
STREAMED = 'subresource="log", subresource="proxy", subresource="attach", subresource="exec", subresource="portforward"'
VERBS_ONLY = "'apiserver_request_duration_seconds{verb!~\"WATCH|CONNECT\"}'"


def _warnings(tmp_path: Path, latency: str) -> list[str]:
    (tmp_path / "platform.yaml").write_text(sink_platform())
    (tmp_path / "apiserver.yaml").write_text(SPEC % latency)
    fleet, _ = load_fleet([str(tmp_path)], CompileOptions(), {})
    return [str(d) for d in long_running_warnings(fleet.services)]


@pytest.mark.parametrize(
    "latency, kinds, leave_out",
    [
        (WHOLE, f'verb="WATCH", verb="CONNECT", {STREAMED}', f'verb!~"WATCH|CONNECT", {UNSTREAMED}'),
        (
            f"""'apiserver_request_duration_seconds{{verb!="CONNECT",{UNSTREAMED}}}'""",
            'verb="WATCH"',
            'verb!~"WATCH|CONNECT"',
        ),
        # short verbs named with a watch: no made-up verb passes, WATCH still does (round 42: not warned of)
        (
            f"""'apiserver_request_duration_seconds{{verb=~"GET|LIST|WATCH",{UNSTREAMED}}}'""",
            'verb="WATCH"',
            'verb!~"WATCH|CONNECT"',
        ),
        # round 51: watches left out, followed logs and proxied calls let through (GET pods/log, GET .../proxy)
        (VERBS_ONLY, STREAMED, UNSTREAMED),
        ("'apiserver_request_duration_seconds{verb=~\"GET|LIST\"}'", STREAMED, UNSTREAMED),
        ("apiserver_request_sli_duration_seconds", f'verb="WATCH", verb="CONNECT", {STREAMED}', None),
        ("apiserver_request_slo_duration_seconds", f'verb="WATCH", verb="CONNECT", {STREAMED}', None),
    ],
    ids=[
        "apiserver",
        "apiserver-connect-left-out",
        "short-verbs-named-with-watch",
        "streamed-subresources",
        "reads-with-streamed-subresources",
        "sli-histogram",
        "slo-histogram",
    ],
)
def test_a_histogram_timing_watches_or_streams_is_warned_of_at_the_metric(
    tmp_path: Path, latency: str, kinds: str, leave_out: str | None
) -> None:
    leave_out = leave_out or f'verb!~"WATCH|CONNECT", {UNSTREAMED}'
    _assert_warned(_warnings(tmp_path, latency), tmp_path / "apiserver.yaml", kinds, leave_out)


STREAMS = 'grpc_type="server_stream", grpc_type="client_stream", grpc_type="bidi_stream"'


@pytest.mark.parametrize(
    "latency, kinds",
    [
        ("grpc_server_handling_seconds", STREAMS),
        ("grpc_client_handling_seconds", STREAMS),
        ("grpc_server_handled_latency_seconds", STREAMS),
        (
            "'grpc_server_handling_seconds{grpc_type!=\"bidi_stream\"}'",
            'grpc_type="server_stream", grpc_type="client_stream"',
        ),
    ],
    ids=["go-grpc-server", "go-grpc-client", "grpc-java", "bidi-alone-left-out"],
)
def test_a_grpc_histogram_letting_streams_through_is_warned_of_at_the_metric(
    tmp_path: Path, latency: str, kinds: str
) -> None:
    _assert_warned(_grpc_warnings(tmp_path, latency), tmp_path / "feed.yaml", kinds, 'grpc_type="unary"')


def _assert_warned(found: list[str], spec: Path, kinds: str, leave_out: str) -> None:
    assert len(found) == 1, found
    assert found[0].startswith(f"{spec}:6:") and " $.metrics.latency: " in found[0], found
    assert f"times long-running requests ({kinds}" in found[0] and found[0].endswith(f"leave them out with {leave_out}")


def _grpc_warnings(tmp_path: Path, latency: str) -> list[str]:
    (tmp_path / "platform.yaml").write_text(sink_platform())
    (tmp_path / "feed.yaml").write_text(FEED % latency)
    fleet, _ = load_fleet([str(tmp_path)], CompileOptions(), {})
    return [str(d) for d in long_running_warnings(fleet.services)]


FEED = """apiVersion: obsc/v1
service: feed
team: platform
selector: {job: feed}
metrics:
  latency: %s
slos: [{name: latency, objective: 99, sli: {latency: latency, threshold: 250ms}}]
"""
UNARY = "'grpc_server_handling_seconds{grpc_type=\"unary\"}'"


@pytest.mark.parametrize(
    "latency",
    [UNARY, "'grpc_server_handling_seconds{grpc_type=\"server_stream\"}'"],
    ids=["unary-pinned", "streams-alone-meant"],
)
def test_a_grpc_histogram_pinned_to_one_kind_is_not_warned_of(tmp_path: Path, latency: str) -> None:
    assert _grpc_warnings(tmp_path, latency) == []


def test_a_healthy_price_feed_tickets_on_its_streams_read_whole_and_not_unary_alone(tmp_path: Path) -> None:
    # 48 unary quotes a second under 0.25s; 2 subscriptions a second end, each minutes long: only +Inf counts them
    series = {'up{job="feed",instance="a"}': "1x45"}
    for kind, per_minute in (("unary", 2880), ("server_stream", 120)):
        for le in ("0.25", "+Inf"):
            at = f'job="feed",instance="a",grpc_type="{kind}",le="{le}"'
            within = kind == "unary" or le == "+Inf"
            series[f"grpc_server_handling_seconds_bucket{{{at}}}"] = f"0+{per_minute if within else 0}x45"
    for name, latency, tickets in (("whole", "grpc_server_handling_seconds", 2), ("unary", UNARY, 0)):
        folder = tmp_path / name
        folder.mkdir()
        rules = _rules(folder, "feed", FEED % latency)
        checks = [_firing("SLOErrorBudgetBurnFast", "40m", 0), _firing("SLOErrorBudgetBurnSlow", "40m", tickets)]
        assert _promtool(folder, rules, "feed", series, checks, ({},)) == "", name  # a feed with history


@pytest.mark.parametrize(
    "latency",
    [
        SHORT,
        "'apiserver_request_duration_seconds{verb=\"WATCH\"}'",
        f"""'apiserver_request_duration_seconds{{verb=~"GET|LIST",{UNSTREAMED}}}'""",
        "'apiserver_request_duration_seconds{verb!~\"GET|LIST|POST|PUT|PATCH|DELETE|DELETECOLLECTION|APPLY\"}'",
        "'apiserver_request_duration_seconds{subresource=\"log\"}'",
        '\'apiserver_request_duration_seconds{verb="POST",subresource=""}\'',
    ],
    ids=[
        "watches-left-out",
        "watches-alone-meant",
        "short-verbs-named",
        "short-verbs-left-out",
        "logs-alone-meant",
        "no-subresource",
    ],
)
def test_short_requests_alone_or_watches_named_are_not_warned_of(tmp_path: Path, latency: str) -> None:
    assert _warnings(tmp_path, latency) == []


def test_a_healthy_api_server_pages_on_its_watches_read_whole_and_not_without_them(tmp_path: Path) -> None:
    # 99 requests a second under 0.1s; WATCH 1% of them, each over 60s: every bucket but +Inf stays 0
    series = {'up{job="apiserver",instance="a"}': "1x45"}
    for verb, per_minute in (("GET", 5940), ("WATCH", 60)):
        for le in ("0.1", "1", "60", "+Inf"):
            at = f'job="apiserver",instance="a",verb="{verb}",le="{le}"'
            within = verb == "GET" or le == "+Inf"
            series[f"apiserver_request_duration_seconds_bucket{{{at}}}"] = f"0+{per_minute if within else 0}x45"
    for name, latency, pages in (("whole", WHOLE, 1), ("short", SHORT, 0)):
        folder = tmp_path / name
        folder.mkdir()
        rules = _rules(folder, "apiserver", SPEC % latency)
        checks = [_firing("SLOErrorBudgetBurnFast", "40m", pages), _firing("SLOErrorBudgetBurnSlow", "40m", 2 * pages)]
        assert _promtool(folder, rules, "apiserver", series, checks, ({},)) == "", name  # a server with history


def test_a_platform_default_histogram_is_warned_of_once_at_the_platform_line(tmp_path: Path) -> None:
    """A histogram the platform's defaults give every service is warned of at `defaults.metrics`, once for the two
    services reading it (placed under `metrics`, a path the platform file has not, it survived as a hand mutant)."""
    metrics = "defaults:\n  metrics:\n    latency: {selector: apiserver_request_duration_seconds, type: histogram}\n"
    (tmp_path / "platform.yaml").write_text(sink_platform(after=metrics))
    for name in ("apiserver", "apiserver-b"):
        spec = SPEC.replace("service: apiserver", f"service: {name}").replace("  latency: %s\n", "")
        (tmp_path / f"{name}.yaml").write_text(spec.replace("metrics:\n", ""))
    fleet, _ = load_fleet([str(tmp_path)], CompileOptions(), {})
    found = [str(d) for d in long_running_warnings(fleet.services)]
    assert len(found) == 1 and found[0].startswith(f"{tmp_path / 'platform.yaml'}:"), found
    assert " $.defaults.metrics.latency: " in found[0], found


def test_followed_logs_page_a_healthy_api_server_whose_watches_are_left_out(tmp_path: Path) -> None:
    """Round 51: `verb!~"WATCH|CONNECT"` still reads `kubectl logs -f` (a GET of pods/log, timed until the client
    leaves). Followed logs at 1% of a healthy server's requests page its 99.9% SLO at 1s; the mixin's
    non-streaming selector reads the same server quiet."""
    series = {'up{job="apiserver",instance="a"}': "1x45"}
    for subresource, per_minute in (("", 5940), ("log", 60)):
        for le in ("0.1", "1", "60", "+Inf"):
            at = f'job="apiserver",instance="a",verb="GET",subresource="{subresource}",le="{le}"'
            within = subresource == "" or le == "+Inf"
            series[f"apiserver_request_duration_seconds_bucket{{{at}}}"] = f"0+{per_minute if within else 0}x45"
    for name, latency, pages in (("verbs", VERBS_ONLY, 1), ("short", SHORT, 0)):
        folder = tmp_path / name
        folder.mkdir()
        rules = _rules(folder, "apiserver", SPEC % latency)
        checks = [_firing("SLOErrorBudgetBurnFast", "40m", pages)]
        assert _promtool(folder, rules, "apiserver", series, checks, ({},)) == "", name  # a server with history
