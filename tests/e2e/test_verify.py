"""`obsc verify` against a real Prometheus 2.42 on loopback scraping a small exporter this test starts:
a clean spec passes; a typo'd metric, a missing latency bucket and a wrong target label are each found
and located at their spec line; exit codes 0 / 1 / 2 / 4 (unreachable)."""

from __future__ import annotations

import json
import subprocess
import sys
import threading
import urllib.parse
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from compiler.api import CompileOptions, compile_specs
from compiler.errors import ExitCode
from compiler.verify import Unreachable, VerifyOptions, verify_specs
from tests.conftest import require_tool
from tests.e2e.servers import free_port, get_json, prometheus, wait_until

EXPOSITION = """\
# TYPE shop_requests_total counter
shop_requests_total{code="200"} 1000
shop_requests_total{code="500"} 3
# TYPE shop_request_duration_seconds histogram
shop_request_duration_seconds_bucket{le="0.1"} 600
shop_request_duration_seconds_bucket{le="0.25"} 900
shop_request_duration_seconds_bucket{le="0.5"} 990
shop_request_duration_seconds_bucket{le="+Inf"} 1003
shop_request_duration_seconds_sum 120
shop_request_duration_seconds_count 1003
"""

PLATFORM = """\
apiVersion: obsc/v1
kind: Platform
receivers: {sink: {webhook: {url: "http://127.0.0.1:9/"}}}
alertmanager: {default_receiver: sink}
"""

SPEC = """\
apiVersion: obsc/v1
service: {service}
team: shop
selector: {{job: {job}}}
metrics:
  requests: {requests}
  errors: shop_requests_total{{code=~"5.."}}
  latency: shop_request_duration_seconds
slos:
  - {{name: availability, objective: 99.5, sli: {{errors: errors, total: requests}}}}
  - name: latency
    objective: 99
    sli:
      latency: latency
      threshold: {threshold}
  - name: batch
    objective: 99
    sli:
      raw:
        errors: sum(rate(shop_requests_total{{$selector,code=~"5.."}}[$window]))
        total: sum(rate(shop_requests_total{{$selector}}[$window]))
"""
BROKEN_RULES = """\
groups:
  - name: obsc-broken-slo
    rules:
      - record: broken:many_to_many
        expr: shop_requests_total + on() shop_requests_total
"""
CLEAN = {"service": "shop", "job": "shop", "requests": "shop_requests_total", "threshold": "250ms"}


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    binary = require_tool("prometheus")
    work = tmp_path_factory.mktemp("verify")

    class Exporter(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            body = EXPOSITION.encode()
            self.send_response(200)
            self.send_header("Content-Type", "text/plain; version=0.0.4")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: Any) -> None:
            pass

    port = free_port()
    exporter = ThreadingHTTPServer(("127.0.0.1", port), Exporter)
    threading.Thread(target=exporter.serve_forever, daemon=True).start()
    # The server also runs obsc's rules for the clean spec, and a group of service `broken` that fails at
    # evaluation (many-to-many match), so verify's checks of loaded rules have something to find.
    _specs(work)
    rules = work / "rules"
    rules.mkdir()
    artifact = compile_specs([str(work)], CompileOptions(jobs=1)).bundle.get("prometheus/rules/shop.yaml")
    assert artifact is not None
    (rules / "shop.yaml").write_text(artifact.content)
    (rules / "broken.yaml").write_text(BROKEN_RULES)
    config = work / "prometheus.yml"
    config.write_text(
        "global: {scrape_interval: 1s, evaluation_interval: 1s}\n"
        f"rule_files: ['{rules}/*.yaml']\n"
        f"scrape_configs: [{{job_name: shop, static_configs: [{{targets: ['127.0.0.1:{port}']}}]}}]\n"
    )
    try:
        with prometheus(binary, config, work / "tsdb", work) as prom:
            # three scrapes (a rate needs two samples, and raw SLI totals are rates) and obsc's rules evaluated
            query = urllib.parse.quote(
                'count_over_time(up{job="shop"}[1m]) >= 3 and on() count(slo:sli_total:rate5m{service="shop"}) >= 3'
            )
            wait_until(
                lambda: get_json(f"{prom.url}/api/v1/query?query={query}")["data"]["result"],
                30,
                what="three scrapes of the exporter",
            )
            yield prom.url
    finally:
        exporter.shutdown()
        exporter.server_close()


def _specs(tmp: Path, **changes: str) -> Path:
    (tmp / "platform.yaml").write_text(PLATFORM)
    spec = tmp / "shop.yaml"
    spec.write_text(SPEC.format(**{**CLEAN, **changes}))
    return spec


def _line(spec: Path, text: str) -> int:
    return next(n for n, line in enumerate(spec.read_text().splitlines(), 1) if text in line)


def test_a_clean_spec_has_no_findings(server: str, tmp_path: Path) -> None:
    _specs(tmp_path)
    assert verify_specs([str(tmp_path)], VerifyOptions(server)) == []


def test_a_typod_metric_is_found_at_its_line_with_a_suggestion(server: str, tmp_path: Path) -> None:
    spec = _specs(tmp_path, requests="shop_request_total")
    findings = verify_specs([str(tmp_path)], VerifyOptions(server))
    assert [(f.location.line, f.path) for f in findings] == [(_line(spec, "requests:"), ("metrics", "requests"))]
    assert "no metric is named shop_request_total; did you mean shop_requests_total?" in findings[0].message


