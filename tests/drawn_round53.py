"""Round 53's draws for tests/drawn_settings.py: what round 52 added, drawn over each seed's round-52 fleet.

From a sixth seeded source (`settings-r53-<seed>`), so each seed still draws, beneath these, the fleet it drew in
round 52 (`python -m tests.drawn_settings SEEDS --level 52` draws that fleet alone). Over it this may draw:
- a service of short-lived tasks kept `by:` a group (each restart a new instance, gone between: round 52's
  `obsc-replaced` lane), its page held 1m-10m and at times a ticket (or the page itself) held over 10m, at times
  `missing: ignore` (scale to zero keeps the old reading), at times behind the collector relay below;
- round 52's otel-and-etcd shapes: a gRPC service whose status is an upper-case name (`grpc_status`), an etcd
  cluster whose members each count the same elections and hold a whole copy of the keyspace, and OpenTelemetry
  applications (stable seconds and older milliseconds histograms) behind a collector relay of the platform team;
  each at times written the way round 52 warns of (`grpc_status!="OK"`, per-member copies summed, thresholds off the
  writers' buckets): warned, still compiled;
- team folders (`secrets.team_spec_dir`) more often, and in them symlinks (links_53): a spec kept in its team's dot
  folder and linked from the team's folder, a team's linked folder, and now and then a link to another team's file,
  which obsc must refuse at its `team:` line (located exit 2).
"""

from __future__ import annotations

import random
from typing import Any

from compiler.model.units import parse_duration
from tests.drawn_round52 import SPEC_DIR, spec_folder

ROUTING = {"critical": "fallback", "warning": "fallback", "info": "fallback"}
SHORT_HOLDS = ["1m", "2m", "3m", "5m", "10m"]
LONG_HOLDS = ["15m", "30m", "1h"]
TASK_GROUPS = [["cluster"], ["region"], ["zone"], ["cluster", "region"]]
RELAY = "otel-gw"
RELAY_HOLDS = ["0s", "30s", "1m", "2m", "5m"]
UPPER_GRPC_FAILURES = 'grpc_status=~"UNKNOWN|DEADLINE_EXCEEDED|UNIMPLEMENTED|INTERNAL|UNAVAILABLE|DATA_LOSS"'
# the ways round 52 warns of: every non-OK status counted (the callers' codes too), or the callers left out by name
ODD_GRPC_FAILURES = ['grpc_status!="OK"', 'grpc_status!~"OK|NOT_FOUND|INVALID_ARGUMENT|CANCELLED"']


