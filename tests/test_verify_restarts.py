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
from compiler.errors import Diagnostic
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
SINK = '{webhook: {url: "http://127.0.0.1:9/"}}'
ROUTING = f"routing: {{critical: {SINK}, warning: {SINK}}}\n"
RESTART = "a Prometheus restart mid-incident notifies twice"


def _loaded_groups(tmp_path: Path, interval: str, services: tuple[str, ...] = ("shop",)) -> list[dict[str, Any]]:
    """The compiled groups as /api/v1/rules reports them, each evaluated every `interval` unless it sets one."""
    if not (tmp_path / "platform.yaml").exists() and not (tmp_path / "no-platform").exists():
        (tmp_path / "platform.yaml").write_text(sink_platform())
    routed = (tmp_path / "no-platform").exists()  # each spec routes its own pages
    for name in services:
        (tmp_path / f"{name}.yaml").write_text(SPEC.replace("shop", name) + (ROUTING if routed else ""))
    bundle = compile_specs([str(tmp_path)], CompileOptions(jobs=1)).bundle
    groups = []
    for name in services:
        artifact = bundle.get(f"prometheus/rules/{name}.yaml")
        assert artifact is not None
        groups.extend(_as_loaded(artifact.content, interval))
    return groups


def _as_loaded(rule_file: str, interval: str) -> list[dict[str, Any]]:
    groups = []
    for group in yaml.safe_load(rule_file)["groups"]:
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


def _restart_findings(
    tmp_path: Path, flags: dict[str, str] | None, interval: str = "1m", services: tuple[str, ...] = ("shop",)
) -> list[str]:
    return [f.message for f in _restart_diagnostics(tmp_path, flags, interval, services)]


def _restart_diagnostics(
    tmp_path: Path, flags: dict[str, str] | None, interval: str = "1m", services: tuple[str, ...] = ("shop",)
) -> list[Diagnostic]:
    groups = _loaded_groups(tmp_path, interval, services)

    def route(path: str, query: str) -> Any:
        if path == "/api/v1/rules":
            return {"groups": groups}
        if path == "/api/v1/status/flags":
            return flags
        if path == "/api/v1/query":
            return {"resultType": "vector", "result": []}
        if path.startswith("/api/v1/label/"):
            return [f"{name}_requests_total" for name in services] + ["up"]
        return None

    with serving(route) as url:
        report = verify([str(tmp_path)], VerifyOptions(url, retries=0))
    return [f for f in report.findings if RESTART in f.message]


DEFAULTS = {"rules.alert.for-grace-period": "10m", "rules.alert.resend-delay": "1m"}


def test_the_default_flags_are_one_finding_for_each(tmp_path: Path) -> None:
    grace, resend = _restart_findings(tmp_path, DEFAULTS)
    assert (
        "--rules.alert.for-grace-period=2m or less (the server's is 10m, longer than holds in the rules of 1 " in grace
    )
    assert "ServiceDown" in grace and "the shortest, SLOErrorBudgetBurnFast's 2m, is in the rules of shop)" in grace
    assert "--rules.alert.resend-delay=1m20s or more (the server's is 1m: at a 1m evaluation interval" in resend
    assert "a restart longer than 1m outlasts it" in resend


def test_a_fleet_is_one_finding_per_flag_at_the_platforms_slo_alerts(tmp_path: Path) -> None:
    """Round 50 said the finding at every service with loaded groups: 1,000 findings for one server flag on a
    1,000-service fleet. The flags are the platform's to set, for every service at once: one finding each, at the
    platform file's `defaults.slo_alerts` (where the burn pairs' holds are set), naming the services."""
    (tmp_path / "platform.yaml").write_text(sink_platform("defaults:\n  slo_alerts:\n    scrape_interval: 30s\n"))
    fleet = ("cart", "shop", "ledger", "search", "mail")
    found = _restart_diagnostics(tmp_path, DEFAULTS, services=fleet)
    assert len(found) == 2, found
    assert {(f.location.file, f.location.line, f.location.col) for f in found} == {
        (str(tmp_path / "platform.yaml"), 4, 3)
    }, found
    grace, resend = sorted(found, key=lambda f: "resend-delay" in f.message)
    assert "longer than holds in the rules of 5 services loaded here" in grace.message
    assert "is in the rules of cart, ledger, mail and 2 more)" in grace.message
    assert (
        "the slowest of the alerting groups of 5 services here, in the rules of cart, ledger, mail and 2 more,"
        in resend.message
    )


def test_without_a_platform_file_the_finding_is_at_the_spec_that_sets_the_bound(tmp_path: Path) -> None:
    (tmp_path / "no-platform").mkdir()
    found = _restart_diagnostics(tmp_path, DEFAULTS, services=("shop", "cart"))
    assert len(found) == 2, found
    assert {(Path(f.location.file).name, f.location.line, f.location.col) for f in found} == {("cart.yaml", 2, 10)}


def test_the_flags_it_asks_for_are_no_finding(tmp_path: Path) -> None:
    said = {"rules.alert.for-grace-period": "2m", "rules.alert.resend-delay": "1m20s"}
    assert _restart_findings(tmp_path, said) == []


