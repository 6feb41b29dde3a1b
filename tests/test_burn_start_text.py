"""A burn pair's start (counted_short.started_by_counted_short) as round 43 writes it: the short window's events read
from its recorded total, not from its errors over its ratio again, and its `S > line` filter written once for both
counted starts. Round 42's text read 8 series a start (its errors 3 times, its ratio 4), made each burn alert
~60% longer, and Prometheus (and promtool, at every step of every generated test) prints and parses each alert's
expression at every evaluation (issue 15). The alerting must not change: on drawn 5m windows (errors, events, the
ratio the ratio rule writes from them, the pair's ALERTS up or not) round 42's start and this one select the same
series, in one promtool call."""

from __future__ import annotations

import random
import re
from pathlib import Path

import yaml

from compiler import conventions as names
from compiler.api import compile_specs
from compiler.targets.prometheus.counted_short import LESS_ONE
from tests.bench.fleet import write_fleet
from tests.promtool_helpers import promtool_report

_MINIMAL = Path(__file__).parent / "golden" / "minimal" / "specs"
_N, _SHORT = 300, "5m"  # the 1h/5m pair's short window
_LESS = f" - {LESS_ONE} > "  # failures less one (and the count slack: burnrate.ONE_AND_SLACK)
_RATE = re.compile(r"\b(slo:sli_\w+:\w+|ALERTS)\{")


def _burn_alerts(specs: list[str]) -> list[dict[str, str]]:
    rules: list[dict[str, str]] = []
    for artifact in compile_specs(specs).bundle.artifacts:
        if artifact.path.startswith("prometheus/rules/"):
            for group in yaml.safe_load(artifact.content)["groups"]:
                rules += [r for r in group["rules"] if r.get("alert", "").startswith("SLOErrorBudgetBurn")]
    return rules


def _start_line(expr: str) -> str:
    """The start line of a burn alert: the short window's side's first operand (slo.py's eight lines)."""
    return next(line.strip() for line in expr.split("\n") if _LESS in line)


def test_a_start_reads_the_short_windows_ratio_errors_and_events_once_each_where_it_can(tmp_path: Path) -> None:
    """Each event-count start reads its ratio twice (counted and held), its errors twice (less one, and the restart
    floor after a page: round 50), its total twice, its ALERTS four times (held, the SLO's page fired within the long
    window: round 49, for the lone failure's start and again for the floor, and a page pair up, which waives the
    floor: round 51), the pair's own firing ALERTS, and its errors and total again for the waiver (round 53): 13
    series (round 42: 8, round 49: 7, round 51: 9, round 52: 10). A
    rich bench service's burn alerts: 17,805 characters before, 16,271 with
    this start alone, 16,492 with round 43's 1d/2h ticket burst end beside it, 13,730 with the start written for
    page pairs only (counted_short.start_counted: a ticket pair starts on its plain ratio, or a steady slow burn at
    low traffic never tickets), 14,024 with the count slack's literals (`>= 2.999999`: burnrate.count_floor),
    14,421 with the ticket pairs' room for one more failure (`- E * N`: counted_short.kept_within_one), 14,642
    with the 3d/6h ticket's burst end (round 45: ` or <its burst record>` in each), 14,762 with the ticket pairs'
    hold reading their firing state alone (round 46: `alertstate="firing"`, slo.py `_own_alerts`), 15,606 with the
    lone failure's start read unless a page fired within the long window (round 49: `unless on (service, slo)
    max_over_time(ALERTS{...}[1h])`, 141 characters a page pair), 15,942 with each ALERTS read naming the team
    (round 50: another team's alert of the same name and service held nothing), 16,438 with the restart floor (round
    50: `unless (<errors> * 300 < 2.999999 and on (service, slo) ...)`, 83 characters a page pair), 17,348 with the
    floor waived while a page pair is up (round 51: `unless on (service, slo) ALERTS{...,burn_window!=""}`, 152
    characters a page pair), 18,276 with the lone failure's start read unless a page fired with the floor too (round
    52: round 51's waiver started a pair on one failure in a page's kept tail, 155 characters a page pair), 20,170
    with the waiver only where a burn at the line shows a failure, the pair's own firing ALERTS waiving it, and the
    refusal around the pair's pending hold too (round 53: two failures in a page's kept tail paged again, 316
    characters a page pair) (promtool and Prometheus print and parse each at every evaluation)."""
    rules = _burn_alerts([str(write_fleet(tmp_path, 1, rich=True))])
    starts = [_start_line(r["expr"]) for r in rules if _LESS in r["expr"]]
    pages = [r for r in rules if r["labels"]["severity"] == "critical"]
    assert len(rules) == 12 and len(starts) == len(pages) == 6  # the page pairs of its three event-count SLOs
    assert all(_LESS in r["expr"] for r in pages)
    for start in starts:
        read = _RATE.findall(start)
        assert len(read) == 13, start
        assert sorted({name.split(":")[1] for name in read if name != "ALERTS"}) == [
            "sli_error",
            "sli_errors",
            "sli_total",
        ]
    assert sum(len(r["expr"]) for r in rules) <= 20_170


def _round_42(selector: str, line: str, held: str) -> str:
    """Round 42's start, as counted_short wrote it then (with round 43's count slack, which this test does not
    compare: burnrate.ONE_AND_SLACK)."""
    failed = f"{names.sli_errors_rate(_SHORT)}{selector} * {_N}"
    short = f"{names.sli_error_ratio(_SHORT)}{selector}"
    over, shown = f"{short} > {line}", f"{failed} / {short} * {line}"
    return f"({failed}{_LESS}{shown} or {over} and {shown} <= 0.1 or {over} {held})"


