"""`obsc import openslo`: the OpenSLO v1 examples of ../shared/corpus/openslo import and compile; a full
v1 set (SLO + SLI by reference + AlertPolicy + AlertCondition + a notification target) over Prometheus
carries objective, period and queries; what obsc cannot express is reported where it is written."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

from compiler.api import CompileOptions, compile_specs
from compiler.errors import InputError
from compiler.importers import ImportOptions, import_specs
from compiler.model.types import SliKind
from tests.conftest import require_shared
from tests.import_helpers import assert_located_at_their_keys, import_and_compile

EXAMPLES = [
    "examples/budgeting-method/occurences-slo.yaml",
    "examples/budgeting-method/ratio-timeslices.yaml",
    "examples/budgeting-method/timeslices-slo.yaml",
    "examples/treat-low-traffic-as-equally-important/timeslices-slo.yaml",
]


def test_the_openslo_time_slice_examples_are_refused_at_their_budgeting_method(tmp_path: Path) -> None:
    # Read as events at the same target, a time-slice SLO paged for good on a steady 1% error rate that the
    # source (every 1m slice above its 95% slice target) called 100% good: refused, located, nothing written.
    files = [require_shared(f"corpus/openslo/{name}") for name in EXAMPLES]
    with pytest.raises(InputError) as caught:
        import_specs("openslo", [str(f) for f in files], ImportOptions())
    refused = {(Path(d.location.file).parent.name, d.path) for d in caught.value.diagnostics}
    assert (
        refused
        == {
            ("budgeting-method", ("spec", "budgetingMethod")),
            ("treat-low-traffic-as-equally-important", ("spec", "budgetingMethod")),
        }
        and len(caught.value.diagnostics) == 3
    )
    assert all("SLOs are not imported" in d.message for d in caught.value.diagnostics)
    assert_located_at_their_keys(caught.value.diagnostics)


def test_the_openslo_examples_budgeting_occurrences_import_and_compile(tmp_path: Path) -> None:
    files = []
    for name in EXAMPLES:  # the same objects, budgeting occurrences
        copy = tmp_path / "src" / name.removeprefix("examples/").replace("/", "-")
        copy.parent.mkdir(exist_ok=True)
        text = require_shared(f"corpus/openslo/{name}").read_text()
        copy.write_text(
            text.replace("budgetingMethod: Timeslices", "budgetingMethod: Occurrences").replace(
                "budgetingMethod: RatioTimeslices", "budgetingMethod: Occurrences"
            )
        )
        files.append(copy)
    imported, compilation = import_and_compile("openslo", files, tmp_path / "out")
    services = {s.name: s for s in compilation.fleet.services}
    assert set(services) == {"web-shop", "web-availability"}
    (main_page,) = services["web-shop"].slos
    assert (main_page.name, main_page.objective, main_page.period_seconds) == ("main-page", 99, 14 * 86400)
    (low_traffic,) = services["web-availability"].slos
    assert (low_traffic.objective, low_traffic.period_seconds) == (Decimal("99.95"), 7 * 86400)
    assert not (main_page.alerting.critical or main_page.alerting.warning), "no alert policy: no alerts"
    dropped = {(Path(d.location.file).name, d.path[-1]) for d in imported.dropped}
    assert ("budgeting-method-occurences-slo.yaml", "thresholdMetric") in dropped
    assert ("budgeting-method-timeslices-slo.yaml", "duration") in dropped  # 1m is a minute: shorter than any window
    assert ("budgeting-method-timeslices-slo.yaml", "calendar") in dropped
    assert ("treat-low-traffic-as-equally-important-timeslices-slo.yaml", "timeSliceTarget") in dropped
    assert_located_at_their_keys(imported.dropped)


FULL = """\
apiVersion: openslo/v1
kind: SLO
metadata: {name: checkout-availability, displayName: Checkout availability}
spec:
  service: checkout
  indicatorRef: checkout-errors
  timeWindow: [{duration: 28d, isRolling: true}]
  budgetingMethod: Occurrences
  objectives:
    - {displayName: Internal, targetPercent: 99.95}
    - {displayName: Contract, target: 0.999}
  alertPolicies: [{alertPolicyRef: page-fast}]
---
apiVersion: openslo/v1
kind: SLI
metadata: {name: checkout-errors}
spec:
  ratioMetric:
    counter: true
    bad:
      metricSource:
        type: Prometheus
        spec: {query: 'http_requests_total{job="checkout",code=~"5.."}'}
    total:
      metricSource:
        type: Prometheus
        spec: {query: 'http_requests_total{job="checkout"}'}
---
apiVersion: openslo/v1
kind: AlertPolicy
metadata: {name: page-fast}
spec:
  conditions: [{conditionRef: burn-fast}]
  notificationTargets: [{targetRef: pager}]
