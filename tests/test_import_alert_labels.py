"""The labels and annotations a peer puts on its burn alerts, which a team's routes and silences match: carried
where obsc can write them, else said. Pyrra writes every metadata label and annotation named `pyrra.dev/<x>` on
its alerts as `<x>` (`pyrra.dev/team` is `team`); Sloth's and Pyrra's own identifying labels (sloth_severity,
ErrorBudgetBurn's slo) are not obsc's, which the import says."""

from __future__ import annotations

from pathlib import Path

import yaml

from tests.conftest import require_shared
from tests.import_helpers import assert_located_at_their_keys, import_and_compile

PYRRA = """\
apiVersion: pyrra.dev/v1alpha1
kind: ServiceLevelObjective
metadata:
  name: checkout-errors
  namespace: shop
  labels:
    prometheus: k8s
    pyrra.dev/team: payments
    pyrra.dev/routing_key: pay-oncall
    pyrra.dev/severity: page
  annotations:
    pyrra.dev/runbook: https://wiki.example.com/checkout
    pyrra.dev/summary: replaced by obsc's
spec:
  target: "99.5"
  window: 28d
  indicator:
    ratio:
      errors:
        metric: http_requests_total{job="checkout",code=~"5.."}
      total:
        metric: http_requests_total{job="checkout"}
"""


def burn_alerts(compilation: object, service: str) -> list[dict[str, object]]:
    artifact = compilation.bundle.get(f"prometheus/rules/{service}.yaml")  # type: ignore[attr-defined]
    groups = yaml.safe_load(artifact.content)["groups"]
    return [r for g in groups for r in g["rules"] if "burn_window" in r.get("labels", {})]


def test_pyrra_propagated_labels_and_annotations_reach_the_burn_alerts(tmp_path: Path) -> None:
    """Before, metadata.labels and metadata.annotations were dropped whole ("Kubernetes labels select the
    generated PrometheusRule"): a route on routing_key="pay-oncall" or team="payments" no longer matched."""
    source = tmp_path / "slo.yaml"
    source.write_text(PYRRA)
    imported, compilation = import_and_compile("pyrra", [source], tmp_path / "out")
    alerts = burn_alerts(compilation, "checkout-errors")
    assert len(alerts) == 4
    for alert in alerts:
        labels, annotations = alert["labels"], alert["annotations"]
        assert isinstance(labels, dict) and isinstance(annotations, dict)
        assert (labels["routing_key"], labels["team"]) == ("pay-oncall", "payments")
        assert annotations["runbook"] == "https://wiki.example.com/checkout"
        assert labels["severity"] in ("critical", "warning"), "obsc's severity, not the source's `page`"
    dropped = {d.path: d.message for d in imported.dropped}
    assert "Kubernetes labels" in dropped[("metadata", "labels", "prometheus")]
    assert 'matching severity="page" must match' in dropped[("metadata", "labels", "pyrra.dev/severity")]
    assert "obsc writes 'summary'" in dropped[("metadata", "annotations", "pyrra.dev/summary")]
    assert_located_at_their_keys(imported.dropped)
    [team] = [n for n in imported.notes if n.path == ("metadata", "labels", "pyrra.dev/team")]
    assert "team 'payments'" in team.message


def test_kubernetes_only_metadata_is_reported_whole_as_before(tmp_path: Path) -> None:
    source = require_shared("corpus/pyrra/slo-kubelet-request-errors.yaml")
    imported, compilation = import_and_compile("pyrra", [source], tmp_path / "out")
    assert [d.path for d in imported.dropped] == [("metadata", "labels")]
    assert compilation.fleet.services[0].team == "monitoring", "the namespace names the team"


def test_the_import_says_which_labels_replace_the_sources_alert_identity(tmp_path: Path) -> None:
    """Sloth's alerts carry sloth_service/sloth_slo/sloth_id/sloth_severity, Pyrra's are ErrorBudgetBurn with
    slo=<objective>: obsc's carry neither, and before nothing said a route on them would stop matching."""
    sloth, _ = import_and_compile(
        "sloth", [require_shared("corpus/sloth/examples/getting-started.yml")], tmp_path / "sloth"
    )
    [said] = [n for n in sloth.notes if "sloth_severity" in n.message]
    assert said.path == ("slos",)
    assert "SLOErrorBudgetBurnFast (critical)" in said.message and "service, slo" in said.message
    source = tmp_path / "slo.yaml"
    source.write_text(PYRRA)
    pyrra, _ = import_and_compile("pyrra", [source], tmp_path / "pyrra")
    [said] = [n for n in pyrra.notes if "ErrorBudgetBurn with slo=checkout-errors" in n.message]
    assert "slo (availability)" in said.message


