"""An imported error-ratio SLI (Sloth `raw.error_ratio_query`, OpenSLO `ratioMetric.raw`) pages as the source
does. It was imported as errors = the ratio, total = `(ratio) * 0 + 1`, so obsc's default min_bad_events
guard read the ratio as a failure rate (`rate1h * 3600 >= 3`): at 99.999% the 1h page needed an 83x burn,
not 14.4x, and the 6h one 13.9x, not 6x. Now it is obsc's `raw: {error_ratio}` SLI, which has no guard;
proven with promtool on series written here by hand (the hunter's ledger case)."""

from __future__ import annotations

import re
from pathlib import Path

import yaml

from compiler import conventions as names
from compiler.importers import ImportOptions, import_specs, promql_text
from tests.conftest import require_shared
from tests.import_helpers import import_and_compile
from tests.promtool_helpers import promtool_report, rules_read_by

LEDGER = """\
version: "prometheus/v1"
service: "ledger"
labels: {owner: "fin"}
slos:
  - name: "writes"
    objective: 99.999
    sli:
      raw:
        error_ratio_query: |
          sum(rate(ledger_write_errors_total{job="ledger"}[{{.window}}]))
          /
          sum(rate(ledger_writes_total{job="ledger"}[{{.window}}]))
    alerting: {name: LedgerWrites, page_alert: {}, ticket_alert: {}}
"""


def _burning(tmp_path: Path, errors_per_minute: str, at: str, windows: dict[str, int]) -> str:
    """promtool's report ('' when it passes) on 100 writes/s with the given failures, checking how many burn
    alerts of each window fire at `at`."""
    source = tmp_path / "ledger-sloth.yaml"
    source.write_text(LEDGER)
    _, compilation = import_and_compile("sloth", [source], tmp_path / "specs")
    rules = compilation.bundle.get(names.prometheus_rules_path("ledger"))
    assert rules is not None
    # the page's pairs (the alerts checked) and what they read: the key and coarse groups only cost time
    kept = rules_read_by(rules.content, alert=lambda rule: rule["alert"] == names.SLO_BURN_FAST)
    (tmp_path / "rules.yaml").write_text(kept)
    checks = [
        {
            "expr": f'count(ALERTS{{alertname="{names.SLO_BURN_FAST}",burn_window="{window}",alertstate="firing"}}) '
            "or vector(0)",
            "eval_time": at,
            "exp_samples": [{"labels": "{}", "value": count}],
        }
        for window, count in windows.items()
    ]
    series = {
        'ledger_writes_total{job="ledger"}': "0+6000x600",
        'ledger_write_errors_total{job="ledger"}': f"0+{errors_per_minute}x600",
        'up{job="ledger"}': "1x600",
    }
    order = [g["name"] for g in yaml.safe_load(kept)["groups"]]
    return promtool_report(tmp_path, "rules.yaml", series, checks, group_eval_order=order)


def test_a_50x_burn_at_99_999_pages_on_the_1h_pair(tmp_path: Path) -> None:
    # 0.05 failed writes/s of 100: ratio 5e-4 = 50x the 1e-5 budget (the guard wanted 83x: no page)
    assert _burning(tmp_path, "3", "30m", {"fast": 1}) == ""


def test_a_10x_burn_at_99_999_pages_on_the_6h_pair_and_not_the_1h_one(tmp_path: Path) -> None:
    # 0.01 failed writes/s of 100, 36 an hour: 10x the budget, above the 6h pair's 6x (the guard wanted 13.9x)
    assert _burning(tmp_path, "0.6", "8h", {"medium": 1, "fast": 0}) == ""


def test_a_ratio_of_two_summed_rates_imports_as_errors_and_total(tmp_path: Path) -> None:
    """Round 31: `sum(rate(bad)) / sum(rate(all))` is two event rates; as {errors, total} obsc's 1d and 3d windows
    weigh each request alike, as Sloth's own `[1d]` and `[3d]` queries do (tests/test_sloth_behaviour.py replays
    the ticket an error_ratio SLI missed). Its burn alerts then carry the min_bad_events guard, which counts real
    failed events here: the 50x and 10x burns above still page."""
    source = tmp_path / "ledger.yaml"
    source.write_text(LEDGER)
    imported = import_specs("sloth", [str(source)], ImportOptions())
    spec = yaml.safe_load(imported.specs["ledger.yaml"])
    assert spec["slos"][0]["sli"] == {
        "raw": {
            "errors": 'sum(rate(ledger_write_errors_total{job="ledger"}[$window]))',
            "total": 'sum(rate(ledger_writes_total{job="ledger"}[$window]))',
        }
    }
    notes = {n.path: n.message for n in imported.notes}
    assert "imported as the SLI's errors and total" in notes[("slos", 0, "sli", "raw", "error_ratio_query")]
    assert "need min_bad_events failed events" in notes[("slos",)]
    assert "hold 2m / 15m (pages) and 5m (tickets)" in notes[("slos",)]


