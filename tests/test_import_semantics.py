"""Imported SLOs mean what their source meant, or are refused (located, nothing written): found by a peer
conformance hunt, where each of these imported with exit 0 and paged wrong. The alerting cases run the
compiled rules through `promtool test rules` over series written here by hand."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from compiler import conventions as names
from compiler.api import compile_specs
from compiler.errors import InputError
from compiler.importers import ImportOptions, import_specs
from tests.import_helpers import import_and_compile
from tests.promtool_helpers import promtool_report, rules_checked_by


def _import(tmp_path: Path, fmt: str, text: str) -> tuple[Path, dict[str, str]]:
    source = tmp_path / "src" / "a.yaml"
    source.parent.mkdir(parents=True, exist_ok=True)
    source.write_text(text)
    imported, _ = import_and_compile(fmt, [source], tmp_path / "out")
    return tmp_path / "out", imported.specs


def _refused(tmp_path: Path, fmt: str, text: str) -> list[tuple[int, tuple[object, ...], str]]:
    source = tmp_path / "refused.yaml"
    source.write_text(text)
    with pytest.raises(InputError) as caught:
        import_specs(fmt, [str(source)], ImportOptions())
    return [(d.location.line, d.path, d.message) for d in caught.value.diagnostics]


def _fast_burn(
    tmp_path: Path, specs: Path, service: str, series: dict[str, str], at: str, label: str, value: str
) -> str:
    """promtool's report on "SLOErrorBudgetBurnFast fires at `at`, for `label`=`value` alone" ('' when it does)."""
    rules = tmp_path / "rules.yaml"
    path = names.prometheus_rules_path(service)
    content = next(a.content for a in compile_specs([str(specs)]).bundle.artifacts if a.path == path)
    expr = f'group by ({label}) (ALERTS{{alertname="{names.SLO_BURN_FAST}",alertstate="firing"}})'
    check = {"expr": expr, "eval_time": at, "exp_samples": [{"labels": f'{{{label}="{value}"}}', "value": 1}]}
    # the page's pairs (the alert checked) and the records they read: the rest only cost time
    rules.write_text(rules_checked_by(content, [expr]))
    kept = {g["name"] for g in yaml.safe_load(rules.read_text())["groups"]}
    order = [g for g in (f"obsc-{service}-slo", f"obsc-{service}-key", f"obsc-{service}-coarse") if g in kept]
    return promtool_report(tmp_path, rules.name, series, [check], group_eval_order=order)


SLOTH_PER_ROUTE = """version: "prometheus/v1"
service: "routes"
labels: {owner: web}
slos:
  - name: per-route
    objective: 99.9
    sli:
      events:
        error_query: sum by (route) (rate(http_requests_total{job="web",code=~"5.."}[{{.window}}]))
        total_query: sum by (route) (rate(http_requests_total{job="web"}[{{.window}}]))
    alerting: {name: RouteErrors}
"""


def test_a_sloth_sli_summed_by_route_pages_the_failing_route(tmp_path: Path) -> None:
    # Imported without by:, /checkout failing (2 rps, 100%) beside a healthy /static (1000 rps) read 0.2% for
    # the whole service and never paged; Sloth pages RouteErrors{route="/checkout"} from 2h05m.
    specs, texts = _import(tmp_path, "sloth", SLOTH_PER_ROUTE)
    assert "  by: [route]\n" in texts["routes.yaml"]
    series = {
        'http_requests_total{job="web",route="/static",code="200"}': "0+60000x200",
        'http_requests_total{job="web",route="/checkout",code="200"}': "0+120x120 14400x80",
        'http_requests_total{job="web",route="/checkout",code="500"}': "0x120 0+120x80",
        'up{job="web"}': "1x200",
    }
    assert _fast_burn(tmp_path, specs, "routes", series, "2h10m", "route", "/checkout") == ""