def test_at_30s_evaluations_the_default_resend_bridges_two_minutes(tmp_path: Path) -> None:
    found = _restart_findings(tmp_path, DEFAULTS, interval="30s")
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
    assert (len(found), asked) == (findings, findings), found


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
    group = {"name": "obsc-shop-key", "interval": 30, "rules": [{"type": "alerting", "name": "X", "duration": 0}]}
    assert check_restarts({"shop": [group]}, RestartFlags(600, 60)) == []


def _alerting(name: str, interval: int, hold: int) -> dict[str, Any]:
    return {"name": name, "interval": interval, "rules": [{"type": "alerting", "name": name, "duration": hold}]}


def test_the_resend_delay_asked_for_bridges_the_slowest_alerting_group() -> None:
    """Groups at 1m and 1m30s: 1m20s bridges the first only; 1m40s ((2m + 2 x 1m30s) / 3) bridges both."""
    found = check_restarts(
        {"shop": [_alerting("A", 60, 300)], "cart": [_alerting("B", 90, 300)]}, RestartFlags(120, 60)
    )
    assert [(a.flag, a.service) for a in found] == [("rules.alert.resend-delay", "cart")], found
    assert "--rules.alert.resend-delay=1m40s or more" in found[0].message
    assert "alerting groups of 2 services here, in the rules of cart, Alertmanager" in found[0].message


def test_a_recording_groups_interval_asks_nothing() -> None:
    """A recording group at 1m30s (which 1m would not bridge) sends no alert: only alerting groups are judged."""
    recording = {"name": "R", "interval": 90, "rules": [{"type": "recording", "name": "r", "duration": 0}]}
    assert check_restarts({"shop": [_alerting("A", 30, 300), recording]}, RestartFlags(120, 60)) == []


def test_the_shortest_hold_names_the_services_that_set_it() -> None:
    loaded = {
        "cart": [_alerting("ServiceDown", 60, 300)],
        "shop": [_alerting("Fast", 60, 120), _alerting("ServiceDown", 60, 300)],
        "ledger": [_alerting("Slow", 60, 3600)],  # longer than the grace period: restored, no part of it
    }
    (grace,) = check_restarts(loaded, RestartFlags(600, 120))
    assert (grace.flag, grace.service) == ("rules.alert.for-grace-period", "shop")
    assert "--rules.alert.for-grace-period=2m or less" in grace.message
    assert "longer than holds in the rules of 2 services loaded here: Fast, ServiceDown;" in grace.message
    assert "the shortest, Fast's 2m, is in the rules of shop)" in grace.message


def test_the_finding_says_how_long_alertmanager_keeps_an_alert_at_the_slow_interval() -> None:
    """At 1m30s evaluations Alertmanager keeps an alert four intervals (6m) past its last send, not four resend
    delays (4m): the longer of the two (review51: the text read the resend delay alone)."""
    (resend,) = check_restarts({"shop": [_alerting("A", 90, 300)]}, RestartFlags(120, 60))
    assert "keeps an alert 6m past its last send" in resend.message, resend
    assert "a restart longer than 1m30s outlasts it" in resend.message, resend


def test_a_group_whose_interval_is_unsaid_asks_for_no_resend_delay() -> None:
    """A group the server reports without an interval is no 0s interval to bridge (review51: read as 0s, a 30s
    resend delay was asked to become 40s)."""
    unsaid = {"name": "A", "rules": [{"type": "alerting", "name": "A", "duration": 300}]}
    assert check_restarts({"shop": [unsaid]}, RestartFlags(120, 30)) == []


@pytest.mark.parametrize(("holds", "more"), [(3, ""), (4, " and 1 more")])
def test_the_grace_period_finding_names_three_holds_and_counts_the_rest(holds: int, more: str) -> None:
    groups = [_alerting(f"A{n}", 30, 60 * (n + 1)) for n in range(holds)]
    (grace,) = check_restarts({"shop": groups}, RestartFlags(600, 60))
    assert "A0, A1, A2" + more + ";" in grace.message, grace
    assert "A3" not in grace.message and ("more" in grace.message) == bool(more), grace


def test_the_resend_delay_reads_each_services_slowest_alerting_group() -> None:
    """One service's groups at 1m and 1m30s, both outlasted at a 1m resend delay: the 1m30s one sets the ask
    (1m40s), not the service's fastest group (1m20s; review52's hand mutant read each service's min)."""
    (resend,) = check_restarts({"shop": [_alerting("A", 60, 300), _alerting("B", 90, 300)]}, RestartFlags(120, 60))
    assert "--rules.alert.resend-delay=1m40s or more" in resend.message, resend
    assert "at a 1m30s evaluation interval" in resend.message, resend


def test_a_slow_group_of_alerts_without_a_hold_asks_for_no_resend_delay() -> None:
    """An alert without a hold fires again at the first evaluation after a restart, not the third: at 1m30s and the
    1m default Alertmanager still holds it (a held alert's 1m30s bound does not apply). review52's hand mutant
    judged the intervals of services without a hold and asked for 1m40s."""
    group = {"name": "obsc-shop-key", "interval": 90, "rules": [{"type": "alerting", "name": "X", "duration": 0}]}
    assert check_restarts({"shop": [group]}, RestartFlags(600, 60)) == []
