"""A service that scales to zero (Knative, KEDA) and ServiceDown (round 39's fleet hunt: a Knative renderer).

Idle, such a service has no pod, so no target and no `up` series: ServiceDown read that as down and paged every
quiet night (replayed: 2:05 to 5:59, the whole night), and the only way out, `service_down: false`, also dropped
the page for pods that exist and are all down or crash-looping. `alerts: {service_down: {missing: ignore}}`
reads no target at all as idle: the alert fires only for targets that exist and report 0 (or mostly did).
Before, the spec was refused ("service_down has no missing-data alert for `missing:` to switch"). promtool, 1m
steps, over the compiled rules."""

from __future__ import annotations

import subprocess
from pathlib import Path

import yaml

from compiler import conventions as names
from compiler.api import compile_specs
from tests.conftest import require_tool
from tests.promtool_helpers import checks_alert, groups_copy
from tests.test_sli_semantics import ROUTING, _firing, _promtool, _rules

SPEC = """apiVersion: obsc/v1
service: renderer
team: core
selector: {job: renderer}
metrics:
  requests: http_requests_total
  errors: http_requests_total{code=~"5.."}
slos:
  - {name: availability, objective: 99.5, sli: {errors: errors, total: requests}}
alerts: ALERTS
"""
IDLE = SPEC.replace("ALERTS", "{service_down: {missing: ignore}}")
SEL = 'job="renderer",instance="renderer-00001-a:8080"'
NEXT = 'job="renderer",instance="renderer-00001-b:8080"'


def _night(morning: str) -> dict[str, str]:
    """Serving until 60m, scaled to zero (its target gone: a stale marker, then nothing) until 180m, then a new
    pod whose `up` reads `morning` (61 samples, 180m to 240m)."""
    return {f"up{{{SEL}}}": "1x59 stale", f"up{{{NEXT}}}": "_x180 " + morning}


def test_a_night_at_zero_pages_nothing(tmp_path: Path) -> None:
    rules = _rules(tmp_path, "renderer", IDLE)
    checks = [_firing("ServiceDown", at, 0) for at in ("70m", "120m", "179m", "200m", "240m")]
    assert _promtool(tmp_path, rules, "renderer", _night("1x60"), checks) == ""


def test_by_default_a_night_at_zero_is_down(tmp_path: Path) -> None:
    """The default is unchanged: no target at all is down (a service whose discovery lost it)."""
    rules = _rules(tmp_path, "renderer", SPEC.replace("ALERTS", "{}"))
    checks = [_firing("ServiceDown", "64m", 0), _firing("ServiceDown", "70m", 1), _firing("ServiceDown", "179m", 1)]
    assert _promtool(tmp_path, rules, "renderer", _night("1x60"), checks) == ""


def test_pods_that_exist_and_are_all_down_page(tmp_path: Path) -> None:
    rules = _rules(tmp_path, "renderer", IDLE)
    checks = [_firing("ServiceDown", "120m", 0), _firing("ServiceDown", "184m", 0), _firing("ServiceDown", "185m", 1)]
    checks.append(_firing("ServiceDown", "240m", 1))
    assert _promtool(tmp_path, rules, "renderer", _night("0x60"), checks) == ""


def test_a_morning_pod_in_a_crash_loop_pages(tmp_path: Path) -> None:
    rules = _rules(tmp_path, "renderer", IDLE)
    loop = " ".join("1" if m % 4 == 0 else "0" for m in range(61))  # up one scrape in four
    checks = [_firing("ServiceDown", "120m", 0)] + [_firing("ServiceDown", at, 1) for at in ("200m", "220m", "240m")]
    assert _promtool(tmp_path, rules, "renderer", _night(loop), checks) == ""


def _files(tmp_path: Path, spec: str) -> dict[str, str]:
    (tmp_path / "renderer.yaml").write_text(spec + ROUTING)
    return {a.path: a.content for a in compile_specs([str(tmp_path)]).bundle.artifacts}


