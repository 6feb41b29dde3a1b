"""OpenSLO v1alpha, the OpenSLO Sloth reads, imported as Sloth maps it (before round 45 it was refused with a
recipe to rewrite it as v1 by hand, also inside a Sloth repository): each objective's good/total queries are an
SLO `<name>-<index>` with the same error ratio over every window, the objective's target, the period in days,
and no alerts (Sloth generates none for them). What Sloth refuses is refused where it lies. Reads
../shared/corpus/sloth at test time (fails under CI=true when it is missing)."""

from __future__ import annotations

import subprocess
from decimal import Decimal
from pathlib import Path

import pytest

from compiler.errors import InputError
from compiler.importers import ImportOptions, import_specs
from tests.conftest import require_shared, require_tool
from tests.import_helpers import import_and_compile

GOOD = "corpus/sloth/validate/good/good-openslo.yaml"


@pytest.mark.parametrize("fmt", ["sloth", "openslo"])
def test_sloths_v1alpha_slo_imports_and_compiles_as_sloth_reads_it(tmp_path: Path, fmt: str) -> None:
    imported, compilation = import_and_compile(fmt, [require_shared(GOOD)], tmp_path)
    [service] = compilation.fleet.services
    [slo] = service.slos
    read = (service.name, slo.name, slo.objective, slo.period_seconds)
    assert read == ("svc01", "slo1-0", Decimal("99.9"), 30 * 86400)
    assert not (slo.alerting.critical or slo.alerting.warning or slo.alerting.info), "Sloth generates none"
    assert any("no alerts for openslo/v1alpha" in n.message for n in imported.notes)
    assert not imported.dropped


def test_a_sloth_repository_with_a_v1alpha_slo_imports_both(tmp_path: Path) -> None:
    """Imported as a Sloth directory, the v1alpha SLO was an error that stopped the whole import."""
    repo = tmp_path / "repo"
    repo.mkdir()
    for name in ("validate/good/good-openslo.yaml", "examples/getting-started.yml"):
        (repo / Path(name).name).write_text(require_shared(f"corpus/sloth/{name}").read_text())
    imported = import_specs("sloth", [str(repo)], ImportOptions())
    assert sorted(imported.services) == ["myservice", "svc01"]


def test_the_error_ratio_is_sloths_over_the_same_series(tmp_path: Path) -> None:
    """Replayed with promtool beside Sloth's own recording rules for the SLO (the shape of its golden for this
    file, out-openslo: `1 - ((good) / (total))` over the window): the same 5m and 1h ratios, 3 failed of 53."""
    promtool = require_tool("promtool")
    _, compilation = import_and_compile("openslo", [require_shared(GOOD)], tmp_path / "out")
    artifact = compilation.bundle.get("prometheus/rules/svc01.yaml")
    assert artifact is not None
    metric = 'http_request_duration_seconds_count{job="myservice"'
    sloth = "\n".join(
        f'  - record: sloth:sli_error:ratio_rate{w}\n    expr: 1 - ((sum(rate({metric},code!~"(5..|429)"}}[{w}])))'
        f" / (sum(rate({metric}}}[{w}]))))"
        for w in ("5m", "1h")
    )
    (tmp_path / "obsc.yaml").write_text(artifact.content)
    (tmp_path / "sloth.yaml").write_text(f"groups:\n- name: sloth\n  rules:\n{sloth}\n")
    same = "(abs(max(slo:sli_error:ratio_rate{w}) - max(sloth:sli_error:ratio_rate{w})) < bool 1e-12)"
    nonzero = "(max(sloth:sli_error:ratio_rate{w}) > bool 0.05)"
    cases = "\n".join(
        f"  - {{expr: '{same.format(w=w)} * {nonzero.format(w=w)}', eval_time: 70m, exp_samples: [{{value: 1}}]}}"
        for w in ("5m", "1h")
    )
    (tmp_path / "test.yaml").write_text(
        "rule_files: [obsc.yaml, sloth.yaml]\nevaluation_interval: 1m\ntests:\n- interval: 1m\n  input_series:\n"
        f"  - {{series: '{metric},code=\"200\"}}', values: '0+50x80'}}\n"
        f"  - {{series: '{metric},code=\"500\"}}', values: '0+1x80'}}\n"
        f"  - {{series: '{metric},code=\"429\"}}', values: '0+2x80'}}\n"
        f"  promql_expr_test:\n{cases}\n"
    )
    run = subprocess.run([promtool, "test", "rules", "test.yaml"], cwd=tmp_path, capture_output=True, text=True)
    assert run.returncode == 0, run.stdout + run.stderr


