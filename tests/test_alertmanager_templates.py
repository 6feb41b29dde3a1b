"""Notification content: the generated template file, the fields that use it, and what amtool 0.25
renders from them (`amtool template render`, the same template engine the server uses)."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml

from compiler import conventions as names
from compiler.api import CompileOptions, load_fleet
from compiler.model.send_resolved import SEND_RESOLVED
from compiler.model.types import Tier
from compiler.targets import TargetOptions, alertmanager
from compiler.targets.alertmanager.routes import route_tree, tiers_of_receivers
from compiler.targets.alertmanager.templates import CONFIG_REFERENCE, TEMPLATE_NAMES
from tests.conftest import ROOT, require_tool

EXAMPLES = ROOT / "examples"
RUNBOOK = "https://runbooks.example/runbooks/checkout/SLOErrorBudgetBurnFast-availability.md"
DASHBOARD = "https://grafana.example/d/checkout-1?viewPanel=100"
SUMMARY = "checkout is spending its availability error budget 14.4x too fast"
DESCRIPTION = "2.3% of requests failed over the last hour (objective 99.9%)"
# Every alert below fired at 2026-11-30T10:00Z: its dashboard opens an hour before that (epoch milliseconds).
OPENED = "&from=1796029200000&to=now"
_USES = re.compile(r'\{\{ template "([^"]+)" \. \}\}')
# libyaml's parser where built: the configs read here are obsc's own output, read as data.
_LOADER: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def _artifacts(specs: Path = EXAMPLES) -> dict[str, str]:
    fleet, _ = load_fleet([str(specs)], CompileOptions(), {})
    return {a.path: a.content for a in alertmanager.fleet_artifacts(fleet, TargetOptions())}


@pytest.fixture(scope="module")
def written(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("am")
    for path, content in _artifacts().items():
        (out / path).parent.mkdir(parents=True, exist_ok=True)
        (out / path).write_text(content)
    return out


@pytest.fixture(scope="module")
def config(written: Path) -> dict[str, Any]:
    loaded: dict[str, Any] = yaml.load((written / names.ALERTMANAGER_CONFIG).read_text(), Loader=_LOADER)
    return loaded


def _alert(status: str, **labels: str) -> dict[str, Any]:
    base = {"alertname": "SLOErrorBudgetBurnFast", "severity": "critical", "service": "checkout", "team": "payments"}
    return {
        "status": status,
        "labels": {**base, "slo": "availability", **labels},
        "annotations": {
            "summary": SUMMARY,
            "description": DESCRIPTION,
            "runbook_url": RUNBOOK,
            "dashboard_url": DASHBOARD,
        },
        "startsAt": "2026-11-30T10:00:00Z",
        "endsAt": "0001-01-01T00:00:00Z" if status == "firing" else "2026-11-30T11:00:00Z",
        "generatorURL": "http://prometheus.example/graph",
        "fingerprint": labels.get("burn_window", "x"),
    }


def _data(alerts: list[dict[str, Any]]) -> dict[str, Any]:
    common = {k: v for k, v in alerts[0]["labels"].items() if all(a["labels"].get(k) == v for a in alerts)}
    firing = any(a["status"] == "firing" for a in alerts)
    return {
        "receiver": "team-payments-critical",
        "status": "firing" if firing else "resolved",
        "alerts": alerts,
        "groupLabels": {"service": "checkout", "slo": "availability"},
        "commonLabels": common,
        "commonAnnotations": {},
        "externalURL": "http://alertmanager.example",
    }


def _render(written: Path, text: str, data: dict[str, Any], kind: str = "text") -> str:
    amtool = require_tool("amtool", "AMTOOL")
    data_file = written / "data.json"
    data_file.write_text(json.dumps(data))
    result = subprocess.run(
        [
            amtool,
            "template",
            "render",
            f"--template.glob={written / names.ALERTMANAGER_TEMPLATE}",
            f"--template.data={data_file}",
            f"--template.type={kind}",
            f"--template.text={text}",
        ],
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout


INCIDENT = [_alert("firing", burn_window="fast"), _alert("firing", burn_window="medium")]


def _fields(config: dict[str, Any], kind: str) -> dict[str, Any]:
    found: dict[str, Any] = next(c for r in config["receivers"] for c in r.get(f"{kind}_configs", []))
    return found


# ---------------------------------------------------------------- the file and its references


def _strings(value: Any) -> list[str]:
    if isinstance(value, dict):
        return [s for v in value.values() for s in _strings(v)]
    return [value] if isinstance(value, str) else []


def test_one_template_file_listed_relative_to_the_config(written: Path, config: dict[str, Any]) -> None:
    assert config["templates"] == [CONFIG_REFERENCE] == ["templates/obsc.tmpl"]
    assert (written / names.ALERTMANAGER_CONFIG).parent.joinpath(CONFIG_REFERENCE).is_file()
    text = (written / names.ALERTMANAGER_TEMPLATE).read_text()
    assert text.startswith("{{/* Code generated by obsc. DO NOT EDIT.")
    assert set(re.findall(r'\{\{ define "([^"]+)" \}\}', text)) == set(TEMPLATE_NAMES)


def test_platform_templates_are_kept_after_obscs(tmp_path: Path) -> None:
    shutil.copytree(EXAMPLES, tmp_path / "specs")
    platform = tmp_path / "specs" / "platform.yaml"
    extra = "alertmanager:\n  templates: [/etc/am/*.tmpl]\n"
    platform.write_text(platform.read_text().replace("alertmanager:\n", extra))
    config = yaml.load(_artifacts(tmp_path / "specs")[names.ALERTMANAGER_CONFIG], Loader=_LOADER)
    assert config["templates"] == ["templates/obsc.tmpl", "/etc/am/*.tmpl"]


def test_every_integration_gets_content_that_names_a_defined_template(config: dict[str, Any]) -> None:
    kinds = {key.removesuffix("_configs") for r in config["receivers"] for key in r if key.endswith("_configs")}
    assert kinds == {"slack", "pagerduty", "opsgenie", "email", "webhook"}
    expected = {
        "slack": {"title", "title_link", "text", "fallback", "color"},
        "pagerduty": {"description", "severity", "details", "component", "group"},
        "opsgenie": {"message", "description"},
        "email": {"headers", "text", "html"},
        "webhook": set(),  # no text fields: the JSON payload carries every label and annotation
    }
    for kind, keys in expected.items():
        fields = _fields(config, kind)
        assert keys <= set(fields), kind
        used = {name for k in keys for text in _strings(fields[k]) for name in _USES.findall(text)}
        assert used <= set(TEMPLATE_NAMES), kind
        assert not any(k in fields for k in ("text", "title", "message")) if kind == "webhook" else used, kind


def test_no_msteams_integration_because_0_25_refuses_it(written: Path, config: dict[str, Any]) -> None:
    assert not any("msteams_configs" in r for r in config["receivers"])
    amtool = require_tool("amtool", "AMTOOL")
    version = subprocess.run([amtool, "--version"], capture_output=True, text=True, check=False)
    if "version 0.25." not in version.stdout + version.stderr:
        pytest.skip("the refusal is a fact about amtool 0.25")
    probe = written / "msteams.yml"
    probe.write_text(
        yaml.safe_dump(
            {
                "route": {"receiver": "r"},
                "receivers": [{"name": "r", "msteams_configs": [{"webhook_url": "http://x/"}]}],
            }
        )
    )
    result = subprocess.run([amtool, "check-config", str(probe)], capture_output=True, text=True, check=False)
    assert result.returncode == 1 and "msteams_configs not found" in result.stdout + result.stderr


# ---------------------------------------------------------------- rendered by amtool


@pytest.mark.parametrize(
    ("kind", "field"),
    [
        ("slack", "text"),
        ("pagerduty", "details.firing"),
        ("opsgenie", "description"),
        ("email", "text"),
        ("email", "html"),
    ],
)
def test_the_text_carries_facts_summary_description_and_links(
    written: Path, config: dict[str, Any], kind: str, field: str
) -> None:
    fields = _fields(config, kind)
    template = fields["details"]["firing"] if field == "details.firing" else fields[field]
    text = _render(written, template, _data(INCIDENT), "html" if field == "html" else "text")
    for needed in (SUMMARY, DESCRIPTION, RUNBOOK, DASHBOARD, "2 firing", "critical", "checkout", "availability"):
        assert needed in text, (kind, field, needed, text)
    if field == "html":
        assert f'<a href="{RUNBOOK}">Runbook</a>' in text
    if kind == "slack":
        assert f"<{RUNBOOK}|Runbook>" in text and f"<{DASHBOARD}{OPENED}|Dashboard>" in text  # Slack link syntax


def test_titles_say_status_count_severity_service_and_slo(written: Path, config: dict[str, Any]) -> None:
    title = _fields(config, "slack")["title"]
    assert _render(written, title, _data(INCIDENT)) == (
        "[FIRING:2] CRITICAL checkout / SLO availability: SLOErrorBudgetBurnFast"
    )
    resolved = [_alert("resolved", burn_window="fast")]
    assert _render(written, title, _data(resolved)).startswith("[RESOLVED] CRITICAL checkout")
    summary = _render(written, _fields(config, "opsgenie")["message"], _data(INCIDENT))
    assert summary.endswith(f": SLOErrorBudgetBurnFast - {SUMMARY}")
    subject = _render(written, _fields(config, "email")["headers"]["Subject"], _data(INCIDENT))
    assert subject == "[FIRING:2] CRITICAL checkout / SLO availability: SLOErrorBudgetBurnFast"


def test_a_team_only_alert_still_renders(written: Path, config: dict[str, Any]) -> None:
    bare = {
        "status": "firing",
        "labels": {"team": "payments"},
        "annotations": {},
        "fingerprint": "y",
        "startsAt": "2026-11-30T10:00:00Z",
        "endsAt": "0001-01-01T00:00:00Z",
        "generatorURL": "",
    }
    data = {**_data([bare]), "commonLabels": {"team": "payments"}, "groupLabels": {}}
    assert _render(written, _fields(config, "slack")["title"], data) == "[FIRING:1] team payments: 1 alerts"
    assert "team: payments" in _render(written, _fields(config, "slack")["text"], data)


def test_an_alert_of_no_team_is_titled_without_an_empty_team(written: Path, config: dict[str, Any]) -> None:
    """The root's receiver gets alerts naming no team (a cluster alert): its title read "team : KubeNodeNotReady"."""
    bare = {
        "status": "firing",
        "labels": {"alertname": "KubeNodeNotReady", "severity": "critical"},
        "annotations": {},
        "fingerprint": "z",
        "startsAt": "2026-11-30T10:00:00Z",
        "endsAt": "0001-01-01T00:00:00Z",
        "generatorURL": "",
    }
    data = {**_data([bare]), "groupLabels": {"alertname": "KubeNodeNotReady"}}
    assert _render(written, _fields(config, "slack")["title"], data) == "[FIRING:1] CRITICAL KubeNodeNotReady"
    assert _render(written, _fields(config, "email")["headers"]["Subject"], data) == (
        "[FIRING:1] CRITICAL KubeNodeNotReady"
    )


