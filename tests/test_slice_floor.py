"""A time-slice or freshness SLO pages on a burn, not on one bad evaluation (found by an SLO hunt, finding 4).

At 99.9% and a 1m evaluation interval one failed probe makes the 1h window 1/61 bad slices (1.64%, above the
1.44% line) and the 5m window holds it for five minutes, so `for: 2m` did not absorb it: one network blip
paged. A burn alert of a slice SLI now also needs min_bad_events bad slices (default 3) in its long window,
counted from the recorded bits (`slo:sli_bad_slices:count1h`). The probe gauge is fed and evaluated every
minute, as a real server would; the expected minutes are worked out in the comments.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

import yaml

from compiler import conventions as names
from compiler.api import compile_specs
from tests.conftest import require_tool
from tests.promtool_helpers import rules_read_by

ROUTING = """routing:
  critical: {webhook: {url: "http://relay:8080/page"}}
  warning: {webhook: {url: "http://relay:8080/ticket"}}
  info: {webhook: {url: "http://relay:8080/digest"}}
"""
PROBE = """apiVersion: obsc/v1
service: edge-probe
team: ledger
selector: {job: blackbox}
targets: false
metrics:
  probe_ok: {selector: 'probe_success{target="https://pay.example.org/"}', type: gauge, aggregation: min}
slos:
  - {name: reachable, objective: 99.9, sli: {good_when: probe_ok == 1}}
"""
BATCH = """apiVersion: obsc/v1
service: ledger-close
team: ledger
selector: {job: ledger-close}
targets: false
metrics:
  last_ok: {selector: ledger_close_last_success_timestamp_seconds, type: gauge}
slos:
  - {name: fresh, objective: OBJECTIVE, sli: {last_success: last_ok, max_age: 26h}}
