"""Relays inside tests/drawn_services.py's whole fleets (round 52), from seed RELAYS_FROM on.

From their own seeded source (`fleet-relays52-<seed>`), so a seed below RELAYS_FROM draws the fleet it drew before
and a seed from it on draws, beneath the relays, the fleet it would have drawn without them. A fleet may get one
collector relay of one of its teams, its SLO at times kept `by: [cluster, region]`; some scraped services of any
team move behind it (`targets:` its `up`, `targets_via: collector`, `relay:`), each with a page held no shorter
than the relay's (a shorter one is refused at `relay:`, by design); and a declared evaluation interval other than
1m (30s to 5m: every service then gets its `.interval.test.yaml`, a relayed one its relay case)."""

from __future__ import annotations

import random
from typing import Any

RELAYS_FROM = 5000
RELAY = "otel-relay"
HOLDS = ["0s", "15s", "30s", "1m", "2m", "3m", "5m", "10m", "15m", "30m"]
EVALUATIONS = ["30s", "45s", "1m", "2m", "5m"]


def _seconds(duration: str) -> int:
    units = {"h": 3600, "m": 60, "s": 1}
    total, number = 0, ""
    for char in duration:
        if char.isdigit():
            number += char
        else:
            total, number = total + int(number) * units[char], ""
    return total


class FleetRelays:
    """One fleet's relay and the services behind it; draws nothing below RELAYS_FROM."""

    def __init__(self, seed: int, teams: list[str]) -> None:
        self.r = random.Random(f"fleet-relays52-{seed}")
        self.on = seed >= RELAYS_FROM and self.r.random() < 0.8
        self.team = self.r.choice(teams)
        self.hold = self.r.choice(HOLDS)
        self.behind = 0

    def place(self, spec: dict[str, Any]) -> None:
        """Move a scraped service behind the relay now and then (not one nothing scrapes, nor a cloud one)."""
        scraped = spec.get("targets") is not False and "load_balancer" not in spec["selector"]
        if not (self.on and scraped and self.r.random() < 0.4):
            return
        self.behind += 1
        spec["targets"] = {"job": RELAY}
        spec["targets_via"] = "collector"
        spec["relay"] = {"service": RELAY, "team": self.team}
        hold = self.r.choice([h for h in HOLDS if _seconds(h) >= _seconds(self.hold)])
        down: dict[str, Any] = {"critical": {"threshold": True, "for": hold}}
        if self.r.random() < 0.3:
            down["warning"] = {
                "threshold": True,
                "for": self.r.choice([h for h in HOLDS if _seconds(h) >= _seconds(hold)]),
            }
        spec.setdefault("alerts", {})["service_down"] = down

    def relay_spec(self) -> dict[str, Any] | None:
        """The collector itself, when some service is behind it."""
        if not self.behind:
            return None
        slo: dict[str, Any] = {
            "name": "intake",
            "objective": self.r.choice([99, 99.9]),
            "sli": {"errors": "errors", "total": "requests"},
        }
        if self.r.random() < 0.4:
            slo["by"] = self.r.choice([["cluster"], ["cluster", "region"]])
        return {
            "apiVersion": "obsc/v1",
            "service": RELAY,
            "team": self.team,
            "selector": {"job": RELAY},
            "metrics": {
                "requests": "otelcol_receiver_accepted_spans_total",
                "errors": "otelcol_receiver_refused_spans_total",
            },
            "slos": [slo],
            "alerts": {"service_down": {"critical": {"threshold": True, "for": self.hold}}},
        }

    def platform(self, plat: dict[str, Any]) -> None:
        """A declared evaluation interval, at times."""
        if self.on and self.r.random() < 0.5:
            slo_alerts = plat.setdefault("defaults", {}).setdefault("slo_alerts", {})
            slo_alerts["evaluation_interval"] = self.r.choice(EVALUATIONS)
