"""A relayed ServiceDown's margin over its relay's page: two evaluation intervals past the written hold (round 51).

Found live (e2e51, tests/e2e/test_relay_traffic_live.py): with the held page one interval past its hold, the relay's
page fired only 0.26-1 s (at 1 s = 1 min) before the held page would have. Prometheus offsets each group's evaluation
by a hash in [0, interval), so the relay's page can start up to an interval after the held page's, and a scrape
later where the relay's group reads the outage a scrape later; one interval was the whole margin, and a slower
evaluation of the relay's group paged the team behind it.

promtool evaluates every group at the same timestamps, so the replay builds the gap by input timing: the collector's
rules read a copy of the outage that starts two steps (a whole interval of phase gap and a scrape) after the one
cart's rules read, with the collector's groups evaluated first at each step (the gap just under two intervals).
"""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
import yaml

from compiler import conventions as names
from tests.conftest import require_tool
from tests.relay_specs import CART, COLLECTOR
from tests.routing_oracle import compile_fleet

PLATFORM = """\
apiVersion: obsc/v1
kind: Platform
defaults:
  slo_alerts: {{evaluation_interval: {interval}}}
teams:
  web:
    routing:
      critical: {{webhook: {{url: 'https://pager.example/web'}}}}
      warning: {{webhook: {{url: 'https://tickets.example/web'}}}}
  obs:
    routing:
      critical: {{webhook: {{url: 'https://pager.example/obs'}}}}
      warning: {{webhook: {{url: 'https://tickets.example/obs'}}}}
"""
DOWN = names.KEY_ALERT_NAMES["service_down"]
READ = 'up{job="otel-collector"}'
LATE = 'up{job="otel-collector-late"}'  # the collector's view of the same outage, two steps late


def _rules(tmp_path: Path, interval: str) -> tuple[Path, Path]:
    folder = tmp_path / "specs"
    folder.mkdir()
    (folder / "platform.yaml").write_text(PLATFORM.format(interval=interval))
    (folder / "cart.yaml").write_text(CART)
    (folder / "otel-collector.yaml").write_text(COLLECTOR)
    done = compile_fleet(folder, tmp_path / "out")
    assert done.returncode == 0, done.stderr
    rules = tmp_path / "out" / "prometheus" / "rules"
    collector = rules / "otel-collector.yaml"
    text = collector.read_text()
    assert READ in text
    late = tmp_path / "otel-collector-late.yaml"
    late.write_text(text.replace(READ, LATE))
    return rules / "cart.yaml", late


def _pages(service: str, team: str) -> str:
    return f'ALERTS{{alertname="{DOWN}",alertstate="firing",service="{service}",team="{team}"}}'


@pytest.mark.parametrize(("interval", "step"), [("1m", 1), ("5m", 5)])
def test_the_relay_page_a_phase_gap_and_a_scrape_late_still_holds_the_relayed_page(
    tmp_path: Path, interval: str, step: int
) -> None:
    """Old code (one extra minute): cart's team was paged at 16m (1m) and 20m (5m), a step before the relay's page."""
    promtool = require_tool("promtool")
    cart, collector = _rules(tmp_path, interval)
    order = [g["name"] for f in (collector, cart) for g in yaml.safe_load(f.read_text())["groups"]]
    steps = 70 // step
    down_from, down_for = 10 // step, 40 // step  # cart's view down 10m-50m; the collector's two steps later

    def outage(late: int) -> str:
        return f"1x{down_from + late - 1} 0x{down_for - 1} 1x{steps - down_from - late - down_for}"

    relay_fires = 10 + 2 * step + 5  # the collector's default 5m hold from its view's first 0
    checks = [
        {"expr": _pages("cart", "web"), "eval_time": f"{minute}m", "exp_samples": []} for minute in range(0, 70, step)
    ]
    checks.append(
        {
            "expr": f"count({_pages('otel-collector', 'obs')})",
            "eval_time": f"{relay_fires}m",
            "exp_samples": [{"labels": "{}", "value": 1}],
        }
    )
    test = {
        "rule_files": [str(collector), str(cart)],
        "evaluation_interval": interval,
        "group_eval_order": order,
        "tests": [
            {
                "interval": interval,
                "input_series": [
                    {"series": READ[:-1] + ',instance="c:8889"}', "values": outage(0)},
                    {"series": LATE[:-1] + ',instance="c:8889"}', "values": outage(2)},
                ],
                "promql_expr_test": checks,
            }
        ],
    }
    path = tmp_path / "gap.test.yaml"
    path.write_text(yaml.safe_dump(test))
    done = subprocess.run([promtool, "test", "rules", str(path)], capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stdout + done.stderr


def test_the_generated_phase_gap_case_kills_the_old_one_interval_hold(tmp_path: Path) -> None:
    """cart's scrapes file feeds the relay's page at the step its page would fire (7m: 5m + two 1m intervals); the
    rule held one interval past its hold (round 50's 6m) fires a step before it, and that case fails."""
    promtool = require_tool("promtool")
    cart, _ = _rules(tmp_path, "1m")
    tests = cart.parents[1] / "tests"
    scrapes = tests / "cart.scrapes.test.yaml"
    groups = yaml.safe_load(scrapes.read_text())["tests"]
    assert [g["name"] for g in groups if "a phase gap and a scrape late" in g["name"]], [g["name"] for g in groups]
    assert subprocess.run([promtool, "test", "rules", str(scrapes)], capture_output=True, check=False).returncode == 0
    held = '[4m]))\n        for: "7m"'
    assert cart.read_text().count(held) == 1
    cart.write_text(cart.read_text().replace(held, '[4m]))\n        for: "6m"'))
    done = subprocess.run([promtool, "test", "rules", str(scrapes)], capture_output=True, text=True, check=False)
    assert done.returncode == 1, done.stdout + done.stderr
    said = done.stdout + done.stderr
    assert "a phase gap and a scrape late" in said and "time: 6m" in said, said


def test_the_runbook_says_the_crash_loop_windows_the_rule_reads(tmp_path: Path) -> None:
    """The held rule reads its written hold's windows (5m, 10m: crash_loop_hold); its runbook said the held `for`'s
    (6m, 12m in round 50; 7m, 14m with the two-interval hold) and sent the on-call to windows the page never read."""
    cart, _ = _rules(tmp_path, "1m")
    rule = cart.read_text()
    runbook = (cart.parents[2] / "runbooks" / "cart" / f"{DOWN}.md").read_text()
    said = "at some minute of the last 5m, every instance {} up at half or fewer of its scrapes in the 10m before"
    assert said.format("was") in rule
    assert said.format("had been") in runbook, runbook
    assert "fires when it happens for 7m" in runbook, runbook
