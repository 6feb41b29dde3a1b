"""Dashboards validated without a Grafana server: SDK JSON Schemas, SDK round trip, our lint, promtool."""

from __future__ import annotations

import copy
import json
import re
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml

from compiler import conventions as names
from compiler.api import Compilation
from compiler.errors import ExitCode, InputError, ToolError
from compiler.model.burnrate import hours_to_exhaustion
from compiler.model.panel_ids import panel_ids
from compiler.output import writer
from compiler.targets.grafana import queries as q
from compiler.toolcheck import grafana_lint
from compiler.toolcheck.grafana_lint import Expression, check_promql, lint, range_windows, round_trip, to_promql
from tests.cli_helpers import run_obsc
from tests.conftest import require_tool
from tests.test_grafana_support import (
    SERVICES,
    all_panels,
    compile_dir,
    copy_examples,
    dashboards,
    schema_findings,
    service_dashboard,
    write_fleet,
)

# libyaml where available: every generated rule and test file is read (~10x faster than pure Python).
_LOADER: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

# Options of Grafana's alert-list panel (public/app/plugins/panel/alertlist/types.ts, UnifiedAlertListOptions):
# the SDK ships no schema for this panel, so this is the check its options get.
ALERT_LIST_OPTIONS = {
    "maxItems", "sortOrder", "dashboardAlerts", "groupMode", "groupBy", "alertName", "showInstances", "folder",
    "stateFilter", "alertInstanceLabelFilter", "datasource", "viewMode", "showInactiveAlerts",
}  # fmt: skip
ALERT_STATES = {"firing", "pending", "noData", "normal", "error", "recovering", "inactive"}


@pytest.fixture(scope="module")
def examples(tmp_path_factory: pytest.TempPathFactory) -> Compilation:
    return compile_dir(copy_examples(tmp_path_factory.mktemp("examples")))


@pytest.fixture(scope="module")
def synthetic(tmp_path_factory: pytest.TempPathFactory) -> Compilation:
    return compile_dir(write_fleet(tmp_path_factory.mktemp("fleet")))


@pytest.fixture(params=["examples", "synthetic"])
def compilation(request: pytest.FixtureRequest) -> Compilation:
    result: Compilation = request.getfixturevalue(request.param)
    return result


def _texts(compilation: Compilation) -> dict[str, str]:
    return {p: compilation.bundle.get(p).content for p in dashboards(compilation)}  # type: ignore[union-attr]


# ---------------------------------------------------------------- JSON Schemas of the SDK


def test_every_dashboard_passes_the_sdk_json_schemas(compilation: Compilation) -> None:
    for path, dashboard in dashboards(compilation).items():
        found, uncovered = schema_findings(dashboard)
        assert not found, f"{path}:\n" + "\n".join(found)
        assert uncovered <= {"alertlist"}, uncovered


def test_schema_validation_catches_what_grafana_would_reject(examples: Compilation) -> None:
    dashboard = copy.deepcopy(service_dashboard(examples, "checkout"))
    checkout = next(s for s in examples.fleet.services if s.name == "checkout")
    burn_id = panel_ids(checkout).slo(checkout.slos[0].name)
    burn = next(p for p in all_panels(dashboard) if p.get("id") == burn_id)
    del burn["options"]["legend"]["calcs"]  # the timeseries legend the SDK does not fill in
    burn["targets"][0].pop("expr")
    burn["fieldConfig"]["defaults"]["thresholds"]["steps"][1]["value"] = "14.4"
    dashboard.pop("schemaVersion")
    found, _ = schema_findings(dashboard)
    text = "\n".join(found)
    assert "'schemaVersion' is a required property" in text
    assert f"panel {burn_id} options legend: 'calcs' is a required property" in text
    assert f"panel {burn_id} query A : 'expr' is a required property" in text
    assert f"panel {burn_id} fieldConfig/defaults/thresholds/steps/1/value: '14.4' is not of type 'number'" in text


