"""Round 50's draws for tests/drawn_settings.py: relays in the fleet (`relay:`), and odd settings around them.

From a third seeded source (`settings-relay-<seed>`), so each seed still draws, beneath these, the platform and
service it drew before. Over that fleet it may draw:
- one relay service (an OpenTelemetry collector) of the batch service's team or of another, with its own ServiceDown
  tiers and a hold no longer than any service behind it (as a careful author writes: a longer one is refused);
- the batch service moved behind it (`targets:` its `up`, `targets_via`, `relay:`), and a second service of another
  team behind it, with key-metric alerts, `by:` groups and a latency SLO;
- a second relay (a Pushgateway) with a service of its own behind it;
- label values with odd characters (quotes, backslashes, dots, spaces, non-ASCII) in selectors and on alerts;
- objectives up to 99.999%, an ingest delay, the traffic-anomaly tiers.
"""

from __future__ import annotations

import random
from typing import Any

HOLDS = ["0s", "15s", "30s", "1m", "2m", "3m", "5m", "10m", "15m", "30m", "1h"]  # every hold the settings draw
ODD_VALUES = ["cart.api", "cart api", "cärt", 'cart"api', "cart\\api", "cart$1", "cart{1}", "cart'api", "cart|api"]
ODD_JOBS = ["otel-collector", "otel/collector", "otel.collector:4317", "otel collector", 'otel"col', "otel\\col"]
ROUTING = {"critical": "fallback", "warning": "fallback", "info": "fallback"}


def _seconds(duration: str) -> int:
    units = {"d": 86400, "h": 3600, "m": 60, "s": 1}
    total, number = 0, ""
    for char in duration:
        if char.isdigit():
            number += char
        else:
            total, number = total + int(number) * units[char], ""
    return total


class RelayDrawer:
    """Round 50's choices for one seed, from their own seeded source."""

    def __init__(self, seed: int) -> None:
        self.r = random.Random(f"settings-relay-{seed}")

    def chance(self, p: float) -> bool:
        return self.r.random() < p

    def pick(self, options: list[Any]) -> Any:
        return self.r.choice(options)

    def hold_at_least(self, floor: str) -> str:
        return str(self.pick([h for h in HOLDS if _seconds(h) >= _seconds(floor)]))

    def down_tiers(self, hold: str) -> dict[str, Any]:
        """A page held `hold`, and perhaps a ticket and a notice of other holds (tiers differ between relay and
        relayed)."""
        tiers: dict[str, Any] = {"critical": {"threshold": True, "for": hold}}
        for tier in ("warning", "info"):
            if self.chance(0.3):
                tiers[tier] = {"threshold": True, "for": self.hold_at_least(hold)}
        return tiers

    def relay_spec(self, name: str, job: str, team: str, hold: str) -> dict[str, Any]:
        """A relay of the fleet: its own `up` is what the services behind it read."""
        requests, refused = {
            "otel-collector": ("otelcol_receiver_accepted_spans_total", "otelcol_receiver_refused_spans_total"),
            "pushgateway": ("pushgateway_http_requests_total", 'pushgateway_http_requests_total{code=~"5.."}'),
        }[name]
        spec: dict[str, Any] = {
            "apiVersion": "obsc/v1",
            "service": name,
            "team": team,
            "selector": {"job": job},
            "metrics": {"requests": requests, "errors": refused},
            "slos": [
                {
                    "name": "intake",
                    "objective": self.pick([99, 99.9, 99.99]),
                    "sli": {"errors": "errors", "total": "requests"},
                }
            ],
            "alerts": {"service_down": self.down_tiers(hold)},
            "routing": ROUTING,
        }
        return spec

    def relayed_cart(self, job: str, relay_team: str, hold: str) -> dict[str, Any]:
        """A service of another team behind the collector: span metrics, a latency SLO, key-metric alerts."""
        value = self.pick(ODD_VALUES) if self.chance(0.5) else "cart-api"
        buckets = self.pick([[0.1, 0.25, 0.5, 1, 2.5, 10], [0.3, 1, 10]])
        slos: list[dict[str, Any]] = [
            {
                "name": "availability",
                "objective": self.pick([99, 99.5, 99.9, 99.95, 99.99, 99.999]),
                "sli": {"errors": "errors", "total": "requests"},
            },
        ]
        if self.chance(0.5):
            threshold = f"{int(self.pick(buckets) * 1000)}ms"
            slos.append(
                {
                    "name": "latency",
                    "objective": self.pick([90, 95, 99, 99.9]),
                    "sli": {"latency": "latency", "threshold": threshold},
                }
            )
        for slo in slos:
            if self.chance(0.35):
                slo["by"] = self.pick([["cluster"], ["route"], ["cluster", "region"]])
            if self.chance(0.3):
                slo["period"] = self.pick(["1d", "7d", "28d", "30d", "90d"])
            if self.chance(0.25):
                slo["min_bad_events"] = self.pick([0, 1, 5, 30])
        alerts: dict[str, Any] = {"service_down": self.down_tiers(self.hold_at_least(hold))}
        if self.chance(0.5):
            alerts["error_rate"] = {"warning": "5%", "critical": {"threshold": "20%", "for": self.pick(HOLDS)}}
        if self.chance(0.4):
            alerts["latency_p99"] = {"warning": "1s", "critical": "2s"}
        if self.chance(0.4):
            alerts["traffic_anomaly"] = self.pick(
                [False, {"warning": "50%"}, {"info": "30%"}, {"warning": {"threshold": "80%", "for": "30m"}}]
            )
        spec: dict[str, Any] = {
            "apiVersion": "obsc/v1",
            "service": "cart",
            "team": "web",
            "selector": {"service_name": value, "span_kind": "SPAN_KIND_SERVER"},
            "targets": {"job": job},
            "targets_via": "collector",
            "relay": {"service": "otel-collector", "team": relay_team},
            "metrics": {
                "requests": "traces_span_metrics_calls_total",
                "errors": 'traces_span_metrics_calls_total{status_code="STATUS_CODE_ERROR"}',
                "latency": {
                    "selector": "traces_span_metrics_duration_seconds",
                    "type": "histogram",
                    "buckets": buckets,
                },
            },
            "slos": slos,
            "alerts": alerts,
            "routing": ROUTING,
        }
        if self.chance(0.3):
            spec["labels"] = {"component": self.pick(ODD_VALUES)}
        return spec

    def relayed_ledger(self, relay_team: str, hold: str) -> dict[str, Any]:
        """A batch service behind the Pushgateway (its runs push counters there)."""
        return {
            "apiVersion": "obsc/v1",
            "service": "ledger",
            "team": "payments",
            "selector": {"job": "pushgateway", "exported_job": "ledger"},
            "targets": {"job": "pushgateway"},
            "targets_via": "pushgateway",
            "relay": {"service": "pushgateway", "team": relay_team},
            "metrics": {"requests": "ledger_entries_total", "errors": "ledger_entries_failed_total"},
            "slos": [
                {
                    "name": "entries",
                    "objective": self.pick([99, 99.9]),
                    "sli": {"errors": "errors", "total": "requests"},
                }
            ],
            "alerts": {"service_down": self.down_tiers(self.hold_at_least(hold))},
            "routing": ROUTING,
        }


