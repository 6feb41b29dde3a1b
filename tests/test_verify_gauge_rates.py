"""`obsc verify` finds an SLI that reads a gauge with rate() (round 40).

The Stackdriver (Google Cloud) exporter writes a DELTA metric (`..._https_request_count`, the requests of one
sampling period) as a gauge under a counter-like name, unless it runs with `--monitoring.aggregate-deltas`. A
ratio SLI over it reads rate() of per-period counts: about 0 while the count holds steady, so a whole outage at a
steady rate never pages (as a CloudWatch statistic read as a counter did: promtool, round 40). The name cannot
tell (aggregated, the same name is a counter); the server's metadata can. A fake Prometheus answers the TYPE.
"""

from __future__ import annotations

import urllib.parse
from pathlib import Path
from typing import Any

import pytest

from compiler.verify import VerifyOptions, verify
from tests.fake_prometheus import serving
from tests.platform_text import sink_platform

REQUESTS = "stackdriver_https_lb_rule_loadbalancing_googleapis_com_https_request_count"
SPEC = f"""\
apiVersion: obsc/v1
service: storefront-lb
team: shop
selector: {{job: stackdriver}}
targets: false
metrics:
  requests: {{selector: {REQUESTS}, type: counter}}
  errors: {{selector: '{REQUESTS}{{response_code_class="500"}}', type: counter}}
slos:
  - name: availability
    objective: 99.9
    sli: {{errors: errors, total: requests}}
"""


def _findings(tmp_path: Path, kind: str, spec: str = SPEC) -> tuple[list[str], list[str]]:
    """(the gauge findings, the metadata requests) with every target exposing the requests as `kind` (a kind
    with a comma: one target each)."""
    (tmp_path / "platform.yaml").write_text(sink_platform())
    (tmp_path / "storefront-lb.yaml").write_text(spec)
    asked: list[str] = []

    def route(path: str, query: str) -> Any:
        if path == "/api/v1/metadata":
            metric = urllib.parse.parse_qs(query)["metric"][0]
            asked.append(metric)
            entries = [{"type": k, "help": "", "unit": ""} for k in kind.split(",")]
            return {metric: entries} if metric == REQUESTS else {}
        if path == "/api/v1/query":
            return {"resultType": "vector", "result": [{"metric": {}, "value": [0, "1"]}]}
        if path.startswith("/api/v1/label/"):
            return [REQUESTS, "up"]
        return {"groups": []} if path == "/api/v1/rules" else None

    with serving(route) as url:
        report = verify([str(tmp_path)], VerifyOptions(url, retries=0))
    return [str(f) for f in report.findings if "is a gauge on the server" in f.message], asked


def test_a_ratio_sli_over_a_gauge_is_found_at_the_sli(tmp_path: Path) -> None:
    found, asked = _findings(tmp_path, "gauge")
    assert len(found) == 1, found
    assert found[0].startswith(
        f"{tmp_path / 'storefront-lb.yaml'}:12:10 $.slos[0].sli: SLO 'availability': {REQUESTS} "
    ), found
    assert "--monitoring.aggregate-deltas" in found[0] and "per: window" in found[0], found
    assert asked == [REQUESTS], asked  # one request per metric, errors and total share it


@pytest.mark.parametrize("kind", ["counter", "unknown"])
def test_a_counter_or_a_metric_without_type_says_nothing(tmp_path: Path, kind: str) -> None:
    assert _findings(tmp_path, kind)[0] == []


RAW = (
    SPEC.split("metrics:")[0]
    + """\
slos:
  - name: availability
    objective: 99.9
    min_bad_events: 0
    sli:
      raw:
        errors: ERRORS
        total: TOTAL
"""
)
OTHER = "sum(rate(lb_requests_total{$selector}[$window]))"


@pytest.mark.parametrize(
    ("errors", "total", "per"),
    [
        (f"sum(increase({REQUESTS}{{$selector, response_code_class='500'}}[$window]))", OTHER, ""),
        (OTHER, f"{OTHER} + sum(irate({REQUESTS}{{$selector}}[$window]))", ""),
        (
            f"sum(increase({REQUESTS}{{$selector, response_code_class='500'}}[$window]))",
            f"sum(increase({REQUESTS}{{$selector}}[$window]))",
            "        per: window\n",
        ),
    ],
    ids=["increase", "irate-on-the-right", "increase-per-window"],
)
def test_a_raw_sli_reading_a_gauge_as_a_counter_is_found(tmp_path: Path, errors: str, total: str, per: str) -> None:
    """increase() and irate() count a gauge's rises as rate() does, wherever they stand in the query; under
    `per: window` too (rate and irate are refused there; increase of a counter is the window's count, of a gauge
    only its rises: before round 41 a per-window SLI was not asked)."""
    spec = RAW.replace("ERRORS", errors).replace("TOTAL", total) + per
    found, asked = _findings(tmp_path, "gauge", spec)
    assert len(found) == 1 and REQUESTS in found[0], (found, asked)


def test_a_metric_some_targets_expose_as_a_counter_says_nothing(tmp_path: Path) -> None:
    """Only a metric every target exposes as a gauge is found: the TYPE the targets disagree on is no proof."""
    assert _findings(tmp_path, "gauge,counter")[0] == []