"""


ALERTS = (names.SLO_BURN_FAST, names.SLO_BURN_SLOW, "SLOFreshnessStale")


def _first_firing(
    tmp_path: Path, service: str, spec: str, series: dict[str, str], minutes: range, alerts: tuple[str, ...] = ALERTS
) -> dict[str, int]:
    """Alert name (of `alerts`) → the first minute of `minutes` at which it fires (absent: never), with
    `series` fed every minute and the rules evaluated every minute. Only `alerts` and the records they read
    are loaded: the tickets' 1d-30d windows were over half of a 26h run."""
    specs = tmp_path / "specs"
    specs.mkdir(exist_ok=True)
    (specs / f"{service}.yaml").write_text(spec + ROUTING)
    bundle = compile_specs([str(specs)]).bundle
    path = names.prometheus_rules_path(service)
    content = next(a.content for a in bundle.artifacts if a.path == path)
    rules = rules_read_by(content, alert=lambda rule: rule["alert"] in alerts)
    (tmp_path / "rules.yaml").write_text(rules)
    # each minute asks for -1 firing alerts: promtool's report says how many fired instead
    checks = [
        {
            "expr": f'count(ALERTS{{alertname="{alert}",alertstate="firing"}}) or vector(0)',
            "eval_time": f"{m}m",
            "exp_samples": [{"labels": "{}", "value": -1}],
        }
        for alert in alerts
        for m in minutes
    ]
    test = {
        "rule_files": ["rules.yaml"],
        "evaluation_interval": "1m",
        "group_eval_order": [g["name"] for g in yaml.safe_load(rules)["groups"]],
        "tests": [
            {
                "interval": "1m",
                "input_series": [{"series": s, "values": v} for s, v in series.items()],
                "promql_expr_test": checks,
            }
        ],
    }
    (tmp_path / "t.yaml").write_text(yaml.safe_dump(test, sort_keys=False))
    done = subprocess.run(
        [require_tool("promtool"), "test", "rules", "t.yaml"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
    )
    report = done.stdout + done.stderr
    counts = _counts(report)
    assert len(counts) == len(alerts) * len(minutes), report
    first: dict[str, int] = {}
    for (expr, minute), count in sorted(counts.items(), key=lambda item: item[0][1]):
        alert = next(a for a in alerts if f'alertname=\\"{a}\\"' in expr)  # as promtool quotes it
        if count and alert not in first:
            first[alert] = minute
    return first


def _counts(report: str) -> dict[tuple[str, int], int]:
    """(expression, minute) → value, from promtool's failures of the checks (all fail: -1 expected)."""
    out: dict[tuple[str, int], int] = {}
    at: tuple[str, int] | None = None
    for line in report.splitlines():
        line = line.strip()
        if line.startswith("expr:") and "time:" in line:
            expr, when = line.split(", time:")
            at = (expr, _minutes(when.strip().rstrip(",")))
        elif line.startswith("got:") and at is not None:
            out[at] = int(float(line.split()[-1]))  # `got: {} 2E+00`
            at = None
    return out


def _minutes(text: str) -> int:
    """`1d2h3m`, `7h`, `59m` → minutes."""
    total = 0
    for unit, size in (("d", 1440), ("h", 60)):
        if unit in text:
            head, text = text.split(unit, 1)
            total += int(head) * size
    return total + int(text.rstrip("m") or 0)


def _probe(bad_minutes: set[int], samples: int = 180) -> dict[str, str]:
    values = " ".join("0" if m in bad_minutes else "1" for m in range(samples))
    return {'probe_success{job="blackbox",target="https://pay.example.org/",instance="fra"}': values}


def test_one_failed_probe_at_99_9_does_not_page(tmp_path: Path) -> None:
    # 1h10m of good slices, one bad one, good again: 1/61 of the 1h window is bad (1.64% > 1.44%) and the 5m
    # window holds it until 1h15m, but the 1h window counts 1 bad slice, not 3. Paged at 1h13m before.
    # (Two bad slices stay below the floor as well.)
    for bad in ({70}, {70, 71}):
        assert _first_firing(tmp_path, "edge-probe", PROBE, _probe(bad), range(70, 150)) == {}


def test_three_bad_slices_in_a_row_or_an_outage_page(tmp_path: Path) -> None:
    # Bad from 1h10m: the 1h window counts 3 bad slices at 1h12m, the alert is pending from there and fires
    # after its 2m hold at 1h14m (without the floor: pending at 1h10m, firing at 1h12m). Three bad slices and
    # then good ones fire at the same minute: the 5m window holds them until 1h17m. (The 1d/2h ticket fires
    # too, at 1h17m: with 3 hours of history its 1d window reads 3 bad slices of 180.)
    for bad in ({70, 71, 72}, set(range(70, 180))):
        first = _first_firing(tmp_path, "edge-probe", PROBE, _probe(bad), range(70, 80))
        assert first.get(names.SLO_BURN_FAST) == 74, bad


def test_a_late_batch_tickets_at_max_age_and_pages_minutes_later(tmp_path: Path) -> None:
    # The last success at 0, max_age 26h: every slice from 26h01m is bad. SLOFreshnessStale (warning) fires at
    # 26h01m. At 99% the 1h window crosses the 14.4% line with its 9th bad slice of 61 (26h09m): the page
    # fires at 26h11m. At 99.9% the 1.44% line is crossed by the first bad slice; the floor waits for the 3rd
    # (26h03m): the page fires at 26h05m. docs/slo-kinds.md states these minutes. (Tickets fire as well; not
    # checked here, their rules are left out: 26h of minutes through their 1d-30d windows was most of the run.)
    # The series starts LEAD minutes after that success (its value is the success's time, -LEAD minutes): the
    # windows the page reads (6h at most) are as full of good slices at max_age as in a series starting at 0,
    # for a quarter of the minutes to evaluate; minutes below are counted from the success.
    series = {'ledger_close_last_success_timestamp_seconds{job="ledger-close",instance="pushgw"}': f"-{LEAD * 60}x400"}
    minutes = range(1558 - LEAD, 1575 - LEAD)
    for objective, page in (("99", 1571), ("99.9", 1565)):
        spec = BATCH.replace("OBJECTIVE", objective)
        first = _first_firing(
            tmp_path, "ledger-close", spec, series, minutes, ("SLOFreshnessStale", names.SLO_BURN_FAST)
        )
        assert (first["SLOFreshnessStale"] + LEAD, first[names.SLO_BURN_FAST] + LEAD) == (1561, page), objective


LEAD = 20 * 60  # 26h max_age less the 6h of the page's longest window