def batch_hold(service: dict[str, Any], r: RelayDrawer) -> str:
    """The batch service's ServiceDown page hold, written out (drawn when it had none) so the relay's can be
    drawn no longer."""
    down = service.setdefault("alerts", {}).get("service_down")
    tiers = down if isinstance(down, dict) else {}
    critical = tiers.get("critical")
    if isinstance(critical, dict) and "for" in critical:
        return str(critical["for"])
    hold = r.pick(HOLDS)
    service["alerts"]["service_down"] = {**tiers, "critical": {"threshold": True, "for": hold}}
    return hold


def widen(seed: int, platform: dict[str, Any], service: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Round 50's draws over `platform` and `service` (changed in place); the other specs drawn, by file stem."""
    r = RelayDrawer(seed)
    others: dict[str, dict[str, Any]] = {}
    defaults = platform["defaults"]
    if r.chance(0.15):
        defaults.setdefault("slo_alerts", {})["ingest_delay"] = r.pick(["30s", "1m", "2m"])
    if r.chance(0.2):
        service["slos"][0]["objective"] = r.pick([99.99, 99.995, 99.999])
    if r.chance(0.2):
        service["labels"] = {"component": r.pick(ODD_VALUES)}
    if r.chance(0.2):
        service.setdefault("alerts", {})["traffic_anomaly"] = r.pick(
            [False, {"warning": "50%"}, {"info": "30%"}, {"warning": {"threshold": "80%", "for": "30m"}}]
        )
    if not r.chance(0.6):
        return others
    relay_team = r.pick(["payments", "obs"])
    platform["teams"]["obs"] = {}
    platform["teams"]["web"] = {}
    job = r.pick(ODD_JOBS) if r.chance(0.4) else "otel-collector"
    behind = service.get("targets") is not False and r.chance(0.7)
    cart = r.chance(0.7) or not behind
    floor = "30m"
    if behind:
        floor = batch_hold(service, r)
        service["targets"] = {"job": job}
        service["targets_via"] = "collector"
        service["relay"] = {"service": "otel-collector", "team": relay_team}
    hold = r.pick([h for h in HOLDS if _seconds(h) <= _seconds(floor)])
    if r.chance(0.4):
        hold = floor  # the same hold as a service behind it
    others["otel-collector"] = r.relay_spec("otel-collector", job, relay_team, hold)
    if cart:
        others["cart"] = r.relayed_cart(job, relay_team, hold)
    if r.chance(0.35):
        push_team = r.pick(["payments", "obs"])
        push_hold = r.pick(HOLDS)
        others["pushgateway"] = r.relay_spec("pushgateway", "pushgateway", push_team, push_hold)
        others["ledger"] = r.relayed_ledger(push_team, push_hold)
    return others
