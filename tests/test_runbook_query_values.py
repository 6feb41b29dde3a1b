"""A runbook's queries return the number its alert compared, in the alert's unit, and show the series that set it.

promtool evaluates each page's own PromQL blocks (as an on-call engineer would paste them) beside the
recorded series the alert read, on series chosen so that a query in the wrong unit, of the wrong quantity or
of the wrong end of the series is told apart.
"""

from __future__ import annotations

import re
from pathlib import Path

import yaml

from compiler import conventions as names
from compiler.api import compile_specs
from tests.promtool_helpers import promtool_report

SPEC = """apiVersion: obsc/v1
service: ledger
team: core
selector: {job: ledger}
metrics:
  requests: ledger_requests_total
  errors: ledger_requests_total{code=~"5.."}
  latency: {selector: ledger_request_duration_milliseconds, unit: ms}
  cert: {selector: cert_expiry_timestamp_seconds, type: gauge, unit: dateTimeAsIso, title: Cert expiry}
  pool: {selector: pool_free_connections, type: gauge, aggregation: min, title: Free connections}
slos:
  - {name: latency, objective: 99, sli: {latency: latency, threshold: 200ms}}
threshold_alerts:
  - {name: CertExpiring, metric: cert, within: 10d, for: 1h, tier: warning}
  - {name: PoolExhausted, metric: pool, below: 2, for: 5m, tier: warning}
alerts:
  latency_p99: {critical: 2s}
routing:
  critical: {webhook: {url: "http://relay:8080/page"}}
  warning: {webhook: {url: "http://relay:8080/ticket"}}
  info: {webhook: {url: "http://relay:8080/digest"}}
"""
ELEVEN = range(1, 12)  # one series more than a page lists: the one that matters must be among those shown


def _files(tmp_path: Path) -> dict[str, str]:
    """The compiled SPEC's files by path; the service's rules also written as rules.yaml."""
    (tmp_path / "ledger.yaml").write_text(SPEC)
    files = {a.path: a.content for a in compile_specs([str(tmp_path)]).bundle.artifacts}
    (tmp_path / "rules.yaml").write_text(files[names.prometheus_rules_path("ledger")])
    return files


def _pages(tmp_path: Path) -> dict[str, list[str]]:
    """Each runbook page's PromQL blocks, by alert name (and SLO); the service's rules written as rules.yaml."""
    return _blocks(_files(tmp_path))


def _blocks(files: dict[str, str]) -> dict[str, list[str]]:
    prefix = names.runbook_path("ledger", "X", None).rsplit("/", 1)[0] + "/"
    return {
        path.removeprefix(prefix).removesuffix(".md"): [
            b.strip() for b in re.findall(r"```promql\n(.*?)```", text, re.S)
        ]
        for path, text in files.items()
        if path.startswith(prefix)
    }


def test_latency_quantiles_on_a_page_are_seconds_as_the_p99_alert_compares(tmp_path: Path) -> None:
    """A `unit: ms` histogram: the p99 alert and its line are seconds (2s), and the dashboard multiplies by
    0.001; the runbook's per-instance p99 and p50 read the buckets as written and showed 199 beside 0.199."""
    pages = _pages(tmp_path)
    series = {  # every request between 100 and 200 ms: p99 = 199 ms, p50 = 150 ms
        f'ledger_request_duration_milliseconds_bucket{{job="ledger",instance="a",le="{le}"}}': f"0+{n}x30"
        for le, n in (("100", 0), ("200", 60), ("+Inf", 60))
    }
    series['ledger_request_duration_milliseconds_count{job="ledger",instance="a"}'] = "0+60x30"
    series['ledger_requests_total{job="ledger",instance="a",code="200"}'] = "0+60x30"
    series['up{job="ledger",instance="a"}'] = "1x30"
    checks = []
    quantiles = [(page, b) for page in sorted(pages) for b in pages[page] if "histogram_quantile" in b]
    assert {page for page, _ in quantiles} >= {"ServiceHighLatencyP99", "SLOErrorBudgetBurnFast-latency"}
    for _, block in quantiles:
        labels = '{instance="a"}' if "instance" in block else "{}"
        value = 150 if "histogram_quantile(0.5," in block else 199
        checks.append(
            {
                "expr": f"round(({block}) * 1000)",
                "eval_time": "20m",
                "exp_samples": [{"labels": labels, "value": value}],
            }
        )
    compared = pages["ServiceHighLatencyP99"][0]  # the recorded p99 the alert compares with 2s, in seconds
    assert compared.startswith(names.SERVICE_LATENCY_P99)
    checks.append(
        {
            "expr": f"round({compared} * 1000)",
            "eval_time": "20m",
            "exp_samples": [{"labels": '{service="ledger"}', "value": 199}],
        }
    )
    report = promtool_report(tmp_path, "rules.yaml", series, checks, "1m")
    assert report == "", report[-4000:]


