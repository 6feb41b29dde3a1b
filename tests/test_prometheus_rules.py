"""The Prometheus target's rules, read as data: catalog coverage, labels, links, tiers, guards, layouts."""

from __future__ import annotations

import functools
import re
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
import yaml

from compiler import conventions as names
from compiler.api import CompileOptions, compile_specs, load_fleet
from compiler.model.alerts import service_alerts
from compiler.model.burnrate import catalog, recorded_windows
from compiler.model.saturation_twins import saturation_twins
from compiler.model.types import Fleet, Service
from compiler.model.units import format_duration
from compiler.output.bundle import Bundle
from compiler.targets import links
from compiler.targets.prometheus import service_rules
from compiler.targets.prometheus import templates as tmpl
from compiler.targets.prometheus.layouts import extract_groups
from compiler.targets.prometheus.rule_model import Rule
from tests.conftest import ROOT
from tests.platform_text import sink_platform

EXAMPLES = str(ROOT / "examples")
# libyaml where available: the tests read whole generated files (~10x faster than pure Python).
_LOADER: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
PLATFORM = sink_platform(
    before="""\
grafana_url: https://grafana.example
"""
)
NAME = re.compile(r"^[a-zA-Z_:][a-zA-Z0-9_:]*$")
LABEL = re.compile(r"^[a-zA-Z_][a-zA-Z0-9_]*$")
RECORD = re.compile(r"^(slo|service):[a-z0-9_]+:[a-z0-9_]+$")  # level:metric:operations


def examples() -> Fleet:
    return load_fleet([EXAMPLES], CompileOptions(), {})[0]


def fleet_of(tmp: Path, spec: str) -> Fleet:
    (tmp / "platform.yaml").write_text(PLATFORM)
    (tmp / "svc.yaml").write_text(spec)
    return load_fleet([str(tmp)], CompileOptions(), {})[0]


def rules_of(fleet: Fleet, service: str) -> list[Rule]:
    svc = next(s for s in fleet.services if s.name == service)
    return [r for g in service_rules(svc, fleet.platform).groups for r in g.rules]


@functools.cache
def _examples_bundle(fmt: str) -> Bundle:
    """The examples compiled once per layout for the module (a bundle is immutable; tests get fresh dicts)."""
    return compile_specs([EXAMPLES], CompileOptions(format=fmt)).bundle


def plain_file(service: str, fmt: str = "prometheus") -> dict[str, Any]:
    artifact = _examples_bundle(fmt).get(names.prometheus_rules_path(service, fmt))
    assert artifact is not None
    loaded: dict[str, Any] = yaml.load(artifact.content, Loader=_LOADER)
    return loaded


@pytest.mark.parametrize("service", ["checkout", "order-worker", "search"])
def test_every_catalog_alert_has_one_rule_with_exactly_its_labels(service: str) -> None:
    fleet = examples()
    svc = next(s for s in fleet.services if s.name == service)
    wanted = Counter((a.name, tuple(sorted(a.labels().items()))) for a in service_alerts(svc))
    for twin, _, _ in saturation_twins(svc):  # its no-series twin: the same labels and data="missing"
        wanted[(twin.name, tuple(sorted({**twin.labels(), names.LABEL_DATA: "missing"}.items())))] += 1
    emitted = Counter((r.alert, r.labels) for r in rules_of(fleet, service) if r.alert)
    assert emitted == wanted


def test_spec_labels_are_added_and_never_override_the_catalog(tmp_path: Path) -> None:
    # obsc's own label names are refused at their line (tests/errors/service_labels_reserved.yaml).
    fleet = fleet_of(
        tmp_path,
        """\
apiVersion: obsc/v1
service: svc
team: t
selector: {job: svc}
labels: {component: api}
metrics: {requests: http_requests_total, errors: 'http_requests_total{code=~"5.."}'}
slos: [{name: avail, objective: 99.9, sli: {errors: errors, total: requests}}]
""",
    )
    for rule in (r for r in rules_of(fleet, "svc") if r.alert):
        assert rule.source is not None
        assert rule.label_dict() == {"component": "api", **rule.source.labels()}


