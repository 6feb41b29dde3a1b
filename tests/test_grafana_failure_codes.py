"""An SLO's failures broken down by the status or code its failure selector reads (round 47).

Round 46's open limit: the error-ratio and burn panels are one line, so an engineer paged for a gRPC service read
which codes fail (Unavailable, DeadlineExceeded, Istio's numbered "14") in Explore. Each ratio SLO whose failures
are picked by a code label obsc knows (HTTP status or class, Envoy's code class, Micrometer's outcome, a gRPC
code by name or number, a span's status) now gets a panel of failures per code; a selector on another label gets
none (nothing guessed). The panel's query is evaluated by promtool over a history of mixed statuses."""

from __future__ import annotations

import subprocess
from pathlib import Path
from typing import Any

import yaml

from compiler.api import compile_specs
from tests.conftest import require_tool
from tests.test_grafana_support import all_panels, service_dashboard

ROUTING = """routing:
  critical: {webhook: {url: "http://relay:8080/page"}}
  warning: {webhook: {url: "http://relay:8080/ticket"}}
"""
SPECS = {
    "web": """selector: {job: web}
metrics:
  requests: http_requests_total
  errors: http_requests_total{code=~"5.."}
slos:
  - {name: availability, objective: 99.9, sli: {errors: errors, total: requests}}
  - {name: per-route, objective: 99, by: [route], sli: {errors: errors, total: requests}}
""",
    "goodweb": """selector: {job: goodweb}
metrics:
  requests: http_requests_total
  answered: http_requests_total{code=~"2..|3..|4.."}
slos:
  - {name: availability, objective: 99.9, sli: {good: answered, total: requests}}
""",
    "ledger": """selector: {job: ledger}
metrics:
  calls: grpc_server_handled_total
  failed: grpc_server_handled_total{grpc_code=~"Unknown|DeadlineExceeded|Internal|Unavailable|DataLoss"}
slos:
  - {name: availability, objective: 99.9, sli: {errors: failed, total: calls}}
""",
    "mesh": """selector: {destination_workload: ledger, reporter: destination}
targets: false
metrics:
  calls: istio_requests_total{grpc_response_status!=""}
  failed: istio_requests_total{grpc_response_status=~"2|4|12|13|14|15"}
slos:
  - {name: availability, objective: 99.9, sli: {errors: failed, total: calls}}
""",
    "envoy": """selector: {job: envoy-stats, envoy_cluster_name: payments}
metrics:
  requests: envoy_cluster_upstream_rq_xx
  errors: envoy_cluster_upstream_rq_xx{envoy_response_code_class="5"}
slos:
  - {name: availability, objective: 99.9, sli: {errors: errors, total: requests}}
""",
    "spans": """selector: {service_name: checkout-api, span_kind: SPAN_KIND_SERVER}
targets: {job: otel-collector}
targets_via: collector
metrics:
  requests: traces_span_metrics_calls_total
  errors: traces_span_metrics_calls_total{status_code="STATUS_CODE_ERROR"}
slos:
  - {name: availability, objective: 99.9, sli: {errors: errors, total: requests}}
""",
    # good events that are not the total and one code matcher: no failures to read by reversing it
    "good-other-metric": """selector: {job: goodother}
metrics:
  requests: http_requests_total
  answered: http_responses_answered_total{code=~"2.."}
slos:
  - {name: availability, objective: 99.9, sli: {good: answered, total: requests}}
""",
    "good-two-matchers": """selector: {job: goodtwo}
metrics:
  requests: http_requests_total
  answered: http_requests_total{code=~"2..",cache="miss"}
slos:
  - {name: availability, objective: 99.9, sli: {good: answered, total: requests}}
""",
    "good-code-in-total": """selector: {job: goodsame}
metrics:
  requests: http_requests_total{code!~"1.."}
  answered: http_requests_total{code!~"1..",code=~"2.."}
slos:
  - {name: availability, objective: 99.9, sli: {good: answered, total: requests}}
""",
    # an app's own status_code label, not a span's status: no span_name to read beside it
    "app-status-code": """selector: {job: appstatus}
metrics:
  requests: app_requests_total
  errors: app_requests_total{status_code="failed"}
slos:
  - {name: availability, objective: 99.9, sli: {errors: errors, total: requests}}
""",
    "own-counter": """selector: {job: own}
metrics:
  requests: app_requests_total
  errors: app_failures_total
slos:
  - {name: availability, objective: 99.9, sli: {errors: errors, total: requests}}
""",
}
# service -> (title, legend, query) of each SLO's failures-by-code panel; none where no code label is read
EXPECTED = {
    "web": [
        (
            "Failures by code",
            "{{code}}",
            'sum by (code) (rate(http_requests_total{code=~"5..",job="web"}[$__rate_interval]))',
        ),
        (
            "Failures by code",
            "{{route}} {{code}}",
            'sum by (route, code) (rate(http_requests_total{code=~"5..",job="web",route=~"$route"}[$__rate_interval]))',
        ),
    ],
    "goodweb": [
        (
            "Failures by code",
            "{{code}}",
            'sum by (code) (rate(http_requests_total{job="goodweb",code!~"2..|3..|4.."}[$__rate_interval]))',
        )
    ],
    "ledger": [
        (
            "Failures by grpc_code",
            "{{grpc_code}}",
            'sum by (grpc_code) (rate(grpc_server_handled_total{grpc_code=~"Unknown|DeadlineExceeded|Internal|'
            'Unavailable|DataLoss",job="ledger"}[$__rate_interval]))',
        )
    ],
    "mesh": [
        (
            "Failures by grpc_response_status",
            "{{grpc_response_status}}",
            'sum by (grpc_response_status) (rate(istio_requests_total{grpc_response_status=~"2|4|12|13|14|15",'
            'destination_workload="ledger",reporter="destination"}[$__rate_interval]))',
        )
    ],
    "envoy": [
        (
            "Failures by envoy_response_code_class",
            "{{envoy_response_code_class}}xx",
            'sum by (envoy_response_code_class) (rate(envoy_cluster_upstream_rq_xx{envoy_response_code_class="5",'
            'envoy_cluster_name="payments",job="envoy-stats"}[$__rate_interval]))',
        )
    ],
    "spans": [
        (
            "Failures by span_name and status_code",
            "{{span_name}} {{status_code}}",
            'sum by (span_name, status_code) (rate(traces_span_metrics_calls_total{status_code="STATUS_CODE_ERROR",'
            'service_name="checkout-api",span_kind="SPAN_KIND_SERVER"}[$__rate_interval]))',
        )
    ],
    "good-other-metric": [],
    "good-two-matchers": [],
    "good-code-in-total": [],
    "app-status-code": [],
    "own-counter": [],
}