@pytest.mark.parametrize(
    ("errors", "total", "why"),
    [
        ("rate(e[{{.window}}])", "rate(t[{{.window}}])", "not aggregated"),
        ("sum without (instance) (rate(e[{{.window}}]))", "sum(rate(t[{{.window}}]))", "without (instance)"),
        ("sum by (route) (rate(e[{{.window}}]))", "sum(rate(t[{{.window}}]))", "keep different labels"),
    ],
)
def test_sloth_queries_whose_groups_obsc_cannot_keep_are_refused(
    tmp_path: Path, errors: str, total: str, why: str
) -> None:
    text = SLOTH_PER_ROUTE.replace(
        'sum by (route) (rate(http_requests_total{job="web",code=~"5.."}[{{.window}}]))', errors
    ).replace('sum by (route) (rate(http_requests_total{job="web"}[{{.window}}]))', total)
    ((line, path, message),) = _refused(tmp_path, "sloth", text)
    assert (line, path[-1]) == (9, "error_query") and why in message


def test_a_native_raw_sli_grouped_without_by_is_refused(tmp_path: Path) -> None:
    spec = """apiVersion: obsc/v1
service: r
team: core
selector: {job: r}
slos:
  - name: per-route
    objective: 99.9
    sli:
      raw:
        errors: sum by (route) (rate(http_requests_total{job="r",code=~"5.."}[$window]))
        total: sum by (route) (rate(http_requests_total{job="r"}[$window]))
  - name: one-job
    objective: 99.9
    sli:
      raw: {errors: 'sum by (job) (rate(x_total{code="5"}[$window]))', total: 'sum by (job) (rate(x_total[$window]))'}
routing:
  critical: {webhook: {url: "http://relay:8080/page"}}
  warning: {webhook: {url: "http://relay:8080/t"}}
  info: {webhook: {url: "http://relay:8080/i"}}
"""
    (tmp_path / "r.yaml").write_text(spec)
    with pytest.raises(InputError) as caught:
        compile_specs([str(tmp_path)])
    ((found),) = caught.value.diagnostics  # `sum by (job)` of the service's job is one group: accepted
    assert (found.location.line, found.path[-1]) == (10, "errors") and "add by: [route]" in found.message


OPENSLO_GOOD_TOTAL = """apiVersion: openslo/v1
kind: SLO
metadata: {name: pay-avail}
spec:
  service: pay
  budgetingMethod: Occurrences
  indicator:
    metadata: {name: pay-good}
    spec:
      ratioMetric:
        counter: true
        good: {metricSource: {type: Prometheus, spec: {query: 'payments_total{job="pay",outcome="ok"}'}}}
        total: {metricSource: {type: Prometheus, spec: {query: 'payments_total{job="pay"}'}}}
  timeWindow: [{duration: 28d, isRolling: true}]
  objectives: [{displayName: strict, target: 0.999}, {displayName: loose, target: 0.99}]
  alertPolicies: [{kind: AlertPolicy, metadata: {name: p}, spec: {conditions: []}}]
"""


def test_openslo_good_total_pages_a_deploy_without_good_series(tmp_path: Path) -> None:
    # Imported as raw `total - good`, a new deploy failing every payment (no outcome="ok" series) read as 0
    # errors and never paged: obsc's {good, total} reads the absent good series as no good events.
    specs, texts = _import(tmp_path, "openslo", OPENSLO_GOOD_TOTAL)
    assert "    good: pay_avail_good\n" in texts["pay.yaml"]
    assert "&id" not in texts["pay.yaml"] and "*id" not in texts["pay.yaml"]  # two objectives, one SLI: no anchors
    series = {'payments_total{job="pay",outcome="fail"}': "0+600x120", 'up{job="pay"}': "1x120"}
    assert _fast_burn(tmp_path, specs, "pay", series, "30m", "service", "pay") == ""