---
apiVersion: openslo/v1
kind: AlertCondition
metadata: {name: burn-fast}
spec:
  severity: page
  condition: {kind: burnrate, op: gte, threshold: 2, lookbackWindow: 1h, alertAfter: 5m}
---
apiVersion: openslo/v1
kind: AlertNotificationTarget
metadata: {name: pager}
spec: {target: pagerduty, description: on-call}
---
apiVersion: openslo/v1
kind: Service
metadata: {name: checkout}
spec: {description: Takes payment and creates the order.}
"""


def test_a_full_v1_set_resolves_references_and_keeps_objective_period_and_queries(tmp_path: Path) -> None:
    source = tmp_path / "checkout.yaml"
    source.write_text(FULL)
    imported, compilation = import_and_compile("openslo", [source], tmp_path / "out", team="payments")
    (service,) = compilation.fleet.services
    assert (service.name, service.team, [m.render() for m in service.selector]) == (
        "checkout",
        "payments",
        ['job="checkout"'],
    )
    assert service.description == "Takes payment and creates the order."
    internal, contract = service.slos
    assert (internal.name, internal.objective, internal.period_seconds) == (
        "checkout-availability-internal",
        Decimal("99.95"),
        28 * 86400,
    )
    assert (contract.name, contract.objective) == ("checkout-availability-contract", Decimal("99.9"))
    assert internal.sli.kind is SliKind.RAW and internal.alerting.critical and internal.alerting.warning
    assert internal.sli.raw_errors == 'sum(rate(http_requests_total{job="checkout",code=~"5.."}[$window]))'
    dropped = {(d.location.line, d.path): d.message for d in imported.dropped}
    lines = FULL.splitlines()
    policy_spec = lines.index("kind: AlertPolicy") + 3  # its `spec:` line, 1-based
    condition_spec = lines.index("kind: AlertCondition") + 3
    assert "conditions and notification targets are not carried over" in dropped[(policy_spec, ("spec",))]
    assert "a condition of alert policy 'page-fast'" in dropped[(condition_spec, ("spec",))]
    assert any("AlertNotificationTarget" in m for m in dropped.values())
    assert_located_at_their_keys(imported.dropped)


def test_other_openslo_versions_and_dangling_references_are_errors(tmp_path: Path) -> None:
    alpha = require_shared("corpus/sloth/validate/good/good-openslo.yaml")
    with pytest.raises(InputError, match="unsupported OpenSLO version 'openslo/v2'"):
        other = tmp_path / "v2.yaml"
        other.write_text(alpha.read_text().replace("openslo/v1alpha", "openslo/v2"))
        import_specs("openslo", [str(other)], ImportOptions())
    dangling = tmp_path / "slo.yaml"
    dangling.write_text(FULL.split("---")[0])
    with pytest.raises(InputError, match=r"slo.yaml:6:3 \$.spec.indicatorRef: no SLI named 'checkout-errors'"):
        import_specs("openslo", [str(dangling)], ImportOptions())


SLI_DOC = """\
apiVersion: openslo/v1
kind: SLI
metadata: {name: http-errors}
spec:
  ratioMetric:
    counter: true
    bad: {metricSource: {type: Prometheus, spec: {query: 'http_requests_total{job="JOB",code=~"5.."}'}}}
    total: {metricSource: {type: Prometheus, spec: {query: 'http_requests_total{job="JOB"}'}}}
---
apiVersion: openslo/v1
kind: SLO
metadata: {name: JOB-availability}
spec:
  service: JOB
  indicatorRef: http-errors
  timeWindow: [{duration: DURATION, isRolling: true}]
  objectives: [OBJECTIVE]
