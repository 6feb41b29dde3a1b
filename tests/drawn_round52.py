"""Round 52's draws for tests/drawn_settings.py: what round 51 added, drawn over each seed's round-51 fleet.

From a fifth seeded source (`settings-r52-<seed>`), so each seed still draws, beneath these, the fleet it drew in
round 51 (`python -m tests.drawn_settings SEEDS --level 51` draws that fleet alone). Over it this may draw:
- a service whose SLO is kept `by:` region, cluster or both, with ServiceDown tiers holding crash loops (a group's
  loop is read as the whole service's: round 51), at times behind the collector relay;
- a declared evaluation interval other than 1m (30s, 45s, 2m, 5m: each service gets its `.interval.test.yaml`);
- the collector relay kept `by: [cluster, region]` (its ServiceDown splits by both);
- services shaped like CoreDNS, the API server, Traefik, HAProxy, RabbitMQ, MongoDB and Sidekiq, each at times
  written the way round 51 warns of (a class matcher off the exporter's values, NXDOMAIN counted, streamed
  subresources timed, a threshold off the default buckets, installation gauges summed): warned, still compiled;
- the teams' specs in their own folders (`secrets.team_spec_dir`: tests/drawn_settings.py writes them there);
- large `min_bad_events` floors (50, 1000) on those services' counted SLOs.
"""

from __future__ import annotations

import random
from typing import Any

HOLDS = ["0s", "15s", "30s", "1m", "2m", "3m", "5m", "10m", "15m", "30m", "1h"]
EVALUATIONS = ["30s", "45s", "2m", "5m"]
GROUPS = [["region"], ["cluster"], ["cluster", "region"]]
ROUTING = {"critical": "fallback", "warning": "fallback", "info": "fallback"}
SPEC_DIR = "teams/{team}/"
SHAPES = ["cluster-dns", "kube-apiserver", "shop-web", "api-haproxy", "orders-queue", "catalog-db", "billing-jobs"]


def _ratio(name: str, objective: float) -> dict[str, Any]:
    return {"name": name, "objective": objective, "sli": {"errors": "errors", "total": "requests"}}


