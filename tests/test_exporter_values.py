"""Round 51, a fleet nobody here wrote: matchers in another exporter's spelling select no series. A newcomer counted
HAProxy's failures as `code=~"5[0-9][0-9]"` (HAProxy writes classes, `5xx`); replayed below with promtool, 50 minutes
of every response 5xx paged nothing, and `code="5xx"` paged within 5 minutes of the outage. Compiled without a word
before; now a located warning at the metric naming the values the exporter writes."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.cli_helpers import run_obsc
from tests.conftest import require_tool
from tests.test_healthy_lines import PLATFORM  # one team, data
from tests.test_sli_semantics import _firing, _promtool, _rules

SPEC = """apiVersion: obsc/v1
service: api
team: data
selector: {{job: {job}}}
metrics:
  requests: {total}
  errors: '{errors}'
slos: [{{name: availability, objective: 99.9, sli: {{errors: errors, total: requests}}}}]
alerts: {{traffic_anomaly: false}}
"""
HAPROXY = "haproxy_backend_http_responses_total"
TRAEFIK = "traefik_service_requests_total"


def _err(tmp_path: Path, capsys: pytest.CaptureFixture[str], total: str, errors: str) -> str:
    (tmp_path / "platform.yaml").write_text(PLATFORM)
    (tmp_path / "api.yaml").write_text(SPEC.format(job="api", total=total, errors=errors))
    result = run_obsc(capsys, "validate", str(tmp_path))
    assert result.code == 0, result.err
    return result.err


@pytest.mark.parametrize(
    ("total", "errors", "said"),
    [
        (HAPROXY, f'{HAPROXY}{{code=~"5[0-9][0-9]"}}', "HAProxy writes on code (status classes: 1xx, 2xx, 3xx, 4xx"),
        (HAPROXY, f'{HAPROXY}{{code="503"}}', 'spelling, code="5xx"'),
        (TRAEFIK, f'{TRAEFIK}{{code="5xx"}}', "Traefik writes on code (HTTP statuses as numbers, 100-599)"),
        (
            'istio_requests_total{reporter="source"}',
            'istio_requests_total{reporter="source",response_code=~"5xx"}',
            "Istio writes on response_code",
        ),
        (
            "apiserver_request_total",
            'apiserver_request_total{verb="watch"}',
            "the Kubernetes API server writes on verb",
        ),
        ("coredns_dns_responses_total", 'coredns_dns_responses_total{rcode="servfail"}', 'spelling, rcode="SERVFAIL"'),
    ],
    ids=["haproxy-numbers", "haproxy-503", "traefik-class", "istio-class", "apiserver-lower-verb", "coredns-lower"],
)
def test_a_matcher_in_another_exporters_spelling_is_warned_at_the_metric(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], total: str, errors: str, said: str
) -> None:
    err = _err(tmp_path, capsys, total, errors)
    assert "api.yaml:7:11 $.metrics.errors: warning: " in err and "matches none of the values" in err, err
    assert said in err, err


@pytest.mark.parametrize(
    ("total", "errors"),
    [
        (HAPROXY, f'{HAPROXY}{{code="5xx"}}'),
        (HAPROXY, f'{HAPROXY}{{code=~"5.."}}'),  # `.` takes the x: matches 5xx
        (TRAEFIK, f'{TRAEFIK}{{code=~"5.."}}'),
        (TRAEFIK, f'{TRAEFIK}{{code!="5xx"}}'),  # a negative matcher passes every status
        ("apiserver_request_total", 'apiserver_request_total{code=~"5..|429",verb!~"WATCH|CONNECT"}'),
        ("http_requests_total", 'http_requests_total{code="5xx"}'),  # an unknown exporter: not judged
        # each end of an exporter's values (review52's hand mutants dropped HAProxy's `other`, Istio's 0, 599)
        (HAPROXY, f'{HAPROXY}{{code="other"}}'),
        ('istio_requests_total{reporter="source"}', 'istio_requests_total{reporter="source",response_code="0"}'),
        (TRAEFIK, f'{TRAEFIK}{{code="599"}}'),
        ("app_traefik_service_requests_total", 'app_traefik_service_requests_total{code="5xx"}'),  # the name whole
    ],
    ids=[
        *("haproxy-class", "haproxy-dots", "traefik-numbers", "traefik-negative", "apiserver", "unknown-exporter"),
        *("haproxy-other", "istio-no-response", "traefik-599", "name-holding-traefiks"),
    ],
)
def test_the_exporters_own_spelling_is_not_warned_of(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], total: str, errors: str
) -> None:
    assert "matches none of the values" not in _err(tmp_path, capsys, total, errors)


def test_every_response_5xx_pages_in_haproxys_spelling_and_not_in_numbers(tmp_path: Path) -> None:
    require_tool("promtool")
    # 600 responses a minute for an hour, every one 5xx from the 10th minute on (50 minutes)
    series = {'up{job="api",instance="a"}': "1x60"}
    for code, values in (("2xx", "0+600x10 6000x50"), ("5xx", "0x10 0+600x50")):
        series[f'{HAPROXY}{{job="api",instance="a",code="{code}"}}'] = values
    for name, errors, pages in (("numbers", 'code=~"5[0-9][0-9]"', 0), ("class", 'code="5xx"', 1)):
        folder = tmp_path / name
        folder.mkdir()
        (folder / "platform.yaml").write_text(PLATFORM)
        spec = SPEC.format(job="api", total=HAPROXY, errors=f"{HAPROXY}{{{errors}}}")
        rules = _rules(folder, "api", spec)
        checks = [_firing("SLOErrorBudgetBurnFast", "15m", pages), _firing("SLOErrorBudgetBurnFast", "60m", 2 * pages)]
        assert _promtool(folder, rules, "api", series, checks, ({},)) == "", name  # a backend with history


LATENCY = """apiVersion: obsc/v1
service: apiserver
team: data
selector: {job: apiserver}
metrics:
  latency: '%s{verb="watch"}'
slos: [{name: latency, objective: 99.9, sli: {latency: latency, threshold: 1s}}]
"""


@pytest.mark.parametrize(
    "histogram",
    [
        "apiserver_request_duration_seconds",
        "apiserver_request_sli_duration_seconds",
        "apiserver_request_slo_duration_seconds",
    ],
)
def test_each_api_server_latency_histogram_is_read_in_its_spelling(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], histogram: str
) -> None:
    """The API server's three request-duration histograms write upper-case verbs alike (review52: the older `_slo_`
    one dropped from the pattern passed)."""
    (tmp_path / "platform.yaml").write_text(PLATFORM)
    (tmp_path / "apiserver.yaml").write_text(LATENCY % histogram)
    result = run_obsc(capsys, "validate", str(tmp_path))
    assert result.code == 0, result.err
    assert "the Kubernetes API server writes on verb" in result.err, result.err
