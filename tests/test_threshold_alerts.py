"""Threshold alerts on any named metric (`threshold_alerts:`) and the spec's extra labels and annotations:
units, refusals, where the labels land (rules, routing table), the dashboard line, the runbook, and the
generated promtool tests run for real (they must pass, and a broken rule must fail them)."""

from __future__ import annotations

import json
import subprocess
from decimal import Decimal
from pathlib import Path

import pytest
import yaml

from compiler import conventions as names
from compiler.api import CompileOptions, compile_specs, load_fleet
from compiler.errors import InputError
from compiler.model.build_thresholds import builtin_alert_names
from compiler.model.panel_ids import panel_ids
from compiler.model.types import Fleet, Tier
from tests.conftest import require_tool
from tests.platform_text import sink_platform
from tests.promtool_helpers import checks_alert, groups_copy

PLATFORM = sink_platform(
    before="""\
grafana_url: https://grafana.example
defaults:
  tier_labels: {critical: {pager: oncall, escalation: platform}}
"""
)
HEAD = """\
apiVersion: obsc/v1
service: billing-batch
team: data
selector: {job: billing-batch}
targets: false
"""


def _write(tmp: Path, body: str) -> Path:
    (tmp / "platform.yaml").write_text(PLATFORM)
    (tmp / "svc.yaml").write_text(HEAD + body)
    return tmp


def _fleet(tmp: Path, body: str) -> Fleet:
    return load_fleet([str(_write(tmp, body))], CompileOptions(), {})[0]


def _errors(tmp: Path, body: str) -> str:
    with pytest.raises(InputError) as caught:
        _fleet(tmp, body)
    return "\n".join(str(d) for d in caught.value.diagnostics)


def _threshold(tmp: Path, metric: str, value: str) -> Decimal:
    fleet = _fleet(tmp, f"metrics:\n  m: {metric}\nthreshold_alerts:\n  - {{name: MAlert, metric: m, {value}}}\n")
    return fleet.services[0].threshold_alerts[0].threshold


@pytest.mark.parametrize(
    ("metric", "value", "expected"),
    [
        ("{selector: queue_depth, type: gauge, aggregation: sum}", "above: 1000", "1000"),
        ("{selector: queue_depth, type: gauge, aggregation: sum}", "below: -2.5", "-2.5"),
        ("{selector: queue_depth, type: gauge, aggregation: sum}", "above: '7'", "7"),
        ("{selector: used, type: gauge, unit: percentunit}", "above: 92.5%", "0.925"),
        ("{selector: used, type: gauge, unit: percent}", "above: 92.5%", "92.5"),
        ("{selector: used, type: gauge, unit: percentunit}", "below: 0.7", "0.7"),  # a share: bare up to 1
        ("{selector: used, type: gauge, unit: percent}", "below: 70", "70"),
        ("{selector: free, type: gauge, unit: bytes, aggregation: min}", "below: 512MiB", str(512 * 2**20)),
        ("{selector: free, type: gauge, unit: bytes, aggregation: min}", "below: 2GB", str(2 * 10**9)),
        ("{selector: run, type: gauge, unit: s, aggregation: max}", "above: 1h30m", "5400"),
        ("{selector: run, type: gauge, unit: ms, aggregation: max}", "above: 250ms", "250"),
        # the name says seconds
        ("{selector: run_duration_seconds, type: gauge, aggregation: max}", "above: 500ms", "0.5"),
        # round 33: a value compared with a seconds gauge is no Prometheus duration: its decimals are exact
        ("{selector: run, type: gauge, unit: s, aggregation: max}", "above: 1.5s", "1.5"),
        ("{selector: run, type: gauge, unit: s, aggregation: max}", "above: 0.25s", "0.25"),
        ("{selector: run, type: gauge, unit: s, aggregation: max}", "above: 1.5m", "90"),
        ("{selector: run, type: gauge, unit: ms, aggregation: max}", "above: 1.5s", "1500"),
        ("{selector: run, type: gauge, unit: ms, aggregation: max}", "above: 2.5ms", "2.5"),
        ("{selector: run_duration_seconds, type: gauge, aggregation: max}", "below: 0.5s", "0.5"),
        ("jobs_total", "above: 2.5", "2.5"),  # counters: per-second rate
        ("jobs_total", "above: 30/m", "0.5"),
        ("jobs_total", "below: 100/h", "0.0277777777778"),  # 12 significant digits
        ("{selector: cert_expiry, type: gauge}", "within: 14d", "1209600"),
    ],
)
def test_thresholds_are_read_in_the_metrics_unit(tmp_path: Path, metric: str, value: str, expected: str) -> None:
    assert _threshold(tmp_path, metric, value) == Decimal(expected)