class Round53Drawer:
    """Round 53's choices for one seed, from their own seeded source."""

    def __init__(self, seed: int) -> None:
        self.r = random.Random(f"settings-r53-{seed}")
        self.relay_hold = self.r.choice(RELAY_HOLDS)

    def chance(self, p: float) -> bool:
        return self.r.random() < p

    def pick(self, options: list[Any]) -> Any:
        return self.r.choice(options)

    def held_down(self, floor: int = 0) -> dict[str, Any]:
        """A page held 1m-10m (or, now and then, over 10m) and at times a ticket held over 10m."""
        holds = SHORT_HOLDS if not self.chance(0.2) else LONG_HOLDS
        page = self.pick([h for h in holds if parse_duration(h) >= floor] or LONG_HOLDS[-1:])
        tiers: dict[str, Any] = {"critical": {"threshold": True, "for": page}}
        if self.chance(0.5):
            tiers["warning"] = {
                "threshold": True,
                "for": self.pick([h for h in LONG_HOLDS if parse_duration(h) >= floor]),
            }
        if self.chance(0.25):
            tiers["missing"] = "ignore"
        return tiers

    def tasks(self) -> dict[str, Any]:
        """Short-lived tasks kept per group: each restart is a new instance, gone between lives."""
        slo: dict[str, Any] = {
            "name": "availability",
            "objective": self.pick([99, 99.5, 99.9]),
            "by": self.pick(TASK_GROUPS),
            "sli": {"errors": "errors", "total": "requests"},
        }
        if self.chance(0.25):
            slo["min_bad_events"] = self.pick([1, 5, 50])
        return {
            "apiVersion": "obsc/v1",
            "service": "task-runner",
            "team": "web",
            "selector": {"job": "task-runner"},
            "metrics": {"requests": "http_requests_total", "errors": 'http_requests_total{code=~"5.."}'},
            "slos": [slo],
            "alerts": {"service_down": self.held_down()},
            "routing": ROUTING,
        }

    def grpc(self) -> dict[str, Any]:
        """gRPC's OpenTelemetry plugin: `grpc_status` by upper-case name, latency buckets holding 100ms."""
        odd = self.chance(0.4)
        metric = "grpc_server_call_duration_seconds"
        errors = self.pick(ODD_GRPC_FAILURES) if odd else UPPER_GRPC_FAILURES
        return {
            "apiVersion": "obsc/v1",
            "service": "pricing-grpc",
            "team": "shop",
            "selector": {"job": "pricing"},
            "metrics": {"requests": f"{metric}_count", "errors": f"{metric}_count{{{errors}}}", "latency": metric},
            "slos": [
                {
                    "name": "availability",
                    "objective": self.pick([99, 99.9]),
                    "sli": {"errors": "errors", "total": "requests"},
                },
                {
                    "name": "latency",
                    "objective": 99,
                    "sli": {"latency": "latency", "threshold": "120ms" if odd else "100ms"},
                },
            ],
            "routing": ROUTING,
        }

    def etcd(self) -> dict[str, Any]:
        """etcd: per-member copies of cluster-wide facts (read at max; `odd` sums them, warned)."""
        odd = self.chance(0.4)
        copies = "sum" if odd else "max"
        metrics = {
            "has_leader": {"selector": "etcd_server_has_leader", "type": "gauge", "aggregation": "min"},
            "proposals_failed": "etcd_server_proposals_failed_total",
            "elections": {"selector": "etcd_server_leader_changes_seen_total", "aggregation": copies},
            "db_size": {
                "selector": "etcd_mvcc_db_total_size_in_bytes",
                "type": "gauge",
                "aggregation": copies,
                "unit": "bytes",
            },
            "fsync": "etcd_disk_wal_fsync_duration_seconds",
        }
        holds = ["0s", "1m", "5m", "15m", "30m"]
        spec: dict[str, Any] = {
            "apiVersion": "obsc/v1",
            "service": "etcd-main",
            "team": "platform",
            "selector": {"job": "etcd"},
            "metrics": metrics,
            "slos": [
                {"name": "leader", "objective": self.pick([99.9, 99.99]), "sli": {"good_when": "has_leader == 1"}},
                {"name": "fsync", "objective": 99, "sli": {"latency": "fsync", "threshold": "10ms" if odd else "8ms"}},
            ],
            "threshold_alerts": [
                _threshold("EtcdProposalsFailing", "proposals_failed", "5/h", self.pick(holds)),
                _threshold("EtcdLeaderFlapping", "elections", "3/h", self.pick(holds)),
                _threshold("EtcdDatabaseNearQuota", "db_size", "6GiB", self.pick(holds)),
            ],
            "alerts": {"traffic_anomaly": False},
            "routing": ROUTING,
        }
        if self.chance(0.5):
            spec["alerts"]["service_down"] = self.held_down()
        return spec

    def relay(self) -> dict[str, Any]:
        """The platform team's OpenTelemetry collector, the applications' relay."""
        slo: dict[str, Any] = {
            "name": "intake",
            "objective": 99.9,
            "sli": {"errors": "errors", "total": "requests"},
        }
        if self.chance(0.3):
            slo["by"] = ["cluster", "region"]
        return {
            "apiVersion": "obsc/v1",
            "service": RELAY,
            "team": "platform",
            "selector": {"job": RELAY},
            "metrics": {
                "requests": "otelcol_receiver_accepted_metric_points_total",
                "errors": "otelcol_receiver_refused_metric_points_total",
            },
            "slos": [slo],
            "alerts": {"service_down": {"critical": {"threshold": True, "for": self.relay_hold}}},
            "routing": ROUTING,
        }

    def otel_app(self, stable: bool) -> dict[str, Any]:
        """An application on the OpenTelemetry SDK pushed through the collector: stable seconds histograms (checkout)
        or the older milliseconds ones (legacy web); `odd` sets a threshold off the SDK's buckets (warned)."""
        odd = self.chance(0.3)
        if stable:
            metric, status, unit = "http_server_request_duration_seconds", "http_response_status_code", None
            name, job, threshold = "checkout-api", "shop/checkout-api", "300ms" if odd else "250ms"
        else:
            metric, status, unit = "http_server_duration_milliseconds", "http_status_code", "ms"
            name, job, threshold = "legacy-web", "shop/legacy-web", "200ms" if odd else "250ms"
        latency: Any = {"selector": metric, "unit": unit} if unit else metric
        spec: dict[str, Any] = {
            "apiVersion": "obsc/v1",
            "service": name,
            "team": "shop",
            "selector": {"job": job},
            "targets": {"job": RELAY},
            "targets_via": "collector",
            "relay": {"service": RELAY, "team": "platform"},
            "metrics": {
                "requests": f"{metric}_count",
                "errors": f'{metric}_count{{{status}=~"5.."}}',
                "latency": latency,
            },
            "slos": [
                {
                    "name": "availability",
                    "objective": self.pick([99.5, 99.9]),
                    "sli": {"errors": "errors", "total": "requests"},
                },
                {"name": "latency", "objective": 99, "sli": {"latency": "latency", "threshold": threshold}},
            ],
            "routing": ROUTING,
        }
        if self.chance(0.5):
            spec["alerts"] = {"service_down": self.held_down(parse_duration(self.relay_hold))}
        return spec