def test_alert_list_options_are_ones_grafana_knows(compilation: Compilation) -> None:
    for dashboard in dashboards(compilation).values():
        for p in all_panels(dashboard):
            if p["type"] == "alertlist":
                assert set(p["options"]) <= ALERT_LIST_OPTIONS
                assert set(p["options"]["stateFilter"]) <= ALERT_STATES


# ---------------------------------------------------------------- SDK round trip


def test_sdk_round_trip_changes_no_byte(compilation: Compilation) -> None:
    for path, text in _texts(compilation).items():
        assert round_trip(path, text) == [], path


def test_round_trip_names_fields_the_sdk_does_not_know_or_adds(examples: Compilation) -> None:
    path = names.grafana_dashboard_path("payments", "checkout", names.SERVICE_DASHBOARD)
    data = json.loads(_texts(examples)[path])
    data["panels"][1]["colour"] = "red"
    del data["schemaVersion"]
    [finding] = round_trip(path, json.dumps(data, sort_keys=True, indent=2) + "\n")
    assert "$.panels[1].colour is dropped by the SDK" in finding.message
    assert "$.schemaVersion is added by the SDK" in finding.message


# ---------------------------------------------------------------- our lint rules


def test_generated_dashboards_pass_the_lint(compilation: Compilation) -> None:
    for path, dashboard in dashboards(compilation).items():
        assert lint(path, dashboard) == [], path


def _lint_after(examples: Compilation, change: Any) -> list[str]:
    dashboard = copy.deepcopy(service_dashboard(examples, "checkout"))
    change(dashboard, {p["id"]: p for p in all_panels(dashboard)})
    return [f"{f.where}: {f.message}" for f in lint("d.json", dashboard)]


def test_lint_finds_a_panel_without_unit_or_title(examples: Compilation) -> None:
    def change(d: Any, p: dict[int, Any]) -> None:
        del p[10]["fieldConfig"]["defaults"]["unit"]
        p[11]["title"] = " "

    assert _lint_after(examples, change) == [
        'panel 10 "Request rate": has no unit (fieldConfig.defaults.unit)',
        'panel 11 " ": has no title',
    ]


def test_lint_finds_a_query_tied_to_one_datasource(examples: Compilation) -> None:
    def change(d: Any, p: dict[int, Any]) -> None:
        p[12]["targets"][1]["datasource"] = {"type": "prometheus", "uid": "prod-prometheus"}

    assert _lint_after(examples, change) == [
        'panel 12 "Latency" query B: does not use the datasource variable (uid ${datasource})'
    ]


def test_lint_finds_fixed_rate_windows_and_duplicate_ids(examples: Compilation) -> None:
    def change(d: Any, p: dict[int, Any]) -> None:
        p[10]["targets"][0]["expr"] = "sum(rate(http_requests_total[5m]))"
        p[13]["id"] = 12

    found = _lint_after(examples, change)
    assert len(found) == 2, found
    assert found[0].startswith('panel 10 "Request rate" query A: rate(...[5m]) should use [$__rate_interval]')
    assert found[1].startswith('panel 12 "Instances": needs an integer id unique in the dashboard')


def test_lint_reads_the_range_of_a_subquery_not_its_step(examples: Compilation) -> None:
    """A spec's rate(x[$window:1m]) reaches the dashboard as [$__rate_interval:1m]: the range is right."""

    def change(d: Any, p: dict[int, Any]) -> None:
        p[10]["targets"][0]["expr"] = "sum(rate(http_requests_total[$__rate_interval:1m]))"
        p[11]["targets"][0]["expr"] = "sum(rate(http_requests_total[5m:1m]))"

    [found] = _lint_after(examples, change)
    assert found.startswith('panel 11 "Error ratio" query A: rate(...[5m:1m]) should use [$__rate_interval]'), found