@pytest.mark.parametrize(
    ("metric", "value", "message"),
    [
        ("{selector: queue_depth, type: gauge}", "above: 80%", "unit: percentunit (0-1) or percent (0-100)"),
        ("{selector: queue_depth, type: gauge}", "above: 2GiB", "to declare unit: bytes"),
        # round 32: a hit ratio's `below: 70` meant 70%; read as 7000% of a 0-1 share it fired for ever
        ("{selector: hits, type: gauge, unit: percentunit}", "below: 70", "70 is 7000%: write the percentage with its"),
        ("{selector: hits, type: gauge, unit: percentunit}", "above: '1.5'", "with its sign, 1.5%"),
        ("{selector: queue_depth, type: gauge, aggregation: sum}", "above: '20,000'", "20000 (no thousands separator)"),
        # round 35: grouped by two then three (Indian grouping) is said as the number; other groupings in general words
        ("{selector: queue_depth, type: gauge, aggregation: sum}", "above: 1,23,45,678.5", "12345678.5 (no digit"),
        ("{selector: queue_depth, type: gauge, aggregation: sum}", "above: 1,2,3", "write the number without commas"),
        ("{selector: queue_depth, type: gauge, aggregation: sum}", "above: 12,34,56", "the number without commas"),
        ("{selector: queue_depth, type: gauge}", "above: 10m", "to declare unit: s (or ms)"),
        ("{selector: queue_depth, type: gauge}", "above: 1.5s", "to declare unit: s (or ms)"),
        ("{selector: run, type: gauge, unit: s, aggregation: max}", "above: '1,5s'", "write 1.5s (a decimal point)"),
        ("{selector: queue_depth, type: gauge}", "above: '1,5s'", "to declare unit: s (or ms)"),
        ("{selector: queue_depth, type: gauge}", "above: lots", "not a threshold"),
        ("{selector: queue_depth, type: gauge}", "above: true", "true: above takes a number or text"),
        ("jobs_total", "above: 80%", "is a counter: its per-second rate"),
        ("jobs_total", "within: 1d", "reads a Unix timestamp gauge"),
    ],
)
def test_a_threshold_that_does_not_fit_the_metric_is_a_located_error(
    tmp_path: Path, metric: str, value: str, message: str
) -> None:
    text = _errors(tmp_path, f"metrics:\n  m: {metric}\nthreshold_alerts:\n  - {{name: MAlert, metric: m, {value}}}\n")
    assert "svc.yaml:9:" in text and message in text, text


@pytest.mark.parametrize("builtin", builtin_alert_names())
def test_every_builtin_alert_name_is_refused(tmp_path: Path, builtin: str) -> None:
    text = _errors(
        tmp_path,
        "metrics:\n  m: {selector: q, type: gauge}\n"
        f"threshold_alerts:\n  - {{name: {builtin}, metric: m, above: 1}}\n",
    )
    assert f"$.threshold_alerts[0].name: {builtin!r} is one of obsc's built-in alert names" in text


def test_builtin_names_cover_every_key_and_slo_alert() -> None:
    assert set(names.KEY_ALERT_NAMES.values()) < set(builtin_alert_names())
    assert {n for n in vars(names).values() if isinstance(n, str) and n.startswith("SLO") and n[3:4].isupper()} <= set(
        builtin_alert_names()
    )


