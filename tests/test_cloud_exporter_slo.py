"""A CloudWatch-exported ALB gets a correct, quiet SLO: `per: window` and `idle_while` (round 40).

The exporter writes one gauge per statistic and minute, stamped 10 minutes in the past, and no sample for a minute
without datapoints (no request, no 5xx). Its SLI adds the periods up (`sum_over_time(...[$window] offset 10m)`).
Until this round that SLI had to say `min_bad_events: 0` (obsc read the sums per second: one failure read as 3,600
over an hour) and SLODataMissing read every idle night as missing data. Replayed here with promtool, 1m steps, on
the compiled rules of the recipe (`per: window`, `idle_while`, the default floor of 3) beside the old recipe
(`min_bad_events: 0`, neither option) under another load balancer's labels, in one promtool run:
- a 30-minute total outage pages once (one run of minutes, from 75m) and the page ends;
- one 5xx among 30 requests in a quiet hour pages nothing (the old recipe: a fast page 15 minutes after it);
- an idle night (traffic until 60m, then no request series for 90 minutes) tickets nothing (old: SLODataMissing
  from 80m);
- a total whose whole family vanishes (the load balancer's labels changed) and a total never written (a typo'd
  name, the healthy-host count present) are still missing data.
"""

from __future__ import annotations

import re
import subprocess
from pathlib import Path
from typing import Any, NamedTuple

import yaml

from compiler.api import CompileOptions, compile_specs
from tests.conftest import require_tool
from tests.platform_text import sink_platform
from tests.promtool_helpers import minutes_of

SPEC = """\
apiVersion: obsc/v1
service: {service}
team: payments
selector: {{job: cloudwatch, load_balancer: {balancer}}}
targets: false
slos:
  - name: availability
    objective: 99.9
{options}"""
RAW = """\
    sli:
      raw:
        errors: sum(sum_over_time(aws_applicationelb_httpcode_target_5_xx_count_sum{$selector}[$window] offset 10m))
        total: sum(sum_over_time(aws_applicationelb_request_count_sum{$selector}[$window] offset 10m))
"""
RECIPE = RAW + "        per: window\n        idle_while: aws_applicationelb_healthy_host_count_average{$selector}\n"
OLD = "    min_bad_events: 0\n" + RAW
BALANCERS = {"invoices-alb": "app/invoices/1", "old-recipe": "app/old/1"}
STEP = 5  # minutes between checks


def _rules(tmp_path: Path) -> list[str]:
    specs = tmp_path / "specs"
    specs.mkdir()
    (specs / "platform.yaml").write_text(sink_platform())
    for service, options in (("invoices-alb", RECIPE), ("old-recipe", OLD)):
        text = SPEC.format(service=service, balancer=BALANCERS[service], options=options)
        (specs / f"{service}.yaml").write_text(text)
    bundle = compile_specs([str(specs)], CompileOptions(jobs=1)).bundle
    files = []
    for service in BALANCERS:
        artifact = bundle.get(f"prometheus/rules/{service}.yaml")
        assert artifact is not None
        (tmp_path / f"{service}.yaml").write_text(artifact.content)
        files.append(f"{service}.yaml")
    return files


def _series(metric: str, balancer: str, values: str) -> tuple[str, str]:
    return f'{metric}{{job="cloudwatch",load_balancer="{balancer}"}}', values


REQUESTS, FAILED = "aws_applicationelb_request_count_sum", "aws_applicationelb_httpcode_target_5_xx_count_sum"
HEALTHY = "aws_applicationelb_healthy_host_count_average"


class Scenario(NamedTuple):
    span: int  # minutes
    series: dict[str, str]


def _scenario(span: int, requests: dict[range, str], failed: dict[range, str], **kw: Any) -> Scenario:
    """The three series, a value a minute for `span` minutes (`_`: no sample), under both load balancers (`kw`:
    healthy: the healthy-host count's values, "" for none; name: the total's metric)."""
    healthy, name = kw.get("healthy", f"2x{span}"), kw.get("name", REQUESTS)
    out = {}
    for balancer in BALANCERS.values():
        out.update([_series(name, balancer, _per_minute(span, requests))])
        out.update([_series(FAILED, balancer, _per_minute(span, failed))])
        if healthy:
            out.update([_series(HEALTHY, balancer, healthy)])
    return Scenario(span, out)


def _per_minute(span: int, values: dict[range, str]) -> str:
    """A value per minute: the first range holding the minute, else no sample."""
    return " ".join(next((v for r, v in values.items() if m in r), "_") for m in range(span + 1))


ALWAYS = range(100_000)
SCENARIOS = {
    # 50 requests a minute, all failing 60-90m
    "outage": _scenario(180, {ALWAYS: "50"}, {range(60, 90): "50"}),
    # a request every other minute (30 an hour), one failing at 120m
    "quiet": _scenario(180, {range(0, 1000, 2): "1"}, {range(120, 121): "1"}),
    # traffic until 60m, then none for 90 minutes; the healthy-host count stays
    "idle": _scenario(150, {range(60): "50"}, {}),
    # the load balancer's labels change at 60m: the whole family leaves the selector
    "family gone": _scenario(100, {range(60): "50"}, {}, healthy="2x59"),
    # the spec's total is a name the exporter never writes
    "typo": _scenario(30, {ALWAYS: "50"}, {}, name="aws_applicationelb_requests_sum"),
}
ALERTS = {"page": 'severity="critical"', "ticket": 'alertname=~"SLOErrorBudgetBurn.*",severity="warning"'}
ALERTS["missing"] = 'alertname="SLODataMissing"'


