"""One relay down: its owner's page, and no traffic ticket to a team behind it.

Round 50 (relaytraffic50, replayed with promtool at 5m steps over 7d12h of history): an OpenTelemetry collector
(team obs) in front of cart (team web) and checkout (team pay), both naming it (`relay:`). Their ServiceDown stayed
quiet while the collector's paged, but their ServiceUnusualTraffic drop branch read only their own ServiceDown and
SLOTrafficStopped: the collector down 40 minutes paged obs +5m to +40m and then ticketed each team behind it +60m to
+75m, for traffic only the relay lost (down 3h: +60m to +3h35m). The drop branch of a spec naming its relay now also
waits out the hour after the relay's page, pinned to the relay's service and team. What must still notify: the relay
back while cart stays down (SLOTrafficStopped pages web once the relay's `up` returns), and cart down behind a
healthy relay (the same page); a forged page of the relay's name in another team holds nothing back.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
import yaml

from compiler.api import CompileOptions, load_fleet
from compiler.model.drop_pages import stop_page_names
from compiler.model.types import Tier
from compiler.targets import TargetOptions, prometheus, runbooks
from tests.promtool_helpers import firing_by_minute
from tests.relay_specs import CART, COLLECTOR
from tests.test_prometheus_mutations import survivors

PLATFORM = "apiVersion: obsc/v1\nkind: Platform\nteams:\n" + "".join(
    f"  {team}:\n    routing:\n      critical: {{webhook: {{url: 'https://pager.example/{team}'}}}}\n"
    f"      warning: {{webhook: {{url: 'https://tickets.example/{team}'}}}}\n"
    for team in ("web", "obs")
)
STEP = 5  # minutes
STOP = 7 * 24 * 60 + 12 * 60  # 7d12h: a week of history for the traffic comparisons and SLOTrafficStopped
END = STOP + 4 * 60
# evaluated in this order in one group: a page before the rules that read its ALERTS at the same step
KEPT = {
    "otel-collector": ("ServiceDown",),
    "cart": ("ServiceDown", "SLOTrafficStopped", "service:requests:rate5m", "ServiceUnusualTraffic"),
}
CALLS = 'traces_span_metrics_calls_total{service_name="cart-api",span_kind="SPAN_KIND_SERVER"}'
FORGED = (
    'ALERTS{alertname="ServiceDown",alertstate="firing",down_group="",service="otel-collector",severity="critical",'
    'team="evil"}'
)
Up = Callable[[int], bool]  # minute -> the collector's `up` is 1
Rate = Callable[[int], float | None]  # minute -> cart's requests a second (None: no series, as with the relay down)


def _fleet(tmp_path: Path) -> Path:
    folder = tmp_path / "specs"
    folder.mkdir(exist_ok=True)
    for name, text in {"platform": PLATFORM, "cart": CART, "otel-collector": COLLECTOR}.items():
        (folder / f"{name}.yaml").write_text(text)
    return folder


def _rules(tmp_path: Path) -> Path:
    """The rules KEPT, as compiled, in one group evaluated every STEP minutes."""
    fleet, _ = load_fleet([str(_fleet(tmp_path))], CompileOptions(), {})
    compiled: dict[str, list[dict[str, object]]] = {}
    for artifact in prometheus.service_artifacts(fleet, fleet.services, TargetOptions()):
        if artifact.path.startswith("prometheus/rules/"):
            service = artifact.path.rsplit("/", 1)[1].removesuffix(".yaml")
            for group in yaml.safe_load(artifact.content).get("groups", []):
                compiled.setdefault(service, []).extend(group["rules"])
    rules = []
    for service, kept in KEPT.items():
        by_name = {str(r.get("alert", r.get("record"))): r for r in compiled[service]}
        rules += [by_name[name] for name in kept]
    path = tmp_path / "rules.yaml"
    path.write_text(yaml.safe_dump({"groups": [{"name": "relay", "interval": f"{STEP}m", "rules": rules}]}))
    return path


def _inputs(up: Up, rate: Rate) -> list[dict[str, str]]:
    ups, counts, total = [], [], 0.0
    for minute in range(0, END + STEP, STEP):
        now = rate(minute)
        ups.append("1" if up(minute) else "0")
        counts.append(f"{total:g}" if now is not None else "_")
        total += (now or 0.0) * 60 * STEP
    return [
        {"series": 'up{instance="c:8889",job="otel-collector"}', "values": " ".join(ups)},
        {"series": CALLS, "values": " ".join(counts)},
    ]


def _replay(tmp_path: Path, inputs: list[dict[str, str]]) -> dict[str, dict[str, list[int]]]:
    """team -> alert name -> the minutes after STOP at which it fires, checked every STEP minutes."""
    checks = range(STOP, END, STEP)
    test = {
        "rule_files": [str(_rules(tmp_path))],
        "evaluation_interval": f"{STEP}m",
        "tests": [
            {
                "interval": f"{STEP}m",
                "input_series": inputs,
                "promql_expr_test": [
                    {"expr": 'count by (alertname, team) (ALERTS{alertstate="firing"})', "eval_time": f"{at}m"}
                    for at in checks
                ],
            }
        ],
    }
    fired = firing_by_minute(test, tmp_path / "replay.yaml", checks)
    found: dict[str, dict[str, list[int]]] = {}
    for at, got in sorted(fired.items()):
        for labels in got.split("{")[1:]:
            pairs = dict(p.split("=", 1) for p in labels.split("}", 1)[0].replace('"', "").replace(" ", "").split(","))
            found.setdefault(pairs["team"], {}).setdefault(pairs["alertname"], []).append(at - STOP)
    return found


def _relay_down(minutes: int) -> Up:
    return lambda m: not STOP <= m < STOP + minutes


def _flows_while(up: Up, stays_down: bool = False) -> Rate:
    """1 request/s whenever the collector is up (its series gone while it is down); `stays_down`: none from STOP."""
    return lambda m: None if not up(m) or (stays_down and m >= STOP) else 1.0


@pytest.mark.parametrize("minutes", [40, 180])
def test_the_relay_down_pages_its_owner_and_tickets_no_team_behind_it(tmp_path: Path, minutes: int) -> None:
    """Before: down 40 minutes, web's ServiceUnusualTraffic fired +60m to +75m after obs's page (+5m to +40m);
    down 3h, +60m to +3h35m."""
    up = _relay_down(minutes)
    found = _replay(tmp_path, _inputs(up, _flows_while(up)))
    paged = found.get("obs", {}).get("ServiceDown", [])
    assert paged and paged[0] <= 10 and max(paged) < minutes + 15, found
    assert "web" not in found, found


def test_the_relay_back_with_cart_still_down_pages_web(tmp_path: Path) -> None:
    """The collector down 40 minutes; cart stays down after it is back: cart's `up` is the collector's, so
    ServiceDown cannot see it, and SLOTrafficStopped pages web within 15 minutes of the relay's `up` returning."""
    up = _relay_down(40)
    found = _replay(tmp_path, _inputs(up, _flows_while(up, stays_down=True)))
    stopped = found.get("web", {}).get("SLOTrafficStopped", [])
    assert stopped and 40 < stopped[0] <= 40 + 15 and max(stopped) >= 4 * 60 - STEP, found
    assert set(found["web"]) == {"SLOTrafficStopped"}, found