SPEC = """\
metrics:
  requests: rows_total
  errors: rows_total{result="rejected"}
  backlog:
    {selector: 'backlog_rows{queue="billing"}', type: gauge, aggregation: sum, service_selector: false, title: Backlog}
slos:
  - name: rows
    objective: 99
    sli: {errors: errors, total: requests}
    labels: {cost_centre: finance-7, pager: slo-level}
    annotations: {playbook: "https://wiki.example/billing"}
tier_labels:
  critical: {escalation: team}
threshold_alerts:
  - {name: BacklogHigh, metric: backlog, above: 5000, for: 20m, tier: critical, by: [shard], labels: {pager: own}}
  - {name: BacklogEmpty, metric: backlog, below: 1, tier: info, missing: ignore}
"""


def _rules(tmp: Path) -> dict[str, list[dict[str, object]]]:
    bundle = compile_specs([str(_write(tmp, SPEC))]).bundle
    groups = yaml.safe_load(bundle.get(names.prometheus_rules_path("billing-batch")).content)["groups"]  # type: ignore[union-attr]
    out: dict[str, list[dict[str, object]]] = {}
    for group in groups:
        for rule in group["rules"]:
            out.setdefault(rule.get("alert") or rule["record"], []).append({**rule, "group": group["name"]})
    return out


def test_labels_stack_platform_tier_then_spec_tier_then_slo_then_alert_under_obscs_own(tmp_path: Path) -> None:
    rules = _rules(tmp_path)
    fast = rules[names.SLO_BURN_FAST][0]["labels"]
    # platform critical labels, the spec's critical tier overriding `escalation`, the SLO's overriding `pager`
    assert fast == {
        "burn_window": "fast",
        "cost_centre": "finance-7",
        "escalation": "team",
        "pager": "slo-level",
        "service": "billing-batch",
        "severity": "critical",
        "slo": "rows",
        "team": "data",
    }
    low = rules[names.SLO_BUDGET_LOW][0]["labels"]  # info: no tier labels; the SLO's still
    assert low == {"cost_centre": "finance-7", "pager": "slo-level", "service": "billing-batch", "severity": "info",
                   "slo": "rows", "team": "data"}  # fmt: skip
    backlog = [r["labels"] for r in rules["BacklogHigh"]]
    assert backlog == [
        {"escalation": "team", "pager": "own", "service": "billing-batch", "severity": "critical", "team": "data"},
        {"data": "missing", "escalation": "team", "pager": "own", "service": "billing-batch", "severity": "critical",
         "team": "data"},
    ]  # fmt: skip
    assert "cost_centre" not in rules["BacklogEmpty"][0]["labels"]  # an SLO's labels stay on its own alerts


def test_slo_annotations_join_obscs_on_that_slos_alerts_only(tmp_path: Path) -> None:
    rules = _rules(tmp_path)
    for name in (names.SLO_BURN_FAST, names.SLO_BURN_SLOW, names.SLO_DATA_MISSING, names.SLO_BUDGET_EXHAUSTED):
        notes = rules[name][0]["annotations"]
        assert isinstance(notes, dict) and notes["playbook"] == "https://wiki.example/billing"
        assert list(notes) == sorted(notes)
    assert "playbook" not in rules["BacklogHigh"][0]["annotations"]  # type: ignore[operator]


