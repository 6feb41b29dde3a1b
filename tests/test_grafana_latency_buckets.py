"""A latency SLO's histogram on its own row (round 48): the buckets its SLI reads, the threshold bucket named.

Before, a latency SLO's row showed the share of requests under the threshold (SLI, burn rate, events) and nothing of
the histogram: whether the mass moved one bucket past the threshold or a few requests hung was read in Explore, and
the RED row's quantiles are of the service's `latency` metric, not necessarily the SLI's histogram. Each latency SLO
now gets a heatmap of its own histogram's buckets under its own selector (per group variable for `by:`), with the
threshold bucket in its title; promtool evaluates the query over a mixed history."""

from __future__ import annotations

import subprocess
from pathlib import Path
from typing import Any

import yaml

from compiler.api import compile_specs
from compiler.model.panel_ids import panel_ids
from tests.conftest import require_tool
from tests.test_grafana_support import all_panels, service_dashboard

LATENCY_OFFSET = 8  # conventions.SLO_LATENCY_OFFSET: an id a page may already link
ROUTING = """routing:
  critical: {webhook: {url: "http://relay:8080/page"}}
  warning: {webhook: {url: "http://relay:8080/ticket"}}
"""
SPECS = {
    "web": """selector: {job: web}
metrics:
  requests: http_requests_total
  errors: http_requests_total{code=~"5.."}
  latency: http_request_duration_seconds
  backend: backend_call_seconds{call="db"}
slos:
  - {name: availability, objective: 99.9, sli: {errors: errors, total: requests}}
  - {name: fast, objective: 99, sli: {latency: latency, threshold: 300ms}}
  - {name: per-route, objective: 99, by: [route], sli: {latency: latency, threshold: 1s}}
  - {name: db, objective: 99, sli: {latency: backend, threshold: 50ms}}
""",
    "mesh": """selector: {destination_workload: ledger, reporter: destination}
targets: false
metrics:
  latency: {selector: istio_request_duration_milliseconds, unit: ms}
slos:
  - {name: latency, objective: 99, sli: {latency: latency, threshold: 250ms}}
""",
}
# service -> {slo: (title, y-axis unit, query)}; an SLO that is not a latency SLO has no heatmap
EXPECTED = {
    "web": {
        "fast": (
            'Requests per latency bucket (threshold 300ms: le="0.3")',
            "s",
            'sum by (le) (rate(http_request_duration_seconds_bucket{job="web"}[$__rate_interval]))',
        ),
        "per-route": (
            'Requests per latency bucket (threshold 1s: le="1")',
            "s",
            'sum by (le) (rate(http_request_duration_seconds_bucket{job="web",route=~"$route"}[$__rate_interval]))',
        ),
        "db": (
            'Requests per latency bucket (threshold 50ms: le="0.05")',
            "s",
            'sum by (le) (rate(backend_call_seconds_bucket{call="db",job="web"}[$__rate_interval]))',
        ),
    },
    "mesh": {
        "latency": (
            'Requests per latency bucket (threshold 250ms: le="250")',
            "ms",
            "sum by (le) (rate(istio_request_duration_milliseconds_bucket"
            '{destination_workload="ledger",reporter="destination"}[$__rate_interval]))',
        )
    },
}


def _compiled(tmp_path: Path) -> Any:
    specs = tmp_path / "specs"
    specs.mkdir()
    for name, body in SPECS.items():
        (specs / f"{name}.yaml").write_text(f"apiVersion: obsc/v1\nservice: {name}\nteam: shop\n{body}{ROUTING}")
    return compile_specs([str(specs)])


def _heatmaps(compilation: Any, name: str) -> dict[str, tuple[str, str, str]]:
    """slo -> (title, y-axis unit, query) of each heatmap, which sits at its SLO's panel-id block + 8."""
    service = next(s for s in compilation.fleet.services if s.name == name)
    blocks = {panel_ids(service).slo(slo.name): slo.name for slo in service.slos}
    out = {}
    for p in all_panels(service_dashboard(compilation, name)):
        if p["type"] == "heatmap":
            (target,) = p["targets"]
            assert (target["format"], target["legendFormat"], p["fieldConfig"]["defaults"]["unit"]) == (
                "heatmap",
                "{{le}}",
                "reqps",
            )
            out[blocks[p["id"] - LATENCY_OFFSET]] = (p["title"], p["options"]["yAxis"]["unit"], target["expr"])
    return out


def test_each_latency_slo_gets_a_heatmap_of_its_own_histogram(tmp_path: Path) -> None:
    compilation = _compiled(tmp_path)
    assert {name: _heatmaps(compilation, name) for name in SPECS} == EXPECTED


def test_the_heatmap_rows_are_the_buckets_the_sli_reads(tmp_path: Path) -> None:
    """promtool evaluates the 300ms SLO's panel query over 10 minutes of a histogram on two instances: one row per
    bucket, at the rate the SLI's rules read for it (le="0.3": the good requests, 9 of every 10 of 10/s)."""
    promtool = require_tool("promtool", "PROMTOOL")
    _, _, expr = _heatmaps(_compiled(tmp_path), "web")["fast"]
    series = []
    for instance in ("a", "b"):
        for le, per_minute in (("0.1", 240), ("0.3", 270), ("1", 294), ("+Inf", 300)):
            labels = f'job="web",instance="{instance}",le="{le}"'
            series.append(
                {"series": f"http_request_duration_seconds_bucket{{{labels}}}", "values": f"0+{per_minute}x10"}
            )
    rows = {"0.1": 8.0, "0.3": 9.0, "1": 9.8, "+Inf": 10.0}
    tests = {
        "rule_files": [],
        "evaluation_interval": "1m",
        "tests": [
            {
                "interval": "1m",
                "input_series": series,
                "promql_expr_test": [
                    {
                        "expr": expr.replace("$__rate_interval", "5m"),
                        "eval_time": "10m",
                        "exp_samples": [{"labels": f'{{le="{le}"}}', "value": v} for le, v in rows.items()],
                    }
                ],
            }
        ],
    }
    path = tmp_path / "buckets_test.yaml"
    path.write_text(yaml.safe_dump(tests))
    run = subprocess.run([promtool, "test", "rules", str(path)], capture_output=True, text=True, timeout=60)
    assert run.returncode == 0, run.stdout + run.stderr