@pytest.mark.parametrize(("severity", "expected"), [("critical", "critical"), ("info", "info"), ("page", "error")])
def test_pagerduty_severity_is_always_one_pagerduty_accepts(
    written: Path, config: dict[str, Any], severity: str, expected: str
) -> None:
    alerts = [_alert("firing", severity=severity)]
    assert _render(written, _fields(config, "pagerduty")["severity"], _data(alerts)) == expected


@pytest.mark.parametrize(("severity", "color"), [("critical", "danger"), ("warning", "warning"), ("info", "#439FE0")])
def test_slack_colour_follows_severity_and_resolution(
    written: Path, config: dict[str, Any], severity: str, color: str
) -> None:
    template = _fields(config, "slack")["color"]
    assert _render(written, template, _data([_alert("firing", severity=severity)])) == color
    assert _render(written, template, _data([_alert("resolved", severity=severity)])) == "good"


# ---------------------------------------------------------------- send_resolved per tier


def test_send_resolved_follows_the_most_urgent_tier_a_receiver_serves(config: dict[str, Any]) -> None:
    by_name = {r["name"]: r for r in config["receivers"]}
    resolved = {
        name: {c["send_resolved"] for key, configs in r.items() if key.endswith("_configs") for c in configs}
        for name, r in by_name.items()
    }
    assert resolved["team-payments-critical"] == {True}  # pagerduty: closes the incident
    assert resolved["team-payments-warning"] == {SEND_RESOLVED[Tier.WARNING]} == {True}
    assert resolved["platform-info"] == {SEND_RESOLVED[Tier.INFO]} == {False}  # a digest would repeat itself
    assert resolved["platform-fallback"] == {True}  # the root: no tier of its own, treated as a ticket