def test_a_within_page_shows_the_time_left_it_compares_and_the_soonest_series(tmp_path: Path) -> None:
    """`within: 10d` compares the soonest timestamp's time left. The page's "same, from the metric itself"
    was the timestamp (1e6, beside 999400 recorded), and its series list was the ten latest of eleven
    certificates: the one expiring was not on it."""
    pages = _pages(tmp_path)
    compared, itself, behind = pages["CertExpiring"]
    series = {f'cert_expiry_timestamp_seconds{{job="ledger",instance="i{i}"}}': f"{i * 1_000_000}x20" for i in ELEVEN}
    soonest = '{__name__="cert_expiry_timestamp_seconds",instance="i1",job="ledger"}'
    checks = [  # at 10m: the soonest (1e6) less time() (600)
        {"expr": compared, "eval_time": "10m", "exp_samples": [{"labels": '{service="ledger"}', "value": 999400}]},
        {"expr": itself, "eval_time": "10m", "exp_samples": [{"labels": "{}", "value": 999400}]},
        {
            "expr": f'{behind} and on(instance) cert_expiry_timestamp_seconds{{instance="i1"}}',
            "eval_time": "10m",
            "exp_samples": [{"labels": soonest, "value": 1_000_000}],
        },
    ]
    report = promtool_report(tmp_path, "rules.yaml", series, checks, "1m")
    assert report == "", report[-4000:]


def test_a_min_below_page_lists_the_series_that_fell_below(tmp_path: Path) -> None:
    """`below: 2` of the `min` of eleven pools: the pool at 0 fires it, and the page's list must hold it."""
    pages = _pages(tmp_path)
    compared, _, behind = pages["PoolExhausted"]
    series = {f'pool_free_connections{{job="ledger",instance="i{i}"}}': f"{10 * i - 10}x20" for i in ELEVEN}
    checks = [
        {"expr": f"{compared} + 0", "eval_time": "10m", "exp_samples": [{"labels": '{service="ledger"}', "value": 0}]},
        {
            "expr": f'{behind} and on(instance) pool_free_connections{{instance="i1"}}',
            "eval_time": "10m",
            "exp_samples": [{"labels": '{__name__="pool_free_connections",instance="i1",job="ledger"}', "value": 0}],
        },
    ]
    report = promtool_report(tmp_path, "rules.yaml", series, checks, "1m")
    assert report == "", report[-4000:]


GROUPED = """apiVersion: obsc/v1
service: shop
team: core
selector: {job: shop}
metrics:
  latency: {selector: shop_request_duration_seconds, buckets: [0.1, 0.3, 1, 10]}
slos:
  - {name: latency, objective: 99, by: [route], sli: {latency: latency, threshold: 300ms}}
routing:
  critical: {webhook: {url: "http://relay:8080/page"}}
  warning: {webhook: {url: "http://relay:8080/ticket"}}
  info: {webhook: {url: "http://relay:8080/digest"}}
"""


def test_a_grouped_latency_page_compares_each_groups_p99_with_the_threshold(tmp_path: Path) -> None:
    """`by: [route]` pages for the route that burns, and the threshold holds per route. The page's "p99 latency,
    to compare with the SLO threshold" summed every route's buckets: /slow, every request in (0.3, 1] at 1/200 of
    the traffic, showed the service's p99 of 99 ms beside the 300 ms threshold its page was about."""
    (tmp_path / "shop.yaml").write_text(GROUPED)
    files = {a.path: a.content for a in compile_specs([str(tmp_path)]).bundle.artifacts}
    page = files[names.runbook_path("shop", names.SLO_BURN_FAST, "latency")]
    blocks = [b.strip() for b in re.findall(r"```promql\n(.*?)```", page, re.S)]
    compare, per_instance = (b for b in blocks if b.startswith("histogram_quantile(0.99"))
    series = {}
    for route, per_minute, bucket in (("/fast", 199, "0.1"), ("/slow", 1, "1")):
        for le in ("0.1", "0.3", "1", "10", "+Inf"):
            count = per_minute if float(le) >= float(bucket) else 0
            labels = f'job="shop",instance="a",route="{route}",le="{le}"'
            series[f"shop_request_duration_seconds_bucket{{{labels}}}"] = f"0+{count}x30"
    by_route = [{"labels": '{route="/fast"}', "value": 99}, {"labels": '{route="/slow"}', "value": 993}]
    checks = [
        {"expr": f"round(({compare}) * 1000)", "eval_time": "20m", "exp_samples": by_route},
        {
            "expr": f"round(({per_instance}) * 1000)",
            "eval_time": "20m",
            "exp_samples": [{"labels": s["labels"][:-1] + ',instance="a"}', "value": s["value"]} for s in by_route],
        },
    ]
    report = promtool_report(tmp_path, (), series, checks, "1m")
    assert report == "", report[-4000:]