def test_no_alerts_no_alert_label_note(tmp_path: Path) -> None:
    imported, _ = import_and_compile("sloth", [require_shared("corpus/sloth/examples/no-alerts.yml")], tmp_path)
    assert not [n for n in imported.notes if "sloth_severity" in n.message]


def test_an_empty_pyrra_team_label_leaves_the_namespace_as_team(tmp_path: Path) -> None:
    """Pyrra writes `team=""`, which Prometheus reads as no label: the namespace stays the owner."""
    source = tmp_path / "slo.yaml"
    source.write_text(PYRRA.replace("pyrra.dev/team: payments", 'pyrra.dev/team: ""'))
    imported, compilation = import_and_compile("pyrra", [source], tmp_path / "out")
    assert compilation.fleet.services[0].team == "shop"
    assert ("metadata", "labels", "pyrra.dev/team") in {d.path for d in imported.dropped}


def test_sloths_title_annotation_is_said_to_be_gone_unless_the_slo_sets_one(tmp_path: Path) -> None:
    """Sloth writes `title: (page) <service> <slo> SLO error budget burn rate is too fast.` on every alert (its
    golden rules, read here); obsc's burn alerts have no title, so a Slack template printing
    .CommonAnnotations.title sent empty headings after the import, and nothing said so."""
    expected = require_shared("corpus/sloth/testdata/out-base.yaml.tpl").read_text()
    assert "title: (page) " in expected  # the peer's fact this test stands on
    source = require_shared("corpus/sloth/testdata/in-base.yaml")
    imported, compilation = import_and_compile("sloth", [source], tmp_path / "out")
    rules = compilation.bundle.get("prometheus/rules/svc01.yaml")
    assert rules is not None and "title:" not in rules.content
    [note] = [n for n in imported.notes if "annotation title" in n.message]
    assert note.path == ("slos",) and "burn alerts of slo1 have none" in note.message
    titled = tmp_path / "titled.yaml"
    titled.write_text(source.read_text().replace('alert02k1: "alert02k2"', 'title: "checkout burns"'))
    imported, _ = import_and_compile("sloth", [titled], tmp_path / "titled-out")
    assert not [n for n in imported.notes if "annotation title" in n.message]


def test_a_label_obsc_owns_says_what_a_route_on_the_sources_value_must_match_now(tmp_path: Path) -> None:
    """Sloth's getting-started routes its page on severity=pageteam and its ticket on severity=slack. The import
    said only "label 'severity' is set by obsc on its own alerts": nothing said that the route matching
    severity="pageteam" now matches no alert (obsc's pages are severity="critical"), so the page went unrouted."""
    spec = require_shared("corpus/sloth/examples/getting-started.yml")
    imported, _ = import_and_compile("sloth", [spec], tmp_path)
    dropped = {d.path[-3:]: d.message for d in imported.dropped}
    page, ticket = dropped["page_alert", "labels", "severity"], dropped["ticket_alert", "labels", "severity"]
    assert 'carry severity="critical"' in page and 'matching severity="pageteam" must match that instead' in page
    assert 'carry severity="warning"' in ticket and 'matching severity="slack" must match that instead' in ticket
    source = tmp_path / "both.yaml"  # on an SLO's own labels (both tiers) and the service's team
    source.write_text(SLOTH_OWNED)
    imported, _ = import_and_compile("sloth", [source], tmp_path / "both")
    dropped = {d.path[-2:]: d.message for d in imported.dropped}
    assert 'severity="critical" on pages and "warning" on tickets' in dropped["labels", "severity"]
    assert 'matching severity="sev1"' in dropped["labels", "severity"]
    assert "the spec's team in team" in dropped["labels", "team"] and 'team="core"' in dropped["labels", "team"]
    assert_located_at_their_keys(imported.dropped)


SLOTH_OWNED = """\
version: prometheus/v1
service: api
labels: {owner: web}
slos:
  - name: availability
    objective: 99.9
    labels: {severity: sev1, team: core}
    sli:
      events:
        error_query: sum(rate(http_requests_total{job="api",code=~"5.."}[{{.window}}]))
        total_query: sum(rate(http_requests_total{job="api"}[{{.window}}]))
    alerting: {name: ApiBurn}
"""
