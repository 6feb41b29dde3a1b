"""`obsc import pyrra`: every ServiceLevelObjective of ../shared/corpus/pyrra (the Kubernetes resource and
the plain file form) imports and compiles; ratio and latency indicators keep their meaning; grouping is
obsc's `by:`; Kubernetes labels are reported where they are written."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

from compiler.errors import InputError
from compiler.importers import ImportOptions, import_specs
from compiler.model.types import SliKind
from tests.conftest import require_shared
from tests.import_helpers import assert_located_at_their_keys, import_and_compile


def _corpus() -> list[Path]:
    folder = require_shared("corpus/pyrra")
    return sorted(p for p in folder.glob("*.yaml"))


def test_every_pyrra_objective_imports_and_compiles(tmp_path: Path) -> None:
    files = [p for p in _corpus() if p.name != "mimir-example-slo.yaml"]  # same name as another: imported apart
    imported, compilation = import_and_compile("pyrra", files, tmp_path / "k8s")
    services = {s.name: s for s in compilation.fleet.services}
    assert len(services) == len(files)
    kubelet = services["kubelet-request-errors"].slos[0]
    assert (kubelet.objective, kubelet.period_seconds, kubelet.sli.kind) == (Decimal(99), 14 * 86400, SliKind.RATIO)
    assert [m.render() for m in services["kubelet-request-errors"].selector] == ['job="kubelet"']
    # a shared matcher that is not `job` becomes the selector, with a note that `up` may not carry it
    component = [n for n in imported.notes if "selector {component: apiserver}" in n.message]
    assert {Path(n.location.file).name for n in component} == {
        "slo-apiserver-read-cluster-latency.yaml",
        "slo-apiserver-write-response-errors.yaml",
    }
    assert kubelet.sli.errors is not None and kubelet.sli.errors.selector is not None
    assert kubelet.sli.errors.selector.render() == 'rest_client_requests_total{code=~"5..",job="kubelet"}'
    # the spec says the shared matcher once, in the selector (obsc adds it to every metric)
    assert "  requests: rest_client_requests_total\n" in imported.specs["kubelet-request-errors.yaml"]
    latency = services["apiserver-read-cluster-latency"].slos[0]
    assert (latency.sli.kind, latency.sli.threshold_seconds) == (SliKind.LATENCY, Decimal(5))
    # no shared matcher: still a latency SLI (a series without the bucket is not all slow), with
    # service_selector: false, so no matcher is added that Pyrra did not have
    resource = services["apiserver-read-resource-latency"].slos[0]
    assert (resource.sli.kind, resource.sli.threshold_seconds) == (SliKind.LATENCY, Decimal("0.1"))
    assert resource.sli.latency is not None and resource.sli.latency.selector is not None
    assert resource.sli.latency.selector.render() == 'apiserver_request_sli_duration_seconds{verb=~"LIST|GET"}'
    assert services["prometheus-api-query"].slos[0].period_seconds == 7 * 86400
    dropped = {(Path(d.location.file).name, d.path) for d in imported.dropped}
    # grouping is obsc's by: one SLO per controller, so one failing controller is not diluted by the others
    assert ("slo-prometheus-operator-reconcile-errors.yaml", ("spec", "indicator", "ratio", "grouping")) not in dropped
    assert services["prometheus-operator-reconcile-errors"].slos[0].by == ("controller",)
    assert ("slo-kubelet-request-errors.yaml", ("metadata", "labels")) in dropped
    assert_located_at_their_keys(imported.dropped)
    _, alone = import_and_compile("pyrra", [require_shared("corpus/pyrra/mimir-example-slo.yaml")], tmp_path / "file")
    assert alone.fleet.services[0].slos[0].sli.threshold_seconds == Decimal(5)


def test_one_name_in_two_namespaces_is_two_services_each_paging_its_own_team(tmp_path: Path) -> None:
    # A Kubernetes object is namespace/name: merged, the `default` objective paged `monitoring`.
    files = [
        require_shared(f"corpus/pyrra/{n}")
        for n in ("slo-apiserver-read-cluster-latency.yaml", "mimir-example-slo.yaml")
    ]
    imported, compilation = import_and_compile("pyrra", files, tmp_path)
    teams = {s.name: s.team for s in compilation.fleet.services}
    assert teams == {
        "apiserver-read-cluster-latency-default": "default",
        "apiserver-read-cluster-latency-monitoring": "monitoring",
    }
    apart = [n for n in imported.notes if "defined by several owners" in n.message]
    assert {Path(n.location.file).name for n in apart} == {f.name for f in files}


def _objective(namespace: str, job: str) -> str:
    return f"""\