"""


def _slo_file(path: Path, job: str, duration: str = "28d", objective: str = "{target: 0.999}") -> Path:
    path.write_text(SLI_DOC.replace("JOB", job).replace("DURATION", duration).replace("OBJECTIVE", objective))
    return path


def test_two_files_defining_one_sli_name_is_an_error_naming_both(tmp_path: Path) -> None:
    # last-wins made alpha's SLO measure beta's traffic
    a, b = _slo_file(tmp_path / "a.yaml", "alpha"), _slo_file(tmp_path / "b.yaml", "beta")
    with pytest.raises(InputError) as caught:
        import_specs("openslo", [str(a), str(b)], ImportOptions())
    assert str(caught.value) == (
        f"{b}:3:12 $.metadata.name: another SLI named 'http-errors' is defined at {a}:3:12: OpenSLO names are "
        "unique per kind (references resolve by name); rename one"
    )


def test_an_slo_name_repeated_within_one_service_is_an_error(tmp_path: Path) -> None:
    a = _slo_file(tmp_path / "a.yaml", "alpha")
    b = tmp_path / "b.yaml"
    b.write_text(a.read_text().split("---")[1].replace("0.999", "0.99"))
    with pytest.raises(InputError, match=r"b.yaml:\d+:\d+ \$.spec.objectives\[0\]: service 'alpha' already has an SLO"):
        import_specs("openslo", [str(a), str(b)], ImportOptions())


@pytest.mark.parametrize(
    ("duration", "period"),
    [
        ("1M", "30d"),  # M, Q, Y were counted as days: 1M was "shorter than 3d", 3M accepted as 90d
        ("2M", "60d"),
        ("3M", "90d"),
        ("1Q", "90d"),
        ("1Y", "365d"),
        ("4w", "4w"),
        ("1w", "1w"),
        ("28d", "28d"),
        ("2d", "2d"),  # obsc has a 1d catalog: a 2d period compiles
        ("1d", "1d"),
        ("24h", "24h"),
        ("72h", "72h"),
        ("12h", None),  # shorter than every window catalog
        ("1m", None),  # m is minutes in OpenSLO
        ("1440m", "1440m"),
    ],
)
def test_timewindow_units(tmp_path: Path, duration: str, period: str | None) -> None:
    source = _slo_file(tmp_path / "a.yaml", "alpha", duration=duration)
    imported = import_specs("openslo", [str(source)], ImportOptions())
    durations = [d for d in imported.dropped if d.path[-1] == "duration"]
    if period is None:
        assert not imported.specs
        (dropped,) = durations
        assert "shorter than obsc's shortest burn-rate window catalog (1d)" in dropped.message
        return
    assert durations == []
    assert f"  period: {period}\n" in imported.specs["alpha.yaml"]


def test_every_accepted_period_compiles(tmp_path: Path) -> None:
    files = [
        _slo_file(tmp_path / f"{n}.yaml", f"s{n}", duration=d).rename(tmp_path / f"{n}.yaml")
        for n, d in enumerate(("1M", "2M", "1Q", "1Y", "2d", "1440m"))
    ]
    texts = [f.read_text().replace("http-errors", f"errors-{i}") for i, f in enumerate(files)]
    for f, text in zip(files, texts, strict=True):
        f.write_text(text)
    _, compilation = import_and_compile("openslo", files, tmp_path / "out")
    periods = sorted(s.slos[0].period_seconds // 86400 for s in compilation.fleet.services)
    assert periods == [1, 2, 30, 60, 90, 365]


def test_target_and_target_percent_together_are_an_error(tmp_path: Path) -> None:
    source = _slo_file(tmp_path / "a.yaml", "alpha", objective="{target: 0.999, targetPercent: 95}")
    with pytest.raises(InputError) as caught:
        import_specs("openslo", [str(source)], ImportOptions())
    assert str(caught.value) == (
        f"{source}:17:16 $.spec.objectives[0]: an objective takes target (a ratio) or targetPercent, not both: "
        "keep the one you mean"
    )


@pytest.mark.parametrize(("target", "ratio"), [("99.9", "0.999"), ("95", "0.95")])
def test_a_target_written_as_a_percentage_says_what_to_write(tmp_path: Path, target: str, ratio: str) -> None:
    """`target: 99.9` (a percentage where OpenSLO takes a ratio) read "objective 99.9 must be a ratio in (0, 1):
    100% leaves no error budget", which names neither the mistake nor the fix."""
    source = _slo_file(tmp_path / "a.yaml", "alpha", objective=f"{{target: {target}}}")
    with pytest.raises(InputError) as caught:
        import_specs("openslo", [str(source)], ImportOptions())
    assert str(caught.value) == (
        f"{source}:17:17 $.spec.objectives[0].target: target is a ratio in OpenSLO ({ratio} is {target}%): "
        f"write target: {ratio}, or targetPercent: {target}"
    )


def test_a_second_time_window_is_an_error_at_it(tmp_path: Path) -> None:
    """OpenSLO takes exactly one: the first was imported and the second dropped as "no equivalent"."""
    source = _slo_file(tmp_path / "a.yaml", "alpha", duration="28d, isRolling: true}, {duration: 7d")
    with pytest.raises(InputError) as caught:
        import_specs("openslo", [str(source)], ImportOptions())
    assert str(caught.value) == (
        f"{source}:16:50 $.spec.timeWindow[1]: OpenSLO takes one time window, not 2: keep the one the budget is for"
    )


NO_WINDOW = """\
apiVersion: openslo/v1
kind: SLO
metadata: {name: checkout-availability}
spec:
  service: checkout
  budgetingMethod: Occurrences
  indicator:
    spec:
      ratioMetric:
        bad: {metricSource: {type: Prometheus, spec: {query: 'http_requests_total{job="checkout",code=~"5.."}'}}}
        total: {metricSource: {type: Prometheus, spec: {query: 'http_requests_total{job="checkout"}'}}}
  objectives: [{target: 0.999}]
"""


