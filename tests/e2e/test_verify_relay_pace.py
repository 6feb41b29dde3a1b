"""`obsc verify` against a real Prometheus 2.42 that runs a relay fleet's rules slower than the platform declares.

cart's ServiceDown is held behind its relay's (tests/relay_specs.py), its hold and its read of the relay's page
written for the default 1m evaluation interval. Each case starts a server with the two rule files and the
collector's target and reads verify's finding at cart's `relay:`: evaluated every 5m (the global
evaluation_interval) it is one, naming both groups, their files and intervals; every 1m it is none; a 2m scrape
at 1m is one, read from the target's `scrapeInterval` (/api/v1/targets). Recorded answers of each shape:
tests/test_verify_relay_pace.py.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from compiler.api import CompileOptions, compile_specs
from compiler.errors import Diagnostic
from compiler.verify import VerifyOptions, verify
from tests.conftest import require_tool
from tests.e2e.servers import exporter, get_json, prometheus, wait_until
from tests.relay_specs import CART, COLLECTOR

PLATFORM = """\
apiVersion: obsc/v1
kind: Platform
receivers: {sink: {webhook: {url: "http://127.0.0.1:9/"}}}
alertmanager: {default_receiver: sink}
"""
HELD = "the ServiceDown held behind its relay otel-collector"
EXPOSITION = "# TYPE otelcol_receiver_accepted_spans_total counter\notelcol_receiver_accepted_spans_total 10\n"


@pytest.fixture(scope="module")
def specs(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("relay-pace-specs")
    (folder / "platform.yaml").write_text(PLATFORM)
    (folder / "cart.yaml").write_text(CART)
    (folder / "otel-collector.yaml").write_text(COLLECTOR)
    return folder


@contextmanager
def _server(work: Path, specs: Path, evaluation: str, scrape: str) -> Iterator[str]:
    """A Prometheus running the fleet's compiled rules at `evaluation` and scraping the collector every `scrape`."""
    binary = require_tool("prometheus")
    rules = work / "rules"
    rules.mkdir()
    bundle = compile_specs([str(specs)], CompileOptions(jobs=1)).bundle
    for service in ("cart", "otel-collector"):
        artifact = bundle.get(f"prometheus/rules/{service}.yaml")
        assert artifact is not None
        (rules / f"{service}.yaml").write_text(artifact.content)
    with exporter(lambda: EXPOSITION) as address:
        config = work / "prometheus.yml"
        config.write_text(
            f"global: {{scrape_interval: 1m, evaluation_interval: {evaluation}}}\n"
            f"rule_files: ['{rules}/*.yaml']\n"
            "scrape_configs:\n"
            f"  - {{job_name: otel-collector, scrape_interval: {scrape},\n"
            f"     static_configs: [{{targets: ['{address}']}}]}}\n"
        )
        with prometheus(binary, config, work / "tsdb", work) as server:
            # the target is listed once discovery has synced (a few seconds after the start)
            listed = server.url + "/api/v1/targets?state=active"
            wait_until(lambda: get_json(listed)["data"]["activeTargets"], 60, 0.5, "the collector's target listed")
            yield server.url


def _held(url: str, specs: Path) -> list[Diagnostic]:
    report = verify([str(specs)], VerifyOptions(url, retries=0, timeout=30))
    return [f for f in report.findings if HELD in f.message]


def test_groups_evaluated_every_5m_against_the_declared_1m_are_a_finding(specs: Path, tmp_path: Path) -> None:
    """On the old code: no finding."""
    with _server(tmp_path, specs, "5m", "1m") as url:
        found = _held(url, specs)
    line = next(
        n for n, text in enumerate((specs / "cart.yaml").read_text().splitlines(), 1) if text.startswith("relay:")
    )
    assert [(f.location.file, f.location.line, f.path) for f in found] == [(str(specs / "cart.yaml"), line, ("relay",))]
    said = found[0].message
    assert f"its group obsc-cart-key ({tmp_path / 'rules' / 'cart.yaml'}) every 5m" in said, said
    assert f"obsc-otel-collector-key ({tmp_path / 'rules' / 'otel-collector.yaml'}) every 5m" in said, said
    assert "written for a 1m evaluation interval" in said and "every 1m (scrapeInterval, /api/v1/targets)" in said


def test_groups_evaluated_as_declared_are_no_finding(specs: Path, tmp_path: Path) -> None:
    with _server(tmp_path, specs, "1m", "1m") as url:
        assert _held(url, specs) == []


def test_a_2m_scrape_at_1m_evaluations_is_a_finding_read_from_the_targets(specs: Path, tmp_path: Path) -> None:
    """On the old code: no finding."""
    with _server(tmp_path, specs, "1m", "2m") as url:
        found = _held(url, specs)
    assert len(found) == 1, [f.message for f in found]
    assert "scrapes the targets every 2m (scrapeInterval, /api/v1/targets)" in found[0].message, found[0].message
