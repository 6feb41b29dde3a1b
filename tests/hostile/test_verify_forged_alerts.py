"""`obsc verify` reports `ALERTS` written by anything but the server's alerting rules (round 51).

Round 50 left it: a rule file beside obsc's writing `record: ALERTS` with team alpha's labels, or a scrape target
exposing an `ALERTS` series, holds back or mutes obsc's pages, which read `ALERTS{service=...,team=...}`. A fake
Prometheus serves the compiled groups as loaded, plus the intruder's, and the series and alerts of each case.
"""

from __future__ import annotations

import urllib.parse
from pathlib import Path
from typing import Any

import pytest
import yaml

from compiler.api import CompileOptions, compile_specs
from compiler.model.units import parse_duration
from compiler.verify import VerifyOptions, forged_alerts, verify
from tests.fake_prometheus import serving
from tests.platform_text import sink_platform

SPEC = """\
apiVersion: obsc/v1
service: shop
team: core
selector: {job: shop}
metrics:
  requests: shop_requests_total
  errors: shop_requests_total{code=~"5.."}
slos: [{name: availability, objective: 99, sli: {errors: errors, total: requests}}]
"""
FAST = {"alertname": "SLOErrorBudgetBurnFast", "service": "shop", "team": "core", "slo": "availability"}
FORGED = "mute the pages of service 'shop'"


def _groups(tmp_path: Path) -> list[dict[str, Any]]:
    (tmp_path / "platform.yaml").write_text(sink_platform())
    (tmp_path / "shop.yaml").write_text(SPEC)
    artifact = compile_specs([str(tmp_path)], CompileOptions(jobs=1)).bundle.get("prometheus/rules/shop.yaml")
    assert artifact is not None
    return [
        {
            "name": group["name"],
            "file": "/etc/prometheus/rules/shop.yaml",
            "interval": 60,
            "rules": [
                {
                    "type": "alerting" if "alert" in rule else "recording",
                    "name": rule.get("alert") or rule.get("record"),
                    "query": rule["expr"],
                    "labels": rule.get("labels") or {},
                    "duration": parse_duration(str(rule.get("for", "0s"))),
                }
                for rule in group["rules"]
            ],
        }
        for group in yaml.safe_load(artifact.content)["groups"]
    ]


def _findings(
    tmp_path: Path,
    extra_groups: list[dict[str, Any]] = (),  # type: ignore[assignment]
    series: list[dict[str, str]] = (),  # type: ignore[assignment]
    alerts: list[dict[str, Any]] = (),  # type: ignore[assignment]
    restart: tuple[str, list[dict[str, str]]] | None = None,
) -> list[str]:
    """`restart`: when the server started (runtimeinfo's startTime), and the series of `series` whose last
    sample is older (written by the process before it)."""
    groups = [*_groups(tmp_path), *extra_groups]

    def route(path: str, query: str) -> Any:
        if path == "/api/v1/rules":
            return {"groups": groups}
        if path == "/api/v1/alerts":
            return {"alerts": list(alerts)}
        if path == "/api/v1/query":
            expr = urllib.parse.parse_qs(query).get("query", [""])[0]
            if expr.startswith("ALERTS{"):
                return {"resultType": "vector", "result": [{"metric": s, "value": [0, "1"]} for s in series]}
            if restart is not None and expr.startswith("timestamp(ALERTS{") and " < " in expr:
                return {"resultType": "vector", "result": [{"metric": s, "value": [0, "1"]} for s in restart[1]]}
            return {"resultType": "vector", "result": []}
        if path == "/api/v1/status/runtimeinfo" and restart is not None:
            return {"startTime": restart[0], "storageRetention": "15d"}
        if path.startswith("/api/v1/label/"):
            return ["shop_requests_total", "up"]
        return None

    with serving(route) as url:
        report = verify([str(tmp_path)], VerifyOptions(url, retries=0))
    found = [f for f in report.findings if FORGED in f.message]
    assert all(f.location.file.endswith("shop.yaml") and f.location.line == 2 for f in found), found
    return [f.message for f in found]


def _forging_group(name: str, labels: dict[str, str]) -> dict[str, Any]:
    rule = {"type": "recording", "name": name, "query": "vector(1)", "labels": labels}
    return {"name": "quiet", "file": "/etc/prometheus/rules/alpha-extra.yaml", "interval": 60, "rules": [rule]}


def test_a_recording_rule_writing_alerts_with_the_teams_labels_is_a_finding(tmp_path: Path) -> None:
    labels = {**FAST, "alertstate": "firing"}
    found = _findings(tmp_path, [_forging_group("ALERTS", labels)])
    assert len(found) == 1, found
    assert "group 'quiet' in /etc/prometheus/rules/alpha-extra.yaml" in found[0]
    assert 'writes ALERTS{alertname="SLOErrorBudgetBurnFast",alertstate="firing",service="shop"' in found[0]


