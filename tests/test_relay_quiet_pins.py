"""The rule-side quiet of a page held behind its relay (`relay:`, prometheus/relay_quiet.py) reads the relay's own
page only: its ServiceDown of the whole service, critical, firing, of the team and service the spec names.

Replayed with promtool, the relay's rules running elsewhere (only cart's and checkout's loaded), the collector down
from 10m: beside the outage, ALERTS series that each miss one of those marks (another team's service of the relay's
name, the relay's ticket, its page pending, a group's page) are in the server. None of them is the relay's page,
so none quiets the held pages, which fire at 16m as they do alone. Each of the five pins of the quiet, dropped, let
a series quiet both pages (hand mutants, round 50: the relay tests passed with any of them dropped).
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import yaml

from tests.conftest import require_tool
from tests.test_relay_down_one_page import DOWN, OUTAGE, RELAY, _down, _fleet, _two_teams

# The relay's page as relay_quiet reads it, and one mark changed in each of the others
PAGE = {"alertname": DOWN, "alertstate": "firing", "down_group": "", "service": "otel-collector"}
PAGE |= {"severity": "critical", "team": "obs"}
NOT_THE_PAGE = {
    "another team's service of the relay's name": {"team": "evil"},
    "the relay's ticket": {"severity": "warning"},
    "the relay's page pending": {"alertstate": "pending"},
    "a group of the relay down": {"down_group": "cluster"},
    "another service of the relay's team": {"service": "otel-gateway"},
}


def _series(labels: dict[str, str]) -> str:
    return "ALERTS{" + ",".join(f"{k}={json.dumps(v)}" for k, v in sorted(labels.items())) + "}"


def test_only_the_relays_own_firing_page_quiets_the_pages_held_behind_it(tmp_path: Path) -> None:
    promtool = require_tool("promtool")
    _, out = _fleet(tmp_path, _two_teams())
    rules = [str(out / "prometheus" / "rules" / f"{name}.yaml") for name in ("cart", "checkout")]
    assert _series(PAGE) in Path(rules[0]).read_text()  # each series below is this one with one mark changed
    held = [_down("cart", "web", RELAY), _down("checkout", "pay", RELAY)]
    others = [{"series": _series(PAGE | changed), "values": "1x60"} for changed in NOT_THE_PAGE.values()]
    firing = f'ALERTS{{alertname="{DOWN}",alertstate="firing",relay!=""}}'
    test = {
        "rule_files": rules,
        "evaluation_interval": "1m",
        "tests": [
            {
                "interval": "1m",
                "input_series": [{"series": 'up{job="otel-collector",instance="c:8889"}', "values": OUTAGE}, *others],
                "promql_expr_test": [
                    {
                        "expr": firing,
                        "eval_time": minute,
                        "exp_samples": [{"labels": _series({**d, "alertstate": "firing"}), "value": 1} for d in held],
                    }
                    for minute in ("16m", "30m")
                ],
            }
        ],
    }
    path = tmp_path / "pins.test.yaml"
    path.write_text(yaml.safe_dump(test))
    done = subprocess.run([promtool, "test", "rules", str(path)], capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stdout + done.stderr