def test_threshold_alerts_read_one_recorded_signal_in_the_key_group(tmp_path: Path) -> None:
    rules = _rules(tmp_path)
    high, empty = rules["BacklogHigh"], rules["BacklogEmpty"]
    # its last value until the missing-data twin takes over: max(for, 10m) less keep_firing_for
    assert high[0]["expr"] == 'last_over_time(service:backlog:sum_by_shard{service="billing-batch"}[15m]) > 5000'
    signal = 'service:backlog:sum_by_shard{service="billing-batch"}'
    # a shard that vanished while past the line is missing data too (test_threshold_vanished)
    vanished = f"last_over_time({signal}[1d]) > 5000\nunless on (shard)\n{signal}"
    # or missing 3/4 of the last 4/3 of the 20m hold (an exporter in a crash loop: test_missing_crash_loop)
    sparse = f"count_over_time(count(absent({signal}))[26m40s:]) / count_over_time(vector(1)[26m40s:]) >= 0.75"
    assert high[1]["expr"] == f"(\nabsent({signal})\nor on ()\n{sparse}\n)\nor\n(\n{vanished}\n)"
    assert high[0]["for"] == "20m" and high[1]["for"] == "20m"  # the hold, or 10m if longer
    # missing: ignore, so no twin
    assert [r["expr"] for r in empty] == ['last_over_time(service:backlog:sum{service="billing-batch"}[5m]) < 1']
    assert empty[0]["for"] == "5m"  # the default hold
    recorded = rules["service:backlog:sum_by_shard"][0]
    assert recorded["expr"] == 'sum by (shard) (backlog_rows{queue="billing"} >= -Inf)'
    assert recorded["group"] == high[0]["group"] == names.rule_group_name("billing-batch", names.RULE_GROUP_KEY)


def test_routing_table_carries_the_extra_labels_and_the_missing_twin(tmp_path: Path) -> None:
    bundle = compile_specs([str(_write(tmp_path, SPEC))]).bundle
    cases = yaml.safe_load(bundle.get(names.ROUTING_TESTS).content)["cases"]  # type: ignore[union-attr]
    backlog = [c["labels"] for c in cases if c["alert"] == "BacklogHigh"]
    assert [labels.get("data") for labels in backlog] == [None, "missing"]
    assert all(labels["pager"] == "own" and labels["severity"] == "critical" for labels in backlog)
    assert [c["labels"].get("data") for c in cases if c["alert"] == "BacklogEmpty"] == [None]


def test_dashboard_draws_each_line_on_a_panel_of_what_its_alert_compares(tmp_path: Path) -> None:
    """BacklogHigh compares the sum per shard, BacklogEmpty the sum over the service: a panel each, after the
    business metrics; the metric's own panel (the sum over the service) names them but draws no line."""
    compilation = compile_specs([str(_write(tmp_path, SPEC))])
    path = names.grafana_dashboard_path("data", "billing-batch", names.SERVICE_DASHBOARD)
    panels = {p["id"]: p for p in json.loads(compilation.bundle.get(path).content)["panels"]}  # type: ignore[union-attr]
    service = compilation.fleet.services[0]
    ids = panel_ids(service)
    alerts = {a.name: a for a in service.threshold_alerts}
    backlog = panels[ids.metric("backlog")]
    assert [s["value"] for s in backlog["fieldConfig"]["defaults"]["thresholds"]["steps"]] == [None]
    assert "BacklogHigh (critical) above 5000" in backlog["description"]
    rules = _rules(tmp_path)
    for alert, line, group in (("BacklogHigh", (5000.0, "red"), "shard"), ("BacklogEmpty", (1.0, "blue"), None)):
        panel = panels[ids.threshold(alerts[alert])]
        compared = str(rules[alert][0]["expr"]).rsplit(" ", 2)[0]
        if group:  # filtered by the dashboard's variable, which the alert's link sets to its own group
            compared = compared.replace('"}[', f'",{group}=~"${group}"}}[')
        assert [t["expr"] for t in panel["targets"]] == [compared]
        steps = panel["fieldConfig"]["defaults"]["thresholds"]["steps"]
        assert [(s["value"], s["color"]) for s in steps] == [(None, "green"), line]
        assert [link["title"] for link in panel["links"]] == [f"Runbook: {alert}"]
        selected = f"{{{{ with $labels.{group} }}}}&var-{group}={{{{ . | urlquery }}}}{{{{ end }}}}" if group else ""
        assert rules[alert][0]["annotations"]["dashboard_url"].endswith(f"?viewPanel={panel['id']}{selected}")  # type: ignore[index]
    assert panels[ids.threshold(alerts["BacklogHigh"])]["targets"][0]["legendFormat"] == "{{shard}}"


