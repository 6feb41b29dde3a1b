"""One collector down in front of services of two teams is one page, to the collector's owner.

Round 48's reproduction (gap48): cart (team web) and checkout (team pay), both measured from span metrics with
`targets: {job: otel-collector}` and `targets_via: collector`; the collector's `up` 0 from 10m. At 25m both
ServiceDown fired, "cart is down" to web's pager and "checkout is down" to pay's, beside the collector's own page to
its owner (team obs): three pages for one cause. A spec that names its relay (`relay: {service, team}`) now has its
ServiceDown held back by the relay's: promtool shows the rules' alerts and their labels, a real Alertmanager 0.25
(amtool cannot test inhibition) shows who is notified. The hostile cases: another team's service on the same
targets, or taking the relay's name, holds back nothing.
"""

from __future__ import annotations

import json
import random
import subprocess
import time
from pathlib import Path
from typing import Any

import yaml

from compiler import conventions as names
from tests.conftest import require_tool
from tests.e2e import servers
from tests.routing_oracle import compile_fleet, emitted_alerts, inhibition_disagreements, read_fleet, with_groups

PLATFORM = "apiVersion: obsc/v1\nkind: Platform\nteams:\n" + "".join(
    f"  {team}:\n    routing:\n      critical: {{webhook: {{url: 'https://pager.example/{team}'}}}}\n"
    f"      warning: {{webhook: {{url: 'https://tickets.example/{team}'}}}}\n"
    for team in ("web", "pay", "obs", "evil")
)
RELAYED = """\
apiVersion: obsc/v1
service: {name}
team: {team}
selector: {{service_name: {name}-api, span_kind: SPAN_KIND_SERVER}}
targets: {{job: otel-collector}}
targets_via: collector
{relay}metrics:
  requests: traces_span_metrics_calls_total
  errors: traces_span_metrics_calls_total{{status_code="STATUS_CODE_ERROR"}}
slos:
  - {{name: availability, objective: 99.9, period: 14d, sli: {{errors: errors, total: requests}}}}
"""
COLLECTOR = """\
apiVersion: obsc/v1
service: {name}
team: {team}
selector: {{job: otel-collector}}
metrics:
  requests: otelcol_receiver_accepted_spans_total
  errors: otelcol_receiver_refused_spans_total
slos:
  - {{name: intake, objective: 99.9, period: 14d, sli: {{errors: errors, total: requests}}}}
"""
NAMED = "relay: {service: otel-collector, team: obs}\n"
DOWN = names.KEY_ALERT_NAMES["service_down"]
RELAY = 'up{job="otel-collector"}'


def _fleet(tmp_path: Path, specs: dict[str, str]) -> tuple[Path, Path]:
    folder = tmp_path / "specs"
    folder.mkdir()
    (folder / "platform.yaml").write_text(PLATFORM)
    for name, text in specs.items():
        (folder / f"{name}.yaml").write_text(text)
    out = tmp_path / "out"
    done = compile_fleet(folder, out)
    assert done.returncode == 0, done.stderr
    return folder, out


def _two_teams(relay: str = NAMED) -> dict[str, str]:
    return {
        "cart": RELAYED.format(name="cart", team="web", relay=relay),
        "checkout": RELAYED.format(name="checkout", team="pay", relay=relay),
        "otel-collector": COLLECTOR.format(name="otel-collector", team="obs"),
    }


def _down(service: str, team: str, relay: str | None) -> dict[str, str]:
    """The labels a ServiceDown page fires with (`relay` on a relayed service's)."""
    labels = {"alertname": DOWN, "service": service, "severity": "critical", "team": team}
    return labels if relay is None else {**labels, names.LABEL_RELAY: relay}


# the collector down from 10m to 40m (longer than twice any hold: the crash-loop branch ends a hold after), then back
OUTAGE = "1x9 0x30 1x30"


def _assert_firing(
    tmp_path: Path, out: Path, expected: dict[str, list[dict[str, str]]], services: tuple[str, ...] = ()
) -> None:
    """promtool: the rules of `services` (every service's by default) fire exactly `expected[minute]` at each minute
    it lists, the collector's `up` as OUTAGE says."""
    _assert_firing_values(tmp_path, out, OUTAGE, "1m", expected, services)


def _assert_firing_values(
    tmp_path: Path,
    out: Path,
    values: str,
    interval: str,
    expected: dict[str, list[dict[str, str]]],
    services: tuple[str, ...] = (),
) -> None:
    """As _assert_firing, the collector's `up` reading `values` at `interval`."""
    promtool = require_tool("promtool")
    found = sorted((out / "prometheus" / "rules").glob("*.yaml"))
    rules = [str(p) for p in found if not services or p.stem in services]

    def sample(labels: dict[str, str]) -> dict[str, Any]:
        text = ",".join(f"{k}={json.dumps(v)}" for k, v in sorted({**labels, "alertstate": "firing"}.items()))
        return {"labels": "ALERTS{" + text + "}", "value": 1}

    query = f'ALERTS{{alertname="{DOWN}",alertstate="firing"}}'
    checks = [
        {"expr": query, "eval_time": minute, "exp_samples": [sample(d) for d in downs]}
        for minute, downs in expected.items()
    ]
    test = {
        "rule_files": rules,
        "evaluation_interval": "1m",
        "tests": [
            {
                "interval": interval,
                "input_series": [{"series": 'up{job="otel-collector",instance="c:8889"}', "values": values}],
                "promql_expr_test": checks,
            }
        ],
    }
    path = tmp_path / "relay.test.yaml"
    path.write_text(yaml.safe_dump(test))
    done = subprocess.run([promtool, "test", "rules", str(path)], capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stdout + done.stderr


def _wait(route: dict[str, Any]) -> str:
    return "2s"


def _notified(tmp_path: Path, out: Path, alerts: list[dict[str, str]]) -> dict[str, set[str]]:
    """Receiver → the services it was paged for, on a real Alertmanager fed `alerts` (the relay's first: a page that
    arrives later is still held within its group_wait)."""
    binary = require_tool("prometheus-alertmanager")
    generated = out / "alertmanager" / "alertmanager.yml"
    with servers.webhook() as hook:
        config = servers.alertmanager_test_config(generated, _wait, hook.url)
        with servers.alertmanager(binary, config, tmp_path) as server:
            now = time.time()
            ends = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(now + 300))
            servers.api_json(server.url + "/api/v2/alerts", [{"labels": a, "endsAt": ends} for a in alerts])
            servers.wait_until(lambda: hook.received, 20, what="a first notification")
            time.sleep(4)  # two group waits: another page would be in by then
    return {
        receiver: {a["labels"]["service"] for body in bodies for a in body["alerts"]}
        for receiver, bodies in hook.by_receiver().items()
    }