def test_a_grouped_ratio_page_breaks_its_own_groups_errors_down_by_kind(tmp_path: Path) -> None:
    """`by: [route]`: the page of /checkout's burn broke errors down by code over every route, so /search's
    steady 500s sat beside /checkout's 503s with nothing to tell them apart."""
    spec = GROUPED.replace("service: shop", "service: cart").replace("job: shop", "job: cart")
    spec = spec.replace(
        "  latency: {selector: shop_request_duration_seconds, buckets: [0.1, 0.3, 1, 10]}\n",
        '  requests: cart_requests_total\n  errors: cart_requests_total{code=~"5.."}\n',
    ).replace(
        "{name: latency, objective: 99, by: [route], sli: {latency: latency, threshold: 300ms}}",
        "{name: availability, objective: 99, by: [route], sli: {errors: errors, total: requests}}",
    )
    (tmp_path / "cart.yaml").write_text(spec)
    files = {a.path: a.content for a in compile_specs([str(tmp_path)]).bundle.artifacts}
    page = files[names.runbook_path("cart", names.SLO_BURN_FAST, "availability")]
    kinds = re.search(r"Bad events by[^\n]*\n\n```promql\n(.*?)```", page, re.S)
    assert kinds is not None, page
    series = {
        'cart_requests_total{job="cart",route="/checkout",code="503"}': "0+6x30",
        'cart_requests_total{job="cart",route="/search",code="500"}': "0+60x30",
    }
    checks = [
        {
            "expr": f"round(({kinds.group(1).strip()}) * 60)",
            "eval_time": "20m",
            "exp_samples": [
                {"labels": '{code="503",route="/checkout"}', "value": 6},
                {"labels": '{code="500",route="/search"}', "value": 60},
            ],
        }
    ]
    report = promtool_report(tmp_path, (), series, checks, "1m")
    assert report == "", report[-4000:]


TRAFFIC = """apiVersion: obsc/v1
service: feed
team: core
selector: {job: feed}
metrics:
  requests: feed_requests_total
routing:
  critical: {webhook: {url: "http://relay:8080/page"}}
  warning: {webhook: {url: "http://relay:8080/ticket"}}
  info: {webhook: {url: "http://relay:8080/digest"}}
"""


def test_the_traffic_anomaly_page_shows_the_ratio_the_alert_compares(tmp_path: Path) -> None:
    """ServiceUnusualTraffic compares 1h averages, now against a week ago; its page showed the 5m ratio: ten
    minutes of triple traffic read 3 there while the alert's value was 1.33 (61 minutes of the subquery)."""
    (tmp_path / "feed.yaml").write_text(TRAFFIC)
    files = {a.path: a.content for a in compile_specs([str(tmp_path)]).bundle.artifacts}
    rules = yaml.safe_load(files[names.prometheus_rules_path("feed")])
    alert = next(
        r for g in rules["groups"] for r in g["rules"] if r.get("alert") == names.KEY_ALERT_NAMES["traffic_anomaly"]
    )
    compared = alert["expr"].split("\nor\n")[0].rsplit(" > ", 1)[0]  # `<ratio> > 1.5\nor\n<ratio> < 0.5`
    page = files[names.runbook_path("feed", alert["alert"], None)]
    (shown,) = (b.strip() for b in re.findall(r"```promql\n(.*?)```", page, re.S) if "offset 1w" in b)
    week = 7 * 24 * 60  # minutes
    series = {f'{names.SERVICE_REQUESTS_RATE}{{service="feed"}}': f"10x{week + 50} 30x10"}
    at = f"{week + 60}m"
    checks = [
        {
            "expr": f"round(({shown}) * 1000)",
            "eval_time": at,
            "exp_samples": [{"labels": '{service="feed"}', "value": 1328}],
        },
        {
            "expr": f"round(({compared}) * 1000)",
            "eval_time": at,
            "exp_samples": [{"labels": '{service="feed"}', "value": 1328}],
        },
    ]
    report = promtool_report(tmp_path, (), series, checks, "1m")
    assert report == "", report[-4000:]
    assert "what the alert compares" in page.split(shown)[0].rsplit("```", 1)[0].rsplit("\n\n", 2)[-2]


