"""A page held behind its relay (`relay:`) is held by the relay's own page only: its ServiceDown of the whole
service, critical, firing, of the team and service the spec names (prometheus/relay_quiet.py, rule side).

Replayed with promtool, the relay's rules running elsewhere (only cart's and checkout's loaded), the collector down
from 10m: beside the outage, ALERTS series that each miss one of those marks (another team's service of the relay's
name, the relay's ticket, its page pending, a group's page) are in the server. None of them is the relay's page,
so none quiets the held pages, which fire at 17m as they do alone. Each of the five pins of the quiet, dropped, let
a series quiet both pages (hand mutants, round 50: the relay tests passed with any of them dropped).

Alertmanager's inhibit rule (alertmanager/relays.py) reads the same page: two services of one team behind the relay
are both held, and neither the relay's ticket nor a group's page of it holds anything back (the rule naming only the
first service of a team, or dropping its team, severity or down_group pin, lived too).
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import yaml

from tests.conftest import require_tool
from tests.test_relay_down_one_page import DOWN, OUTAGE, RELAY, RELAYED, _down, _fleet, _notified, _two_teams

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
                    for minute in ("17m", "30m")
                ],
            }
        ],
    }
    path = tmp_path / "pins.test.yaml"
    path.write_text(yaml.safe_dump(test))
    done = subprocess.run([promtool, "test", "rules", str(path)], capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stdout + done.stderr


def _three_held() -> dict[str, str]:
    """cart and basket of team web, checkout of team pay, each naming the collector its relay."""
    named = "relay: {service: otel-collector, team: obs}\n"
    return {**_two_teams(), "basket": RELAYED.format(name="basket", team="web", relay=named)}


HELD = [_down("cart", "web", RELAY), _down("basket", "web", RELAY), _down("checkout", "pay", RELAY)]


def test_alertmanager_holds_every_service_of_a_team_behind_the_relays_page(tmp_path: Path) -> None:
    """Two services of team web behind one relay: one inhibit rule holds both (its service matcher names each). A
    page of another team's service of a held name (a compile of its own, the same relay) is not held: no spec of
    team evil asked for it."""
    _, out = _fleet(tmp_path, _three_held())
    evil = _down("cart", "evil", RELAY)
    assert _notified(tmp_path, out, [_down("otel-collector", "obs", None), *HELD, evil]) == {
        "team-obs-critical": {"otel-collector"},
        "team-evil-critical": {"cart"},
    }


def test_alertmanager_is_held_by_no_ticket_and_no_groups_page_of_the_relay(tmp_path: Path) -> None:
    """The relay's ticket and a group's page of it are not the relay down: the held pages reach their teams."""
    _, out = _fleet(tmp_path, _three_held())
    ticket = {**_down("otel-collector", "obs", None), "severity": "warning"}
    group = {**_down("otel-collector", "obs", None), "down_group": "cluster", "cluster": "eu-1"}
    got = _notified(tmp_path, out, [ticket, group, *HELD])
    assert got.get("team-web-critical") == {"cart", "basket"} and got.get("team-pay-critical") == {"checkout"}, got