def test_runbook_says_what_a_missing_metric_does(tmp_path: Path) -> None:
    bundle = compile_specs([str(_write(tmp_path, SPEC))]).bundle
    high = bundle.get(names.runbook_path("billing-batch", "BacklogHigh", None)).content  # type: ignore[union-attr]
    empty = bundle.get(names.runbook_path("billing-batch", "BacklogEmpty", None)).content  # type: ignore[union-attr]
    assert "**Missing data fires too**" in high and "for 20m" in high
    assert "**Missing data is silent** (`missing: ignore`)" in empty
    assert 'sum by (shard) (backlog_rows{queue="billing"} >= -Inf)' in high


def test_generated_promtool_tests_pass_and_catch_a_rule_that_never_fires(tmp_path: Path) -> None:
    """The cases run against the rules (they pass), and the same cases fail once the comparison is broken."""
    promtool = require_tool("promtool", "PROMTOOL")
    out, specs = tmp_path / "out", tmp_path / "specs"
    specs.mkdir()
    bundle = compile_specs([str(_write(specs, SPEC))]).bundle
    for artifact in bundle.artifacts:
        if artifact.path.startswith(names.PROMETHEUS_DIR + "/"):
            target = out / artifact.path
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(artifact.content)
    tests = sorted(str(p) for p in (out / names.PROMETHEUS_TESTS_DIR).glob("*.yaml"))
    ok = subprocess.run([promtool, "test", "rules", *tests], capture_output=True, text=True)
    assert ok.returncode == 0, ok.stdout + ok.stderr
    rules = out / names.prometheus_rules_path("billing-batch")
    rules.write_text(rules.read_text().replace("> 5000", "> 5000 * 2"))  # the line moved: 6250 no longer fires
    # only the groups that check BacklogHigh (3 of 20) can see the moved line (no rule reads ALERTS)
    main = out / names.PROMETHEUS_TESTS_DIR / "billing-batch.test.yaml"
    checked = groups_copy(main, checks_alert("BacklogHigh"), "backlog-high.yaml")
    broken = subprocess.run([promtool, "test", "rules", str(checked)], capture_output=True, text=True)
    assert broken.returncode != 0 and "BacklogHigh" in broken.stdout + broken.stderr


def test_tier_is_routed_like_every_alert_of_the_tier(tmp_path: Path) -> None:
    fleet = _fleet(tmp_path, SPEC)
    alerts = {a.name: a for a in fleet.services[0].threshold_alerts}
    assert alerts["BacklogHigh"].tier is Tier.CRITICAL and alerts["BacklogEmpty"].tier is Tier.INFO


def test_a_threshold_on_a_well_known_metric_draws_on_a_panel_of_its_signal(tmp_path: Path) -> None:
    body = """\
metrics:
  requests: rows_total
  cpu: {expr: 'max(rate(cpu_seconds_total{$selector}[$window]))', unit: percentunit}
alerts: {cpu: false, traffic_anomaly: false, traffic_milestone: false}
threshold_alerts:
  - {name: CpuHot, metric: cpu, above: 95%, tier: warning}
  - {name: RowsStalled, metric: requests, below: 1/m, tier: critical}
"""
    compilation = compile_specs([str(_write(tmp_path, body))])
    path = names.grafana_dashboard_path("data", "billing-batch", names.SERVICE_DASHBOARD)
    panels = {p["id"]: p for p in json.loads(compilation.bundle.get(path).content)["panels"]}  # type: ignore[union-attr]
    service = compilation.fleet.services[0]
    for kind in ("cpu", "traffic_anomaly"):  # the metric's own panel names the alert
        assert "Threshold alerts " in panels[names.KEY_PANEL_IDS[kind]]["description"]
    expected = (
        ('last_over_time(service:cpu:max{service="billing-batch"}[5m])', 0.95, "orange"),  # a percentunit gauge: max
        ('last_over_time(service:requests:sum_rate5m{service="billing-batch"}[5m])', 0.0166666666667, "red"),
    )
    for alert, (expr, value, color) in zip(service.threshold_alerts, expected, strict=True):
        panel = panels[panel_ids(service).threshold(alert)]
        assert [t["expr"] for t in panel["targets"]] == [expr], panel["title"]
        assert [(s["value"], s["color"]) for s in panel["fieldConfig"]["defaults"]["thresholds"]["steps"]][1:] == [
            (value, color)
        ]