apiVersion: pyrra.dev/v1alpha1
kind: ServiceLevelObjective
metadata: {{name: checkout, namespace: {namespace}}}
spec:
  target: "99.5"
  window: 4w
  indicator:
    ratio:
      errors: {{metric: 'http_requests_total{{job="{job}",code=~"5.."}}'}}
      total: {{metric: 'http_requests_total{{job="{job}"}}'}}
"""


def test_hunted_checkout_in_team_a_and_team_b_keeps_each_teams_selector(tmp_path: Path) -> None:
    (tmp_path / "a.yaml").write_text(_objective("team-a", "checkout-a"))
    (tmp_path / "b.yaml").write_text(_objective("team-b", "checkout-b"))
    _, compilation = import_and_compile("pyrra", [tmp_path / "a.yaml", tmp_path / "b.yaml"], tmp_path / "out")
    found = {s.name: (s.team, [m.render() for m in s.selector]) for s in compilation.fleet.services}
    assert found == {
        "checkout-team-a": ("team-a", ['job="checkout-a"']),
        "checkout-team-b": ("team-b", ['job="checkout-b"']),
    }


def test_a_ratio_counter_named_unlike_one_says_its_type(tmp_path: Path) -> None:
    # Pyrra reads a ratio's metrics with increase(): counters, whatever their names say. obsc refuses requests
    # and errors named unlike a counter (a recorded rate there never paged), so the import must say the type.
    (tmp_path / "c.yaml").write_text(
        _objective("team-a", "checkout").replace("http_requests_total", "legacy_http_requests")
    )
    imported, compilation = import_and_compile("pyrra", [tmp_path / "c.yaml"], tmp_path / "out")
    assert "  requests:\n    selector: legacy_http_requests\n    type: counter\n" in imported.specs["checkout.yaml"]
    slo = compilation.fleet.services[0].slos[0]
    assert slo.sli.errors is not None and slo.sli.errors.selector is not None
    assert slo.sli.errors.selector.render() == 'legacy_http_requests{code=~"5..",job="checkout"}'


def test_one_namespace_and_name_twice_is_an_error_naming_both_files(tmp_path: Path) -> None:
    (tmp_path / "a.yaml").write_text(_objective("team-a", "checkout"))
    (tmp_path / "b.yaml").write_text(_objective("team-a", "checkout"))
    with pytest.raises(InputError, match=r"b.yaml:\d+:\d+ .*already has an SLO 'availability' \(.*a.yaml:\d+:\d+\)"):
        import_specs("pyrra", [str(tmp_path / "a.yaml"), str(tmp_path / "b.yaml")], ImportOptions())
    # different selectors: one spec cannot have both (obsc adds the selector to every metric)
    (tmp_path / "b.yaml").write_text(_objective("team-a", "checkout-b"))
    with pytest.raises(
        InputError, match=r"b.yaml:3:12 \$: service 'checkout' of namespace 'team-a' is also defined at"
    ):
        import_specs("pyrra", [str(tmp_path / "a.yaml"), str(tmp_path / "b.yaml")], ImportOptions())


BOOL_GAUGE = """\
apiVersion: pyrra.dev/v1alpha1
kind: ServiceLevelObjective
metadata: {name: probe-up, namespace: edge}
spec:
  target: "99.5"
  window: 4w
  indicator:
    bool_gauge: {metric: 'probe_success{job="blackbox"}'}
  alerting: {name: ProbeBurn, absent: true}