def _firing(tmp_path: Path) -> dict[tuple[str, str, str], list[int]]:
    """(scenario, service, alert) → the watched minutes it fires in, from one promtool run of every scenario (one
    test group each). Each check expects -9, so promtool's report says what each gave (a count, or 0); the scenario
    is named in the expression by a matcher every series passes (`scenario!="idle"`)."""
    files = _rules(tmp_path)
    order = [g["name"] for f in files for g in yaml.safe_load((tmp_path / f).read_text())["groups"]]
    groups = []
    for scenario, (span, series) in SCENARIOS.items():
        checks = [
            {
                "expr": f'count(ALERTS{{alertstate="firing",service="{service}",scenario!="{scenario}",{matcher}}})'
                " or vector(0)",
                "eval_time": f"{minute}m",
                "exp_samples": [{"labels": "{}", "value": -9}],
            }
            for service in BALANCERS
            for matcher in ALERTS.values()
            for minute in range(20, span + 1, STEP)
        ]
        inputs = [{"series": s, "values": v} for s, v in series.items()]
        groups.append({"interval": "1m", "input_series": inputs, "promql_expr_test": checks})
    test = {"rule_files": files, "evaluation_interval": "1m", "group_eval_order": order, "tests": groups}
    (tmp_path / "t.yaml").write_text(yaml.safe_dump(test, sort_keys=False))
    done = subprocess.run(
        [require_tool("promtool"), "test", "rules", "t.yaml"], cwd=tmp_path, capture_output=True, text=True
    )
    report = done.stdout + done.stderr
    kinds = {matcher: kind for kind, matcher in ALERTS.items()}
    found = re.findall(
        r'service=\\"([\w-]+)\\",scenario!=\\"([\w ]+)\\",(.*?)\}\) or vector\(0\)", time: (\S+?),.*?got: \{\} (\S+)',
        report,
        re.DOTALL,
    )
    watched = sum(len(range(20, span + 1, STEP)) for span, _ in SCENARIOS.values())
    assert len(found) == watched * len(BALANCERS) * len(ALERTS), report[-3000:]
    got: dict[tuple[str, str, str], list[int]] = {}
    for service, scenario, matcher, at, value in found:
        minutes = got.setdefault((scenario, service, kinds[matcher.replace('\\"', '"')]), [])
        if float(value):
            minutes.append(minutes_of(at))
    return got


def _runs(minutes: list[int]) -> list[tuple[int, int]]:
    """Contiguous runs (first, last) of watched minutes."""
    out: list[tuple[int, int]] = []
    for minute in minutes:
        if out and minute - out[-1][1] == STEP:
            out[-1] = (out[-1][0], minute)
        else:
            out.append((minute, minute))
    return out


def test_a_cloudwatch_slo_pages_for_an_outage_and_stays_quiet_on_a_healthy_alb(tmp_path: Path) -> None:
    got = _firing(tmp_path)
    new, old = "invoices-alb", "old-recipe"
    # a 30-minute outage: one page, from the offset's 10 minutes after the 5m window holds it, and it ends
    pages = _runs(got[("outage", new, "page")])
    assert len(pages) == 1 and 70 <= pages[0][0] <= 80 and pages[0][1] < 180, got[("outage", new, "page")]
    assert got[("outage", new, "missing")] == [], got
    # one failure among 30 requests an hour: under the floor of 3 failed requests, no burn alert at all
    assert got[("quiet", new, "page")] == got[("quiet", new, "ticket")] == [], got
    assert got[("quiet", old, "page")], "the old recipe (min_bad_events: 0) paged for one failure"
    # an idle night: the healthy-host count says the exporter reports, the total was seen today
    assert got[("idle", new, "missing")] == [], got
    assert got[("idle", old, "missing")], "the old recipe ticketed the idle night"
    # a renamed family and a typo'd total are missing data still
    assert got[("family gone", new, "missing")] and got[("family gone", new, "missing")][0] <= 100, got
    assert got[("typo", new, "missing")] and got[("typo", new, "missing")][0] <= 30, got


def test_per_window_divides_each_window_by_its_seconds_and_keeps_increase(tmp_path: Path) -> None:
    """Every window obsc fills is divided by its own seconds (the fast windows, the coarse tier's 5m base), and an
    increase() under `per: window` stays as written (it counts the window's events; rewritten as rate() and then
    divided, one failure in an hour would read as 1/3,600 of one)."""
    specs = tmp_path / "specs"
    specs.mkdir()
    (specs / "platform.yaml").write_text(sink_platform())
    raw = RAW.replace("sum(sum_over_time(aws_applicationelb_httpcode_target_5_xx_count_sum", "sum(increase(jobs_failed")
    raw = raw.replace(
        "{$selector}[$window] offset 10m))\n        total", "_total{$selector}[$window]))\n        total", 1
    )
    text = SPEC.format(service="jobs", balancer="app/jobs/1", options=raw + "        per: window\n")
    (specs / "jobs.yaml").write_text(text)
    rules = compile_specs([str(specs)], CompileOptions(jobs=1)).bundle.get("prometheus/rules/jobs.yaml")
    assert rules is not None
    records = {
        (r["record"], r["labels"].get("window")): r["expr"]
        for g in yaml.safe_load(rules.content)["groups"]
        for r in g["rules"]
        if "record" in r
    }
    assert records[("slo:sli_errors:rate1h", "1h")].endswith(
        "increase(jobs_failed_total" + '{job="cloudwatch",load_balancer="app/jobs/1"}[1h]))) / 3600)'
    )
    assert records[("slo:sli_total:rate6h", "6h")].endswith("[6h] offset 10m))) / 21600)")
    coarse = [e for (name, window), e in records.items() if name == "slo:sli_total:coarse_rate5m"]
    assert coarse and coarse[0].endswith("[5m] offset 10m))) / 300)"), coarse