def test_lint_finds_a_dashboard_without_the_datasource_variable(examples: Compilation) -> None:
    def change(d: Any, p: dict[int, Any]) -> None:
        d["templating"]["list"] = []

    [finding] = _lint_after(examples, change)
    assert finding.startswith("dashboard: has no datasource template variable named 'datasource'")


def test_a_spec_expression_with_a_fixed_window_is_refused_at_the_spec_line(tmp_path: Path) -> None:
    """The lint used to find this in the generated dashboards; validate now points at the platform's line."""
    specs = write_fleet(tmp_path)
    platform = specs / "platform.yaml"
    text = platform.read_text().replace("[$window]", "[5m]")
    platform.write_text(text)
    with pytest.raises(InputError) as info:
        compile_dir(specs)
    [found] = info.value.diagnostics  # cpu is a platform default: one message, not one per service
    line = next(n for n, t in enumerate(text.splitlines(), 1) if "[5m]" in t)
    assert (found.location.line, found.location.col) == (line, text.splitlines()[line - 1].index("[5m]") + 1)
    assert found.message.startswith("[5m] is a fixed range; write [$window]")


@pytest.mark.parametrize(
    ("expr", "expected"),
    [
        ("sum(rate(x[5m]))", [("rate", "5m")]),
        (
            'increase(x{path="a]b"}[$__range]) / irate(y[ $__rate_interval ])',
            [("increase", "$__range"), ("irate", "$__rate_interval")],
        ),
        ("max_over_time(rate(x[1m:30s])[1h:])", [("rate", "1m:30s")]),
        ("sum(x) / ignoring(rate) y", []),
        ("my_rate(x[5m])", []),
    ],
)  # fmt: skip
def test_range_windows_reads_each_rate_call(expr: str, expected: list[tuple[str, str]]) -> None:
    assert range_windows(expr) == expected


def test_grafana_variables_become_values_promtool_parses() -> None:
    assert to_promql('sum(rate(x{a=~"$service"}[$__rate_interval])) * $__range_s') == (
        'sum(rate(x{a=~"x"}[5m])) * 3600'
    )
    assert to_promql("avg_over_time(x[${interval}]) > [[threshold]]") == "avg_over_time(x[5m]) > x"


# ---------------------------------------------------------------- PromQL through promtool


def test_every_dashboard_query_parses(compilation: Compilation) -> None:
    promtool = require_tool("promtool", "PROMTOOL")
    expressions = [e for path, d in dashboards(compilation).items() for e in grafana_lint.queries(path, d)]
    assert len(expressions) > 30
    assert check_promql(expressions, promtool) == []


def test_a_query_that_does_not_parse_is_named(tmp_path: Path) -> None:
    promtool = require_tool("promtool", "PROMTOOL")
    good = Expression("a.json", 'panel 1 "A" query A', "sum(rate(x[$__rate_interval]))")
    bad = Expression("b.json", 'panel 7 "B" query C', "sum(rate(x[$__rate_interval])")
    [finding] = check_promql([good, bad, good], promtool)
    assert (finding.file, finding.where) == ("b.json", 'panel 7 "B" query C')
    assert "PromQL does not parse" in finding.message and "unclosed left parenthesis" in finding.message


def test_validate_passes_on_written_examples_and_lists_findings_in_a_broken_standard_dashboard(
    examples: Compilation, tmp_path: Path
) -> None:
    require_tool("promtool", "PROMTOOL")
    out = tmp_path / "out"
    writer.write(writer.plan(examples.bundle, str(out)))
    grafana_lint.validate(examples.bundle, str(out))

    standard = out / names.grafana_dashboard_path("payments", "checkout", "golden-signals")
    data = json.loads(standard.read_text())
    data["panels"][0]["targets"][0]["expr"] = "sum(rate(http_requests_total[5m])"
    data["panels"][0]["datasource"] = {"uid": "prometheus-eu"}
    data["panels"][0]["targets"][0].pop("datasource")
    data["panels"][0]["colour"] = "red"
    standard.write_text(json.dumps(data, sort_keys=True, indent=2) + "\n")
    with pytest.raises(ToolError) as caught:
        grafana_lint.validate(examples.bundle, str(out))
    message = str(caught.value)
    assert caught.value.exit_code is ExitCode.DRIFT
    assert message.startswith("Grafana dashboard lint: 4 finding(s):")
    for expected in ("does not use the datasource variable", "should use [$__rate_interval]",
                     "PromQL does not parse", "SDK round trip"):  # fmt: skip
        assert expected in message