def test_a_threshold_without_a_bucket_is_found_at_the_threshold(server: str, tmp_path: Path) -> None:
    spec = _specs(tmp_path, threshold="300ms")
    findings = verify_specs([str(tmp_path)], VerifyOptions(server))
    assert [(f.location.line, f.path) for f in findings] == [
        (_line(spec, "threshold:"), ("slos", 1, "sli", "threshold"))
    ]
    assert "no bucket at 0.3s" in findings[0].message and "le=0.1, 0.25, 0.5, +Inf" in findings[0].message


def test_a_wrong_target_label_is_found_at_the_selector(server: str, tmp_path: Path) -> None:
    spec = _specs(tmp_path, job="shopp")
    findings = verify_specs([str(tmp_path)], VerifyOptions(server))
    selector = [f for f in findings if f.path == ("selector",)]
    assert len(selector) == 1 and selector[0].location.line == _line(spec, "selector:")
    assert 'up{job="shopp"}' in selector[0].message and "did you mean 'shop'" in selector[0].message
    # the service's metrics carry the wrong label too: each is reported where it is written
    assert {f.path for f in findings} >= {("metrics", "requests"), ("slos", 2, "sli", "raw", "total")}


def test_loaded_rules_must_be_healthy_and_record_every_slo(server: str, tmp_path: Path) -> None:
    spec = _specs(tmp_path, service="broken")
    findings = verify_specs([str(tmp_path)], VerifyOptions(server))
    (unhealthy,) = [f for f in findings if "is unhealthy" in f.message]
    assert unhealthy.location.line == _line(spec, "service:")
    assert "broken:many_to_many in group obsc-broken-slo is unhealthy" in unhealthy.message
    # the group loaded under obsc's name is not obsc's: none of the SLOs' series are recorded
    missing = {f.message.split("{")[1].split("}")[0] for f in findings if f is not unhealthy}
    assert missing == {f'service="broken",slo="{slo}"' for slo in ("availability", "latency", "batch")}
    renamed = tmp_path / "renamed"
    renamed.mkdir()
    spec = _specs(renamed)
    spec.write_text(spec.read_text().replace("name: availability", "name: avail"))
    findings = verify_specs([str(renamed)], VerifyOptions(server))
    line = _line(spec, "name: avail")
    assert sorted((f.location.line, f.message.split(" but ")[1].split(" has no")[0]) for f in findings) == [
        (line, 'slo:objective:ratio{service="shop",slo="avail"}'),
        (line, 'slo:sli_total:rate5m{service="shop",slo="avail"}'),
    ]


def test_a_platform_metric_is_checked_for_each_service_at_the_platform_line(server: str, tmp_path: Path) -> None:
    _specs(tmp_path)
    platform = tmp_path / "platform.yaml"
    platform.write_text(PLATFORM + "defaults:\n  metrics:\n    cpu: max(process_cpu_seconds_totl{$selector})\n")
    findings = verify_specs([str(tmp_path)], VerifyOptions(server))
    assert [(f.location.file, f.location.line, f.path) for f in findings] == [
        (str(platform), 7, ("defaults", "metrics", "cpu"))
    ]
    assert findings[0].message == ("service 'shop': no metric is named process_cpu_seconds_totl")


def _obsc(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "compiler", *args], capture_output=True, text=True, timeout=120)


def test_exit_codes_and_json_findings(server: str, tmp_path: Path) -> None:
    clean, typo = tmp_path / "clean", tmp_path / "typo"
    clean.mkdir(), typo.mkdir()
    _specs(clean)
    spec = _specs(typo, requests="shop_request_total")
    assert _obsc("verify", str(clean), "--prometheus", server).returncode == ExitCode.OK
    result = _obsc("verify", str(typo), "--prometheus", server, "--log-format", "json")
    assert result.returncode == ExitCode.DRIFT, result.stderr
    (record,) = [json.loads(line) for line in result.stdout.splitlines()]
    assert (record["file"], record["line"], record["path"]) == (
        str(spec),
        _line(spec, "requests:"),
        "$.metrics.requests",
    )
    bad = tmp_path / "bad"
    bad.mkdir()
    (bad / "shop.yaml").write_text("apiVersion: obsc/v1\nservice: Shop\n")
    assert _obsc("verify", str(bad), "--prometheus", server).returncode == ExitCode.BAD_INPUT
    nobody = f"http://127.0.0.1:{free_port()}"
    result = _obsc("verify", str(clean), "--prometheus", nobody, "--timeout", "1", "--retries", "1")
    assert result.returncode == ExitCode.UNREACHABLE == 5, result.stderr
    assert "cannot reach Prometheus" in result.stderr


def test_an_unreachable_server_raises_after_bounded_retries(tmp_path: Path) -> None:
    _specs(tmp_path)
    with pytest.raises(Unreachable, match="after 2 attempts"):
        verify_specs([str(tmp_path)], VerifyOptions(f"http://127.0.0.1:{free_port()}", timeout=0.5, retries=1))