def test_the_traffic_milestone_page_shows_the_peak_the_alert_compares(tmp_path: Path) -> None:
    """ServiceTrafficMilestone compares the highest 5m rate of the last hour with that of the 7 days before; its
    page showed the rate now, which after a 20-minute burst is back under the record it says was beaten."""
    (tmp_path / "feed.yaml").write_text(TRAFFIC)
    files = {a.path: a.content for a in compile_specs([str(tmp_path)]).bundle.artifacts}
    rules = yaml.safe_load(files[names.prometheus_rules_path("feed")])
    name = names.KEY_ALERT_NAMES["traffic_milestone"]
    alert = next(r for g in rules["groups"] for r in g["rules"] if r.get("alert") == name)
    compared = alert["expr"].split(" > ", 1)[0]  # `<peak> > <record>\nand ...`
    page = files[names.runbook_path("feed", name, None)]
    shown = [b.strip() for b in re.findall(r"```promql\n(.*?)```", page, re.S) if "[7d]" not in b]
    week = 7 * 24 * 60  # minutes: 10/s for a week, a burst of 40/s, 10/s again for the last 30 minutes
    series = {f'{names.SERVICE_REQUESTS_RATE}{{service="feed"}}': f"10x{week} 40x20 10x30"}
    at = f"{week + 50}m"
    peak = [{"labels": '{service="feed"}', "value": 40}]
    checks = [{"expr": f"max({compared}) by (service)", "eval_time": at, "exp_samples": peak}]
    recorded = [q for q in shown if "service=" in q]  # the raw `sum(rate(...))` has no series here
    assert recorded, "no query on the page but the 7 days' record reads the peak the alert compares"
    checks += [{"expr": f"max({q}) by (service) == 40", "eval_time": at, "exp_samples": peak} for q in recorded]
    report = promtool_report(tmp_path, (), series, checks, "1m")
    assert report == "", report[-4000:]
    assert any("what the alert compares" in line for line in page.splitlines())


def test_key_alert_pages_say_the_evidence_their_rules_need_and_show_it(tmp_path: Path) -> None:
    """Found by the runbook hunt: the error-rate rule needs 3 failures in 5m besides its ratio, and the p99 rule
    3 requests that slow, as their notifications say; the pages said only "above 10% for 5m". A quiet service
    failing 2 requests in 5m reads 100% on the page's ratio query while the alert stays quiet (or resolves), and
    the page had no query for the failures it counts. Each page's tier lines now name the count its rule
    compares, and the error-rate page's query returns it."""
    files = _files(tmp_path)
    rules = [r for g in yaml.safe_load(files[names.prometheus_rules_path("ledger")])["groups"] for r in g["rules"]]
    rules = [r for r in rules if r.get("labels", {}).get("data") != "missing"]  # its missing-data twin (round 54)
    compared = {r["expr"].rsplit("\n", 1)[-1] for r in rules if r.get("alert") == "ServiceHighErrorRate"}
    assert compared == {f'last_over_time({names.SERVICE_ERRORS_RATE}{{service="ledger"}}[5m]) * 300 >= 2.999999'}
    for alert, what in (("ServiceHighErrorRate", "failed requests"), ("ServiceHighLatencyP99", "requests that slow")):
        lines = files[names.runbook_path("ledger", alert, None)].splitlines()
        tiers = [line for line in lines if line[:4] == "- **" and not line.startswith("- **Missing data")]
        assert tiers and all(t.endswith(f", with at least 3 {what} in the last 5m.") for t in tiers), tiers
    pages = _blocks(files)
    failures = [b for b in pages["ServiceHighErrorRate"] if b.startswith(names.SERVICE_ERRORS_RATE)]
    assert len(failures) == 1, pages["ServiceHighErrorRate"]
    series = {  # only failures, 2 in every 5m: a 100% ratio, 2 of the 3 failures the alert needs
        'ledger_requests_total{job="ledger",instance="a",code="500"}': "0+0.4x30",
        'up{job="ledger",instance="a"}': "1x30",
    }
    own = '{service="ledger"}'
    checks = [
        {"expr": f"round({failures[0]})", "eval_time": "20m", "exp_samples": [{"labels": own, "value": 2}]},
        {
            "expr": f"{pages['ServiceHighErrorRate'][0]} + 0",
            "eval_time": "20m",
            "exp_samples": [{"labels": own, "value": 1}],
        },
        {"expr": 'ALERTS{alertname="ServiceHighErrorRate"}', "eval_time": "20m", "exp_samples": []},
    ]
    report = promtool_report(tmp_path, "rules.yaml", series, checks, "1m")
    assert report == "", report[-4000:]