class Round52Drawer:
    """Round 52's choices for one seed, from their own seeded source."""

    def __init__(self, seed: int) -> None:
        self.r = random.Random(f"settings-r52-{seed}")

    def chance(self, p: float) -> bool:
        return self.r.random() < p

    def pick(self, options: list[Any]) -> Any:
        return self.r.choice(options)

    def down_tiers(self, floor: int = 0) -> dict[str, Any]:
        """A held page (no shorter than `floor` seconds' hold), and perhaps a held ticket: crash-loop holds."""
        holds = [h for h in HOLDS if _seconds(h) >= floor]
        tiers: dict[str, Any] = {"critical": {"threshold": True, "for": self.pick(holds)}}
        if self.chance(0.35):
            tiers["warning"] = {"threshold": True, "for": self.pick(holds)}
        return tiers

    def floor(self, slo: dict[str, Any]) -> dict[str, Any]:
        if self.chance(0.3):
            slo["min_bad_events"] = self.pick([50, 1000])
        return slo

    def regional(self) -> dict[str, Any]:
        """A service kept per region or cluster: its ServiceDown has a branch per group, loops read per group."""
        slos = [self.floor({**_ratio("availability", self.pick([99, 99.5, 99.9])), "by": self.pick(GROUPS)})]
        if self.chance(0.4):
            slos.append(
                self.floor(
                    {
                        "name": "latency",
                        "objective": self.pick([95, 99]),
                        "by": self.pick(GROUPS),
                        "sli": {"latency": "latency", "threshold": self.pick(["250ms", "500ms", "1s"])},
                    }
                )
            )
        return {
            "apiVersion": "obsc/v1",
            "service": "regional-api",
            "team": "web",
            "selector": {"job": "regional-api"},
            "metrics": {
                "requests": "http_requests_total",
                "errors": 'http_requests_total{code=~"5.."}',
                "latency": "http_request_duration_seconds",
            },
            "slos": slos,
            "alerts": {"service_down": self.down_tiers()},
            "routing": ROUTING,
        }

    def shaped(self, shape: str) -> dict[str, Any]:
        """One of round 51's newcomer services; `odd` writes it the way round 51 warns of."""
        odd = self.chance(0.5)
        spec: dict[str, Any] = {"apiVersion": "obsc/v1", "service": shape, "team": "edge", "routing": ROUTING}
        if shape == "cluster-dns":
            bad = self.pick(['rcode!="NOERROR"', 'rcode=~"SERVFAIL|NXDOMAIN"']) if odd else 'rcode="SERVFAIL"'
            threshold = self.pick(["100ms", "250ms"]) if odd else self.pick(["64ms", "128ms", "256ms"])
            spec |= {"selector": {"job": "coredns"}, "metrics": _counted("coredns_dns_responses_total", bad)}
            spec["metrics"]["latency"] = "coredns_dns_request_duration_seconds"
            spec["slos"] = [self.floor(_ratio("availability", 99.9)), _latency(threshold)]
        elif shape == "kube-apiserver":
            streams = 'verb!~"WATCH|CONNECT"' + ("" if odd else ',subresource!~"log|proxy|attach|exec|portforward"')
            bad = self.pick(['code="5xx"', 'code=~"5..|429"']) if odd else 'code=~"5..|429"'
            spec |= {"selector": {"job": "apiserver"}, "metrics": _counted("apiserver_request_total", bad)}
            spec["metrics"]["latency"] = f"apiserver_request_duration_seconds{{{streams}}}"
            spec["slos"] = [self.floor(_ratio("availability", 99.9)), _latency("1s")]
        elif shape == "shop-web":
            bad = 'code="5xx"' if odd and self.chance(0.5) else 'code=~"5.."'
            spec |= {"selector": {"service": "shop-web-80@kubernetes"}, "targets": {"job": "traefik"}}
            spec |= {"targets_via": "ingress", "metrics": _counted("traefik_service_requests_total", bad)}
            spec["metrics"]["latency"] = "traefik_service_request_duration_seconds"
            threshold = self.pick(["250ms", "500ms"]) if odd else self.pick(["300ms", "1200ms"])
            spec["slos"] = [self.floor(_ratio("availability", 99.9)), _latency(threshold)]
        elif shape == "api-haproxy":
            bad = 'code=~"5[0-9][0-9]"' if odd else 'code="5xx"'
            spec |= {"selector": {"proxy": "be_api"}, "targets": {"job": "haproxy"}, "targets_via": "ingress"}
            spec["metrics"] = _counted("haproxy_backend_http_responses_total", bad)
            spec["slos"] = [self.floor(_ratio("availability", self.pick([99, 99.9])))]
        elif shape == "orders-queue":
            spec |= {"team": "data", "selector": {"job": "rabbitmq"}, "alerts": {"traffic_anomaly": False}}
            spec["metrics"] = {
                "ready": _gauge('rabbitmq_queue_messages_ready{queue="orders"}', "sum"),
                "consumers": _gauge('rabbitmq_queue_consumers{queue="orders"}', "sum"),
            }
            spec["slos"] = [{"name": "consumed", "objective": 99.5, "sli": {"good_when": "consumers >= 1"}}]
            spec["threshold_alerts"] = [_threshold("OrdersQueueBacklog", "ready", 10000, self.pick(HOLDS))]
        elif shape == "catalog-db":
            spec |= {"team": "data", "selector": {"job": "mongodb-exporter", "rs": "catalog"}}
            spec |= {"targets": {"job": "mongodb-exporter"}, "alerts": {"traffic_anomaly": False}}
            spec["metrics"] = {
                "db_up": _gauge("mongodb_up", "min"),
                "lag": {**_gauge("mongodb_mongod_replset_member_replication_lag", "max"), "unit": "s"},
            }
            spec["slos"] = [{"name": "up", "objective": self.pick([99, 99.9]), "sli": {"good_when": "db_up == 1"}}]
            spec["threshold_alerts"] = [_threshold("CatalogDbLagging", "lag", "30s", self.pick(HOLDS))]
        else:  # billing-jobs: Sidekiq through yabeda; its installation gauges summed are warned of
            spec |= {"team": "data", "selector": {"job": "billing-sidekiq"}, "alerts": {"traffic_anomaly": False}}
            spec["metrics"] = _counted("sidekiq_jobs_executed_total", "")
            spec["metrics"]["errors"] = "sidekiq_jobs_failed_total"
            spec["metrics"]["retries"] = _gauge("sidekiq_jobs_retry_count", "sum" if odd else "max")
            spec["slos"] = [self.floor(_ratio("jobs", self.pick([95, 99])))]
            spec["threshold_alerts"] = [_threshold("BillingJobsRetrying", "retries", 100, self.pick(HOLDS))]
        if "targets_via" not in spec and self.chance(0.4):  # its own `up`: crash-loop holds
            spec.setdefault("alerts", {})["service_down"] = self.down_tiers()
        return spec