def test_a_receiver_serving_a_page_and_a_digest_sends_resolved(tmp_path: Path) -> None:
    (tmp_path / "platform.yaml").write_text(
        "apiVersion: obsc/v1\nkind: Platform\n"
        "receivers: {ops: {webhook: {url: 'https://hooks.example/ops'}}}\n"
        "defaults: {routing: {critical: ops, warning: ops, info: ops}}\n"
    )
    (tmp_path / "batch.yaml").write_text(
        "apiVersion: obsc/v1\nservice: batch\nteam: data\nselector: {job: batch}\n"
        "metrics: {requests: rows_total, errors: rows_failed_total}\n"
        "slos: [{name: rows, objective: 99, period: 7d, sli: {errors: errors, total: requests}}]\n"
    )
    fleet, _ = load_fleet([str(tmp_path)], CompileOptions(), {})
    assert tiers_of_receivers(route_tree(fleet))["ops"] is Tier.CRITICAL
    config = yaml.load(_artifacts(tmp_path)[names.ALERTMANAGER_CONFIG], Loader=_LOADER)
    ops = next(r for r in config["receivers"] if r["name"] == "ops")
    assert ops["webhook_configs"] == [{"send_resolved": True, "url": "https://hooks.example/ops"}]


def test_the_platform_may_change_send_resolved_per_tier_but_not_for_incident_tools(tmp_path: Path) -> None:
    shutil.copytree(EXAMPLES, tmp_path / "specs")
    platform = tmp_path / "specs" / "platform.yaml"
    extra = "alertmanager:\n  send_resolved: {critical: false, info: true}\n"
    platform.write_text(platform.read_text().replace("alertmanager:\n", extra))
    config = yaml.load(_artifacts(tmp_path / "specs")[names.ALERTMANAGER_CONFIG], Loader=_LOADER)
    by_name = {r["name"]: r for r in config["receivers"]}
    assert by_name["platform-info"]["email_configs"][0]["send_resolved"] is True
    assert by_name["team-payments-critical"]["pagerduty_configs"][0]["send_resolved"] is True  # closes incidents
    assert by_name["team-payments-warning"]["slack_configs"][0]["send_resolved"] is True  # default kept


