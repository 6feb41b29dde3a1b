"""`obsc verify` on a relayed ServiceDown whose server evaluates or scrapes more slowly than the platform declares.

A held page's extra hold (two intervals) and its read of the relay's page (four) are written for the declared
`defaults.slo_alerts.evaluation_interval` (round 51). promtool shows the direction: evaluated every 5m, rules
written for 1m page cart's team for the collector's outage; written for 5m and evaluated every 1m they stay quiet.
verify now reads each loaded group's `interval` (/api/v1/rules) and the targets' `scrapeInterval`
(/api/v1/targets) and says where the margin is gone, at the spec's `relay:`; a fake Prometheus serves the compiled
groups at the intervals of each case. The same live: tests/e2e/test_verify_relay_pace.py.
"""

from __future__ import annotations

import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml

from compiler import conventions as names
from compiler.api import CompileOptions, compile_specs
from compiler.errors import Diagnostic
from compiler.model.units import parse_duration
from compiler.verify import VerifyOptions, verify
from tests.conftest import require_tool
from tests.fake_prometheus import serving
from tests.relay_specs import CART, COLLECTOR

PLATFORM = """\
apiVersion: obsc/v1
kind: Platform
{defaults}teams:
  web:
    routing:
      critical: {{webhook: {{url: 'https://pager.example/web'}}}}
      warning: {{webhook: {{url: 'https://tickets.example/web'}}}}
  obs:
    routing:
      critical: {{webhook: {{url: 'https://pager.example/obs'}}}}
      warning: {{webhook: {{url: 'https://tickets.example/obs'}}}}
"""
HELD = "the ServiceDown held behind its relay otel-collector"
DOWN = names.KEY_ALERT_NAMES["service_down"]


def _specs(tmp_path: Path, declared: str | None) -> Path:
    folder = tmp_path / "specs"
    folder.mkdir()
    setting = f"defaults:\n  slo_alerts: {{evaluation_interval: {declared}}}\n" if declared else ""
    (folder / "platform.yaml").write_text(PLATFORM.format(defaults=setting))
    (folder / "cart.yaml").write_text(CART)
    (folder / "otel-collector.yaml").write_text(COLLECTOR)
    return folder


def _as_loaded(rule_file: str, interval: str, file: str) -> list[dict[str, Any]]:
    """A compiled rule file as /api/v1/rules reports it, its groups evaluated every `interval` unless they set one."""
    groups = []
    for group in yaml.safe_load(rule_file)["groups"]:
        rules = [
            {
                "type": "alerting" if "alert" in rule else "recording",
                "name": rule.get("alert") or rule.get("record"),
                "query": rule["expr"],
                "labels": rule.get("labels") or {},
                "duration": parse_duration(str(rule.get("for", "0s"))),
                "health": "ok",
            }
            for rule in group["rules"]
        ]
        every = parse_duration(group.get("interval", interval))
        groups.append({"name": group["name"], "file": file, "interval": every, "rules": rules})
    return groups


def _relay_findings(
    tmp_path: Path,
    declared: str | None,
    every: dict[str, str],
    scrape: str | None = "1m",
    loaded: tuple[str, ...] = ("cart", "otel-collector"),
) -> list[Diagnostic]:
    """verify's findings about the held page, the server evaluating each service's groups every `every[service]`
    and scraping the collector's target every `scrape` (None: no /api/v1/targets, as behind a ruler)."""
    folder = _specs(tmp_path, declared)
    bundle = compile_specs([str(folder)], CompileOptions(jobs=1)).bundle
    groups = []
    for service in loaded:
        artifact = bundle.get(f"prometheus/rules/{service}.yaml")
        assert artifact is not None
        groups += _as_loaded(artifact.content, every[service], f"/etc/prometheus/rules/{service}.yaml")
    target = {"labels": {"job": "otel-collector", "instance": "c:8889"}, "scrapeInterval": scrape, "health": "up"}

    def route(path: str, query: str) -> Any:
        if path == "/api/v1/rules":
            return {"groups": groups}
        if path == "/api/v1/targets" and scrape is not None:
            assert query == "state=active"
            return {"activeTargets": [target], "droppedTargets": []}
        if path == "/api/v1/query":
            return {"resultType": "vector", "result": []}
        if path.startswith("/api/v1/label/"):
            return ["traces_span_metrics_calls_total", "otelcol_receiver_accepted_spans_total", "up"]
        return None

    with serving(route) as url:
        report = verify([str(folder)], VerifyOptions(url, retries=0))
    return [f for f in report.findings if HELD in f.message]


def _relay_line(tmp_path: Path) -> int:
    lines = (tmp_path / "specs" / "cart.yaml").read_text().splitlines()
    return next(n for n, line in enumerate(lines, 1) if line.startswith("relay:"))


def test_groups_evaluated_as_declared_are_no_finding(tmp_path: Path) -> None:
    assert _relay_findings(tmp_path, None, {"cart": "1m", "otel-collector": "1m"}) == []


def test_a_server_evaluating_every_5m_rules_written_for_1m_is_a_finding_at_relay(tmp_path: Path) -> None:
    """On the old code: no finding (verify did not compare the loaded intervals with the declared one)."""
    found = _relay_findings(tmp_path, None, {"cart": "5m", "otel-collector": "5m"})
    assert [(f.location.file, f.location.line, f.path) for f in found] == [
        (str(tmp_path / "specs" / "cart.yaml"), _relay_line(tmp_path), ("relay",))
    ]
    said = found[0].message
    for part in (
        "waits 7m and reads the relay's page over 4m, both written for a 1m evaluation interval (obsc's default: "
        "the platform does not set evaluation_interval)",
        "evaluates its group obsc-cart-key (/etc/prometheus/rules/cart.yaml) every 5m",
        "the relay's group obsc-otel-collector-key (/etc/prometheus/rules/otel-collector.yaml) every 5m",
        "otel-collector's page (5m hold) can fire up to 1m after this one",
        "team web is paged for otel-collector's outage",
        "its read of otel-collector's page over 4m misses it",
        "evaluate both groups every 1m as declared, or declare defaults.slo_alerts.evaluation_interval: 5m",
    ):
        assert part in said, said


