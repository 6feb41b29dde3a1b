"""OpenSLO good/total over one histogram, `<h>_bucket{le="<bound>"}` over `<h>_count` (or its `+Inf` bucket),
imports as obsc's latency SLI, as Pyrra's latency indicator does since round 44. Before, it stayed the source's
raw ratio (`count - bucket`): a build whose histogram has no bucket at that bound (other buckets) read as every
request slow and paged a healthy service; obsc's latency SLI reads every `le` spelling of the bound and says
SLODataMissing when no bucket has it. Pairs of another shape stay raw, as before."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

from compiler import conventions as names
from compiler.model.types import SliKind
from tests.import_helpers import import_and_compile
from tests.promtool_helpers import promtool_report, rules_checked_by
from tests.test_import_openslo_good_total import SOURCE

H = "http_request_duration_seconds"
MS = "rpc_duration_milliseconds"
JOB = '{job="px"}'  # the service selector, which obsc adds back


@pytest.mark.parametrize(
    ("good", "total", "threshold", "histogram"),
    [
        (f'sum(rate({H}_bucket{{job="px",le="0.3"}}[5m]))', f'sum(rate({H}_count{{job="px"}}[5m]))', "0.3", H + JOB),
        (f'{H}_bucket{{job="px",le="0.30"}}', f'{H}_bucket{{job="px",le="+Inf"}}', "0.3", H + JOB),
        (
            f'{H}_bucket{{job="px",route="/a",le="3e-1"}}',
            f'{H}_count{{route="/a",job="px"}}',
            "0.3",
            f'{H}{{route="/a",job="px"}}',
        ),
        (
            f'sum(rate({MS}_bucket{{job="px",le="250"}}[{{{{.window}}}}]))',
            f'sum(rate({MS}_count{{job="px"}}[1h]))',
            "0.25",
            MS + JOB,
        ),
    ],
)
def test_a_bucket_over_its_histograms_count_is_obscs_latency_sli(
    tmp_path: Path, good: str, total: str, threshold: str, histogram: str
) -> None:
    source = tmp_path / "slo.yaml"
    source.write_text(SOURCE.replace("GOOD", good).replace("TOTAL", total))
    imported, compilation = import_and_compile("openslo", [source], tmp_path / "out")
    [slo] = compilation.fleet.services[0].slos
    assert slo.sli.kind is SliKind.LATENCY and slo.sli.threshold_seconds == Decimal(threshold)
    assert slo.sli.latency is not None and slo.sli.latency.selector is not None
    assert slo.sli.latency.selector.render() == histogram
    assert any("latency SLI" in n.message for n in imported.notes)


@pytest.mark.parametrize(
    ("good", "total"),
    [
        (f'{H}_bucket{{job="px",code="200",le="0.3"}}', f'{H}_count{{job="px"}}'),  # a good also testing code
        (f'{H}_bucket{{job="px",le="0.3"}}', 'other_seconds_count{job="px"}'),  # another histogram's count
        (f'{H}{{job="px",le="0.3"}}', f'{H}_count{{job="px"}}'),  # le on no bucket series (a mutant read it as one)
        # a bound no duration writes: exit 70 in round 45 (its seconds times 1000 overflowed Decimal's context)
        (f'{H}_bucket{{job="px",le="1e999999"}}', f'{H}_count{{job="px"}}'),
        (f'{MS}_bucket{{job="px",le="1e99999999999"}}', f'{MS}_count{{job="px"}}'),  # overflowed scaled to seconds
    ],
)
def test_other_pairs_over_buckets_stay_the_sources_ratio(tmp_path: Path, good: str, total: str) -> None:
    source = tmp_path / "slo.yaml"
    source.write_text(SOURCE.replace("GOOD", good).replace("TOTAL", total))
    _, compilation = import_and_compile("openslo", [source], tmp_path / "out")
    [slo] = compilation.fleet.services[0].slos
    assert slo.sli.kind is not SliKind.LATENCY


GROUPED = [
    (
        f'sum by (route) (rate({H}_bucket{{job="px",le="0.3"}}[5m]))',
        f'sum by (route) (rate({H}_count{{job="px"}}[5m]))',
    ),
    (
        f'sum(rate({H}_bucket{{job="px",le="0.3"}}[{{{{.window}}}}])) by (route)',
        f'sum(rate({H}_bucket{{job="px",le="+Inf"}}[{{{{.window}}}}])) by (route)',
    ),
]


@pytest.mark.parametrize(("good", "total"), GROUPED)
def test_a_grouped_bucket_over_its_count_is_the_latency_sli_per_group(tmp_path: Path, good: str, total: str) -> None:
    # Round 45 left the grouped pair (`sum by (route)`, in either spelling) the source's ratio, `count - bucket`.
    source = tmp_path / "slo.yaml"
    source.write_text(SOURCE.replace("GOOD", good).replace("TOTAL", total))
    _, compilation = import_and_compile("openslo", [source], tmp_path / "out")
    [slo] = compilation.fleet.services[0].slos
    assert (slo.sli.kind, slo.sli.threshold_seconds, slo.by) == (SliKind.LATENCY, Decimal("0.3"), ("route",))


def test_a_route_whose_build_has_no_bucket_at_the_bound_is_missing_data_not_a_page(tmp_path: Path) -> None:
    """Route /b's histogram has buckets 0.25 and 0.5, not 0.3, and every request is fast. As the source's grouped
    ratio its count minus a bucket that does not exist read every request slow and paged /b; as obsc's latency
    SLI per route it is SLODataMissing, and /a, whose bucket exists, is quiet."""
    good, total = GROUPED[0]
    source = tmp_path / "slo.yaml"
    source.write_text(SOURCE.replace("GOOD", good).replace("TOTAL", total))
    _, compilation = import_and_compile("openslo", [source], tmp_path / "out")
    rules = compilation.bundle.get(names.prometheus_rules_path("px"))
    assert rules is not None
    alerts = (names.SLO_BURN_FAST, names.SLO_DATA_MISSING)
    exprs = [f'count by (route) (ALERTS{{alertname="{a}",alertstate="firing"}})' for a in alerts]
    (tmp_path / "rules.yaml").write_text(rules_checked_by(rules.content, exprs))
    fast = {
        "a": {"0.3": "0+600x90", "+Inf": "0+600x90"},
        "b": {"0.25": "0+600x90", "0.5": "0+600x90", "+Inf": "0+600x90"},
    }
    series = {
        f'{H}_bucket{{job="px",instance="i",route="/{route}",le="{le}"}}': values
        for route, buckets in fast.items()
        for le, values in buckets.items()
    }
    series |= {f'{H}_count{{job="px",instance="i",route="/{route}"}}': "0+600x90" for route in fast}
    series['up{job="px",instance="i"}'] = "1x90"
    checks = [
        {"expr": f"{exprs[0]} or vector(0)", "eval_time": "60m", "exp_samples": [{"labels": "{}", "value": 0}]},
        {"expr": exprs[1], "eval_time": "60m", "exp_samples": [{"labels": '{route="/b"}', "value": 1}]},
    ]
    order = ["obsc-px-slo", "obsc-px-coarse"]
    assert promtool_report(tmp_path, "rules.yaml", series, checks, group_eval_order=order) == ""
