"""A platform `runbook_url` that links alerts with pages of their own to one URL is a located warning.

Found in the known limits of round 28: `runbook_url: https://wiki/{service}/{alert}` compiled without a word,
and sent every SLO's burn alerts of a service to one page (and no alert to the stubs under runbooks/). A
platform may mean it (one generic page per alert name), so it is a warning at the line, naming two alerts
that share a link; {path}, or {service} with {slug}, keeps a page per service, SLO and alert and says nothing.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from compiler.api import CompileOptions, load_fleet
from compiler.targets import link_notes

PLATFORM = """\
apiVersion: obsc/v1
kind: Platform
grafana_url: https://grafana.example
runbook_url: "URL"
defaults:
  routing: {critical: {webhook: {url: "http://127.0.0.1:9/x"}}, warning: {webhook: {url: "http://127.0.0.1:9/x"}},
            info: {webhook: {url: "http://127.0.0.1:9/x"}}}
"""
SERVICE = """\
apiVersion: obsc/v1
service: NAME
team: data
selector: {job: NAME}
metrics: {requests: http_requests_total, errors: 'http_requests_total{code=~"5.."}'}
slos:
  - {name: availability, objective: 99.9, sli: {errors: errors, total: requests}}
  - {name: writes, objective: 99, sli: {errors: errors, total: requests}}
"""


def _specs(tmp_path: Path, url: str, services: tuple[str, ...] = ("cart", "search")) -> Path:
    specs = tmp_path / "specs"
    specs.mkdir()
    (specs / "platform.yaml").write_text(PLATFORM.replace("URL", url))
    for name in services:
        (specs / f"{name}.yaml").write_text(SERVICE.replace("NAME", name))
    return specs


@pytest.mark.parametrize(
    ("url", "shared"),
    [
        (
            "https://wiki.example/{service}/{alert}",
            "cart's SLOErrorBudgetBurnFast (SLO availability) and cart's SLOErrorBudgetBurnFast (SLO writes)",
        ),
        (
            "https://wiki.example/{slug}",
            "cart's SLOErrorBudgetBurnFast (SLO availability) and search's SLOErrorBudgetBurnFast (SLO availability)",
        ),
        (
            "https://wiki.example/{alert}",
            "cart's SLOErrorBudgetBurnFast (SLO availability) and cart's SLOErrorBudgetBurnFast (SLO writes)",
        ),
        ("https://wiki.example/{service}/{slug}", None),
        ("https://git.example/ops/blob/main/generated/{path}", None),
        ("{path}", None),
    ],
)
def test_a_runbook_url_that_joins_pages_is_a_warning_at_its_line(tmp_path: Path, url: str, shared: str | None) -> None:
    fleet, _ = load_fleet([str(_specs(tmp_path, url))], CompileOptions(), {})
    found = link_notes.shared_pages(fleet)
    if shared is None:
        assert found == []
        return
    (warning,) = found
    assert (warning.location.line, warning.location.col) == (4, 14)
    assert warning.location.file.endswith("platform.yaml")
    assert f"links {shared} to one page" in warning.message


def test_one_service_per_alert_name_is_no_shared_page(tmp_path: Path) -> None:
    """{service}/{alert} joins nothing where each alert name has one page: threshold alerts only, tiers of one
    alert share their page by design."""
    specs = _specs(tmp_path, "https://wiki.example/{service}/{alert}", services=())
    (specs / "lag.yaml").write_text(
        "apiVersion: obsc/v1\nservice: lag\nteam: data\nselector: {job: lag}\n"
        "metrics:\n  lag: {selector: kafka_consumergroup_lag, type: gauge, aggregation: max, unit: short}\n"
        "threshold_alerts:\n  - {name: ConsumerLagHigh, metric: lag, above: 1000, for: 10m, tier: warning}\n"
        "alerts: {traffic_anomaly: false, traffic_milestone: false}\n"
    )
    fleet, _ = load_fleet([str(specs)], CompileOptions(), {})
    assert link_notes.shared_pages(fleet) == []


def test_compile_says_it_located_and_still_writes(tmp_path: Path) -> None:
    specs = _specs(tmp_path, "https://wiki.example/{service}/{alert}")
    done = subprocess.run(
        [sys.executable, "-m", "compiler", "compile", str(specs), "--out", str(tmp_path / "out"), "--no-validate"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert f"{specs / 'platform.yaml'}:4:14 $.runbook_url: warning: runbook_url" in done.stderr
    assert (tmp_path / "out" / "runbooks" / "cart").is_dir()