BAD = """\
apiVersion: openslo/v1alpha
kind: SLO
metadata: {name: slo1}
spec:
  service: svc01
  budgetingMethod: Timeslices
  objectives:
    - target: 0.999
      ratioMetrics:
        good: {source: datadog, queryType: promql, query: 'sum(rate(ok[{{.window}}]))'}
        total: {source: prometheus, queryType: promql, query: 'sum(rate(all[{{.window}}]))'}
    - target: 0.99
      thresholdMetric: {source: prometheus, queryType: promql, query: latency}
  timeWindows:
    - {count: 4, unit: Week}
"""


def test_what_sloth_refuses_in_v1alpha_is_refused_where_it_lies(tmp_path: Path) -> None:
    source = tmp_path / "slo.yaml"
    source.write_text(BAD)
    with pytest.raises(InputError) as raised:
        import_specs("openslo", [str(source)], ImportOptions())
    found = {(d.location.line, d.path[-1]): d.message for d in raised.value.diagnostics}
    assert "Occurrences" in found[(6, "budgetingMethod")]
    assert "prometheus (or sloth)" in found[(10, "source")]
    assert "needs ratioMetrics" in found[(12, 1)]
    assert "in days only" in found[(15, "unit")]
    assert len(found) == 4


def test_a_period_sloth_has_no_windows_for_is_noted(tmp_path: Path) -> None:
    source = tmp_path / "slo.yaml"
    source.write_text(require_shared(GOOD).read_text().replace("count: 30", "count: 7"))
    imported = import_specs("sloth", [str(source)], ImportOptions())
    assert "period: 7d" in imported.specs["svc01.yaml"]
    [note] = [n for n in imported.notes if n.path[-1] == "count"]
    assert "30d and 28d built in" in note.message and note.location.line == 22


def test_sloths_28d_is_built_in_and_each_refusal_of_the_period_and_query_is_located(tmp_path: Path) -> None:
    # Four hand mutants of round 45 passed every test: 28d noted as a period Sloth has no windows for, two time
    # windows read as one, a query without {{.window}} imported as written (a fixed range over every window),
    # `count: true` read as 1 day
    text = require_shared(GOOD).read_text()
    (source := tmp_path / "slo.yaml").write_text(text.replace("count: 30", "count: 28"))
    imported = import_specs("sloth", [str(source)], ImportOptions())
    assert "period: 28d" in imported.specs["svc01.yaml"]
    assert not [n for n in imported.notes if n.path[-1] == "count"]
    # `count: true` is YAML's 1 to Python, no number of days (a mutant of round 45 read a 1-day period)
    truth = text.replace("count: 30", "count: true")
    two = text.replace("      unit: Day", "      unit: Day\n    - count: 7\n      unit: Day")
    fixed = text.replace('code!~"(5..|429)"}[{{.window}}]', 'code!~"(5..|429)"}[5m]')
    for spoiled, (line, where, said) in (
        (two, (21, "timeWindows", "one time window per SLO")),
        (fixed, (15, "query", "the query has no {{.window}}")),
        (truth, (22, "count", "is no whole number of days")),
    ):
        source.write_text(spoiled)
        with pytest.raises(InputError) as raised:
            import_specs("openslo", [str(source)], ImportOptions())
        [found] = raised.value.diagnostics
        assert (found.location.line, found.path[-1]) == (line, where) and said in found.message, found