def test_openslo_good_total_queries_keep_absent_good_as_no_good_events(tmp_path: Path) -> None:
    # Two good outcomes summed is no one selector: the pair stays raw (`total - (good or 0 * total)`).
    good = " + ".join(f'sum(rate(payments_total{{job="pay",outcome="{o}"}}[5m]))' for o in ("ok", "retried"))
    text = OPENSLO_GOOD_TOTAL.replace("""'payments_total{job="pay",outcome="ok"}'""", f"'{good}'").replace(
        """'payments_total{job="pay"}'""", """'sum(rate(payments_total{job="pay"}[5m]))'"""
    )
    specs, texts = _import(tmp_path, "openslo", text)
    assert " or 0 * " in texts["pay.yaml"]
    series = {'payments_total{job="pay",outcome="fail"}': "0+600x120", 'up{job="pay"}': "1x120"}
    assert _fast_burn(tmp_path, specs, "pay", series, "30m", "service", "pay") == ""


OPENSLO_RAW = """apiVersion: openslo/v1
kind: SLO
metadata: {name: ratio-fail}
spec:
  service: ledger
  budgetingMethod: Occurrences
  indicator:
    metadata: {name: ledger-err}
    spec:
      ratioMetric:
        rawType: failure
        raw: {metricSource: {type: Prometheus, spec: {query: 'sum(rate(e{job="l"}[5m])) / sum(rate(t{job="l"}[5m]))'}}}
  timeWindow: [{duration: 28d, isRolling: true}]
  objectives: [{target: 0.995}]
"""


@pytest.mark.parametrize("written", ["rawType: Failure", "rawType: FAILURE", 'rawType: "failure "', "", "rawType: 1"])
def test_openslo_raw_type_is_success_or_failure_as_spelled(tmp_path: Path, written: str) -> None:
    # Anything but the exact `failure` was read as a success ratio and inverted: healthy traffic paged.
    ((line, path, message),) = _refused(tmp_path, "openslo", OPENSLO_RAW.replace("rawType: failure", written))
    assert path[-1] == ("rawType" if written else "raw") and line == (11 if written else 12)
    assert "success (good/total) or failure (bad/total)" in message


def test_openslo_raw_type_failure_and_counter_false_import(tmp_path: Path) -> None:
    # `counter` has no effect on a raw query (the spec): `counter: false` no longer drops the SLO.
    text = OPENSLO_RAW.replace("rawType: failure", "rawType: failure\n        counter: false")
    _, texts = _import(tmp_path, "openslo", text)
    assert "errors: sum(rate(e" in texts["ledger.yaml"]  # a ratio of two rates: {errors, total} (round 31)


@pytest.mark.parametrize("method", ["Timeslices", "RatioTimeslices", "timeslices", ""])
def test_openslo_time_slice_slos_are_refused(tmp_path: Path, method: str) -> None:
    text = OPENSLO_GOOD_TOTAL.replace("budgetingMethod: Occurrences", f"budgetingMethod: {method}" if method else "")
    text = text.replace(
        "{displayName: loose, target: 0.99}", "{target: 0.99, timeSliceTarget: 0.95, timeSliceWindow: 1m}"
    )
    ((line, path, message),) = _refused(tmp_path, "openslo", text)
    assert (line, path[-1]) == ((6, "budgetingMethod") if method else (15, 1))
    if method in ("Timeslices", "RatioTimeslices"):  # says what to write instead (before: "or rewrite it")
        assert "budgetingMethod: Occurrences over good/total counters" in message and "good_when" in message


def test_openslo_good_and_bad_together_are_refused(tmp_path: Path) -> None:
    query = """'payments_total{job="pay",outcome="fail"}'"""
    bad = f"        bad: {{metricSource: {{type: Prometheus, spec: {{query: {query}}}}}}}\n"
    text = OPENSLO_GOOD_TOTAL.replace("        total:", bad + "        total:")
    ((_, path, message),) = _refused(tmp_path, "openslo", text)
    assert path[-1] == "ratioMetric" and "not both" in message