def test_its_texts_and_generated_tests_say_idle(tmp_path: Path) -> None:
    files = _files(tmp_path, IDLE)
    groups = yaml.safe_load(files[names.prometheus_rules_path("renderer")])["groups"]
    down = next(r for g in groups for r in g["rules"] if r.get("alert") == "ServiceDown")
    assert "vector(0)" not in down["expr"]
    assert "none scraped is idle" in down["annotations"]["description"]
    assert "scales to zero" in files["runbooks/renderer/ServiceDown.md"]
    holds = yaml.safe_load(files["prometheus/tests/renderer.holds.test.yaml"])["tests"]
    assert any("scales to zero: every target reports 0" in g["name"] for g in holds)
    main = yaml.safe_load(files["prometheus/tests/renderer.test.yaml"])["tests"]
    idle = next(g for g in main if "ServiceDown: no instance is scraped at all" in g["name"].split("; "))
    down_checks = [t for t in idle["alert_rule_test"] if t["alertname"] == "ServiceDown"]
    assert down_checks and all(t["exp_alerts"] == [] for t in down_checks)


def test_a_split_service_has_no_vanished_group_watch(tmp_path: Path) -> None:
    """Split by a label its targets carry, each group goes idle on its own at quiet hours: no group is lost."""
    spec = IDLE.replace("selector: {job: renderer}", "selector: {job: renderer}\ntargets: {job: renderer}")
    spec = spec.replace(
        "sli: {errors: errors, total: requests}}", "sli: {errors: errors, total: requests}, by: [cluster]}"
    )
    spec_alert = _data_missing(_files(tmp_path, spec))
    default = _data_missing(_files(tmp_path, spec.replace("{service_down: {missing: ignore}}", "{}")))
    assert "max_over_time((group by (cluster)" in default
    assert "max_over_time((group by (cluster)" not in spec_alert


def _data_missing(files: dict[str, str]) -> str:
    groups = yaml.safe_load(files[names.prometheus_rules_path("renderer")])["groups"]
    return next(r["expr"] for g in groups for r in g["rules"] if r.get("alert") == "SLODataMissing")


def test_its_generated_service_down_cases_pass_promtool(tmp_path: Path) -> None:
    """Round 39's review: the cases that say idle (nothing scraped: no page) and pin the hold (every target at 0)
    are run, not only read: fed one target up among the ones at 0, the hold case fails."""
    (tmp_path / "specs").mkdir()
    for path, text in _files(tmp_path / "specs", IDLE).items():
        if path.startswith("prometheus/"):
            (tmp_path / path).parent.mkdir(parents=True, exist_ok=True)
            (tmp_path / path).write_text(text)
    tests = tmp_path / "prometheus" / "tests"
    kept = [
        groups_copy(tests / f"renderer{kind}.test.yaml", checks_alert("ServiceDown"), f"down{kind}.test.yaml")
        for kind in ("", ".holds")
    ]
    done = subprocess.run(
        [require_tool("promtool"), "test", "rules", *(f"tests/{k.name}" for k in kept)],
        cwd=tmp_path / "prometheus",
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, done.stdout + done.stderr


def test_a_split_service_that_scales_to_zero_reads_no_group_gone_at_each_crash(tmp_path: Path) -> None:
    """Its groups scale to zero and back at quiet hours: no group's ServiceDown reads a group gone twice as a crash
    loop (service_down.loop_gone), which the default (absent is down) does. review53: keyalerts passing `True` for
    `absent_is_down` passed every test (the unit test calls group_down_expr itself)."""
    spec = IDLE.replace("selector: {job: renderer}", "selector: {job: renderer}\ntargets: {job: renderer}")
    spec = spec.replace(
        "sli: {errors: errors, total: requests}}", "sli: {errors: errors, total: requests}, by: [cluster]}"
    )
    idle = _service_down(_files(tmp_path, spec))
    default = _service_down(_files(tmp_path, spec.replace("{service_down: {missing: ignore}}", "{}")))
    assert "sum by (cluster)" in idle and "resets(" in default
    assert "resets(" not in idle


def _service_down(files: dict[str, str]) -> str:
    groups = yaml.safe_load(files[names.prometheus_rules_path("renderer")])["groups"]
    return next(r["expr"] for g in groups for r in g["rules"] if r.get("alert") == "ServiceDown")
