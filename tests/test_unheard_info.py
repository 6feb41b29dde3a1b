"""Info alerts that reach nobody: obsc's own digests stay quiet by design where no routing names an info
receiver (`-v` says so), but an info alert the spec itself asks for (a threshold alert or a stale alert at
tier info) was written down for someone to read, so compile warns, naming each one where it is written.
`obsc-unrouted`, the empty receiver they reach, is obsc's name: a platform receiver of that name took every
team's unrouted info (golden: tests/errors/platforms/reserved_receiver_name)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.cli_helpers import run_obsc

PLATFORM = """\
apiVersion: obsc/v1
kind: Platform
grafana_url: https://graf.corp.example
runbook_url: https://wiki.corp.example/rb/{path}
secrets: {team_root: "/s/am/t-{team}/", shared_root: /s/am/shared/}
receivers: {noc: {webhook: {url: "https://noc.corp.example/in"}}}
alertmanager: {default_receiver: noc}
teams:
  data:
    routing: {critical: {webhook: {url: "https://pager.corp.example/data"}}}
"""
SPEC = """\
apiVersion: obsc/v1
service: loader
team: data
selector: {job: loader}
targets: false
metrics:
  last_ok: {selector: loader_last_success_timestamp_seconds, type: gauge}
  depth: {selector: loader_queue_depth, type: gauge, aggregation: sum}
  requests: loader_batches_total
  errors: loader_batches_total{result="failed"}
alerts: {error_rate: {warning: 5%, info: 1%}}
slos:
  - {name: fresh, objective: 99, sli: {last_success: last_ok, max_age: 2h, stale_alert: info}}
threshold_alerts:
  - {name: LoaderBacklog, metric: depth, above: 5000, tier: info}
  - {name: LoaderBacklogHuge, metric: depth, above: 50000}
"""
WARNING = (
    "obsc: warning: service 'loader': info alerts its spec asks for notify nobody: LoaderBacklog "
    "(specs/loader.yaml:15:5), alerts.error_rate.info (specs/loader.yaml:11:42), SLOFreshnessStale of slo fresh "
    "(specs/loader.yaml:13:5); no routing.info in the spec, teams.data or platform defaults.routing (info never "
    "falls back to the default receiver)"
)


def _compile(root: Path, capsys: pytest.CaptureFixture[str], platform: str, spec: str) -> str:
    (root / "specs").mkdir()
    (root / "specs" / "platform.yaml").write_text(platform)
    (root / "specs" / "loader.yaml").write_text(spec)
    result = run_obsc(capsys, "compile", "specs", "--out", "out", "--no-validate")
    assert result.code == 0, result.err
    return result.err


@pytest.fixture(autouse=True)
def _in_tmp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)


def test_info_alerts_a_spec_asks_for_are_named_when_they_reach_nobody(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert WARNING in _compile(tmp_path, capsys, PLATFORM, SPEC).splitlines()


def test_an_info_route_anywhere_silences_the_warning(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    spec = SPEC + 'routing: {info: {webhook: {url: "https://digest.corp.example/data"}}}\n'
    assert "info alerts" not in _compile(tmp_path, capsys, PLATFORM, spec)


def test_obscs_own_info_digests_alone_get_no_warning(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Budget digests and the like are info by obsc's choice, not the spec's: only -v mentions them."""
    spec = SPEC.replace(", stale_alert: info", "").replace(", tier: info", "").replace(", info: 1%", "")
    assert "warning" not in _compile(tmp_path, capsys, PLATFORM, spec)


def test_the_runbook_says_an_unrouted_info_alert_notifies_nobody(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Found by the runbook hunt: the page of an info alert that reaches nobody marked "info (digest, review
    daily): receiver `obsc-unrouted` (?) ← this alert", a daily digest nobody receives."""
    _compile(tmp_path, capsys, PLATFORM, SPEC)
    page = (tmp_path / "out" / "runbooks" / "loader" / "LoaderBacklog.md").read_text()
    info = [line for line in page.splitlines() if line.startswith("- info")]
    assert info == [
        "- info: notifies nobody (no routing.info in the spec, teams.data or platform defaults.routing); "
        "only Alertmanager's and Prometheus' alert lists show it ← this alert"
    ]