def test_slack_shows_a_summary_with_angle_brackets_as_written(written: Path, config: dict[str, Any]) -> None:
    # Slack reads <...> as a mention or a link: a spec's summary could ping the channel or fake a runbook link.
    alert = _alert("firing")
    alert["annotations"].update(summary="<!channel> lag & more > 5", description="<https://evil.example|Runbook>")
    text = _render(written, _fields(config, "slack")["text"], _data([alert]))
    assert "&lt;!channel&gt; lag &amp; more &gt; 5\n&lt;https://evil.example|Runbook&gt;" in text
    assert f"<{RUNBOOK}|Runbook>" in text  # obsc's own links keep Slack's link syntax


def test_the_one_line_summary_and_links_follow_a_firing_alert_not_a_resolved_one(
    written: Path, config: dict[str, Any]
) -> None:
    """Alertmanager 0.25 sorts a group's alerts by labels, resolved ones kept until notified (seen on a real one):
    route=a recovered while route=b burns is [a resolved, b firing], and the page named route=a and linked to it."""

    def per_route(status: str, route: str) -> dict[str, Any]:
        alert = _alert(status, route=route)
        alert["annotations"].update(
            summary=f"checkout [route={route}]: burning",
            dashboard_url=f"{DASHBOARD}&var-route={route}",
            runbook_url=f"{RUNBOOK}#{route}",
        )
        return alert

    data = _data([per_route("resolved", "a"), per_route("firing", "b")])
    pagerduty, slack = _fields(config, "pagerduty"), _fields(config, "slack")
    for template in (pagerduty["description"], _fields(config, "opsgenie")["message"], slack["fallback"]):
        assert _render(written, template, data).endswith(" - checkout [route=b]: burning")
    assert _render(written, pagerduty["details"]["dashboard"], data) == f"{DASHBOARD}&var-route=b{OPENED}"
    assert _render(written, slack["title_link"], data) == f"{DASHBOARD}&var-route=b{OPENED}"
    assert _render(written, pagerduty["details"]["runbook"], data) == f"{RUNBOOK}#b"
    resolved = _data([per_route("resolved", "a"), per_route("resolved", "b")])  # all resolved: the first one
    assert _render(written, pagerduty["description"], resolved).endswith(" - checkout [route=a]: burning")


def test_dashboard_links_open_on_the_incident_not_on_the_last_hours(written: Path, config: dict[str, Any]) -> None:
    """A link opened from an old page showed Grafana's default range (the last hours), not the burn: each alert's
    link spans an hour before it fired to now, or to an hour past its resolve; a link without a query gets one."""
    firing, resolved = _alert("firing", route="a"), _alert("resolved", route="b")
    resolved["annotations"]["dashboard_url"] = "https://grafana.example/d/standard-checkout"  # no panel, no `?`
    data = _data([firing, resolved])
    text = _render(written, _fields(config, "email")["text"], data)
    assert f"Dashboard: {DASHBOARD}&from=1796029200000&to=now\n" in text
    assert "Dashboard: https://grafana.example/d/standard-checkout?from=1796029200000&to=1796040000000\n" in text
    html = _render(written, _fields(config, "email")["html"], data, "html")  # html/template: one URL context
    assert f'<a href="{DASHBOARD}&from=1796029200000&to=now">Dashboard</a>' in html
    assert _render(written, _fields(config, "slack")["title_link"], _data([resolved])) == (
        "https://grafana.example/d/standard-checkout?from=1796029200000&to=1796040000000"
    )