def _threshold(name: str, metric: str, above: object, hold: str) -> dict[str, Any]:
    return {"name": name, "metric": metric, "above": above, "for": hold, "tier": "warning"}


def widen53(
    seed: int, platform: dict[str, Any], service: dict[str, Any], others: dict[str, dict[str, Any]]
) -> dict[str, dict[str, Any]]:
    """Round 53's draws over the round-52 fleet `platform`, `service` and `others` (changed in place); `others` with
    the new specs, by file stem."""
    r = Round53Drawer(seed)
    teams = platform["teams"]
    relayed: list[dict[str, Any]] = []
    if r.chance(0.45):
        others["task-runner"] = r.tasks()
        relayed.append(others["task-runner"])
    if r.chance(0.35):
        others["pricing-grpc"] = r.grpc()
    if r.chance(0.35):
        others["etcd-main"] = r.etcd()
    if r.chance(0.4):
        for stable in r.r.sample([True, False], r.pick([1, 2])):
            app = r.otel_app(stable)
            others[str(app["service"])] = app
        others[RELAY] = r.relay()
        if relayed and r.chance(0.4):  # the tasks behind it too, their page held no shorter than the collector's
            tasks = relayed[0]
            tasks |= {"targets": {"job": RELAY}, "targets_via": "collector"}
            tasks["relay"] = {"service": RELAY, "team": "platform"}
            tasks["alerts"]["service_down"] = r.held_down(parse_duration(r.relay_hold))
    for spec in others.values():
        teams.setdefault(str(spec["team"]), {})
    if r.chance(0.3):
        platform.setdefault("secrets", {})["team_spec_dir"] = SPEC_DIR
    return others


def links53(seed: int, platform: dict[str, Any], stems: dict[str, str]) -> list[tuple[str, str, str]]:
    """Symlinks in team folders for the specs of `stems` (file stem -> team), from a seeded source of their own:
    (the link's path, its target as written, the path the spec is written to). A spec kept in its team's dot folder
    and linked from the team's folder is read at the link (obsc never reads a dot file as a spec); a team's linked
    folder likewise. Now and then a link in one team's folder to another team's dot file, which obsc must refuse
    at the spec's `team:` (located exit 2; that refusal hides the rest of the seed)."""
    if "team_spec_dir" not in platform.get("secrets", {}):
        return []
    r = random.Random(f"settings-r53-links-{seed}")
    links: list[tuple[str, str, str]] = []
    for stem, team in sorted(stems.items()):
        folder = spec_folder(platform, team)
        roll = r.random()
        if roll < 0.2:
            links.append((f"{folder}{stem}.yaml", f".src/{stem}.yaml", f"{folder}.src/{stem}.yaml"))
        elif roll < 0.3:
            links.append((f"{folder}live", ".v2", f"{folder}.v2/{stem}.yaml"))
    teams = sorted(set(stems.values()))
    linked = {written.rsplit("/", 1)[-1].removesuffix(".yaml") for _, _, written in links}
    plain = sorted((s, t) for s, t in stems.items() if s not in linked)
    if len(teams) > 1 and plain and r.random() < 0.08:
        stem, team = plain[0]
        foreign = spec_folder(platform, next(t for t in teams if t != team))
        draft = f"{spec_folder(platform, team)}.draft/{stem}.yaml"
        links.append((f"{foreign}{stem}.yaml", "../" * foreign.count("/") + draft, draft))
    return links
