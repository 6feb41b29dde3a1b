"""`obsc verify`'s comparison of loaded rules with the compiled ones (compiler/verify/rules.py), on the repo's
own generated rule files as Prometheus's /api/v1/rules reports them (e2e: tests/e2e/test_verify.py)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from compiler.api import CompileOptions, load_fleet
from compiler.verify.rules import compare, compiled_rules, loaded_rules

ROOT = Path(__file__).resolve().parents[1]
RULES = ROOT / "generated" / "prometheus" / "rules" / "api-gateway.yaml"
_LOADER: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # obsc's own file, read as data


def _as_api(text: str) -> list[dict[str, Any]]:
    """The rule file as the API reports it: `for` in seconds, the expression re-printed (numbers as Go prints)."""
    groups = []
    for group in yaml.load(text, Loader=_LOADER)["groups"]:
        rules = []
        for rule in group["rules"]:
            kind = "alerting" if "alert" in rule else "recording"
            query = rule["expr"].replace("0.001", "1e-03").replace("\n", " ")
            seconds = {"": 0, "2m": 120, "5m": 300, "10m": 600, "15m": 900, "30m": 1800, "1h": 3600}
            entry = {"type": kind, "name": rule.get("alert") or rule["record"], "query": query}
            rules.append({**entry, "labels": rule.get("labels") or {}, "duration": seconds[rule.get("for", "")]})
        groups.append({"name": group["name"], "rules": rules})
    return groups


def _findings(groups: list[dict[str, Any]]) -> list[str]:
    fleet, _ = load_fleet([str(ROOT / "specs")], CompileOptions(jobs=1), {})
    (service,) = [s for s in fleet.services if s.name == "api-gateway"]
    slo_index = {slo.name: i for i, slo in enumerate(service.slos)}
    said: list[str] = []
    want, have = compiled_rules(RULES.read_text()), loaded_rules(groups)
    compare(service, want, have, slo_index, {}, lambda path, where, message: said.append(message))
    return said


def test_the_rules_as_prometheus_reports_them_match() -> None:
    assert _findings(_as_api(RULES.read_text())) == []


def test_a_tier_missing_where_tiers_share_their_labels_is_found() -> None:
    """ServiceHighLatencyP99 has a critical and a warning rule with the same labels: pairing by labels alone
    reported a severity change, or nothing, for a tier that was not loaded."""
    groups = _as_api(RULES.read_text())
    for group in groups:
        group["rules"] = [
            r
            for r in group["rules"]
            if not (r["name"] == "ServiceHighLatencyP99" and r["labels"]["severity"] == "warning")
        ]
    (found,) = _findings(groups)
    assert found.startswith('the specs produce alerts Prometheus has not loaded: ServiceHighLatencyP99{slo="latency"')