def test_an_slo_without_a_time_window_takes_the_platforms_default_period(tmp_path: Path) -> None:
    # The note promised the platform's default; the spec said `period: 30d`, which overrode a 28d fleet's.
    source = tmp_path / "checkout.yaml"
    source.write_text(NO_WINDOW)
    imported = import_specs("openslo", [str(source)], ImportOptions(team="payments"))
    out = tmp_path / "out"
    out.mkdir()
    (out / "checkout.yaml").write_text(imported.specs["checkout.yaml"])
    platform = imported.platform.replace("kind: Platform\n", "kind: Platform\ndefaults: {period: 28d}\n")
    (out / "platform.yaml").write_text(platform)
    (slo,) = compile_specs([str(out)], CompileOptions(jobs=1)).fleet.services[0].slos
    assert slo.period_seconds == 28 * 86400
    (note,) = [n for n in imported.notes if n.path == ("spec", "timeWindow")]
    assert "platform's default period applies" in note.message


@pytest.mark.parametrize(
    ("policy", "alerting"),
    [
        ("  alertWhenBreaching: false\n  alertWhenNoData: true\n", False),
        ("  alertWhenBreaching: true\n", True),
        ("", True),  # unset: a policy alerts on its condition's breach
    ],
)
def test_a_policy_that_does_not_alert_on_a_breach_leaves_the_burn_alerts_off(
    tmp_path: Path, policy: str, alerting: bool
) -> None:
    # A policy that only alerts on missing data paged and ticketed on every burn once imported.
    source = tmp_path / "checkout.yaml"
    conditions = "  conditions: [{conditionRef: burn-fast}]"
    text = FULL.replace(conditions, policy + conditions)
    source.write_text(text)
    imported, compilation = import_and_compile("openslo", [source], tmp_path / "out", team="payments")
    for slo in compilation.fleet.services[0].slos:
        assert (slo.alerting.critical, slo.alerting.warning, slo.alerting.info) == (alerting, alerting, False)
    line = text.splitlines().index("metadata: {name: page-fast}") + 2  # its spec:, dropped with the reason
    (policy_spec,) = [d for d in imported.dropped if d.path == ("spec",) and d.location.line == line]
    assert ("alertWhenBreaching: false" in policy_spec.message) is not alerting


def test_an_inline_policy_not_alerting_on_a_breach_and_a_quoted_switch(tmp_path: Path) -> None:
    inline = "alertPolicies:\n    - {kind: AlertPolicy, metadata: {name: quiet}, spec: {alertWhenBreaching: false}}"
    source = tmp_path / "checkout.yaml"
    source.write_text(FULL.replace("alertPolicies: [{alertPolicyRef: page-fast}]", inline))
    imported = import_specs("openslo", [str(source)], ImportOptions(team="payments"))
    assert "alerts: {critical: false, warning: false, info: false}" in imported.specs["checkout.yaml"]
    quoted = '  alertWhenBreaching: "false"\n  conditions: [{conditionRef: burn-fast}]'
    source.write_text(FULL.replace("  conditions: [{conditionRef: burn-fast}]", quoted))
    with pytest.raises(InputError) as caught:
        import_specs("openslo", [str(source)], ImportOptions(team="payments"))
    ((diagnostic),) = caught.value.diagnostics
    assert diagnostic.path == ("spec", "alertWhenBreaching") and "true or false" in diagnostic.message
    assert_located_at_their_keys(caught.value.diagnostics)


def test_linked_objects_no_slo_refers_to_are_reported_as_unreferenced(tmp_path: Path) -> None:
    # "obsc has no equivalent of this field" on a valid SLI read as a kind obsc cannot import; it is only unused.
    source = tmp_path / "checkout.yaml"
    source.write_text(FULL.replace("indicatorRef: checkout-errors", "indicatorRef: checkout-errors-v2"))
    (tmp_path / "v2.yaml").write_text(
        FULL.split("---\n")[1].replace("checkout-errors}", "checkout-errors-v2}")  # the same SLI, renamed
    )
    imported = import_specs("openslo", [str(source), str(tmp_path / "v2.yaml")], ImportOptions(team="payments"))
    line = FULL.splitlines().index("metadata: {name: checkout-errors}") + 2  # the SLI's spec:
    (unused,) = [d for d in imported.dropped if d.location.file == str(source) and d.location.line == line]
    assert unused.path == ("spec",)
    assert unused.message.endswith("no imported SLO refers to this SLI (an SLO's indicatorRef: checkout-errors)")
    assert_located_at_their_keys(imported.dropped)
