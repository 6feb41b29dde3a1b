"""A relayed ServiceDown stays quiet through its relay's page when groups run every 5 minutes.

relaytraffic50 (promtool at 5m steps): the held page read the relay's page over a fixed 3m, so when the relayed
service's group ran before the relay's (groups run at offsets of their own) it saw the relay's page of 5 minutes
earlier as gone, and cart's team was paged through the collector's outage beside the collector's owner. The read
now spans the platform's evaluation interval (`defaults.slo_alerts.evaluation_interval`) twice, and the extra hold.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
import yaml

from compiler import conventions as names
from compiler.model.evaluation_interval import MAX_EVALUATION_SECONDS
from compiler.model.relays import relayed_extra_hold_seconds
from compiler.targets.prometheus.relay_quiet import relay_lookback_seconds
from tests.conftest import require_tool
from tests.relay_specs import CART, COLLECTOR
from tests.routing_oracle import compile_fleet

PLATFORM = """\
apiVersion: obsc/v1
kind: Platform
defaults:
  slo_alerts: {{{setting}}}
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


def _compiled(tmp_path: Path, setting: str) -> Path:
    folder = tmp_path / "specs"
    folder.mkdir()
    (folder / "platform.yaml").write_text(PLATFORM.format(setting=setting))
    (folder / "cart.yaml").write_text(CART)
    (folder / "otel-collector.yaml").write_text(COLLECTOR)
    out = tmp_path / "out"
    done = compile_fleet(folder, out)
    assert done.returncode == 0, done.stderr
    return out / "prometheus" / "rules"


def _firing(service: str, team: str, relayed: bool) -> dict[str, object]:
    labels = {"alertname": DOWN, "alertstate": "firing", "service": service, "severity": "critical", "team": team}
    if relayed:
        labels[names.LABEL_RELAY] = 'up{job="otel-collector"}'
    return {"labels": "ALERTS{" + ",".join(f'{k}="{v}"' for k, v in sorted(labels.items())) + "}", "value": 1}


def test_the_relayed_page_stays_quiet_at_5m_evaluations_with_its_group_run_first(tmp_path: Path) -> None:
    promtool = require_tool("promtool")
    rules = _compiled(tmp_path, "evaluation_interval: 5m")
    files = [rules / "cart.yaml", rules / "otel-collector.yaml"]
    # the worst offset: cart's groups run just before the collector's, so the relay's page cart reads is 5m old
    order = [g["name"] for f in files for g in yaml.safe_load(f.read_text())["groups"]]
    query = f'ALERTS{{alertname="{DOWN}",alertstate="firing"}}'
    relay = _firing("otel-collector", "obs", relayed=False)
    checks = [
        {"expr": query, "eval_time": f"{minute}m", "exp_samples": [relay] if 15 <= minute <= 55 else []}
        for minute in range(0, 75, 5)
    ]
    test = {
        "rule_files": [str(f) for f in files],
        "evaluation_interval": "5m",
        "group_eval_order": order,
        "tests": [
            {
                "interval": "5m",
                # the collector's `up` 0 from 10m to 45m, then back
                "input_series": [{"series": 'up{job="otel-collector",instance="c:8889"}', "values": "1x1 0x7 1x10"}],
                "promql_expr_test": checks,
            }
        ],
    }
    path = tmp_path / "slow.test.yaml"
    path.write_text(yaml.safe_dump(test))
    done = subprocess.run([promtool, "test", "rules", str(path)], capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stdout + done.stderr


def test_the_relay_read_is_4m_at_the_default_interval(tmp_path: Path) -> None:
    """Two 1m intervals and the extra hold, which is two intervals since round 51 (3m with the old 1m hold)."""
    text = (_compiled(tmp_path, "") / "cart.yaml").read_text()
    assert f'last_over_time(ALERTS{{alertname="{DOWN}"' in text
    assert "}[4m]))" in text and "}[3m]))" not in text


@pytest.mark.parametrize("interval", [1, 15, 30, 60, 90, 120, 150, 240, MAX_EVALUATION_SECONDS])
def test_the_relay_read_outlasts_both_groups_intervals_and_a_margin(interval: int) -> None:
    """Writer's interval + reader's interval + the extra hold (the held page's longer window) at every interval."""
    assert relay_lookback_seconds(interval) >= 2 * interval + relayed_extra_hold_seconds(interval)


@pytest.mark.parametrize(
    ("setting", "said"),
    [("evaluation_interval: 10m", "evaluate every 5m or faster"), ("evaluation_interval: 1500ms", "whole")],
)
def test_an_evaluation_interval_obsc_cannot_honour_is_a_located_error(tmp_path: Path, setting: str, said: str) -> None:
    folder = tmp_path / "specs"
    folder.mkdir()
    (folder / "platform.yaml").write_text(PLATFORM.format(setting=setting))
    (folder / "cart.yaml").write_text(CART)
    (folder / "otel-collector.yaml").write_text(COLLECTOR)
    done = compile_fleet(folder, tmp_path / "out")
    assert done.returncode == 2, done.stderr
    assert "platform.yaml:4:" in done.stderr and said in done.stderr and "Traceback" not in done.stderr
    assert not (tmp_path / "out").exists()