@pytest.mark.parametrize("value", ['"false"', '"true"', '""', "0", "'no'"])
def test_sloth_disable_must_be_a_boolean(tmp_path: Path, value: str) -> None:
    # `disable: "false"` (a string) switched the page off without a word.
    text = SLOTH_PER_ROUTE.replace(
        "alerting: {name: RouteErrors}", f"alerting: {{name: A, page_alert: {{disable: {value}}}}}"
    )
    ((line, path, message),) = _refused(tmp_path, "sloth", text)
    assert (line, path[-2:]) == (11, ("page_alert", "disable")) and "true or false" in message


@pytest.mark.parametrize(
    ("alerting", "where"),
    [
        ("{name: A, page_alert: false}", ("alerting", "page_alert")),
        ("{name: A, ticket_alert: off}", ("alerting", "ticket_alert")),
        ("false", ("slos", 0, "alerting")),
    ],
)
def test_sloth_alerting_and_its_tiers_must_be_mappings(
    tmp_path: Path, alerting: str, where: tuple[object, ...]
) -> None:
    # `page_alert: false` read as a tier without `disable:` and paged; Sloth's decoder refuses it.
    text = SLOTH_PER_ROUTE.replace("alerting: {name: RouteErrors}", f"alerting: {alerting}")
    ((line, path, message),) = _refused(tmp_path, "sloth", text)
    assert (line, path[-len(where) :]) == (11, where) and "is a mapping" in message


def test_sloth_yaml_booleans_keep_their_meaning(tmp_path: Path) -> None:
    text = SLOTH_PER_ROUTE.replace(
        "alerting: {name: RouteErrors}", "alerting: {name: A, page_alert: {disable: no}, ticket_alert: {disable: True}}"
    )
    _, texts = _import(tmp_path, "sloth", text)
    assert "alerts: {critical: true, warning: false, info: false}" in texts["routes.yaml"]


def test_sloth_labels_team_names_the_owner(tmp_path: Path) -> None:
    _, texts = _import(tmp_path, "sloth", SLOTH_PER_ROUTE.replace("labels: {owner: web}", "labels: {team: fin}"))
    assert "\nteam: fin\n" in texts["routes.yaml"]


def test_pyrra_grouping_is_by(tmp_path: Path) -> None:
    text = """apiVersion: pyrra.dev/v1alpha1
kind: ServiceLevelObjective
metadata: {name: api, namespace: edge}
spec:
  target: "99.9"
  window: 4w
  indicator:
    ratio:
      errors: {metric: 'http_requests_total{code=~"5.."}'}
      total: {metric: 'http_requests_total{handler!=""}'}
      grouping: [route]
"""
    specs, texts = _import(tmp_path, "pyrra", text)  # no shared matcher: raw, summed by route
    assert "  by: [route]\n" in texts["api.yaml"] and "sum by (route)(rate(" in texts["api.yaml"]
    series = {
        'http_requests_total{job="api",handler="h",route="/static",code="200"}': "0+60000x200",
        'http_requests_total{job="api",handler="h",route="/checkout",code="200"}': "0+120x120 14400x80",
        'http_requests_total{job="api",handler="h",route="/checkout",code="500"}': "0x120 0+120x80",
        'up{job="api"}': "1x200",
    }
    assert _fast_burn(tmp_path, specs, "api", series, "2h10m", "route", "/checkout") == ""


PYRRA_LATENCY_REGEX_ONLY = """apiVersion: pyrra.dev/v1alpha1
kind: ServiceLevelObjective
metadata: {name: reads, namespace: edge}
spec:
  target: "99"
  window: 2w
  indicator:
    latency:
      success: {metric: 'req_seconds_bucket{verb=~"LIST|GET",le="0.1"}'}
      total: {metric: 'req_seconds_count{verb=~"LIST|GET"}'}
"""