def _boards(tmp_path: Path) -> dict[str, dict[str, Any]]:
    specs = tmp_path / "specs"
    specs.mkdir()
    for name, body in SPECS.items():
        (specs / f"{name}.yaml").write_text(f"apiVersion: obsc/v1\nservice: {name}\nteam: shop\n{body}{ROUTING}")
    compilation = compile_specs([str(specs)])
    return {name: service_dashboard(compilation, name) for name in SPECS}


def _code_panels(board: dict[str, Any]) -> list[tuple[str, str, str]]:
    return [
        (p["title"], p["targets"][0]["legendFormat"], p["targets"][0]["expr"])
        for p in all_panels(board)
        if p["title"].startswith("Failures by")
    ]


def test_each_slo_gets_its_failures_by_the_code_label_its_selector_reads(tmp_path: Path) -> None:
    boards = _boards(tmp_path)
    assert {name: _code_panels(board) for name, board in boards.items()} == EXPECTED
    units = {
        p.get("fieldConfig", {}).get("defaults", {}).get("unit")
        for p in all_panels(boards["web"])
        if p["title"].startswith("Failures by")
    }
    assert units == {"cps"}


def test_the_panel_query_names_the_failing_codes_on_real_series(tmp_path: Path) -> None:
    """promtool evaluates the web SLOs' panel queries over 10 minutes of 200s, 404s, 500s and 503s per route: the
    lines are the 500s and 503s (per route for the grouped SLO), at their rates; 200 and 404 are not failures."""
    promtool = require_tool("promtool", "PROMTOOL")
    (_, _, ungrouped), (_, _, grouped) = _code_panels(_boards(tmp_path)["web"])  # as compiled
    series = []
    for route, code, per_minute in (("/a", "200", 600), ("/a", "404", 60), ("/a", "503", 30), ("/b", "500", 6)):
        series.append(
            {
                "series": f'http_requests_total{{job="web",route="{route}",code="{code}"}}',
                "values": f"0+{per_minute}x10",
            }
        )
    tests = {
        "rule_files": [],
        "evaluation_interval": "1m",
        "tests": [
            {
                "interval": "1m",
                "input_series": series,
                "promql_expr_test": [
                    {
                        "expr": ungrouped.replace("$__rate_interval", "5m"),
                        "eval_time": "10m",
                        "exp_samples": [
                            {"labels": '{code="500"}', "value": 0.1},
                            {"labels": '{code="503"}', "value": 0.5},
                        ],
                    },
                    {
                        "expr": grouped.replace("$__rate_interval", "5m").replace("$route", ".*"),
                        "eval_time": "10m",
                        "exp_samples": [
                            {"labels": '{code="500",route="/b"}', "value": 0.1},
                            {"labels": '{code="503",route="/a"}', "value": 0.5},
                        ],
                    },
                ],
            }
        ],
    }
    path = tmp_path / "codes_test.yaml"
    path.write_text(yaml.safe_dump(tests))
    run = subprocess.run([promtool, "test", "rules", str(path)], capture_output=True, text=True, timeout=60)
    assert run.returncode == 0, run.stdout + run.stderr
