"""Round 53, a careless newcomer: a matcher on a label whose values obsc knows (an HTTP status, a gRPC code,
Micrometer's outcome) that passes none of them, under any metric name. `code=~"^5"` (read as a prefix) or
`code=~"5*"` (read as a glob) compiled without a word and selects no series: replayed below with promtool, 50
minutes of every response 503 paged nothing, and `code=~"5.."` paged within 5 minutes. Now a located warning at
the metric; model/exporter_values.py keeps judging the exporters it knows by name, without a second warning."""

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
selector: {{job: api}}
metrics:
  requests: {total}
  {role}: '{selected}'
slos: [{{name: availability, objective: 99.9, sli: {{{role}: {role}, total: requests}}}}]
alerts: {{traffic_anomaly: false}}
"""
HTTP, GRPC, MICROMETER = "http_requests_total", "grpc_server_handled_total", "http_server_requests_seconds_count"
WARNED = "matches none of the values"
# review54: an exporter judged for one label leaves its other labels here (Istio's gRPC status beside its
# response_code: exporter_values.judged_by_exporter without its label passed every test)
ISTIO, CLIENT = "istio_requests_total", "http_client_requests_seconds_count"


def _err(tmp_path: Path, capsys: pytest.CaptureFixture[str], total: str, selected: str, role: str = "errors") -> str:
    (tmp_path / "platform.yaml").write_text(PLATFORM)
    (tmp_path / "api.yaml").write_text(SPEC.format(total=total, selected=selected, role=role))
    result = run_obsc(capsys, "validate", str(tmp_path))
    assert result.code == 0, result.err
    return result.err


@pytest.mark.parametrize(
    ("total", "selected", "said"),
    [
        (HTTP, f'{HTTP}{{code=~"^5"}}', 'not as a prefix or a glob: write code=~"5.."'),
        (HTTP, f'{HTTP}{{code=~"5*"}}', "HTTP statuses servers send, such as 503, or their classes (5xx)"),
        (HTTP, f'{HTTP}{{status="5"}}', 'write status=~"5.."'),
        (HTTP, f'{HTTP}{{status_code=~"50x"}}', "status_code holds (HTTP statuses"),
        (GRPC, f'{GRPC}{{grpc_code=~"unavailable|internal"}}', 'write e.g. grpc_code=~"Unavailable|Internal"'),
        (GRPC, f'{GRPC}{{grpc_code="14"}}', "grpc_code holds (gRPC status codes, as its exporters spell them)"),
        ("rpc_server_duration_count", 'rpc_server_duration_count{rpc_grpc_status_code="UNAVAILABLE"}', '"14|13"'),
        (MICROMETER, f'{MICROMETER}{{outcome="server_error"}}', 'write outcome="SERVER_ERROR"'),
        (
            f'{ISTIO}{{reporter="destination"}}',
            f'{ISTIO}{{reporter="destination",grpc_response_status="UNAVAILABLE"}}',
            "14",
        ),
        (HTTP, f'{HTTP}{{code=~"\\\\d"}}', 'write code=~"5.."'),  # RE2's digit, one of it: review54
        (CLIENT, f'{CLIENT}{{outcome="server_error"}}', 'write outcome="SERVER_ERROR"'),  # review54
        (HTTP, f'{HTTP}{{code=~"5.+",code!~"5.."}}', 'code=~"5.+",code!~"5.." matches none'),  # both at once
    ],
    ids=[
        *("caret", "glob", "one-digit", "nginx-page", "grpc-lower", "grpc-number", "otel-name", "micrometer-lower"),
        *("istio-grpc-by-name", "any-digit", "micrometer-client", "two-matchers"),
    ],
)
def test_a_matcher_passing_no_value_of_its_labels_vocabulary_is_warned_at_the_metric(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], total: str, selected: str, said: str
) -> None:
    err = _err(tmp_path, capsys, total, selected)
    assert "api.yaml:7:11 $.metrics.errors: warning: " in err and WARNED in err, err
    assert "so this selector reads no series" in err and said in err, err


def test_good_events_in_no_value_are_warned_too(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    err = _err(tmp_path, capsys, HTTP, f'{HTTP}{{code=~"^2"}}', role="good")
    assert 'api.yaml:7:9 $.metrics.good: warning: code=~"^2" matches none of the values code holds' in err, err


@pytest.mark.parametrize(
    ("total", "selected"),
    [
        (HTTP, f'{HTTP}{{code=~"5.."}}'),
        (HTTP, f'{HTTP}{{code="5xx"}}'),  # nginx's and HAProxy's classes
        (HTTP, f'{HTTP}{{code=~"5XX"}}'),
        (HTTP, f'{HTTP}{{code=~"50[0-4]|429"}}'),
        (HTTP, f'{HTTP}{{code="599"}}'),
        (HTTP, f'{HTTP}{{code="511"}}'),  # IANA's last 5xx (review54: range(500, 511) passed)
        (HTTP, f'{HTTP}{{status!="success"}}'),  # no digit: another vocabulary
        (HTTP, f'{HTTP}{{status="error"}}'),  # an application's own words (review54: judged without a digit)
        (HTTP, f'{HTTP}{{code!~"2.."}}'),  # a negative matcher passes other statuses
        ("linkerd_response_total", 'linkerd_response_total{grpc_status="",code=~"5.."}'),  # without the label
        (GRPC, f'{GRPC}{{grpc_code=~"UNAVAILABLE|INTERNAL"}}'),  # py-grpc-prometheus
        ("response_total", 'response_total{grpc_status=~"14|13"}'),  # Linkerd's numbers
        (MICROMETER, f'{MICROMETER}{{outcome="SERVER_ERROR"}}'),
        ("jobs_total", 'jobs_total{outcome="server_error"}'),  # not Micrometer's metric: its own words
    ],
    ids=[
        *(
            "dots",
            "class",
            "upper-class",
            "named",
            "599",
            "511",
            "word",
            "own-word",
            "negative",
            "absent",
            "grpc-upper",
            "numbers",
        ),
        *("micrometer", "other-outcome"),
    ],
)
def test_a_value_the_label_holds_is_not_warned_of(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], total: str, selected: str
) -> None:
    assert WARNED not in _err(tmp_path, capsys, total, selected)


def test_an_exporter_obsc_knows_is_warned_of_once_in_its_own_words(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    traefik = "traefik_service_requests_total"
    err = _err(tmp_path, capsys, traefik, f'{traefik}{{code=~"^5"}}')
    assert err.count(WARNED) == 1 and "Traefik writes on code" in err, err


def test_every_response_503_pages_through_dots_and_not_through_a_caret(tmp_path: Path) -> None:
    require_tool("promtool")
    # 600 responses a minute for an hour, every one 503 from the 10th minute on (50 minutes)
    series = {'up{job="api",instance="a"}': "1x60"}
    for code, values in (("200", "0+600x10 6000x50"), ("503", "0x10 0+600x50")):
        series[f'{HTTP}{{job="api",instance="a",code="{code}"}}'] = values
    for name, errors, pages in (("caret", 'code=~"^5"', 0), ("dots", 'code=~"5.."', 1)):
        folder = tmp_path / name
        folder.mkdir()
        (folder / "platform.yaml").write_text(PLATFORM)
        spec = SPEC.format(total=HTTP, selected=f"{HTTP}{{{errors}}}", role="errors")
        rules = _rules(folder, "api", spec)
        checks = [_firing("SLOErrorBudgetBurnFast", "15m", pages), _firing("SLOErrorBudgetBurnFast", "60m", 2 * pages)]
        assert _promtool(folder, rules, "api", series, checks, ({},)) == "", name  # a service with history


@pytest.mark.parametrize(
    ("selector", "said"),
    [
        ('nginx_ingress_controller_requests:rate5m{status=~"^5"}', 'write status=~"5.."'),
        ('http_server_requests_seconds_max{outcome="server_error"}', 'write outcome="SERVER_ERROR"'),
    ],
    ids=["recorded-nginx", "micrometer-max"],
)
def test_a_gauges_matcher_passing_no_value_is_warned_at_the_metric(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], selector: str, said: str
) -> None:
    """A recording rule's output keeps its labels but is not the exporter's series: exporter_values judges its
    exporters' names whole, so this module judges the recorded name's `status` (review54: the exporter's name read
    as a prefix, `judged_by_exporter` took it and nobody warned). Micrometer's `_max` gauge carries `outcome` as
    its histogram does (review54: `_sum` and `_max` dropped from its names passed)."""
    (tmp_path / "platform.yaml").write_text(PLATFORM)
    spec = SPEC.format(total=HTTP, selected=f'{HTTP}{{code=~"5.."}}', role="errors")
    gauge = f"  failing: {{selector: '{selector}', type: gauge, aggregation: max}}\n"
    spec = spec.replace("slos:", gauge + "slos:")
    spec += "threshold_alerts:\n  - {name: ApiFailing, metric: failing, above: 1, for: 5m, tier: warning}\n"
    (tmp_path / "api.yaml").write_text(spec)
    result = run_obsc(capsys, "validate", str(tmp_path))
    assert result.code == 0, result.err
    assert "$.metrics.failing: warning: " in result.err and WARNED in result.err, result.err
    assert said in result.err, result.err