def test_other_ratio_shapes_stay_an_error_ratio() -> None:
    """Only one top-level division of two `sum(rate|increase(...))` calls is split; anything else is kept whole."""
    kept = [
        "1 - (sum(sum_over_time(x[{{.window}}])) / sum(count_over_time(x[{{.window}}])))",
        "sum(rate(e[{{.window}}])) or vector(0) / sum(rate(t[{{.window}}]))",  # `or` binds looser than `/`
        "sum(rate(e[{{.window}}])) / on () sum(rate(t[{{.window}}]))",
        "sum(rate(e[{{.window}}])) / sum(rate(t[{{.window}}])) / 2",
        "sum(rate(e[{{.window}}])) + sum(rate(f[{{.window}}])) / sum(rate(t[{{.window}}]))",
        "sum(rate(e[5m])) / sum(rate(t[5m]))",
        # round 31: an increase over a rate is the ratio times the window's seconds in the source; split, obsc
        # (reading increase as rate) alerted on the plain ratio
        "sum(increase(e[{{.window}}])) / sum(rate(t[{{.window}}]))",
    ]
    assert [promql_text.ratio_of_sums(q) for q in kept] == [None] * len(kept)
    split = 'sum by (region) (rate(e{path="/a/b"}[{{.window}}])) / (sum by (region) (rate(t[{{.window}}])))'
    assert promql_text.ratio_of_sums(split) == (
        'sum by (region) (rate(e{path="/a/b"}[$window]))',
        "sum by (region) (rate(t[$window]))",
    )
    # round 31: the numerator's zero fallback is obsc's own reading of absent errors (the same ratio)
    fallback = "(sum(rate(e[{{.window}}])) or vector(0)) / sum(rate(t[{{.window}}]))"
    assert promql_text.ratio_of_sums(fallback) == ("sum(rate(e[$window]))", "sum(rate(t[$window]))")
    increases = "sum(increase(e[{{.window}}])) / sum(increase(t[{{.window}}]))"  # obsc reads increase as rate
    assert promql_text.ratio_of_sums(increases) == ("sum(increase(e[$window]))", "sum(increase(t[$window]))")


def test_the_sloth_raw_example_imports_as_an_error_ratio(tmp_path: Path) -> None:
    spec = require_shared("corpus/sloth/examples/raw-home-wifi.yml")
    _, compilation = import_and_compile("sloth", [spec], tmp_path)
    kinds = {slo.sli.kind.value for slo in compilation.fleet.services[0].slos}
    assert kinds == {"error_ratio"}


OPENSLO_RAW = """\
apiVersion: openslo/v1
kind: SLO
metadata: {name: writes}
spec:
  service: ledger
  indicator:
    metadata: {name: write-success}
    spec:
      ratioMetric:
        counter: true
        rawType: success
        raw:
          metricSource:
            type: Prometheus
            spec: {query: 'sum(rate(ok_total[{{.window}}])) / sum(rate(all_total[{{.window}}]))'}
  timeWindow: [{duration: 28d, isRolling: true}]
  objectives: [{targetPercent: 99.99}]
"""


def test_an_openslo_raw_success_ratio_of_two_rates_imports_as_errors_and_total(tmp_path: Path) -> None:
    """Round 31: a success ratio of two summed rates is total - good over total (tests/test_openslo_raw_behaviour.py
    replays the ticket the error_ratio SLI it used to become missed)."""
    source = tmp_path / "writes.yaml"
    source.write_text(OPENSLO_RAW)
    imported = import_specs("openslo", [str(source)], ImportOptions(team="fin"))
    spec = yaml.safe_load(imported.specs["ledger.yaml"])
    good, total = "sum(rate(ok_total[$window]))", "sum(rate(all_total[$window]))"
    assert spec["slos"][0]["sli"] == {"raw": {"errors": f"{total} - ({good} or 0 * {total})", "total": total}}
    (note,) = [n.message for n in imported.notes if "imported as the SLI's errors and total" in n.message]
    assert "errors = total - good" in note


def test_a_sloth_one_minus_success_ratio_imports_as_errors_and_total(tmp_path: Path) -> None:
    """Round 31: Sloth's `1 - good/total` is the same two event rates; as an error_ratio SLI its 1d and 3d windows
    averaged 5m ratios."""
    query = "1 - (sum(rate(ok_total[{{.window}}])) / sum(rate(all_total[{{.window}}])))"
    assert promql_text.error_events(query, failures=True) == (
        "sum(rate(all_total[$window])) - (sum(rate(ok_total[$window])) or 0 * sum(rate(all_total[$window])))",
        "sum(rate(all_total[$window]))",
        True,
        "sum(rate(ok_total[$window]))",
    )
    source = tmp_path / "ledger.yaml"
    written = "error_ratio_query: |\n          " + query + "\n    alerting:"
    source.write_text(re.sub(r"error_ratio_query: \|\n.*?\n    alerting:", lambda _: written, LEDGER, flags=re.DOTALL))
    spec = yaml.safe_load(import_specs("sloth", [str(source)], ImportOptions()).specs["ledger.yaml"])
    assert spec["slos"][0]["sli"]["raw"]["total"] == "sum(rate(all_total[$window]))"