def test_alerts_for_state_and_a_rule_without_labels_are_findings_too(tmp_path: Path) -> None:
    found = _findings(tmp_path, [_forging_group("ALERTS_FOR_STATE", {}), _forging_group("ALERTS", {"team": "core"})])
    assert len(found) == 2, found
    assert any("writes ALERTS_FOR_STATE{the labels its expression carries}" in f for f in found), found


def test_a_rule_naming_another_service_or_team_or_record_is_not_about_this_one(tmp_path: Path) -> None:
    others = [
        _forging_group("ALERTS", {"service": "search"}),
        _forging_group("ALERTS", {"team": "bravo"}),
        _forging_group("ALERTS:count", {}),
    ]
    assert _findings(tmp_path, others) == []


def test_a_scraped_alerts_series_no_alert_stands_for_is_a_finding(tmp_path: Path) -> None:
    scraped = {**FAST, "alertstate": "firing", "job": "alpha-exporter", "instance": "10.0.0.7:9100"}
    found = _findings(tmp_path, series=[scraped])
    assert len(found) == 1, found
    assert 'instance="10.0.0.7:9100",job="alpha-exporter"' in found[0]
    assert "a target exposes it" in found[0] and "metric_relabel_configs" in found[0]


def test_the_servers_own_alerts_are_no_finding(tmp_path: Path) -> None:
    """The control: the same series, this time standing for an alert the server holds (a TargetDown-like alert
    keeps `job` and `instance` from its expression: those labels alone prove nothing)."""
    own = {**FAST, "job": "shop", "instance": "10.0.0.8:8080"}
    found = _findings(tmp_path, series=[{**own, "alertstate": "pending"}], alerts=[{"labels": own, "state": "pending"}])
    assert found == []


def test_a_series_whose_state_differs_from_the_alert_is_a_finding(tmp_path: Path) -> None:
    """A firing series beside an alert that is only pending: not the server's (its own series says pending)."""
    found = _findings(
        tmp_path, series=[{**FAST, "alertstate": "firing"}], alerts=[{"labels": FAST, "state": "pending"}]
    )
    assert len(found) == 1 and "honor_labels" in found[0], found


def _impostor(labels: dict[str, str], name: str = "ServiceDown") -> dict[str, Any]:
    rule = {"type": "alerting", "name": name, "query": "vector(1)", "labels": labels, "duration": 0}
    return {"name": "quiet", "file": "/etc/prometheus/rules/alpha-extra.yaml", "interval": 60, "rules": [rule]}


def test_an_alerting_rule_taking_obscs_name_and_the_services_labels_is_a_finding(tmp_path: Path) -> None:
    """Another file's ServiceDown labelled as shop's: Alertmanager's inhibit rules take it for obsc's own."""
    found = _findings(tmp_path, [_impostor({"service": "shop", "team": "core", "severity": "critical"})])
    assert len(found) == 1, found
    assert "an alerting rule named ServiceDown outside obsc's groups (group 'quiet' in /etc/" in found[0]


def test_hand_written_alerts_of_other_names_or_services_are_no_finding(tmp_path: Path) -> None:
    """The control: a hand-written alert of the service under its own name, and a ServiceDown of every job."""
    others = [_impostor({"service": "shop", "team": "core"}, "ShopQueueFull"), _impostor({}), _impostor({"team": "x"})]
    assert _findings(tmp_path, others) == []


DOWN = {"alertname": "ServiceDown", "service": "shop", "team": "core", "severity": "critical"}
STARTED = "2026-12-06T20:34:46.123456789Z"


def test_the_alerts_a_restarted_server_had_before_it_stopped_are_no_finding(tmp_path: Path) -> None:
    """Measured live (round 51, Prometheus 2.42, the restarted replica of an HA pair): a server stopped writes no
    stale marker, so ServiceDown's firing series stays readable for the lookback delta after the restart while the
    new process holds the alert pending (its hold started again). That series was the server's own: no finding."""
    before = {**DOWN, "alertstate": "firing"}
    now = [before, {**DOWN, "alertstate": "pending"}]
    found = _findings(tmp_path, series=now, alerts=[{"labels": DOWN, "state": "pending"}], restart=(STARTED, [before]))
    assert found == [], found


def test_a_series_written_since_the_start_is_still_a_finding(tmp_path: Path) -> None:
    """The control: the same firing series, written after the server started (nothing older than the start)."""
    firing = {**DOWN, "alertstate": "firing"}
    found = _findings(tmp_path, series=[firing], restart=(STARTED, []))
    assert len(found) == 1 and 'ALERTS{alertname="ServiceDown",alertstate="firing"' in found[0], found