def _seconds(duration: str) -> int:
    units = {"d": 86400, "h": 3600, "m": 60, "s": 1}
    total, number = 0, ""
    for char in duration:
        if char.isdigit():
            number += char
        else:
            total, number = total + int(number) * units[char], ""
    return total


def _counted(metric: str, bad: str) -> dict[str, Any]:
    return {"requests": metric, "errors": f"{metric}{{{bad}}}" if bad else metric}


def _latency(threshold: str) -> dict[str, Any]:
    return {"name": "latency", "objective": 99, "sli": {"latency": "latency", "threshold": threshold}}


def _gauge(selector: str, aggregation: str) -> dict[str, Any]:
    return {"selector": selector, "type": "gauge", "aggregation": aggregation}


def _threshold(name: str, metric: str, above: object, hold: str) -> dict[str, Any]:
    return {"name": name, "metric": metric, "above": above, "for": hold, "tier": "warning", "missing": "ignore"}


def _behind_relay(spec: dict[str, Any], others: dict[str, dict[str, Any]], r: Round52Drawer) -> None:
    """Put `spec` behind the collector relay, its page held no shorter than the relay's (a shorter one is refused)."""
    collector = others.get("otel-collector")
    if collector is None:
        return
    relay_hold = _seconds(str(collector["alerts"]["service_down"]["critical"]["for"]))
    spec["targets"] = {"job": collector["selector"]["job"]}
    spec["targets_via"] = "collector"
    spec["relay"] = {"service": "otel-collector", "team": collector["team"]}
    spec["alerts"]["service_down"] = r.down_tiers(relay_hold)


def widen52(
    seed: int, platform: dict[str, Any], service: dict[str, Any], others: dict[str, dict[str, Any]]
) -> dict[str, dict[str, Any]]:
    """Round 52's draws over the round-51 fleet `platform`, `service` and `others` (changed in place); `others` with
    the new specs, by file stem."""
    r = Round52Drawer(seed)
    teams = platform["teams"]
    if r.chance(0.5):
        platform["defaults"].setdefault("slo_alerts", {})["evaluation_interval"] = r.pick(EVALUATIONS)
    if r.chance(0.5):
        regional = r.regional()
        if r.chance(0.3):
            _behind_relay(regional, others, r)
        teams.setdefault("web", {})
        others["regional-api"] = regional
    collector = others.get("otel-collector")
    if collector is not None and r.chance(0.4):
        collector["slos"][0]["by"] = ["cluster", "region"]
    for shape in r.r.sample(SHAPES, r.pick([0, 1, 1, 2, 3])):
        spec = r.shaped(shape)
        teams.setdefault(str(spec["team"]), {})
        others[shape] = spec
    if r.chance(0.3):
        platform.setdefault("secrets", {})["team_spec_dir"] = SPEC_DIR
    return others


def spec_folder(platform: dict[str, Any], team: str) -> str:
    """Where tests/drawn_settings.py writes a spec of `team`: its team's folder under `team_spec_dir`."""
    pattern = platform.get("secrets", {}).get("team_spec_dir")
    return str(pattern).replace("{team}", team) if pattern else ""