def test_lint_finds_two_dashboards_of_one_folder_with_one_title(examples: Compilation, tmp_path: Path) -> None:
    """Grafana takes away a provider's write permission when two of its dashboards share a title in a folder."""
    require_tool("promtool", "PROMTOOL")
    out = tmp_path / "out"
    writer.write(writer.plan(examples.bundle, str(out)))
    standard = out / names.grafana_dashboard_path("payments", "checkout", "golden-signals")
    data = json.loads(standard.read_text())
    data["title"] = "Checkout / Service"  # obsc's own dashboard's title, case aside
    standard.write_text(json.dumps(data, sort_keys=True, indent=2) + "\n")
    with pytest.raises(ToolError) as caught:
        grafana_lint.validate(examples.bundle, str(out))
    assert str(caught.value).endswith(
        "teams/payments/checkout.json: dashboard: has the title 'checkout / service' of "
        "grafana/dashboards/teams/payments/checkout.golden-signals.json in the same folder (Grafana stops "
        "provisioning a folder with duplicate titles)"
    )
    # one title per folder: other folders may repeat it
    assert grafana_lint.shared_titles({"teams/a/x.json": "T", "teams/b/y.json": "T", "teams/a/z.json": "U"}) == []


def test_obsc_compile_lints_the_dashboards_it_writes(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    require_tool("promtool", "PROMTOOL")
    require_tool("amtool", "AMTOOL")
    specs = copy_examples(tmp_path)  # passes as is: test_validate_passes_on_written_examples...
    for other in [*specs.glob("*.yaml"), *specs.glob("*.jsonnet")]:  # checkout alone: promtool tests one service
        if other.name not in ("checkout.yaml", "platform.yaml"):
            other.unlink()
    standard = specs / "lib" / "golden-signals.jsonnet"
    standard.write_text(standard.read_text().replace("'requests/s', requests.rate", "'requests/s', 'sum(rate(x[1m]))'"))
    result = run_obsc(capsys, "compile", str(specs), "--out", str(tmp_path / "bad"))
    assert result.code == ExitCode.DRIFT
    assert "Grafana dashboard lint: 1 finding(s)" in result.err
    assert 'checkout.golden-signals.json: panel 1 "Traffic" query A: rate(...[1m]) should use' in result.err


# ---------------------------------------------------------------- the queries compute what the model says


def test_slo_queries_evaluate_to_the_model_figures(synthetic: Compilation, tmp_path: Path) -> None:
    """Burn rate, SLI over the period and time to exhaustion, evaluated by promtool on recorded series.

    Budget 0.125, error ratio 0.25 over 1h (burn 2), half the budget left, 30 days: exact in binary floats.
    """
    promtool = require_tool("promtool", "PROMTOOL")
    service = next(s for s in synthetic.fleet.services if s.name == "api")
    slo = service.slos[0]
    window = q.current_window(slo)
    assert window is not None and window.long == "1h"
    labels = f'service="{service.name}",slo="{slo.name}"'
    series = {
        f"{names.SLO_ERROR_BUDGET}{{{labels}}}": "0.125",
        f"{names.SLO_BUDGET_REMAINING}{{{labels}}}": "0.5",
        f"{names.SLO_PERIOD_SECONDS}{{{labels}}}": "2592000",
        f'{names.sli_error_ratio("1h")}{{{labels},window="1h"}}': "0.25",
        f'{names.SLI_TOTAL_COARSE}{{{labels},window="5m"}}': "3",  # the SLI has series: its figures are shown
    }
    from decimal import Decimal

    hours = hours_to_exhaustion(Decimal("0.5"), Decimal(2), 2592000)
    assert hours is not None
    checks = {
        q.burn_rate(service, slo, window): "2",
        q.sli(service, slo, window.long_seconds): "0.75",
        q.sli_over_period(service, slo): "0.9375",
        q.time_to_exhaustion(service, slo): str(int(hours * 3600)),
    }
    tests = {
        "rule_files": [],
        "evaluation_interval": "1m",
        "tests": [
            {
                "interval": "1m",
                "input_series": [{"series": s, "values": f"{v}x5"} for s, v in series.items()],
                "promql_expr_test": [
                    {
                        "expr": expr,
                        "eval_time": "2m",
                        "exp_samples": [{"labels": _result_labels(expr, labels), "value": float(value)}],
                    }
                    for expr, value in checks.items()
                ],
            }
        ],
    }
    file = tmp_path / "queries.test.yaml"
    file.write_text(yaml.safe_dump(tests, sort_keys=False))
    done = subprocess.run([promtool, "test", "rules", str(file)], capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "WARNING" not in done.stdout + done.stderr


def _result_labels(expr: str, labels: str) -> str:
    """What the result carries: `on(service, slo)` keeps those two; `1 - x` keeps x's labels but its name."""
    if "on(service, slo) slo:" in expr:  # a join to the SLO's metadata (the gate's `and` keeps the left's labels)
        return "{" + labels + "}"
    window = re.search(r"ratio_rate(\w+)\{", expr)
    return "{" + labels + (f',window="{window.group(1)}"' if window else "") + "}"


# ---------------------------------------------------------------- agreement with the Prometheus target


def test_dashboards_read_only_series_the_generated_rules_record(compilation: Compilation) -> None:
    records = set()
    for artifact in compilation.bundle.artifacts:
        if artifact.path.startswith(names.PROMETHEUS_DIR + "/") and artifact.path.endswith((".yaml", ".yml")):
            for document in yaml.load_all(artifact.content, Loader=_LOADER):
                for group in (document or {}).get("groups", []) if isinstance(document, dict) else []:
                    records |= {r["record"] for r in group.get("rules", []) if "record" in r}
    if not records:
        pytest.skip("the Prometheus target writes no recording rules yet: nothing to compare with")
    used = {
        name
        for d in dashboards(compilation).values()
        for p in all_panels(d)
        for t in p.get("targets", [])
        for name in re.findall(r"(slo:[a-zA-Z0-9_:]+)\{", t["expr"])
    }
    assert used and used <= records, sorted(used - records)


def test_the_synthetic_fleet_covers_every_sli_kind() -> None:
    text = "\n".join(SERVICES.values())
    assert all(kind in text for kind in ("errors: errors, total", "good: good", "latency: latency", "raw:"))


@pytest.mark.parametrize("expr", ['up{a="é\u2028\x85"}', "x\ty", "'\"", " lead", "trail ", "a: b # c", "😀", "\ufeff"])
def test_the_query_file_is_written_as_the_pure_python_emitter_writes_it(expr: str) -> None:
    # promtool reads the queries from a file written by libyaml's emitter (6x less CPU for a fleet's queries).
    document = {"groups": [{"name": "g0", "rules": [{"record": "obsc_lint_q0", "expr": expr}]}]}
    written = yaml.dump(document, Dumper=grafana_lint._SAFE_DUMPER, sort_keys=False, width=1 << 20)
    assert written == yaml.safe_dump(document, sort_keys=False, width=1 << 20)
    assert yaml.safe_load(written) == document
