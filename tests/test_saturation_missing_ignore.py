"""`missing: ignore` beside a CPU, memory or disk alert's tiers drops its signal's missing-data twin (round 26's
known limit: the only opt-out was switching the alert off). A sidecar whose containers come and go while its
targets stay up ticketed between every two runs. The rules, the routing tests and the generated promtool tests
all lose the twin, and the alert itself keeps its tiers; a platform can say it for every service and a spec
undo it. Where it would change nothing it is refused (tests/errors/saturation_missing_that_changes_nothing);
what the alert does once its signal is gone: tests/test_saturation_handover.py."""

from __future__ import annotations

from pathlib import Path

import yaml

from compiler import conventions as names
from compiler.api import compile_specs

PLATFORM = """apiVersion: obsc/v1
kind: Platform
defaults:
  metrics:
    cpu: sum(rate(container_cpu_usage_seconds_total{$selector}[$window])) / sum(kube_pod_container_limits{$selector})
    disk: 1 - sum(node_filesystem_avail_bytes{$selector}) / sum(node_filesystem_size_bytes{$selector})
  alerts: PLATFORM_ALERTS
receivers: {fallback: {webhook: {url: "http://127.0.0.1:9/hook"}}}
alertmanager: {default_receiver: fallback}
"""
SPEC = """apiVersion: obsc/v1
service: sidecar
team: core
selector: {job: sidecar}
alerts: SPEC_ALERTS
"""


def _compiled(tmp_path: Path, spec_alerts: str, platform_alerts: str = "{}") -> dict[str, str]:
    (tmp_path / "platform.yaml").write_text(PLATFORM.replace("PLATFORM_ALERTS", platform_alerts))
    (tmp_path / "sidecar.yaml").write_text(SPEC.replace("SPEC_ALERTS", spec_alerts))
    return {a.path: a.content for a in compile_specs([str(tmp_path)]).bundle.artifacts}


def _alerts(files: dict[str, str]) -> list[tuple[str, str, str]]:
    """(alert, severity, data label) of every alert rule of the service."""
    groups = yaml.safe_load(files[names.prometheus_rules_path("sidecar")])["groups"]
    rules = [r for g in groups for r in g["rules"] if "alert" in r]
    return sorted((r["alert"], r["labels"]["severity"], r["labels"].get("data", "")) for r in rules)


def _routed_twins(files: dict[str, str]) -> list[str]:
    cases = yaml.safe_load(files[names.ROUTING_TESTS])["cases"]
    return sorted(c["alert"] for c in cases if c["service"] == "sidecar" and c["labels"].get("data") == "missing")


def test_ignore_drops_the_twin_and_keeps_the_alert(tmp_path: Path) -> None:
    files = _compiled(tmp_path, "{cpu: {warning: 80%, missing: ignore}}")
    assert ("ServiceCPUSaturation", "warning", "") in _alerts(files)
    assert ("ServiceCPUSaturation", "warning", "missing") not in _alerts(files)
    assert "ServiceCPUSaturation" not in _routed_twins(files)
    assert ("ServiceDiskSaturation", "warning", "missing") in _alerts(files)  # the disk signal keeps its twin
    assert "ServiceCPUSaturation" in files["prometheus/tests/sidecar.test.yaml"]  # the alert's own cases stay...
    assert "ServiceCPUSaturation" not in _twin_cases(files)  # ...its twin's go (its hold is pinned at 1m there)


def _twin_cases(files: dict[str, str]) -> str:
    """The twins file's groups and the scrapes file's other than the holds groups, and every alert their cases
    expect as a twin (the twins' timelines have had a file of their own since round 35)."""
    docs = [yaml.safe_load(files[f"prometheus/tests/sidecar.{part}.test.yaml"]) for part in ("twins", "scrapes")]
    groups = [g for doc in docs for g in doc["tests"] if not g["name"].startswith("holds: ")]
    twins = [
        t["alertname"]
        for doc in docs
        for g in doc["tests"]
        for t in g["alert_rule_test"]
        if any(a["exp_labels"].get("data") == "missing" for a in t["exp_alerts"])
    ]
    assert any(g["name"].startswith("missing-data twin") for g in groups)  # the disk signal's twin at least
    return yaml.safe_dump(groups) + " ".join(twins)


def test_both_disk_alerts_ignoring_drops_the_disk_twin(tmp_path: Path) -> None:
    files = _compiled(tmp_path, "{disk: {missing: ignore}, disk_full: {missing: ignore}}")
    assert not [a for a in _alerts(files) if "Disk" in a[0] and a[2] == "missing"]
    assert [a for a in _alerts(files) if "Disk" in a[0]]  # both disk alerts are still there
    assert "ServiceCPUSaturation" in _routed_twins(files)


def test_a_platform_default_and_a_spec_that_undoes_it(tmp_path: Path) -> None:
    ignored = _compiled(tmp_path, "{}", "{cpu: {missing: ignore}}")
    assert "ServiceCPUSaturation" not in _routed_twins(ignored)
    undone = _compiled(tmp_path, "{cpu: {missing: alert}}", "{cpu: {missing: ignore}}")
    assert "ServiceCPUSaturation" in _routed_twins(undone)
    # a spec switching off an alert the platform's `ignore` is said of: nothing to refuse, no alert, no twin
    off = _compiled(tmp_path, "{cpu: false}", "{cpu: {warning: 90%, missing: ignore}}")
    assert not [a for a in _alerts(off) if a[0] == "ServiceCPUSaturation"]


def test_the_twin_says_how_to_switch_it_off(tmp_path: Path) -> None:
    # the ticket is where the on-call meets a sidecar's gaps: it names every key the disk signal's twin needs
    files = _compiled(tmp_path, "{}")
    groups = yaml.safe_load(files[names.prometheus_rules_path("sidecar")])["groups"]
    twin = next(
        r for g in groups for r in g["rules"] if r.get("labels", {}).get("data") == "missing" and "Disk" in r["alert"]
    )
    assert "set missing: ignore under alerts.disk and alerts.disk_full." in twin["annotations"]["description"]