def test_a_server_evaluating_faster_than_declared_is_no_finding(tmp_path: Path) -> None:
    """Written for 5m (held 15m, read over 20m), evaluated every 1m: the hold and the read only grow against it."""
    assert _relay_findings(tmp_path, "5m", {"cart": "1m", "otel-collector": "1m"}) == []
    (tmp_path / "b").mkdir()
    assert _relay_findings(tmp_path / "b", "5m", {"cart": "5m", "otel-collector": "5m"}) == []


def test_the_relays_group_alone_evaluated_slower_is_a_finding(tmp_path: Path) -> None:
    found = _relay_findings(tmp_path, "1m", {"cart": "1m", "otel-collector": "2m"})
    assert len(found) == 1
    said = found[0].message
    assert "(slo_alerts.evaluation_interval)" in said and "obsc-otel-collector-key" in said and "every 2m" in said


def test_a_scrape_slower_than_the_evaluation_is_a_finding(tmp_path: Path) -> None:
    """relaymargin51's case: a 2m scrape at 1m evaluations leaves the relay's page up to a minute after the held one."""
    found = _relay_findings(tmp_path, None, {"cart": "1m", "otel-collector": "1m"}, scrape="2m")
    assert len(found) == 1
    said = found[0].message
    assert "scrapes the targets every 2m (scrapeInterval, /api/v1/targets)" in said, said
    assert "can fire up to 1m after this one" in said, said
    assert "misses it" not in said, said
    assert "evaluate both groups" not in said, said  # they are evaluated as declared
    assert "declare defaults.slo_alerts.evaluation_interval: 1m15s" in said, said  # held 7m30s: fires at 8m
    assert "scrape the targets every 1m or more often" in said, said


def test_without_a_targets_api_the_declared_scrape_interval_stands(tmp_path: Path) -> None:
    assert _relay_findings(tmp_path, None, {"cart": "1m", "otel-collector": "1m"}, scrape=None) == []


def test_a_relay_whose_rules_run_elsewhere_is_not_judged(tmp_path: Path) -> None:
    """Its page is not read here (the clause is empty): Alertmanager's inhibit rule holds the page back."""
    assert _relay_findings(tmp_path, None, {"cart": "5m"}, loaded=("cart",)) == []


def _compiled_files(tmp_path: Path, declared: str) -> tuple[Path, Path]:
    bundle = compile_specs([str(_specs(tmp_path, declared))], CompileOptions(jobs=1)).bundle
    files = []
    for service in ("cart", "otel-collector"):
        artifact = bundle.get(f"prometheus/rules/{service}.yaml")
        assert artifact is not None
        files.append(tmp_path / f"{service}.yaml")
        files[-1].write_text(artifact.content)
    return files[0], files[1]


@pytest.mark.parametrize(
    ("declared", "every", "paged"),
    [("1m", "5m", True), ("5m", "5m", False), ("5m", "1m", False), ("1m", "1m", False)],
)
def test_promtool_rules_evaluated_slower_than_written_page_the_team_behind_the_relay(
    tmp_path: Path, declared: str, every: str, paged: bool
) -> None:
    """The direction, replayed: the collector's view of the outage a 1m scrape after cart's (its group reads it
    an evaluation later at most), cart's groups evaluated first at each step. Written for 1m and evaluated every 5m,
    cart's held page fires at 20m beside the collector's (which cart's group has not yet written): its team is
    paged for the collector's outage. Written for the interval or a slower one, it stays quiet from 0 to 70m."""
    promtool = require_tool("promtool")
    cart, collector = _compiled_files(tmp_path, declared)
    late = 'up{job="otel-collector-late"}'
    collector.write_text(collector.read_text().replace('up{job="otel-collector"}', late))
    order = [g["name"] for f in (cart, collector) for g in yaml.safe_load(f.read_text())["groups"]]
    step = parse_duration(every) // 60
    team = f'ALERTS{{alertname="{DOWN}",alertstate="firing",service="cart",team="web"}}'
    test = {
        "rule_files": [str(cart), str(collector)],
        "evaluation_interval": every,
        "group_eval_order": order,
        "tests": [
            {
                "interval": "1m",
                "input_series": [  # down from 10m to 50m; the collector's view from 11m to 51m
                    {"series": 'up{job="otel-collector",instance="c:8889"}', "values": "1x9 0x39 1x30"},
                    {"series": late[:-1] + ',instance="c:8889"}', "values": "1x10 0x39 1x29"},
                ],
                "promql_expr_test": [
                    {"expr": f"count({team})", "eval_time": f"{minute}m", "exp_samples": []}
                    for minute in range(0, 70, step)
                ],
            }
        ],
    }
    path = tmp_path / "pace.test.yaml"
    path.write_text(yaml.safe_dump(test))
    done = subprocess.run([promtool, "test", "rules", str(path)], capture_output=True, text=True, check=False)
    assert (done.returncode == 1) is paged, done.stdout + done.stderr
    if paged:
        assert "time: 20m," in done.stdout + done.stderr, done.stdout + done.stderr