def test_annotations_link_runbook_and_dashboard_and_render() -> None:
    fleet = examples()
    for svc in fleet.services:
        for rule in (r for r in rules_of(fleet, svc.name) if r.alert):
            assert rule.source is not None
            notes = rule.annotation_dict()
            extra = {k for k, _ in rule.source.slo.annotations} if rule.source.slo else set()  # the SLO's own
            assert set(notes) == {"summary", "description", "runbook_url", "dashboard_url"} | extra
            assert notes["runbook_url"] == links.runbook_url(fleet.platform, rule.source)
            # a grouped SLO's alerts, and a split threshold alert, name their group (`{{ $labels.route }}`);
            # nothing else is templated
            split = rule.source.threshold.by if rule.source.threshold else ()
            group = {label: "g" for label in (rule.source.slo.by if rule.source.slo else split)}
            dashboard = links.alert_dashboard_url(fleet.platform, svc, rule.source)
            assert tmpl.render(notes["dashboard_url"], 0.5, None, group).startswith(dashboard)  # + its group's vars
            summary = tmpl.render(notes["summary"], 0.5, None, group) if group else notes["summary"]
            assert summary and "{{" not in summary
            # every template in a description is one the test generator can predict
            assert tmpl.render(notes["description"], 0.5, {"version": "1.2.3"}, group)


def test_descriptions_template_their_values() -> None:
    rules = {(r.alert, r.label_dict()["severity"]): r for r in rules_of(examples(), "checkout") if r.alert}
    assert tmpl.PERCENT in rules["SLOErrorBudgetBurnFast", "critical"].annotation_dict()["description"]
    assert tmpl.DURATION in rules["ServiceHighLatencyP99", "warning"].annotation_dict()["description"]
    assert tmpl.DURATION in rules["ServiceDiskFillingUp", "warning"].annotation_dict()["description"]
    assert "humanizePercentage" in rules["ServiceHighErrorRate", "warning"].annotation_dict()["description"]


@pytest.mark.parametrize("fmt", ["prometheus", "prometheus-operator", "mimir", "vmalert"])
def test_groups_use_only_what_prometheus_2_42_accepts(fmt: str) -> None:
    for service in ("checkout", "order-worker", "search", "orders-consumer"):
        # the written file itself (it was loaded and dumped again with the pure-Python emitter: the same data)
        artifact = _examples_bundle(fmt).get(names.prometheus_rules_path(service, fmt))
        assert artifact is not None
        groups = extract_groups(artifact.content, fmt)
        assert groups
        for group in groups:
            assert set(group) <= {"name", "interval", "rules"}, "no group labels (3.0), no query_offset (2.53)"
            for rule in group["rules"]:
                assert set(rule) <= {"record", "alert", "expr", "for", "keep_firing_for", "labels", "annotations"}
                assert "holt_winters" not in rule["expr"]
                if "record" in rule:
                    assert RECORD.match(rule["record"]), rule["record"]
                assert NAME.match(rule.get("record", rule.get("alert", "")))
                assert all(LABEL.match(k) for k in rule.get("labels", {}))


def test_layouts_carry_the_same_groups() -> None:
    plain = plain_file("checkout")["groups"]
    operator = plain_file("checkout", "prometheus-operator")
    mimir = plain_file("checkout", "mimir")
    assert operator["apiVersion"] == "monitoring.coreos.com/v1" and operator["kind"] == "PrometheusRule"
    assert operator["metadata"]["name"] == "obsc-checkout"
    assert operator["spec"]["groups"] == plain
    assert mimir == {"namespace": "checkout", "groups": plain}


def _group(fleet: Fleet, service: str, part: str) -> dict[str, Any]:
    svc = next(s for s in fleet.services if s.name == service)
    group = next(g for g in service_rules(svc, fleet.platform).groups if g.name.endswith(f"-{part}"))
    return {"interval": group.interval_seconds, "rules": group.rules}


def test_short_windows_are_raw_rates_and_long_windows_read_the_coarse_tier() -> None:
    fleet = examples()
    fast, coarse = _group(fleet, "checkout", "slo"), _group(fleet, "checkout", "coarse")
    assert fast["interval"] == 0 and coarse["interval"] == 300
    fast_ratios = {r.record: r for r in fast["rules"] if r.record.startswith("slo:sli_error:ratio_rate")}
    coarse_ratios = {r.record: r for r in coarse["rules"] if r.record.startswith("slo:sli_error:ratio_rate")}
    assert set(fast_ratios) == {names.sli_error_ratio(w) for w in ("5m", "30m", "1h", "2h", "6h")}
    assert set(coarse_ratios) == {names.sli_error_ratio(w) for w in ("1d", "3d", "30d")}
    for rule in fast["rules"]:
        if rule.record.startswith(("slo:sli_errors:rate", "slo:sli_total:rate")):
            window = rule.label_dict()["window"]
            assert f"[{window}]" in rule.expr and re.search(r"rate\((http|payment)_", rule.expr)  # a raw rate: no lag
    for rule in coarse_ratios.values():
        assert "sum_over_time(slo:sli_errors:coarse_rate5m" in rule.expr  # a ratio of sums of 5m samples
        assert "sum_over_time(slo:sli_total:coarse_rate5m" in rule.expr and "> 0)" in rule.expr
    everything = "\n".join(r.expr for g in ("slo", "key", "coarse") for r in _group(fleet, "checkout", g)["rules"])
    assert not re.search(r"rate\((http|payment)_[a-z_]+\{[^}]*\}\[(1d|3d|30d)\]", everything), "no raw query over days"