"""

SWITCHED_OFF = """\
apiVersion: pyrra.dev/v1alpha1
kind: ServiceLevelObjective
metadata: {name: quiet, namespace: edge}
spec:
  target: "99"
  window: 28d
  indicator:
    ratio:
      errors: {metric: 'edge_requests_total{job="edge",code="500"}'}
      total: {metric: 'edge_requests_total{job="edge"}'}
  alerting: {disabled: true}
"""


def test_switched_off_alerts_stay_off(tmp_path: Path) -> None:
    source = tmp_path / "quiet.yaml"
    source.write_text(SWITCHED_OFF)
    imported, compilation = import_and_compile("pyrra", [source], tmp_path / "out")
    slo = compilation.fleet.services[0].slos[0]
    assert (slo.alerting.critical, slo.alerting.warning, slo.alerting.info) == (False, False, False)
    assert imported.dropped == []


@pytest.mark.parametrize("alerting", ["false", "off", '"disabled"', "[]"])
def test_alerting_that_is_no_mapping_is_refused(tmp_path: Path, alerting: str) -> None:
    # `alerting: false` imported with every burn alert on, without a word.
    source = tmp_path / "scalar.yaml"
    source.write_text(SWITCHED_OFF.replace("alerting: {disabled: true}", f"alerting: {alerting}"))
    with pytest.raises(InputError) as caught:
        import_specs("pyrra", [str(source)], ImportOptions())
    ((diagnostic),) = caught.value.diagnostics
    assert (diagnostic.location.line, diagnostic.path) == (11, ("spec", "alerting"))
    assert "alerting is a mapping" in diagnostic.message


@pytest.mark.parametrize("switch", ['disabled: "true"', "disabled: 'yes'", 'burnrates: "false"', "disabled: 1"])
def test_alerting_switches_must_be_booleans(tmp_path: Path, switch: str) -> None:
    # Pyrra's CRD types them as booleans; `disabled: "true"` (quoted) imported with every burn alert on.
    source = tmp_path / "quoted.yaml"
    source.write_text(SWITCHED_OFF.replace("alerting: {disabled: true}", f"alerting: {{{switch}}}"))
    with pytest.raises(InputError) as caught:
        import_specs("pyrra", [str(source)], ImportOptions())
    ((diagnostic),) = caught.value.diagnostics
    key = switch.split(":")[0]
    assert (diagnostic.location.line, diagnostic.path) == (11, ("spec", "alerting", key))
    assert "must be true or false (unquoted)" in diagnostic.message
    assert_located_at_their_keys(caught.value.diagnostics)


@pytest.mark.parametrize(("switch", "on"), [("disabled: no", True), ("burnrates: off", False)])
def test_alerting_switches_read_yaml_booleans(tmp_path: Path, switch: str, on: bool) -> None:
    source = tmp_path / "plain.yaml"
    source.write_text(SWITCHED_OFF.replace("alerting: {disabled: true}", f"alerting: {{{switch}}}"))
    imported = import_specs("pyrra", [str(source)], ImportOptions())
    assert (
        f"alerts: {{critical: {str(on).lower()}, warning: {str(on).lower()}, info: false}}"
        in imported.specs["quiet.yaml"]
    )


def test_an_indicator_without_an_obsc_kind_is_reported_and_nothing_else_is_silent(tmp_path: Path) -> None:
    source = tmp_path / "probe.yaml"
    source.write_text(BOOL_GAUGE)
    imported = import_specs("pyrra", [str(source)], ImportOptions(team="edge"))
    assert imported.specs == {}
    assert {d.path for d in imported.dropped} == {
        ("spec", "indicator", "bool_gauge"),
        ("spec", "alerting", "name"),
        ("spec", "alerting", "absent"),
    }
    assert_located_at_their_keys(imported.dropped)