def test_cart_down_behind_a_healthy_relay_pages_web_once(tmp_path: Path) -> None:
    """cart down 40 minutes, the collector up: SLOTrafficStopped pages web, no ticket after it, nothing to obs."""
    found = _replay(tmp_path, _inputs(lambda m: True, lambda m: None if STOP <= m < STOP + 40 else 1.0))
    assert set(found) == {"web"} and set(found["web"]) == {"SLOTrafficStopped"}, found
    assert found["web"]["SLOTrafficStopped"][0] <= 20, found


def test_a_forged_relay_page_in_another_team_holds_back_no_drop(tmp_path: Path) -> None:
    """A page taking the relay's name in team evil (a hand-written rule), firing throughout a drop to a fifth with the
    collector up: cart's drop still tickets (the clause names the relay's team, obs)."""
    drop: Rate = lambda m: 0.2 if STOP <= m < STOP + 180 else 1.0  # noqa: E731
    forged = {"series": FORGED, "values": f"1x{END // STEP}"}
    found = _replay(tmp_path, [*_inputs(lambda m: True, drop), forged])
    ticketed = found.get("web", {}).get("ServiceUnusualTraffic", [])
    assert ticketed and ticketed[0] <= 75 and max(ticketed) >= 180, found


def test_the_drop_branch_reads_the_relays_page_and_its_runbook_names_it(tmp_path: Path) -> None:
    """The clause names the relay's whole-service critical ServiceDown by the service and team `relay:` names; the
    relay's own ticket reads only its own page."""
    fleet, _ = load_fleet([str(_fleet(tmp_path))], CompileOptions(), {})
    cart = next(s for s in fleet.services if s.name == "cart")
    collector = next(s for s in fleet.services if s.name == "otel-collector")
    assert stop_page_names(cart, Tier.WARNING) == [
        "SLOTrafficStopped",
        "ServiceDown",
        "ServiceDown of its relay otel-collector (team obs)",
    ]
    assert stop_page_names(collector, Tier.WARNING) == ["ServiceDown"]
    relay = (
        'max_over_time(ALERTS{alertname="ServiceDown",alertstate="firing",down_group="",service="otel-collector",'
        'severity="critical",team="obs"}[1h])'
    )
    rules = yaml.safe_load(_rules(tmp_path).read_text())["groups"][0]["rules"]
    drops = [r["expr"] for r in rules if r.get("alert") == "ServiceUnusualTraffic"]
    assert len(drops) == 1, drops
    assert f"\nunless on ()\n{relay}" in drops[0], drops
    pages = {a.path: a.content for a in runbooks.service_artifacts(fleet, fleet.services, TargetOptions())}
    assert (
        "for an hour after SLOTrafficStopped or ServiceDown or ServiceDown of its relay otel-collector (team obs) "
        "fires, a drop is that outage's."
    ) in pages["runbooks/cart/ServiceUnusualTraffic.md"]


