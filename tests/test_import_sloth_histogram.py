"""A Sloth latency SLI over one histogram imports as obsc's latency SLI (round 54), as OpenSLO's and Pyrra's do
since rounds 44-45. Sloth writes it as the histogram's count less its bucket, `error_query: count - bucket`, or
as `error_ratio_query: 1 - bucket / count`. Kept as written, a build whose histogram has no bucket at that bound:
- `count - bucket` has no series (the right side has none), which obsc counts as no failed events: every
  request read as fast, and the SLO stayed quiet with no SLODataMissing either;
- `1 - bucket / count` was split into `count - (bucket or 0 * count)`: every request read as slow, and a healthy
  service paged.
obsc's latency SLI says SLODataMissing in both cases. Other shapes stay the source's queries, as before."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

from compiler import conventions as names
from compiler.model.types import SliKind
from tests.conftest import require_tool
from tests.import_helpers import import_and_compile
from tests.promtool_helpers import promtool_report, rules_checked_by

H = "http_request_duration_seconds"
MS = "rpc_duration_milliseconds"
W = "{{.window}}"
ROUTE, CODE = ',route="/a"', ',code="200"'

SOURCE = """\
version: "prometheus/v1"
service: shop
labels: {owner: alpha}
slos:
  - name: latency
    objective: 99
    sli:
SLI
    alerting:
      name: ShopLatency
      page_alert: {}
      ticket_alert: {}
