"""verify's relay pace (compiler/verify/relay_pace.py) read piece by piece, without a server or a compile.

Round 53's review planted 11 hand mutants there that tests/test_verify_relay_pace.py let live: its fleet has one
target, one critical ServiceDown per service, both groups slower together, and a read that fails only with the
margin. Each test below names the mutant it kills (review54; docs/known-limits.md, round 54). The figures follow
the module's bound: the held page fires at ceil(F/Ic)*Ic, the relay's at ceil(H/Ir)*Ir + Ir + S.
"""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any, cast

from compiler import conventions as names
from compiler.model.promql import Matcher
from compiler.model.types import Service
from compiler.verify import relay_pace
from compiler.verify.relay_pace import Scrape

DOWN = names.KEY_ALERT_NAMES["service_down"]
READ = f'{DOWN} unless on (team) last_over_time(ALERTS{{alertname="{DOWN}",team="obs"}}[4m])'
DECLARED = (60, "slo_alerts.evaluation_interval")


def _service(relayed: bool = True) -> Service:
    relay = SimpleNamespace(service="otel-collector", team="obs")
    return cast(Service, SimpleNamespace(name="cart", team="web", relay=relay, relayed=relayed))


def _group(name: str, interval: int, *rules: dict[str, Any]) -> dict[str, Any]:
    return {"name": name, "file": f"/etc/prometheus/rules/{name}.yaml", "interval": interval, "rules": list(rules)}


def _down(hold: int, severity: str = "critical", query: str = "up == 0", **labels: str) -> dict[str, Any]:
    labels = {names.LABEL_SEVERITY: severity, **labels}
    return {"type": "alerting", "name": DOWN, "query": query, "labels": labels, "duration": hold}


def _judged(held: tuple[int, int, int], relay: tuple[int, int], scrape: int) -> str | None:
    """`held`: (interval, for, read), `relay`: (interval, hold), seconds."""
    every, held_for, read = held
    relay_every, relay_hold = relay
    return relay_pace._judged(
        _service(),
        (relay_pace._Group("obsc-cart-key", "cart.yaml", every), held_for, read),
        (relay_pace._Group("obsc-otel-collector-key", "otel-collector.yaml", relay_every), relay_hold),
        DECLARED,
        Scrape(scrape, "scrapeInterval"),
    )


def test_a_read_too_short_alone_is_a_finding() -> None:
    """The margin holds (7m held against 5m + 1m + 1m) but a 90s read misses a 1m group's page between two 1m
    evaluations (it must span 2m). Kills: the finding returned only with a negative margin; the needed span as the
    slower interval (1m) instead of both (2m)."""
    said = _judged((60, 420, 90), (60, 300), 60)
    assert said is not None
    assert "misses it between the relay group's evaluations (it must span both groups' intervals, 2m)" in said, said
    assert "can fire up to" not in said, said
    assert _judged((60, 420, 120), (60, 300), 60) is None  # spans 2m: no finding


def test_the_relays_group_alone_slower_asks_for_both_groups_at_the_declared_interval() -> None:
    """The held group runs at the declared 1m, the relay's every 2m. Kills: only the held group's interval
    compared with the declaration (then nothing says to evaluate the relay's group as declared)."""
    said = _judged((60, 420, 240), (120, 300), 60)
    assert said is not None and "evaluate both groups every 1m as declared" in said, said


def test_a_scrape_fix_is_offered_only_where_the_read_spans_both_groups() -> None:
    """A 2m scrape leaves the relay's page a minute after the held one (margin -1m; 0 with no scrape); with a 90s
    read the faster scrape alone would not do, so it is not offered. Kills: the scrape fix offered whatever the
    read."""
    short = _judged((60, 420, 90), (60, 300), 120)
    assert short is not None and "can fire up to 1m after this one" in short and "misses it" in short, short
    assert "scrape the targets every" not in short, short
    spans = _judged((60, 420, 240), (60, 300), 120)
    assert spans is not None and "scrape the targets every 1m or more often" in spans, spans