def test_a_pyrra_latency_without_a_shared_matcher_reads_each_series_by_its_own_bucket(tmp_path: Path) -> None:
    # Its metrics share no equality matcher, so it was imported as raw `count - (bucket or 0 * count)`: a
    # series without the 0.1 bucket (a build with other buckets) read every request as slow, and a fleet
    # without it read 100% errors, a page on a healthy service that never resolved. It is now obsc's latency
    # SLI over the histogram as Pyrra wrote it (no service matcher added): such a series counts neither way.
    specs, texts = _import(tmp_path, "pyrra", PYRRA_LATENCY_REGEX_ONLY)
    assert "service_selector: false" in texts["reads.yaml"] and "threshold: 100ms" in texts["reads.yaml"]
    fast = "0+600x120"  # 10 requests a second, each under 100ms
    series = {
        'req_seconds_count{verb="GET",instance="a"}': fast,
        'req_seconds_bucket{verb="GET",instance="a",le="0.1"}': fast,
        'req_seconds_count{verb="GET",instance="b"}': fast,
        'req_seconds_bucket{verb="GET",instance="b",le="0.25"}': fast,  # no 0.1 bucket: blind, not slow
        'up{job="reads"}': "1x120",
    }
    rules = tmp_path / "rules.yaml"
    path = names.prometheus_rules_path("reads")
    content = next(a.content for a in compile_specs([str(specs)]).bundle.artifacts if a.path == path)
    rules.write_text(content)
    order = [g["name"] for g in yaml.safe_load(content)["groups"]]
    fired = 'count by (alertname) (ALERTS{alertstate="firing",slo="latency"})'
    blind = [{"labels": '{alertname="SLODataMissing"}', "value": 1}]  # b is blind, said so; nothing burns
    quiet = [{"expr": fired, "eval_time": "1h", "exp_samples": blind}]
    assert promtool_report(tmp_path, rules.name, series, quiet, group_eval_order=order) == ""
    # a's requests all slow (its 0.1 bucket stays at 0) still page: the pair is not dead
    slow = {**series, 'req_seconds_bucket{verb="GET",instance="a",le="0.1"}': "0x120"}
    page = f'group(ALERTS{{alertstate="firing",slo="latency",alertname="{names.SLO_BURN_FAST}"}})'
    loud = [{"expr": page, "eval_time": "1h", "exp_samples": [{"labels": "{}", "value": 1}]}]
    assert promtool_report(tmp_path, rules.name, slow, loud, group_eval_order=order) == ""


SLOTH_NO_SHARED_MATCHER = SLOTH_PER_ROUTE.replace('{job="web",code=~"5.."}', '{code=~"5.."}').replace(
    '{job="web"}', "{}"
)


@pytest.mark.parametrize(
    ("fmt", "text", "spec"),
    [("pyrra", PYRRA_LATENCY_REGEX_ONLY, "reads.yaml"), ("sloth", SLOTH_NO_SHARED_MATCHER, "routes.yaml")],
)
def test_a_guessed_selector_is_never_read_on_up_so_missing_data_still_fires(
    tmp_path: Path, fmt: str, text: str, spec: str
) -> None:
    # The source's queries share no matcher, so the selector is a guess ({job: <service>}). SLODataMissing was
    # gated on `up` with that guess: the real targets carry another job, so it could never fire until someone
    # edited the selector. The spec now says `targets: false`, and missing data is missing data.
    specs, texts = _import(tmp_path, fmt, text)
    service = spec.removesuffix(".yaml")
    assert f"selector: {{job: {service}}}\ntargets: false\n" in texts[spec]
    if fmt != "pyrra":
        return
    path = names.prometheus_rules_path(service)
    content = next(a.content for a in compile_specs([str(specs)]).bundle.artifacts if a.path == path)
    (tmp_path / "rules.yaml").write_text(content)
    order = [g["name"] for g in yaml.safe_load(content)["groups"]]
    gone = {'up{job="kube-apiserver"}': "1x120"}  # the real targets are up; the histogram has no series at all
    missing = f'group(ALERTS{{alertstate="firing",alertname="{names.SLO_DATA_MISSING}"}})'
    fires = [{"expr": missing, "eval_time": "1h", "exp_samples": [{"labels": "{}", "value": 1}]}]
    assert promtool_report(tmp_path, "rules.yaml", gone, fires, group_eval_order=order) == ""