def test_every_ratio_is_a_ratio_of_sums_with_no_value_without_traffic() -> None:
    fleet = examples()
    for svc in fleet.services:
        for rule in rules_of(fleet, svc.name):
            if re.search(r":ratio_rate", rule.record):
                assert "> 0)" in rule.expr, rule.record


def test_alerts_sit_with_the_longest_window_they_read() -> None:
    fleet = examples()
    placed = {part: [r for r in _group(fleet, "checkout", part)["rules"] if r.alert] for part in ("slo", "coarse")}
    assert {r.label_dict().get("burn_window") for r in placed["slo"]} == {"fast", "medium", None}
    assert {r.alert for r in placed["slo"] if "burn_window" not in r.label_dict()} == {"SLODataMissing"}
    coarse = {(r.alert, r.label_dict().get("burn_window")) for r in placed["coarse"]}
    assert ("SLOErrorBudgetBurnSlow", "slow") in coarse and ("SLOErrorBudgetExhausted", None) in coarse


def test_burn_alert_thresholds_windows_and_traffic_guard() -> None:
    rules = {
        (r.label_dict()["slo"], r.label_dict()["burn_window"]): r
        for r in rules_of(examples(), "checkout")
        if r.alert and "burn_window" in r.label_dict()
    }
    fast = rules["availability", "fast"].expr
    # the long and the short window over the line, or no events in the short one and the newest window with events
    # (the 30m step, else the long window) over it
    assert (
        "ratio_rate1h{" in fast and "ratio_rate5m{" in fast and fast.count("> (14.4 * 0.001)") == 4
    )  # long, start on one failure, hold, branch
    assert "(max without (window) (slo:sli_error:ratio_rate30m{" in fast
    # min_bad_events: 5 (3), less the count slack (burnrate.count_floor)
    assert 'slo:sli_errors:rate1h{service="checkout",slo="availability"} * 3600 >= 4.999999' in fast
    latency = rules["latency", "slowest"].expr
    assert 'slo:sli_errors:rate3d{service="checkout",slo="latency"} * 259200 >= 2.999999' in latency
    # no fast-tier step between 6h and 3d; a ticket starts on its plain ratio (round 43), so no start clause reads it
    assert rules["availability", "slowest"].expr.count("> (1 * 0.001)") == 2
    assert [r.for_seconds for r in (rules["availability", w] for w in ("fast", "medium", "slow", "slowest"))] == [
        w.for_seconds for w in catalog()
    ]


def test_period_factors_scale_with_the_period() -> None:
    rules = [r for r in rules_of(examples(), "search") if r.alert and r.label_dict().get("slo") == "availability"]
    exprs = " ".join(r.expr for r in rules)
    for factor in ("13.44", "5.6", "2.8", "1"):  # 28d: same budget shares as 30d, but never a factor below 1
        assert f"> ({factor} * 0.0005)" in exprs


def test_metadata_and_remaining_budget_are_recorded_per_slo() -> None:
    fleet = examples()
    for svc in fleet.services:
        rules = rules_of(fleet, svc.name)
        for slo in svc.slos:
            own = {"service": svc.name, "slo": slo.name}
            recorded = {r.record: r for r in rules if r.record and r.label_dict().items() >= own.items()}
            for record in (names.SLO_OBJECTIVE, names.SLO_ERROR_BUDGET, names.SLO_PERIOD_SECONDS):
                assert recorded[record].label_dict() == own
            remaining = recorded[names.SLO_BUDGET_REMAINING]
            assert (
                remaining.label_dict() == own and f"ratio_rate{format_duration(slo.period_seconds)}" in remaining.expr
            )
            windows = {
                r.label_dict()["window"]
                for r in rules
                if r.record == names.sli_error_ratio(r.label_dict().get("window", ""))
                and r.label_dict()["slo"] == slo.name
            }
            assert windows == {format_duration(s) for s in recorded_windows(slo)}