def test_dropping_the_relays_page_from_either_clause_is_killed() -> None:
    """tests/golden/traced-and-proxied: checkout-traces names team obs's otel-collector as its relay. Two generated
    cases feed the relay's page as its ALERTS series (the relay's rules are not loaded there): the drop while it
    fires, and every target down while it fires. They kill the mutants that drop either clause (both survived
    without them: the ServiceDown clause since round 49)."""
    relay = 'service="otel-collector",severity="critical",team="obs"}'
    alive, total = survivors(
        ["checkout-traces"],
        ("ServiceUnusualTraffic", "ServiceDown"),
        source="tests/golden/traced-and-proxied/specs",
        pick=lambda m: m.what.startswith("dropped 'unless on () ") and relay in m.what,
    )
    assert total == 2  # one clause each, sampled or not
    assert not alive, [m.what for m in alive]


def test_a_relay_of_the_same_team_is_read_as_the_relay(tmp_path: Path) -> None:
    """A collector of team web in front of web's cart: its page is still the relay's, told apart by its service,
    not its team (review51: told by the team, it was read as cart's own ServiceDown and its drop case went)."""
    folder = tmp_path / "specs"
    folder.mkdir()
    same = {
        "cart": CART.replace("team: obs}", "team: web}"),
        "otel-collector": COLLECTOR.replace("team: obs", "team: web"),
    }
    for name, text in {"platform": PLATFORM, **same}.items():
        (folder / f"{name}.yaml").write_text(text)
    fleet, _ = load_fleet([str(folder)], CompileOptions(), {})
    cart = next(s for s in fleet.services if s.name == "cart")
    assert stop_page_names(cart, Tier.WARNING) == [
        "SLOTrafficStopped",
        "ServiceDown",
        "ServiceDown of its relay otel-collector (team web)",
    ]