def test_the_declaration_offered_reads_four_of_it_over_both_groups() -> None:
    """The relay's group every 10m (over the 5m an interval may be declared): the hold is long enough from 1m15s,
    but a read of four intervals spans the two groups' 11m only from 2m45s. Kills: the 4x read bound dropped, or
    read as 3x."""
    assert relay_pace._declaration(1680, 60, 300, 600, 60, 60) == 165
    said = _judged((60, 1800, 240), (600, 300), 60)
    assert said is not None and "declare defaults.slo_alerts.evaluation_interval: 2m45s" in said, said


def test_the_relays_page_is_its_critical_servicedown_of_its_team_the_longest_hold() -> None:
    """Kills: the relay's page not filtered to critical (its 30m ticket read as the page); the shortest of two
    critical holds taken; another team's or service's ServiceDown read as the relay's."""
    groups = [
        _group("obsc-otel-collector-key", 60, _down(300), _down(1800, "warning"), _down(3600, team="other")),
        _group("obsc-otel-collector-slow", 120, _down(600), _down(7200, service="elsewhere")),
    ]
    found = relay_pace._relay_rule(groups, "otel-collector", "obs")
    assert found is not None
    group, hold = found
    assert (group.name, group.interval, hold) == ("obsc-otel-collector-slow", 120, 600)
    assert relay_pace._relay_rule([_group("g", 60, _down(300, "warning"))], "otel-collector", "obs") is None


def test_the_slowest_matching_targets_scrape_stands() -> None:
    """Kills: the fastest target's scrape taken (max -> min); a target of another job read; the job's configured
    interval taken from a matcher that is no `job="..."`."""
    targets = [
        {"labels": {"job": "otel-collector", "instance": "a:8889"}, "scrapeInterval": "30s"},
        {"labels": {"job": "otel-collector", "instance": "b:8889"}, "scrapeInterval": "2m"},
        {"labels": {"job": "other", "instance": "c:8889"}, "scrapeInterval": "10m"},
    ]
    service = cast(Service, SimpleNamespace(targets=(Matcher("job", "=", "otel-collector"),)))
    declared = Scrape(60, "declared")
    assert relay_pace.scrape_of(service, targets, None, declared).seconds == 120
    assert relay_pace.scrape_of(service, targets[2:], {"otel-collector": 45}, declared).seconds == 45
    assert relay_pace.scrape_of(service, targets[2:], None, declared) == declared
    unlike = cast(Service, SimpleNamespace(targets=(Matcher("job", "!=", "otel-collector"),)))
    assert relay_pace.scrape_of(unlike, [], {"otel-collector": 45}, declared) == declared


def test_a_targets_labels_match_the_up_selector_exactly() -> None:
    """Kills the target matcher loosened: an empty selector, a negative matcher, an unanchored pattern, a bad one."""
    job = {"job": "otel-collector"}
    assert relay_pace._matches(job, (Matcher("job", "=", "otel-collector"),))
    assert relay_pace._matches(job, (Matcher("job", "=~", "otel-.*"),))
    assert not relay_pace._matches(job, ())
    assert not relay_pace._matches(job, (Matcher("job", "=", "otel"),))
    assert not relay_pace._matches(job, (Matcher("job", "!=", "otel-collector"),))
    assert not relay_pace._matches(job, (Matcher("job", "!~", "otel-.*"),))
    assert not relay_pace._matches(job, (Matcher("job", "=~", "otel"),))
    assert not relay_pace._matches(job, (Matcher("job", "=~", "otel-("),))
    assert relay_pace._matches(job, (Matcher("job", "!=", "other"), Matcher("instance", "=", "")))


def test_only_a_relayed_spec_is_judged() -> None:
    """`relay:` without `targets_via:` (not relayed): its ServiceDown is not held behind the relay. Kills: an
    unrelayed spec judged."""
    held = _down(420, query=READ)
    loaded = {"cart": [_group("obsc-cart-key", 300, held)], "otel-collector": [_group("obsc-oc-key", 300, _down(300))]}
    said: list[str] = []

    def judge(relayed: bool) -> list[str]:
        said.clear()
        relay_pace.check_relay_pace(
            [_service(relayed)],
            lambda name: loaded.get(name, []),
            DECLARED,
            lambda _: Scrape(60, "declared"),
            lambda _, message: said.append(message),
        )
        return list(said)

    assert len(judge(True)) == 1
    assert judge(False) == []
