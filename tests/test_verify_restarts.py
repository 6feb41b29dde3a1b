"""`obsc verify` asks for the Prometheus flags under which a restart mid-incident stays one notification.

Round 50 (restart50), measured live on Prometheus 2.42 and Alertmanager 0.25 (tests/e2e/test_restart_one_page.py):
with the default `--rules.alert.for-grace-period` (10m) a restart starts ServiceDown's 5m hold again, Alertmanager
resolves the page 4 resend delays after its last send, and the page fires again: a second notification for one
outage. A fake Prometheus serves the compiled rules as loaded groups, and the flags of each case.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from compiler.api import CompileOptions, compile_specs
from compiler.model.units import parse_duration
from compiler.verify import VerifyOptions, verify
from compiler.verify.restarts import RESTART_SECONDS, RestartFlags, bridged_restart, check_restarts, needed_resend
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
RESTART = "a Prometheus restart mid-incident notifies twice"


def _loaded_groups(tmp_path: Path, interval: str) -> list[dict[str, Any]]:
    """The compiled groups as /api/v1/rules reports them, each evaluated every `interval` unless it sets one."""
    (tmp_path / "platform.yaml").write_text(sink_platform())
    (tmp_path / "shop.yaml").write_text(SPEC)
    artifact = compile_specs([str(tmp_path)], CompileOptions(jobs=1)).bundle.get("prometheus/rules/shop.yaml")
    assert artifact is not None
    groups = []
    for group in yaml.safe_load(artifact.content)["groups"]:
        rules = [
            {
                "type": "alerting" if "alert" in rule else "recording",
                "name": rule.get("alert") or rule.get("record"),
                "query": rule["expr"],
                "labels": rule.get("labels") or {},
                "duration": parse_duration(str(rule.get("for", "0s"))),
            }
            for rule in group["rules"]
        ]
        every = parse_duration(group.get("interval", interval))
        groups.append({"name": group["name"], "interval": every, "rules": rules})
    return groups


def _restart_findings(tmp_path: Path, flags: dict[str, str] | None, interval: str = "1m") -> list[str]:
    groups = _loaded_groups(tmp_path, interval)

    def route(path: str, query: str) -> Any:
        if path == "/api/v1/rules":
            return {"groups": groups}
        if path == "/api/v1/status/flags":
            return flags
        if path == "/api/v1/query":
            return {"resultType": "vector", "result": []}
        if path.startswith("/api/v1/label/"):
            return ["shop_requests_total", "up"]
        return None

    with serving(route) as url:
        report = verify([str(tmp_path)], VerifyOptions(url, retries=0))
    found = [f for f in report.findings if RESTART in f.message]
    assert all((f.location.line, f.location.col) == (2, 10) for f in found), found  # at `service: shop`
    return [f.message for f in found]


def test_the_default_flags_are_one_finding_naming_both(tmp_path: Path) -> None:
    found = _restart_findings(tmp_path, {"rules.alert.for-grace-period": "10m", "rules.alert.resend-delay": "1m"})
    assert len(found) == 1, found
    assert "--rules.alert.for-grace-period=2m or less (the server's is 10m, longer than the holds of " in found[0]
    assert "ServiceDown (for: 5m)" in found[0]
    assert "--rules.alert.resend-delay=1m20s or more (the server's is 1m: at a 1m evaluation interval" in found[0]
    assert "a restart longer than 1m outlasts it" in found[0]


def test_the_flags_it_asks_for_are_no_finding(tmp_path: Path) -> None:
    said = {"rules.alert.for-grace-period": "2m", "rules.alert.resend-delay": "1m20s"}
    assert _restart_findings(tmp_path, said) == []


def test_at_30s_evaluations_the_default_resend_bridges_two_minutes(tmp_path: Path) -> None:
    found = _restart_findings(
        tmp_path, {"rules.alert.for-grace-period": "10m", "rules.alert.resend-delay": "1m"}, interval="30s"
    )
    assert len(found) == 1 and "resend-delay" not in found[0], found


def test_a_server_that_does_not_say_is_not_judged(tmp_path: Path) -> None:
    """A ruler without /api/v1/status/flags (Thanos, Mimir) has its own restart story: nothing is guessed."""
    assert _restart_findings(tmp_path, None) == []
    assert _restart_findings(tmp_path, {"query.lookback-delta": "5m"}) == []


@pytest.mark.parametrize(
    ("flags", "findings"),
    [
        ({"rules.alert.for-grace-period": "10m"}, 2),  # the resend delay unsaid: its default, 1m, is too short
        ({"rules.alert.resend-delay": "1m20s"}, 1),  # the grace period unsaid: its default, 10m, is too long
        ({"rules.alert.for-grace-period": "0s", "rules.alert.resend-delay": "1m20s"}, 0),  # no hold outlives 0s
    ],
    ids=["grace-only", "resend-only", "no-grace"],
)
def test_a_flag_unsaid_is_its_default_and_a_zero_grace_period_is_zero(
    tmp_path: Path, flags: dict[str, str], findings: int
) -> None:
    found = _restart_findings(tmp_path, flags)
    asked = sum(f"--{flag}=" in "".join(found) for flag in ("rules.alert.for-grace-period", "rules.alert.resend-delay"))
    assert (len(found), asked) == (min(findings, 1), findings), found


@pytest.mark.parametrize(
    ("resend", "interval", "bridged"),
    [(60, 60, 60), (120, 60, 240), (60, 30, 120), (80, 60, 120), (1, 1, 1), (60, 300, 300)],
)
def test_the_bridged_restart(resend: int, interval: int, bridged: int) -> None:
    """4 x max(resend, interval) kept past the last send, less up to one resend before the stop and the two
    evaluations Prometheus waits before it restores: 3 x max(resend, interval) - 2 x interval."""
    assert bridged_restart(resend, interval) == bridged
    assert bridged_restart(needed_resend(interval), interval) >= RESTART_SECONDS


def test_alerts_without_a_hold_need_no_grace_period() -> None:
    found: list[str] = []
    group = {"name": "obsc-shop-key", "interval": 30, "rules": [{"type": "alerting", "name": "X", "duration": 0}]}
    check_restarts([group], RestartFlags(600, 60), found.append)
    assert found == []


def _alerting(name: str, interval: int, hold: int) -> dict[str, Any]:
    return {"name": name, "interval": interval, "rules": [{"type": "alerting", "name": name, "duration": hold}]}


def test_the_resend_delay_asked_for_bridges_the_slowest_alerting_group() -> None:
    """Groups at 1m and 1m30s: 1m20s bridges the first only; 1m40s ((2m + 2 x 1m30s) / 3) bridges both."""
    found: list[str] = []
    check_restarts([_alerting("A", 60, 300), _alerting("B", 90, 300)], RestartFlags(120, 60), found.append)
    assert len(found) == 1 and "--rules.alert.resend-delay=1m40s or more" in found[0], found


def test_a_recording_groups_interval_asks_nothing() -> None:
    """A recording group at 1m30s (which 1m would not bridge) sends no alert: only alerting groups are judged."""
    found: list[str] = []
    recording = {"name": "R", "interval": 90, "rules": [{"type": "recording", "name": "r", "duration": 0}]}
    check_restarts([_alerting("A", 30, 300), recording], RestartFlags(120, 60), found.append)
    assert found == []


def test_the_finding_says_how_long_alertmanager_keeps_an_alert_at_the_slow_interval() -> None:
    """At 1m30s evaluations Alertmanager keeps an alert four intervals (6m) past its last send, not four resend
    delays (4m): the longer of the two (review51: the text read the resend delay alone)."""
    found: list[str] = []
    check_restarts([_alerting("A", 90, 300)], RestartFlags(120, 60), found.append)
    assert len(found) == 1 and "keeps an alert 6m past its last send" in found[0], found
    assert "a restart longer than 1m30s outlasts it" in found[0], found


def test_a_group_whose_interval_is_unsaid_asks_for_no_resend_delay() -> None:
    """A group the server reports without an interval is no 0s interval to bridge (review51: read as 0s, a 30s
    resend delay was asked to become 40s)."""
    found: list[str] = []
    unsaid = {"name": "A", "rules": [{"type": "alerting", "name": "A", "duration": 300}]}
    check_restarts([unsaid], RestartFlags(120, 30), found.append)
    assert found == []


@pytest.mark.parametrize(("holds", "more"), [(3, ""), (4, " and 1 more")])
def test_the_grace_period_finding_names_three_holds_and_counts_the_rest(holds: int, more: str) -> None:
    found: list[str] = []
    groups = [_alerting(f"A{n}", 30, 60 * (n + 1)) for n in range(holds)]
    check_restarts(groups, RestartFlags(600, 60), found.append)
    assert len(found) == 1, found
    assert "A0 (for: 1m), A1 (for: 2m), A2 (for: 3m)" + more + ":" in found[0], found
    assert "A3 (for" not in found[0] and ("more" in found[0]) == bool(more), found