@pytest.mark.parametrize(
    ("said", "epoch"),
    [
        ("2026-12-06T20:34:46.5Z", 1796589286.5),
        ("2026-12-06T21:34:46.123456789+01:00", 1796589286.123456789),
        ("2026-12-06T20:34:46Z", 1796589286.0),
        ("yesterday", None),
        (None, None),
    ],
)
def test_the_start_time_in_any_zone(said: str | None, epoch: float | None) -> None:
    """Prometheus writes its start in the server's own time zone, to the nanosecond."""

    class Said:
        def runtime_info(self) -> dict[str, Any]:
            return {"startTime": said}

    started = forged_alerts._start_time(Said())  # type: ignore[arg-type]
    assert started == pytest.approx(epoch, abs=1e-3) if epoch is not None else started is None


# A Thanos Ruler adds its `--label`s (external labels, mandatory for an HA pair: `replica`, `cluster`) to every
# series it writes, ALERTS included; its alerts API, and a querier's, lists the alerts without them
# (thanos-io/thanos#7327). Read through a querier that deduplicates by `replica`, `cluster` stays on each series.
RULER = {"cluster": "eu1"}


def test_a_rulers_external_labels_on_its_alerts_series_are_no_finding(tmp_path: Path) -> None:
    """On the old code: a finding for each of the ruler's own alerts."""
    own = {**FAST, "burn_window": "fast", "severity": "critical"}
    series = [{**own, **RULER, "alertstate": "firing"}, {**own, **RULER, "replica": "a", "alertstate": "firing"}]
    assert _findings(tmp_path, series=series, alerts=[{"labels": own, "state": "firing"}]) == []


def test_a_rulers_series_no_alert_stands_for_is_still_a_finding(tmp_path: Path) -> None:
    """The controls: another state, an extra label obsc reads (`slo`, `down_group`), a scrape's `instance`, and a
    `team` other than the alert's (a ruler's label replaces the alert's: obsc's reads would miss it) are forged."""
    own = {**FAST, "severity": "critical"}
    alerts = [{"labels": own, "state": "pending"}, {"labels": {**own, "alertname": "ServiceDown"}, "state": "firing"}]
    for n, extra in enumerate(
        [
            {**RULER, "alertstate": "firing"},
            {**RULER, "alertname": "ServiceDown", "down_group": "eu", "alertstate": "firing"},
            {**RULER, "alertname": "ServiceDown", "instance": "10.0.0.7:9100", "alertstate": "firing"},
            {**RULER, "alertname": "ServiceDown", "team": "bravo", "alertstate": "firing"},
        ]
    ):
        (tmp_path / str(n)).mkdir()
        assert len(_findings(tmp_path / str(n), series=[{**own, **extra}], alerts=alerts)) == 1, extra


@pytest.mark.parametrize(("strays", "more"), [(3, ""), (4, " and 1 more")])
def test_a_finding_names_three_stray_series_and_counts_the_rest(tmp_path: Path, strays: int, more: str) -> None:
    """Three stray series are all named, with no " and 0 more" after them (review52's hand mutant: `>=` for `>`);
    a fourth is counted, not named."""
    series = [
        {**FAST, "alertstate": "firing", "job": "alpha-exporter", "instance": f"10.0.0.{n}:9100"} for n in range(4)
    ]
    found = _findings(tmp_path, series=series[:strays])
    assert len(found) == 1, found
    assert f'10.0.0.2:9100",job="alpha-exporter",service="shop",slo="availability",team="core"}}{more}: ' in found[0]
    assert "10.0.0.3:9100" not in found[0], found


def test_an_alert_ending_between_the_readings_is_no_finding() -> None:
    """The series are read before and after the alerts: an alert that ended in between (its series read first, no
    alert, its series gone in the second reading) is no finding (review52's hand mutant reading the first alone)."""
    firing = {**FAST, "alertstate": "firing"}

    class Ending:
        reads = 0

        def query(self, expr: str) -> list[dict[str, Any]]:
            self.reads += 1
            return [{"metric": firing, "value": [0, "1"]}] if self.reads == 1 else []

        def alerts(self) -> list[dict[str, Any]]:
            return []

        def runtime_info(self) -> dict[str, Any]:
            return {}

    class Shop:
        name = "shop"

    said: list[str] = []
    server = Ending()
    forged_alerts.stray_series(server, [Shop()], lambda name: True, lambda name, message: said.append(message))  # type: ignore[arg-type, list-item]
    assert server.reads == 2 and said == [], said
