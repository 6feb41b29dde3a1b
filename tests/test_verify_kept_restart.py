"""`obsc verify` notes that `keep_firing_for` does not survive a Prometheus restart (round 52, restart52).

Measured live on Prometheus 2.42 and Alertmanager 0.25 (rounds 51 and 52): an alert firing only on its kept span is
gone after a restart, Alertmanager resolves it, and it notifies again once its condition is back for its `for:`; no
server flag bridges it. Before this round verify said nothing of it. A fake Prometheus serves the compiled rules as
2.42 reports them (`keepFiringFor` in seconds; tests/e2e/test_verify.py reads the real server's).
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
from compiler.verify.kept_restart import kept_across_restart
from tests.fake_prometheus import serving
from tests.platform_text import sink_platform
from tests.test_verify_restarts import ROUTING, SPEC  # one shop, one SLO: the restart checks' own fleet

KEPT = "keep_firing_for is not kept across a Prometheus restart"


def _as_loaded(rule_file: str, keep_reported: bool) -> list[dict[str, Any]]:
    """A compiled file's groups as /api/v1/rules gives them (2.42 reports `keepFiringFor`; `keep_reported` False
    stands for a server that does not)."""
    groups = []
    for group in yaml.safe_load(rule_file)["groups"]:
        rules = []
        for rule in group["rules"]:
            loaded = {
                "type": "alerting" if "alert" in rule else "recording",
                "name": rule.get("alert") or rule.get("record"),
                "query": rule["expr"],
                "labels": rule.get("labels") or {},
                "duration": parse_duration(str(rule.get("for", "0s"))),
            }
            if keep_reported and "alert" in rule:
                loaded["keepFiringFor"] = parse_duration(str(rule.get("keep_firing_for", "0s")))
            rules.append(loaded)
        groups.append({"name": group["name"], "interval": parse_duration(group.get("interval", "1m")), "rules": rules})
    return groups


def _notes(tmp_path: Path, services: tuple[str, ...], keep_reported: bool = True) -> tuple[list[Diagnostic], int]:
    """The kept-span notes of verify against the compiled `services`, and how many alerting rules keep firing."""
    routed = (tmp_path / "no-platform").exists()  # each spec routes its own pages
    if not routed:
        (tmp_path / "platform.yaml").write_text(sink_platform("defaults:\n  slo_alerts:\n    scrape_interval: 30s\n"))
    for name in services:
        (tmp_path / f"{name}.yaml").write_text(SPEC.replace("shop", name) + (ROUTING if routed else ""))
    bundle = compile_specs([str(tmp_path)], CompileOptions(jobs=1)).bundle
    groups: list[dict[str, Any]] = []
    for name in services:
        artifact = bundle.get(f"prometheus/rules/{name}.yaml")
        assert artifact is not None
        groups += _as_loaded(artifact.content, keep_reported)
    kept = sum(1 for g in groups for r in g["rules"] if r.get("keepFiringFor"))

    def route(path: str, query: str) -> Any:
        if path == "/api/v1/rules":
            return {"groups": groups}
        if path == "/api/v1/query":
            return {"resultType": "vector", "result": []}
        if path.startswith("/api/v1/label/"):
            return [f"{name}_requests_total" for name in services] + ["up"]
        return None

    with serving(route) as url:
        report = verify([str(tmp_path)], VerifyOptions(url, retries=0))
    assert not [f for f in report.findings if KEPT in f.message], "a note, never a finding"
    return [n for n in report.notes if KEPT in n.message], kept


def test_a_fleet_with_kept_alerts_is_one_note_at_the_platforms_slo_alerts(tmp_path: Path) -> None:
    fleet = ("cart", "shop", "ledger", "search", "mail")
    (note,), kept = _notes(tmp_path, fleet)
    assert kept > 0
    assert (note.location.file, note.location.line, note.location.col) == (str(tmp_path / "platform.yaml"), 4, 3)
    assert f"{kept} alerting rules of 5 services loaded here carry it (" in note.message, note.message
    # the fast burn pair's 15m hand-over is the longest kept span obsc writes
    assert "SLOErrorBudgetBurnFast, SLOErrorBudgetBurnSlow, ServiceHighErrorRate and 1 more; up to 15m)" in note.message
    assert "notifies again after its whole for: (no server flag bridges this" in note.message


def test_without_a_platform_file_the_note_is_at_the_spec_with_the_longest_kept_span(tmp_path: Path) -> None:
    (tmp_path / "no-platform").mkdir()
    (note,), _ = _notes(tmp_path, ("shop", "cart"))
    assert (Path(note.location.file).name, note.location.line, note.path) == ("cart.yaml", 2, ("service",))


def test_a_server_that_does_not_report_kept_spans_gets_no_note(tmp_path: Path) -> None:
    assert _notes(tmp_path, ("shop",), keep_reported=False) == ([], 0)


@pytest.mark.parametrize("reported", ["never", None, float("inf"), float("nan"), -300, 0])
def test_a_kept_span_that_is_no_positive_number_is_none(reported: object) -> None:
    """What the API reports is read, never trusted: text, null, an infinity or nothing kept says nothing."""
    group = {"name": "obsc-shop-key", "rules": [{"type": "alerting", "name": "A", "keepFiringFor": reported}]}
    assert kept_across_restart({"shop": [group]}) is None


def test_the_note_names_three_alerts_and_counts_the_rest() -> None:
    rules = [{"type": "alerting", "name": f"A{n}", "keepFiringFor": 60 * (n + 1)} for n in range(5)]
    recording = {"type": "recording", "name": "r", "keepFiringFor": 3600}  # no alert: nothing kept
    note = kept_across_restart({"shop": [{"name": "obsc-shop-key", "rules": [*rules, recording]}]})
    assert note is not None and note.service == "shop"
    assert "5 alerting rules of 1 service loaded here carry it (A0, A1, A2 and 2 more; up to 5m)" in note.message


def test_three_alerts_are_named_without_a_count() -> None:
    """Exactly three names: all shown, no " and 0 more" (review53: the count given from three on passed)."""
    rules = [{"type": "alerting", "name": f"A{n}", "keepFiringFor": 60} for n in range(3)]
    note = kept_across_restart({"shop": [{"name": "obsc-shop-key", "rules": rules}]})
    assert note is not None and "carry it (A0, A1, A2; up to 1m)" in note.message, note


def test_the_note_stands_at_the_service_with_the_longest_kept_span_whatever_the_order() -> None:
    """Not at the first service in name order (review54: every fleet above had equal spans, so the first service
    passed for the longest)."""

    def group(service: str, span: int) -> list[dict[str, Any]]:
        return [{"name": f"obsc-{service}-key", "rules": [{"type": "alerting", "name": "A", "keepFiringFor": span}]}]

    note = kept_across_restart({"cart": group("cart", 300), "shop": group("shop", 900), "zoo": group("zoo", 60)})
    assert note is not None and note.service == "shop" and "up to 15m" in note.message, note