"""


def _events(errors: str, total: str) -> str:
    return f"      events:\n        error_query: '{errors}'\n        total_query: '{total}'"


def _ratio(ratio: str) -> str:
    return f"      raw:\n        error_ratio_query: '{ratio}'"


def _count(h: str = H, window: str = W, extra: str = "") -> str:
    return f'sum(rate({h}_count{{job="shop"{extra}}}[{window}]))'


def _bucket(le: str, h: str = H, window: str = W, extra: str = "") -> str:
    return f'sum(rate({h}_bucket{{job="shop"{extra},le="{le}"}}[{window}]))'


EVENTS = _events(f"{_count()} - {_bucket('0.25')}", _count())
RATIO = _ratio(f"1 - ({_bucket('0.25')} / {_count()})")


def _import(tmp_path: Path, sli: str):  # type: ignore[no-untyped-def]
    source = tmp_path / "slo.yaml"
    source.write_text(SOURCE.replace("SLI", sli))
    return import_and_compile("sloth", [source], tmp_path / "out")


@pytest.mark.parametrize(
    ("sli", "threshold", "histogram"),
    [
        (EVENTS, "0.25", H),
        (RATIO, "0.25", H),
        # Go's spellings of the window, parentheses around the difference, `or vector(0)` on it
        (_events(f"({_count(window='{{ .window }}')} - {_bucket('0.25')})", _count()), "0.25", H),
        (_events(f"({_count()} - {_bucket('0.25')}) or vector(0)", _count()), "0.25", H),
        # the total as the `+Inf` bucket, the bound in another spelling, a histogram in milliseconds
        (_events(f"{_count()} - {_bucket('2.5e-1')}", _bucket("+Inf")), "0.25", H),
        (_events(f"{_count(MS)} - {_bucket('300', MS)}", _count(MS)), "0.3", MS),
        (_ratio(f"1 - {_bucket('0.5', extra=ROUTE)} / {_count(extra=ROUTE)}"), "0.5", H),
    ],
)
def test_a_histograms_count_less_its_bucket_is_obscs_latency_sli(
    tmp_path: Path, sli: str, threshold: str, histogram: str
) -> None:
    imported, compilation = _import(tmp_path, sli)
    [slo] = compilation.fleet.services[0].slos
    assert slo.sli.kind is SliKind.LATENCY and slo.sli.threshold_seconds == Decimal(threshold)
    assert slo.sli.latency is not None and slo.sli.latency.selector is not None
    assert slo.sli.latency.selector.metric == histogram
    assert any("latency SLI" in n.message for n in imported.notes)
    assert not any("errors and total" in n.message for n in imported.notes)  # the split note is not said too


@pytest.mark.parametrize(
    "sli",
    [
        _events(f"{_count()} - {_bucket('0.25', extra=CODE)}", _count()),  # the good also tests code
        _events(f"{_count()} - {_bucket('0.25')}", _count("other_seconds")),  # the total counts another histogram
        _events(f"{_count(extra=ROUTE)} - {_bucket('0.25')}", _count()),  # all events of one route only
        _events(f"{_count()} - {_bucket('0.25')} - {_bucket('0.1')}", _count()),  # two subtractions
        _events(
            f'sum by (route) (rate({H}_count{{job="shop"}}[{W}])) - sum by (route) (rate({H}_bucket{{job="shop",'
            f'le="0.25"}}[{W}]))',
            f'sum by (route) (rate({H}_count{{job="shop"}}[{W}]))',
        ),  # grouped: left as Sloth wrote it
        _events(f'sum(rate({H}_count{{code=~"5.."}}[{W}]))', f"sum(rate({H}_count[{W}]))"),  # errors, not latency
        _ratio(f"{_bucket('0.25')} / {_count()}"),  # a ratio of failures: read as written
    ],
)
def test_other_shapes_stay_the_sources_queries(tmp_path: Path, sli: str) -> None:
    _, compilation = _import(tmp_path, sli)
    [slo] = compilation.fleet.services[0].slos
    assert slo.sli.kind is not SliKind.LATENCY


def test_queries_without_a_shared_matcher_stay_raw(tmp_path: Path) -> None:
    # The selector is then a guess ({job: shop}, targets: false), which obsc would add to the histogram's selectors.
    sli = _events(f'sum(rate({H}_count[{W}])) - sum(rate({H}_bucket{{le="0.25"}}[{W}]))', f"sum(rate({H}_count[{W}]))")
    imported, compilation = _import(tmp_path, sli)
    [slo] = compilation.fleet.services[0].slos
    assert slo.sli.kind is not SliKind.LATENCY
    assert not any("latency SLI" in n.message for n in imported.notes)


@pytest.mark.parametrize(
    ("sli", "bucket"),
    [
        # every request slower than 0.3s: read as none failing, quiet, and no SLODataMissing either
        (EVENTS, {"0.1": "0+0x90", "0.3": "0+0x90"}),
        # every request faster than 0.1s: read as every one failing, and a page
        (RATIO, {"0.1": "0+600x90", "0.3": "0+600x90"}),
    ],
    ids=["events-slow", "ratio-fast"],
)
def test_a_build_without_the_bucket_is_missing_data_not_quiet_nor_a_page(
    tmp_path: Path, sli: str, bucket: dict[str, str]
) -> None:
    require_tool("promtool")
    _, compilation = _import(tmp_path, sli)
    rules = compilation.bundle.get(names.prometheus_rules_path("shop"))
    assert rules is not None
    alerts = (names.SLO_BURN_FAST, names.SLO_DATA_MISSING)
    exprs = [f'count(ALERTS{{alertname="{a}",alertstate="firing"}}) or vector(0)' for a in alerts]
    (tmp_path / "rules.yaml").write_text(rules_checked_by(rules.content, exprs))
    series = {f'{H}_bucket{{job="shop",instance="i",le="{le}"}}': values for le, values in bucket.items()}
    series[f'{H}_bucket{{job="shop",instance="i",le="+Inf"}}'] = "0+600x90"
    series[f'{H}_count{{job="shop",instance="i"}}'] = "0+600x90"
    series['up{job="shop",instance="i"}'] = "1x90"
    checks = [
        {"expr": exprs[0], "eval_time": "60m", "exp_samples": [{"labels": "{}", "value": 0}]},
        {"expr": exprs[1], "eval_time": "60m", "exp_samples": [{"labels": "{}", "value": 1}]},
    ]
    order = ["obsc-shop-slo", "obsc-shop-coarse"]
    assert promtool_report(tmp_path, "rules.yaml", series, checks, group_eval_order=order) == ""


ALPHA = """\
apiVersion: openslo/v1alpha
kind: SLO
metadata: {name: shop-latency}
spec:
  service: shop
  budgetingMethod: Occurrences
  objectives:
    - ratioMetrics:
        good: {source: prometheus, queryType: promql, query: 'GOOD'}
        total: {source: prometheus, queryType: promql, query: 'TOTAL'}
      target: 0.99
"""


@pytest.mark.parametrize(
    ("good", "total", "latency"),
    [
        (_bucket("0.25"), _count(), True),
        (_bucket("0.25"), _bucket("+Inf"), True),
        (_bucket("0.25", extra=CODE), _count(), False),  # the good also tests code: Sloth's ratio as before
    ],
)
def test_an_openslo_v1alpha_bucket_over_its_count_is_obscs_latency_sli(
    tmp_path: Path, good: str, total: str, latency: bool
) -> None:
    # The shape Sloth reads from OpenSLO: imported as `total - (good or 0 * total)`, every request slow (a page once
    # its alerts are switched on) where the build has no bucket at that bound.
    source = tmp_path / "slo.yaml"
    source.write_text(ALPHA.replace("GOOD", good).replace("TOTAL", total))
    imported, compilation = import_and_compile("openslo", [source], tmp_path / "out")
    [slo] = compilation.fleet.services[0].slos
    assert (slo.sli.kind is SliKind.LATENCY) is latency
    assert any("latency SLI" in n.message for n in imported.notes) is latency
    assert any("errors (total - good)" in n.message for n in imported.notes) is not latency