def _draw(rng: random.Random, line: float) -> tuple[str | None, str | None, bool]:
    """A 5m window: its events a second and failures a second (absent, 0, or drawn near the lines the start
    compares: one failure more than a burn at the line shows, 0.1 shown, the ratio at the line), ALERTS up."""
    shape = rng.randrange(8)
    events = 10 ** rng.uniform(-3.5, 2.5)
    if shape == 0:
        return None, f"{rng.uniform(0, 0.05):.6g}", rng.random() < 0.5
    if shape == 1:
        return "0", f"{rng.uniform(0, 0.05):.6g}", rng.random() < 0.5
    if shape == 2:
        return f"{events:.6g}", None if rng.random() < 0.5 else "0", rng.random() < 0.5
    shown = events * _N * line
    if shape == 3:  # failures less one near what a burn at the line shows
        failures = shown + 1 + rng.uniform(-0.3, 0.3) * rng.choice([1, 1e-3, 1e-6])
    elif shape == 4:  # near the lone-failure line: 0.1 shown, one or two failures
        events = 0.1 / (_N * line) * (1 + rng.uniform(-0.05, 0.05))
        failures = rng.choice([1.0, 1.0, 2.0, 0.5])
    elif shape == 5:  # the ratio near the line
        failures = shown * (1 + rng.uniform(-0.02, 0.02))
    elif shape == 6:  # more failures than events (separate counters, extrapolation)
        failures = events * _N * rng.uniform(1, 3)
    else:
        failures = rng.choice([1.0, 2.0, 3.0]) * rng.uniform(0.9, 1.1)
    return f"{events:.6g}", f"{failures / _N:.6g}", rng.random() < 0.5


def test_the_start_selects_what_round_42s_did_on_drawn_windows(tmp_path: Path) -> None:
    """Both ratio rules (`(E or 0 * T) / (T > 0)`; latency's `E / (T > 0)`), 600 drawn windows a rule, each an SLO
    of its own: round 42's start `unless` this one, and this one `unless` round 42's, select nothing; this one
    selects some windows and not others of each rule. ~1 CPU-s (one compile, one promtool call)."""
    alert = next(r for r in _burn_alerts([str(_MINIMAL)]) if r["labels"]["burn_window"] == "fast")
    start = _start_line(alert["expr"]).replace(',slo="availability"', "")
    line_text = re.search(r" > (\(\S+ \* \S+\)) and \(", start)
    assert line_text is not None and '{service="api"}' in start
    factor, budget = line_text[1].strip("()").split(" * ")
    line = float(factor) * float(budget)  # as Prometheus computes `(14.4 * 0.005)`
    # the pair's own ALERTS in any state (round 53's floor reads its firing state too, after the hold)
    held = re.findall(r'and on \([^()]*\) ALERTS\{alertname="[^"]*",burn_window=[^{}]*\}', start)[0]
    old = _round_42('{service="api"}', line_text[1], held)
    rng = random.Random(43)
    series: dict[str, str] = {}
    exprs: list[dict[str, object]] = []
    for service in ("api", "lat"):
        new_text, old_text = (t.replace('service="api"', f'service="{service}"') for t in (start, old))
        starting = 0
        for k in range(600):
            labels = f'service="{service}",slo="c{k}",window="{_SHORT}"'
            total, errors, up = _draw(rng, line)
            if total is not None:
                series[f"{names.sli_total_rate(_SHORT)}{{{labels}}}"] = f"{total} {total}"
            if errors is not None:
                series[f"{names.sli_errors_rate(_SHORT)}{{{labels}}}"] = f"{errors} {errors}"
            if up:
                alert_labels = f'alertname="{alert["alert"]}",alertstate="firing",burn_window="fast"'
                team = alert["labels"]["team"]  # the hold reads its own team's alert
                series[f'ALERTS{{{alert_labels},service="{service}",slo="c{k}",team="{team}"}}'] = "1 1"
            starting += _starts(service, total, errors, up, line)
        assert 50 < starting < 550
        exprs += [{"expr": f"{old_text} unless {new_text}", "eval_time": "1m", "exp_samples": []}]
        exprs += [{"expr": f"{new_text} unless {old_text}", "eval_time": "1m", "exp_samples": []}]
        counted = [{"labels": "{}", "value": starting}]
        exprs += [{"expr": f"count({new_text})", "eval_time": "1m", "exp_samples": counted}]
    rules = tmp_path / "ratio.yaml"
    ratio, errors_name, total_name = (
        names.sli_error_ratio(_SHORT),
        names.sli_errors_rate(_SHORT),
        names.sli_total_rate(_SHORT),
    )
    rules.write_text(
        yaml.safe_dump(
            {
                "groups": [
                    {
                        "name": "ratio",
                        "rules": [
                            {
                                "record": ratio,
                                "expr": f'({errors_name}{{service="api"}} or 0 * {total_name}{{service="api"}})'
                                f' / ({total_name}{{service="api"}} > 0)',
                            },
                            {
                                "record": ratio,
                                "expr": f'{errors_name}{{service="lat"}} / ({total_name}{{service="lat"}} > 0)',
                            },
                        ],
                    }
                ]
            }
        )
    )
    assert promtool_report(tmp_path, rules.name, series, exprs) == ""


def _starts(service: str, total: str | None, errors: str | None, up: bool, line: float) -> bool:
    """This start on one window, in float64 as Prometheus computes it."""
    events, failed = (None if v is None else float(v) for v in (total, errors))
    if events is None or events <= 0:
        return False  # no ratio
    bad = failed if failed is not None else (0.0 if service == "api" else None)
    if bad is None or not bad / events > line:
        return False
    shown = events * _N * line
    return up or (failed is not None and failed * _N - float(LESS_ONE) > shown) or shown <= 0.1