def test_raw_sli_gets_the_service_selector_and_a_sum() -> None:
    exprs = [
        r.expr
        for r in rules_of(examples(), "order-worker")
        if r.record.startswith("slo:sli_errors:rate") and not r.expr.startswith("avg_over_time")
    ]
    assert exprs and all(e.startswith("sum(sum(rate(jobs_processed_total{job=") for e in exprs)
    every = "\n".join(r.expr for r in rules_of(examples(), "order-worker"))
    assert "$selector" not in every and "$window" not in every and "{," not in every


def test_disabled_tiers_emit_no_alert_but_keep_every_window(tmp_path: Path) -> None:
    fleet = fleet_of(
        tmp_path,
        """\
apiVersion: obsc/v1
service: svc
team: t
selector: {job: svc}
metrics: {requests: http_requests_total, errors: 'http_requests_total{code=~"5.."}'}
slos: [{name: avail, objective: 99, sli: {errors: errors, total: requests}, alerts: {critical: false, info: false}}]
""",
    )
    rules = rules_of(fleet, "svc")
    slo_alerts = {r.alert for r in rules if r.alert.startswith("SLO")}
    assert slo_alerts == {"SLOErrorBudgetBurnSlow", "SLODataMissing"}
    assert {r.record for r in rules if r.record.startswith("slo:sli_error:ratio_rate")} == {
        names.sli_error_ratio(w) for w in ("5m", "30m", "1h", "2h", "6h", "1d", "3d", "30d")
    }


def test_kinds_that_need_series_labels_are_not_emitted_for_expressions(tmp_path: Path) -> None:
    fleet = fleet_of(
        tmp_path,
        """\
apiVersion: obsc/v1
service: svc
team: t
selector: {job: svc}
metrics:
  requests: http_requests_total
  errors: {expr: 'sum(rate(failures_total{$selector}[$window]))', type: counter}
  build_info: {expr: 'max(build_info{$selector})'}
alerts: {deployment: {info: true}, new_error_type: {info: true}}
""",
    )
    alerts = {r.alert for r in rules_of(fleet, "svc") if r.alert}
    assert "ServiceDeployed" not in alerts and "ServiceNewErrorType" not in alerts
    assert "ServiceHighErrorRate" in alerts


def test_rules_per_slo() -> None:
    """Documented figure: 38 rules per SLO (32 without the min_bad_events guard), alerts included, a latency SLO
    one more (its unbucketed series, read by each fast window); key-metric alerts that measure an SLO's symptom
    carry its slo label and are not counted. Round 42: one more (35 before), the 6h/30m page pair's burst record
    (counted_short.event_burst_record). Round 43: one more, the 1d/2h ticket pair's (in the coarse group; none
    with `min_bad_events: 0`, whose coarse windows record no failure count). Round 45: one more, the 3d/6h ticket
    pair's (its burst window the coarse 1d)."""
    fleet = examples()
    rules = rules_of(fleet, "checkout")
    per_slo = Counter(
        r.label_dict()["slo"] for r in rules if "slo" in r.label_dict() and not (r.alert or "").startswith("Service")
    )
    assert per_slo == {"availability": 38, "latency": 39, "payments": 38}


def test_output_is_deterministic() -> None:
    first = compile_specs([EXAMPLES]).bundle
    second = compile_specs([EXAMPLES]).bundle
    ours = [a for a in first.artifacts if a.path.startswith("prometheus/")]
    assert ours and ours == [a for a in second.artifacts if a.path.startswith("prometheus/")]


def _service(fleet: Fleet, name: str) -> Service:
    return next(s for s in fleet.services if s.name == name)


def test_tests_cover_every_alert_rule() -> None:
    bundle = compile_specs([EXAMPLES]).bundle
    fleet = examples()
    for svc in fleet.services:
        tested: set[str] = set()
        for part in ("", "long"):
            artifact = bundle.get(names.promtool_test_path(svc.name, part))
            if artifact:
                data = yaml.load(artifact.content, Loader=_LOADER)
                assert data["group_eval_order"] == [g.name for g in service_rules(svc, fleet.platform).groups]
                tested |= {c["alertname"] for t in data["tests"] for c in t.get("alert_rule_test", [])}
        assert tested == {a.name for a in service_alerts(_service(fleet, svc.name))}