def test_a_relay_down_pages_its_owner_once_and_holds_the_services_behind_it(tmp_path: Path) -> None:
    _, out = _fleet(tmp_path, _two_teams())
    relay = _down("otel-collector", "obs", None)
    held = [_down("cart", "web", RELAY), _down("checkout", "pay", RELAY)]
    # one Prometheus runs every rule: the held pages read the relay's and never start, nor after it ends at 51m
    # (back at 41m: a stretch of a hold down counts twice the hold after it, service_down.py)
    paging = {f"{m}m": [relay] for m in (15, 25, 40, 45, 50)}
    _assert_firing(tmp_path, out, {"14m": [], **paging, **{f"{m}m": [] for m in (51, 52, 53, 55, 60)}})
    # the relay's rules run elsewhere: the held pages fire two intervals after the relay's would (round 51), carry
    # `relay`, and end with it (their windows are the relay's: ending a minute past it, they paged web and pay
    # uninhibited)
    held_from = {"16m": [], "17m": held, "50m": held, "51m": []}
    _assert_firing(tmp_path, out, held_from, services=("cart", "checkout"))
    # ... and Alertmanager, hearing all three, pages the relay's owner alone
    assert _notified(tmp_path, out, [relay, *held]) == {"team-obs-critical": {"otel-collector"}}


def test_without_the_relays_page_each_team_is_paged_and_relayed_pages_never_hold_each_other(tmp_path: Path) -> None:
    """The collector's page absent (its rule group failing, or the relay not compiled here): cart's and checkout's
    pages are delivered, each to its team; two relayed pages must not hold each other back (nobody paged)."""
    _, out = _fleet(tmp_path, _two_teams())
    alerts = [_down("cart", "web", RELAY), _down("checkout", "pay", RELAY)]
    assert _notified(tmp_path, out, alerts) == {"team-web-critical": {"cart"}, "team-pay-critical": {"checkout"}}


def test_another_teams_service_on_the_relays_targets_holds_back_nothing(tmp_path: Path) -> None:
    """Team evil's service reads the collector's `up` too, and a hand-written page claims the collector's name in
    team evil: neither is the relay cart and checkout named (service otel-collector of team obs)."""
    specs = {**_two_teams(), "evil-collector": COLLECTOR.format(name="evil-collector", team="evil")}
    _, out = _fleet(tmp_path, specs)
    evil = _down("evil-collector", "evil", None)
    relayed = [_down("cart", "web", RELAY), _down("checkout", "pay", RELAY)]
    # evil's page does not quiet theirs in the rules either
    _assert_firing(tmp_path, out, {"25m": [evil, *relayed]}, services=("cart", "checkout", "evil-collector"))
    forged = _down("otel-collector", "evil", None)  # a hand-written rule taking the relay's name in team evil
    alerts = [evil, forged, *relayed]
    assert _notified(tmp_path, out, alerts) == {
        "team-evil-critical": {"evil-collector", "otel-collector"},
        "team-web-critical": {"cart"},
        "team-pay-critical": {"checkout"},
    }


def _posting_a_held_pair(folder: Path, out: Path, count: int) -> list[int]:
    """The first seeds whose posted half (inhibition_disagreements' draw) holds the relay's ServiceDown and a held
    one: others never ask rule 5 anything."""
    _, services = read_fleet(folder)
    alerts = [g for a in emitted_alerts(out) for g in with_groups(services, a)]
    seeds = []
    for seed in range(1, 200):
        pick = random.Random(seed)
        downs = {a["service"] for a in alerts if pick.random() < 0.5 and a["alertname"] == DOWN}
        if "otel-collector" in downs and downs & {"cart", "checkout"}:
            seeds.append(seed)
        if len(seeds) == count:
            return seeds
    raise AssertionError("no seed posts a held pair")


def test_the_oracle_agrees_with_alertmanager_on_a_relayed_fleet(tmp_path: Path) -> None:
    """Every alert of the fleet, a seeded half posted (seeds that post the relay's page beside a held one): what
    Alertmanager mutes is what docs/notifications.md says (rule 5 included), and nothing else."""
    binary = require_tool("prometheus-alertmanager")
    specs = {**_two_teams(), "evil-collector": COLLECTOR.format(name="evil-collector", team="evil")}
    folder, out = _fleet(tmp_path, specs)
    for seed in _posting_a_held_pair(folder, out, 2):
        posted, found = inhibition_disagreements(folder, out, binary, seed)
        assert posted > 0
        assert found == [], seed
