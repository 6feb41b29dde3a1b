"""Sloth's page and ticket labels (`routing_key`, `slack_channel`: what teams route on) reach obsc's alerts of
that tier. Checked against Sloth's own expected rules: every label a Sloth alert fires with (its rule's labels
and, through `max(...) without (sloth_window)`, its recording rule's) is on obsc's burn alerts of the same tier
with the same value, but for Sloth's own (`sloth_*`), `severity` (obsc's, from the tier; reported) and the
`cmd` label Sloth's example generator adds. Before, page_alert/ticket_alert labels were dropped ("obsc has
no labels per SLO and tier"), though obsc's per-service tier_labels express them exactly when the document's
alerting SLOs agree. Reads ../shared/corpus/sloth at test time.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

from compiler.api import Compilation
from compiler.errors import InputError
from compiler.importers import ImportOptions, import_specs
from tests.conftest import require_shared
from tests.import_helpers import import_and_compile

TIERS = {"page": "critical", "ticket": "warning"}
NOT_COMPARED = {"severity", "sloth_severity", "cmd"}


def sloth_alert_labels(path: Path) -> dict[tuple[str, str], dict[str, str]]:
    """(SLO, obsc tier) → the labels Sloth's alert fires with."""
    text = path.read_text().replace("{{ .version }}", "v0.16.0")
    data = yaml.safe_load(re.sub(r'\{\{"(\{\{.*?\}\})"\}\}', r"\1", text))
    recorded: dict[str, dict[str, str]] = {}
    out: dict[tuple[str, str], dict[str, str]] = {}
    rules = [rule for group in data["groups"] for rule in group["rules"]]
    for rule in rules:
        if rule.get("record") == "slo:sli_error:ratio_rate5m":
            labels = {k: str(v) for k, v in rule["labels"].items() if k != "sloth_window"}
            recorded[labels["sloth_slo"]] = labels
    for rule in rules:
        if "alert" in rule:
            slo = re.search(r'sloth_slo="([^"]+)"', rule["expr"])
            assert slo is not None
            labels = {**recorded[slo.group(1)], **{k: str(v) for k, v in rule["labels"].items()}}
            out[(slo.group(1), TIERS[labels["sloth_severity"]])] = labels
    return out


def obsc_burn_labels(compilation: Compilation) -> dict[tuple[str, str], list[dict[str, str]]]:
    out: dict[tuple[str, str], list[dict[str, str]]] = {}
    for service in compilation.fleet.services:
        artifact = compilation.bundle.get(f"prometheus/rules/{service.name}.yaml")
        assert artifact is not None
        for group in yaml.safe_load(artifact.content)["groups"]:
            for rule in group["rules"]:
                labels = rule.get("labels", {})
                if "burn_window" in labels:
                    out.setdefault((labels["slo"], labels["severity"]), []).append(labels)
    return out


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("examples/getting-started.yml", "examples/_gen/getting-started.yml"),
        ("examples/raw-home-wifi.yml", "examples/_gen/raw-home-wifi.yml"),
        ("testdata/in-base.yaml", "testdata/out-base.yaml.tpl"),
    ],
)
def test_sloths_alert_labels_are_on_obscs_alerts_of_the_same_tier(tmp_path: Path, source: str, expected: str) -> None:
    imported, compilation = import_and_compile("sloth", [require_shared(f"corpus/sloth/{source}")], tmp_path)
    theirs = sloth_alert_labels(require_shared(f"corpus/sloth/{expected}"))
    ours = obsc_burn_labels(compilation)
    assert theirs
    for (slo, tier), labels in theirs.items():
        wanted = {k: v for k, v in labels.items() if k not in NOT_COMPARED and not k.startswith("sloth_")}
        assert ours[(slo, tier)], f"no {tier} burn alert for {slo}"
        for fired in ours[(slo, tier)]:
            assert {k: fired.get(k) for k in wanted} == wanted, f"{slo} {tier}"
    severity = [d for d in imported.dropped if d.path[-1] == "severity" and "_alert" in str(d.path[-3])]
    assert {d.path[-3] for d in severity} <= {"page_alert", "ticket_alert"}


SPEC = """\
version: prometheus/v1
service: api
labels: {owner: web}
slos:
  - name: reads
    objective: 99.9
    sli: {raw: {error_ratio_query: 'sum(rate(e{job="api"}[{{.window}}])) / sum(rate(t{job="api"}[{{.window}}]))'}}
    alerting:
      name: Reads
      page_alert: {labels: {routing_key: reads}}
      ticket_alert: {labels: {channel: "#api"}}
  - name: writes
    objective: 99.9
    sli: {raw: {error_ratio_query: 'sum(rate(e{job="api"}[{{.window}}])) / sum(rate(t{job="api"}[{{.window}}]))'}}
    alerting:
      name: Writes
      page_alert: {labels: {routing_key: writes}}
      ticket_alert: {labels: {channel: "#api"}}
  - name: quiet
    objective: 99
    sli: {raw: {error_ratio_query: 'sum(rate(e{job="api"}[{{.window}}])) / sum(rate(t{job="api"}[{{.window}}]))'}}
    alerting:
      page_alert: {disable: true, labels: {routing_key: nobody}}
      ticket_alert: {disable: true}
"""


