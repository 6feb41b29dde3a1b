"""OpenSLO good/total queries written as `sum(rate(<selector>[<range>]))` over one metric (the usual Prometheus
spelling) import as obsc's `{good, total}` SLI, as bare selectors do: the rules obsc writes for it are the
source's queries, and it gets what a raw SLI goes without (SLODataMissing's check for total series without
the good selector's label, the dashboard's panels of both metrics). Pairs that stay raw say why, located."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from compiler import conventions as names
from compiler.api import compile_specs
from compiler.errors import ExitCode, InputError
from compiler.importers import ImportOptions, import_specs, promql_text
from compiler.model.types import SliKind
from tests.cli_helpers import run_obsc
from tests.import_helpers import assert_located_at_their_keys, import_and_compile
from tests.promtool_helpers import promtool_report

SOURCE = """apiVersion: openslo/v1
kind: SLO
metadata: {name: px-avail}
spec:
  service: px
  budgetingMethod: Occurrences
  indicator:
    metadata: {name: px-good}
    spec:
      ratioMetric:
        counter: true
        good: {metricSource: {type: Prometheus, spec: {query: 'GOOD'}}}
        total: {metricSource: {type: Prometheus, spec: {query: 'TOTAL'}}}
  timeWindow: [{duration: 28d, isRolling: true}]
  objectives: [{target: 0.999}]
  alertPolicies: [{kind: AlertPolicy, metadata: {name: p}, spec: {conditions: []}}]
"""
GOOD_LINE = SOURCE.splitlines().index("        good: {metricSource: {type: Prometheus, spec: {query: 'GOOD'}}}") + 1

# (good query, total query, the metrics the spec names): the reporter's shapes, every one imported raw before.
SHAPES = [
    (
        'sum(rate(http_requests_total{job="px",code=~"2.."}[5m]))',
        'sum(rate(http_requests_total{job="px"}[5m]))',
        ('http_requests_total{code=~"2.."}', "http_requests_total"),
    ),
    (
        'sum(rate(http_requests_total{job="px",code=~"2.."}[{{.window}}]))',
        'sum(rate(http_requests_total{job="px"}[{{ .window }}]))',
        ('http_requests_total{code=~"2.."}', "http_requests_total"),
    ),
    (
        'sum (rate( rpc_seconds_count{job="px",grpc_code="OK"} [1h] ))',
        'sum(rate(rpc_seconds_count{job="px"}[1h]))',
        # a `_count` may be a gauge's name too: read with rate() in the source, it is written as a counter
        (
            '\n    selector: rpc_seconds_count{grpc_code="OK"}\n    type: counter',
            "\n    selector: rpc_seconds_count\n    type: counter",
        ),
    ),
    (
        'sum(increase(jobs_total{job="px",result="ok"}[1d]))',
        'sum(increase(jobs_total{job="px"}[1d]))',
        ('jobs_total{result="ok"}', "jobs_total"),
    ),
]


def _source(tmp_path: Path, good: str, total: str, name: str = "src.yaml") -> Path:
    source = tmp_path / "src" / name
    source.parent.mkdir(parents=True, exist_ok=True)
    source.write_text(SOURCE.replace("GOOD", good).replace("TOTAL", total))
    return source


def _bare(query: str) -> str:
    """The selector of `sum(rate(<selector>[<range>]))`: the source as the bare-selector path already read it."""
    inner = query.split("(", 2)[2]
    return inner[: inner.rindex("[")].strip()


def _artifacts(out: Path) -> dict[str, str]:
    """The compiled rules and dashboards, with the spec directory's name taken out of their headers."""
    bundle = compile_specs([str(out)]).bundle
    return {
        a.path: a.content.replace(str(out), "SPECS") for a in bundle.artifacts if a.path.endswith((".yaml", ".json"))
    }


@pytest.mark.parametrize(("good", "total", "metrics"), SHAPES)
def test_summed_rate_good_total_imports_as_the_good_total_sli_of_its_selectors(
    tmp_path: Path, good: str, total: str, metrics: tuple[str, str]
) -> None:
    imported, compilation = import_and_compile("openslo", [_source(tmp_path, good, total)], tmp_path / "out")
    text = imported.specs["px.yaml"]
    written = f"metrics:\n  px_avail_good: {metrics[0]}\n  px_avail_total: {metrics[1]}\n"
    assert written.replace(": \n", ":\n") in text
    assert "    good: px_avail_good\n    total: px_avail_total\n" in text and "raw:" not in text
    (service,) = compilation.fleet.services
    assert [m.render() for m in service.selector] == ['job="px"'] and service.slos[0].sli.kind is SliKind.RATIO
    assert not [n for n in imported.notes if "imported as raw" in n.message]
    # Everything obsc writes for it (rules, alerts, dashboards) is what the bare selectors give.
    bare = _source(tmp_path, _bare(good), _bare(total), "bare.yaml")
    import_and_compile("openslo", [bare], tmp_path / "bare")
    assert _artifacts(tmp_path / "out") == _artifacts(tmp_path / "bare")


