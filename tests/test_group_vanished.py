"""A group whose series all vanish: a service kept `by: [cluster]` loses one cluster's every series (its
federation link or scrape config gone: `up` absent, not 0).

Before round 34 nothing fired: ServiceDown's group branch compares a group's `up` with 0 (no series, no group),
`absent()` holds only when every cluster is gone, and the cluster's burn had no ratio. Now SLODataMissing (a
ticket, as for any missing data) fires with the cluster's label while the others report, and ends a lookback
(a day) after the cluster was last seen, so a cluster removed on purpose stops ticketing (promtool replays).
"""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from tests.conftest import require_tool
from tests.promtool_helpers import promtool_report
from tests.test_group_down import _compile as compile_api  # the same one-team platform, by-label service

MISSING = 'ALERTS{alertname="SLODataMissing", alertstate="firing"}'
CLUSTERS = ("eu", "us", "ap")


def _rules(tmp_path: Path, capsys: pytest.CaptureFixture[str], by: str = "cluster") -> str:
    text = (compile_api(tmp_path, capsys, by) / "prometheus/rules/api.yaml").read_text()
    (tmp_path / "api.yaml").write_text(text)
    return text


def _series(minutes: int, gone_at: int | None) -> dict[str, str]:
    """Three clusters reporting with traffic for `minutes`; eu's every series ends at `gone_at`."""
    series: dict[str, str] = {}
    for cluster in CLUSTERS:
        until = gone_at if cluster == "eu" and gone_at is not None else minutes
        series[f'up{{job="api", instance="{cluster}-1", cluster="{cluster}"}}'] = f"1x{until}"
        series[f'http_requests_total{{job="api", instance="{cluster}-1", cluster="{cluster}", code="200"}}'] = (
            f"0+60x{until}"
        )
    return series


def _fired(minute: int, clusters: tuple[str, ...]) -> dict[str, object]:
    samples = [
        {
            "labels": "ALERTS{"
            + f'alertname="SLODataMissing", alertstate="firing", cluster="{c}", data="missing", service="api", '
            + 'severity="warning", slo="availability", team="web"}',
            "value": 1,
        }
        for c in clusters
    ]
    return {"expr": MISSING, "eval_time": f"{minute}m", "exp_samples": samples}


def test_one_cluster_of_three_vanishing_tickets_with_its_cluster(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _rules(tmp_path, capsys)
    # all there: quiet; eu gone at 60m: past the 5m staleness and the 10m hold it fires, only for eu
    checks = [_fired(m, ()) for m in (30, 59, 70)] + [_fired(m, ("eu",)) for m in (80, 120)]
    assert promtool_report(tmp_path, "api.yaml", _series(120, 60), checks, evaluation_interval="1m") == ""


def test_every_cluster_present_is_quiet(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    _rules(tmp_path, capsys)
    checks = [_fired(m, ()) for m in (30, 90, 120)]
    assert promtool_report(tmp_path, "api.yaml", _series(120, None), checks, evaluation_interval="1m") == ""


def test_a_cluster_removed_stops_ticketing_after_the_lookback(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """eu removed at 2h: it tickets for about a day (last seen at an hourly step of the lookback), then stops."""
    _rules(tmp_path, capsys)
    checks = [_fired(m, ("eu",)) for m in (180, 24 * 60)] + [_fired(m, ()) for m in (26 * 60 + 30,)]
    series = _series(27 * 60, 120)
    assert promtool_report(tmp_path, "api.yaml", series, checks, evaluation_interval="5m", input_interval="1m") == ""


@pytest.mark.parametrize("churning", ["pod", "instance", "container", "node"])  # each (round 35 review)
def test_a_churning_target_label_has_no_vanished_group(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], churning: str
) -> None:
    """A pod (or instance, container, node) gone is a deploy or a scale-down: it would ticket a day after every
    rollout. Kept per cluster and pod, the branch watches the cluster only."""
    text = _rules(tmp_path, capsys, f"cluster, {churning}")
    assert "group by (cluster) (up{" in text and "unless on (cluster)\n" in text
    assert f"group by (cluster, {churning})" not in text and f"group by ({churning})" not in text


def test_a_pod_split_alone_has_no_vanished_group(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert "[1d:1h]" not in _rules(tmp_path, capsys, "pod")


def test_a_metric_label_has_no_vanished_group(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """`route` is not on `up`: a route's series go at a restart until it is called again, which is no outage (its
    own series watch it: tests/test_group_silent.py)."""
    assert "group by (route)" not in _rules(tmp_path, capsys, "route")


def test_the_ticket_routes_as_a_ticket_links_its_cluster_and_its_runbook_asks_for_it(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    text = _rules(tmp_path, capsys)
    assert "{{ with $labels.cluster }}&var-cluster={{ . | urlquery }}{{ end }}" in text
    assert "Fired with a cluster: that cluster had targets in the last 1d" in text
    page = (tmp_path / "out/runbooks/api/SLODataMissing-availability.md").read_text()
    assert 'max_over_time((group by (cluster) (up{job="api",cluster!=""}))[1d:1h])' in page
    labels = ["alertname=SLODataMissing", "service=api", "slo=availability", "severity=warning", "team=web"]
    done = subprocess.run(
        [
            require_tool("amtool"),
            "config",
            "routes",
            "test",
            "--config.file",
            "alertmanager.yml",
            *labels,
            "cluster=eu",
        ],
        cwd=tmp_path / "out/alertmanager",
        capture_output=True,
        text=True,
    )
    alone = subprocess.run(
        [require_tool("amtool"), "config", "routes", "test", "--config.file", "alertmanager.yml", *labels],
        cwd=tmp_path / "out/alertmanager",
        capture_output=True,
        text=True,
    )
    assert done.stdout == alone.stdout and "warning" in done.stdout, (done.stdout, done.stderr)