def test_tier_labels_the_slos_disagree_on_are_reported_not_guessed(tmp_path: Path) -> None:
    """Two SLOs paging different routing keys: obsc has one set per service and tier, so neither is carried
    (either would page the other SLO's team); the tickets agree and are carried."""
    source = tmp_path / "api.yaml"
    source.write_text(SPEC)
    imported, compilation = import_and_compile("sloth", [source], tmp_path / "out")
    [service] = compilation.fleet.services
    assert dict((tier.value, dict(labels)) for tier, labels in service.tier_labels) == {"warning": {"channel": "#api"}}
    dropped = {d.path: d.message for d in imported.dropped}
    for i in (0, 1):
        assert "set different ones" in dropped[("slos", i, "alerting", "page_alert", "labels")]
    assert "disabled" in dropped[("slos", 2, "alerting", "page_alert", "labels")]
    # the carried ticket labels are SLODataMissing's too: said once, at the first ticket's (a hand mutant of round
    # 45 dropping the note passed every test)
    [warned] = [n for n in imported.notes if "tier_labels.warning" in n.message]
    assert warned.path == ("slos", 0, "alerting", "ticket_alert", "labels"), warned


def test_documents_of_one_service_with_different_tier_labels_carry_none(tmp_path: Path) -> None:
    first, second = tmp_path / "a.yaml", tmp_path / "b.yaml"
    first.write_text(SPEC.split("  - name: writes")[0])
    second.write_text(SPEC.split("  - name: reads")[0] + "  - name: writes" + SPEC.split("  - name: writes")[1])
    imported, compilation = import_and_compile("sloth", [first, second], tmp_path / "out")
    [service] = compilation.fleet.services
    assert dict((tier.value, dict(labels)) for tier, labels in service.tier_labels) == {"warning": {"channel": "#api"}}
    assert any("critical tier labels" in d.message for d in imported.dropped)


CLASH = """\
version: prometheus/v1
service: api
labels: {owner: web}
slos:
  - name: reads
    objective: 99.9
    labels: {routing_key: api-tickets, tier: gold}
    sli: {raw: {error_ratio_query: 'sum(rate(e{job="api"}[{{.window}}])) / sum(rate(t{job="api"}[{{.window}}]))'}}
    alerting:
      name: Reads
      page_alert: {labels: {routing_key: api-pager}}
"""


def test_a_page_label_that_is_also_an_slo_label_pages_with_the_page_value_as_in_sloth(tmp_path: Path) -> None:
    """Sloth's page carries its page_alert label over the SLO's (an alert rule's labels override the series'):
    before, obsc kept the SLO's routing_key on the page too (reported as dropped), and the page went to the
    ticket queue. The label now leaves the SLO for the tier labels of both tiers."""
    source = tmp_path / "api.yaml"
    source.write_text(CLASH)
    imported, compilation = import_and_compile("sloth", [source], tmp_path / "out")
    fired = obsc_burn_labels(compilation)
    assert {labels["routing_key"] for labels in fired[("reads", "critical")]} == {"api-pager"}
    assert {labels["routing_key"] for labels in fired[("reads", "warning")]} == {"api-tickets"}
    assert {labels["tier"] for key in fired for labels in fired[key]} == {"gold"}, "other SLO labels stay"
    assert not [d for d in imported.dropped if "routing_key" in d.path]
    [moved] = [n for n in imported.notes if "also an SLO label" in n.message]
    assert moved.path == ("slos", 0, "alerting", "page_alert", "labels")


def test_a_clash_obsc_cannot_write_is_refused_at_the_page_label(tmp_path: Path) -> None:
    """Two SLOs ticketing different routing keys under one paging key: no tier_labels/labels split gives both
    tiers Sloth's values, so the import refuses at the page labels with the rewrite."""
    second = CLASH.split("slos:\n")[1].replace("reads", "writes").replace("api-tickets", "writes-tickets")
    source = tmp_path / "api.yaml"
    source.write_text(CLASH + second)
    with pytest.raises(InputError) as raised:
        import_and_compile("sloth", [source], tmp_path / "out")
    messages = [d.message for d in raised.value.diagnostics]
    assert len(messages) == 2 and all("page_routing_key" in m and "writes: writes-tickets" in m for m in messages)


def test_an_slo_without_alerts_keeps_its_label_when_the_others_move_it(tmp_path: Path) -> None:
    # Only alerting SLOs' labels move to the tier labels: a silent SLO's routing_key stays on its own series (a
    # hand mutant of round 45 moving it from every SLO passed every test)
    quiet = "  - name: quiet\n    objective: 99\n    labels: {routing_key: api-quiet}\n"
    quiet += CLASH.split("  - name: reads\n    objective: 99.9\n    labels: {routing_key: api-tickets, tier: gold}\n")[
        1
    ]
    quiet = quiet.replace(
        "      name: Reads\n      page_alert: {labels: {routing_key: api-pager}}",
        "      page_alert: {disable: true}\n      ticket_alert: {disable: true}",
    )
    source = tmp_path / "api.yaml"
    source.write_text(CLASH + quiet)
    imported = import_specs("sloth", [str(source)], ImportOptions())
    slos = {slo["name"]: slo for slo in yaml.safe_load(imported.specs["api.yaml"])["slos"]}
    assert slos["quiet"]["labels"] == {"routing_key": "api-quiet"}, slos["quiet"]
    assert "routing_key" not in slos["reads"].get("labels", {})