def test_the_imported_specs_validate(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "specs"
    for i, (good, total, _) in enumerate(SHAPES):  # one service each: promtool runs every generated test
        text = SOURCE.replace("GOOD", good).replace("TOTAL", total).replace("service: px", f"service: px{i}")
        (tmp_path / f"s{i}.yaml").write_text(text.replace('job="px"', f'job="px{i}"'))
    sources = [str(tmp_path / f"s{i}.yaml") for i in range(len(SHAPES))]
    result = run_obsc(capsys, "import", "openslo", *sources, "--out", str(out))
    assert result.code == ExitCode.OK, result.err
    assert all("    good: px" in (out / f"px{i}.yaml").read_text() for i in range(len(SHAPES)))
    assert run_obsc(capsys, "validate", str(out)).code == ExitCode.OK


def _alert_fires(tmp_path: Path, alert: str, series: dict[str, str], at: str) -> str:
    """promtool's report on "`alert` of px-avail fires at `at`" ('' when it does)."""
    rules = tmp_path / "rules.yaml"
    rules.write_text(_artifacts(tmp_path / "out")[names.prometheus_rules_path("px")])
    expr = f'group(ALERTS{{alertname="{alert}",alertstate="firing",slo="px-avail"}})'
    check = {"expr": expr, "eval_time": at, "exp_samples": [{"labels": "{}", "value": 1}]}
    return promtool_report(tmp_path, rules.name, series, [check], group_eval_order=["obsc-px-slo", "obsc-px-coarse"])


def test_the_imported_slo_pages_as_the_source_would(tmp_path: Path) -> None:
    good, total, _ = SHAPES[0]
    import_and_compile("openslo", [_source(tmp_path, good, total)], tmp_path / "out")
    # The source's good/total: 10% of requests fail (the 99.9% budget burns at 100x): it pages.
    failing = {
        'http_requests_total{job="px",instance="a",code="200"}': "0+540x60",
        'http_requests_total{job="px",instance="a",code="500"}': "0+60x60",
        'up{job="px",instance="a"}': "1x60",
    }
    assert _alert_fires(tmp_path, names.SLO_BURN_FAST, failing, "30m") == ""
    # A new deploy failing every request has no code="2.." series: no good events, never "no errors".
    deploy = {'http_requests_total{job="px",instance="a",code="503"}': "0+600x60", 'up{job="px",instance="a"}': "1x60"}
    assert _alert_fires(tmp_path, names.SLO_BURN_FAST, deploy, "30m") == ""
    healthy = {'http_requests_total{job="px",instance="a",code="200"}': "0+600x60", 'up{job="px",instance="a"}': "1x60"}
    assert _alert_fires(tmp_path, names.SLO_BURN_FAST, healthy, "30m") != ""


def test_a_target_writing_another_label_name_is_reported_missing_data(tmp_path: Path) -> None:
    # Imported raw, an instance exporting `status` for `code` counted all its requests as failures and the
    # SLODataMissing check that says why was not there; as {good, total} it is.
    good, total, _ = SHAPES[0]
    import_and_compile("openslo", [_source(tmp_path, good, total)], tmp_path / "out")
    series = {
        'http_requests_total{job="px",instance="a",code="200"}': "0+600x60",
        'http_requests_total{job="px",instance="b",status="200"}': "0+600x60",
        'up{job="px",instance="a"}': "1x60",
        'up{job="px",instance="b"}': "1x60",
    }
    assert _alert_fires(tmp_path, names.SLO_DATA_MISSING, series, "30m") == ""


@pytest.mark.parametrize(
    ("good", "total", "key", "why"),
    [
        (
            'sum(rate(x_total{job="px",r="ok"}[5m])) + sum(rate(x_total{job="px",r="retried"}[5m]))',
            'sum(rate(x_total{job="px"}[5m]))',
            "good",
            "the good query is neither a selector nor sum(rate(<selector>[<range>]))",
        ),
        (
            'sum(rate(x_total{job="px",r="ok"}[5m] offset 1m))',
            'sum(rate(x_total{job="px"}[5m]))',
            "good",
            "the good query is neither",
        ),
        (
            'sum(rate(x_total{job="px",r="ok"}[5m] offset 1m))',
            'sum(rate(x_total{job="px"}[5m] offset 1m))',
            "good",
            "the good and total queries are neither",
        ),
        (
            'sum(rate(x_total{job="px",r="ok"}[5m]))',
            'sum(rate(x_total{job=~"px"}[5m]))',
            "total",
            'the total selector lacks the service selector {job="px"}',
        ),
    ],
)
def test_a_pair_that_stays_raw_says_why_at_its_query(tmp_path: Path, good: str, total: str, key: str, why: str) -> None:
    imported = import_specs("openslo", [str(_source(tmp_path, good, total))], ImportOptions())
    assert "raw:" in imported.specs["px.yaml"]
    (note,) = [n for n in imported.notes if "imported as raw" in n.message]
    assert note.path[-1] == key and why in note.message and "SLODataMissing" in note.message
    assert note.location.line == GOOD_LINE + (key == "total")
    assert_located_at_their_keys([note])


@pytest.mark.parametrize(
    "query",
    [
        "sum(rate(" + " " * 100_000 + "x[5m] )) " + " " * 100_000 + "x",
        "sum(rate(x" + "[5m]  " * 30_000,
        "sum(rate(" + "[" * 200_000,
    ],
)
def test_reading_a_long_query_takes_linear_time(query: str) -> None:
    # A regex spanning the selector (this reader's first version, b80c242) backtracked: the first query took 4 min.
    # CPU, not wall time (as the hostile scale tests): a loaded machine slows the clock, not the work; linear
    # reading takes milliseconds, the backtracking minutes.
    started = time.process_time()
    assert promql_text.counted_selector(query) is None
    assert time.process_time() - started < 2


SPEC_EXAMPLE = """\
apiVersion: openslo/v1
kind: SLO
metadata: {name: foo-slo}
spec:
  service: foo
  budgetingMethod: Occurrences
  timeWindow: [{duration: 28d, isRolling: true}]
  indicator:
    metadata: {name: foo-error}
    spec:
      ratioMetric:
        counter: true
        good:
          metricSource:
            type: Prometheus
            spec: {query: 'sum(localhost_server_requests{code=~"2xx|3xx",instance="127.0.0.1:9090"})'}
        total:
          metricSource:
            type: Prometheus
            spec: {query: 'localhost_server_requests{code="total",instance="127.0.0.1:9090"}'}
  objectives: [{target: 0.98}]
"""


def test_the_specs_own_prometheus_example_a_summed_counter_imports_as_good_total(tmp_path: Path) -> None:
    """OpenSLO's ratioMetric example writes good as `sum(<counter selector>)` (counter: true): its change over
    a window is sum(rate(...)). It was refused ("cannot evaluate this query over a window"), with a second,
    wrong error saying the ratio metric had no good query."""
    source = tmp_path / "slo.yaml"
    source.write_text(SPEC_EXAMPLE)
    imported, compilation = import_and_compile("openslo", [source], tmp_path / "out")
    [slo] = compilation.fleet.services[0].slos
    assert slo.sli.kind is SliKind.RATIO and slo.sli.good is not None and slo.sli.good.selector is not None
    assert slo.sli.good.selector.render() == 'localhost_server_requests{code=~"2xx|3xx",instance="127.0.0.1:9090"}'
    assert any("a counter's total is read as its increase" in n.message for n in imported.notes)


def test_a_query_that_fails_is_one_error_not_two(tmp_path: Path) -> None:
    source = tmp_path / "slo.yaml"
    source.write_text(SPEC_EXAMPLE.replace("sum(localhost_server_requests", "max(localhost_server_requests"))
    with pytest.raises(InputError) as caught:
        import_specs("openslo", [str(source)], ImportOptions())
    messages = [d.message for d in caught.value.diagnostics]
    assert len(messages) == 1 and "cannot evaluate this query over a window" in messages[0]


@pytest.mark.parametrize(
    ("good", "total"),
    [
        ('sum(px_requests_total{job="px",code="200"}) by (route)', 'sum(px_requests_total{job="px"}) by (route)'),
        ('sum by (route) (px_requests_total{job="px",code="200"})', 'sum by (route) (px_requests_total{job="px"})'),
    ],
)
def test_a_summed_counter_grouped_after_the_call_reads_as_grouped_before_it(
    tmp_path: Path, good: str, total: str
) -> None:
    # `sum(sel) by (route)` is PromQL's other spelling of `sum by (route) (sel)`: it was refused with "cannot
    # evaluate this query over a window: write a selector", which it is (summed). Since round 46 a grouped pair
    # is obsc's {good, total} SLI per group, as an ungrouped one is (before: the raw `total - good` by route).
    source = tmp_path / "slo.yaml"
    source.write_text(SOURCE.replace("GOOD", good).replace("TOTAL", total))
    imported, compilation = import_and_compile("openslo", [source], tmp_path / "out", team="px")
    [slo] = compilation.fleet.services[0].slos
    assert (slo.by, slo.sli.kind) == (("route",), SliKind.RATIO)
    spec = imported.specs["px.yaml"]
    assert '  px_avail_good: px_requests_total{code="200"}\n  px_avail_total: px_requests_total\n' in spec