def test_alerts_true_after_the_platforms_false_is_refused_not_silent(tmp_path: Path) -> None:
    """Found by a hunt: `alerts: {error_rate: true}` under a platform that turned error_rate off kept no tier,
    and so no alert, without a word."""
    from compiler.api import compile_specs
    from compiler.errors import InputError

    (tmp_path / "platform.yaml").write_text(
        "apiVersion: obsc/v1\nkind: Platform\ndefaults: {alerts: {error_rate: false}}\n"
        'receivers: {fallback: {webhook: {url: "http://127.0.0.1:9/hook"}}}\n'
        "alertmanager: {default_receiver: fallback}\n"
    )
    (tmp_path / "api.yaml").write_text(
        "apiVersion: obsc/v1\nservice: api\nteam: core\nselector: {job: api}\nmetrics:\n"
        '  requests: http_requests_total\n  errors: http_requests_total{code=~"5.."}\nalerts: {error_rate: true}\n'
    )
    with pytest.raises(InputError) as caught:
        compile_specs([str(tmp_path)])
    shown = [str(d).replace(str(tmp_path) + "/", "") for d in caught.value.diagnostics]
    assert shown == [
        "api.yaml:8:22 $.alerts.error_rate: error_rate: true keeps the tiers it inherits, and it inherits none (the "
        "platform turned it off, or it has no default): give its tiers, e.g. {warning: ...}"
    ]


def test_groupings_that_join_alike_get_their_own_recording(tmp_path: Path) -> None:
    """Found by a hunt: `by: [topic_partition]` and `by: [topic, partition]` both recorded
    service:lag:sum_by_topic_partition, so the second alert compared the first one's grouping."""
    from compiler.api import compile_specs

    (tmp_path / "c.yaml").write_text(
        "apiVersion: obsc/v1\nservice: consumer\nteam: core\nselector: {job: consumer}\n"
        "metrics:\n  lag: {selector: kafka_consumergroup_lag, type: gauge, aggregation: sum}\nthreshold_alerts:\n"
        "  - {name: LagPerPartition, metric: lag, above: 1000, by: [topic_partition]}\n"
        "  - {name: LagPerTopicAndPartition, metric: lag, above: 1000, by: [topic, partition]}\n"
        'routing: {critical: {webhook: {url: "http://r/p"}}, warning: {webhook: {url: "http://r/t"}}}\n'
    )
    rules = next(a.content for a in compile_specs([str(tmp_path)]).bundle.artifacts if a.path.endswith("consumer.yaml"))
    records = [line.split("record: ")[1] for line in rules.splitlines() if "record: service:lag:" in line]
    assert len(records) == 2 and len(set(records)) == 2, records
    assert "sum by (topic, partition)" in rules and "sum by (topic_partition)" in rules


def test_a_counter_written_with_increase_is_compared_per_second(tmp_path: Path) -> None:
    """Found by a hunt: a counter metric's expression with increase() was compared as a per-second rate, 300x
    off at the 5m signal window; increase() is rate() times the window, so it is read as rate()."""
    from compiler.api import compile_specs

    (tmp_path / "q.yaml").write_text(
        "apiVersion: obsc/v1\nservice: q\nteam: core\nselector: {job: q}\nmetrics:\n"
        '  jobs: {expr: "sum(increase(jobs_done_total{$selector}[$window]))", type: counter}\n'
        "threshold_alerts:\n  - {name: JobsSlow, metric: jobs, below: 1/m}\n"
        'routing: {critical: {webhook: {url: "http://r/p"}}, warning: {webhook: {url: "http://r/t"}}}\n'
    )
    rules = next(a.content for a in compile_specs([str(tmp_path)]).bundle.artifacts if a.path.endswith("/q.yaml"))
    assert "increase(" not in rules and 'sum(rate(jobs_done_total{job="q"}[5m]))' in rules
