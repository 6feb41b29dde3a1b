"""Drawn fleets, the services half: a spec per service across the spec language (SLI kinds, metrics, key and
threshold alerts, routes, YAML or Jsonnet) on a drawn platform, and `draw(seed)`, the files of one fleet."""

from __future__ import annotations

import json
import random
from pathlib import Path
from typing import Any

import yaml

from tests.drawn_fleet_relays import RELAY, FleetRelays
from tests.drawn_platform import (
    GOLDEN_SIGNALS,
    LATENCY_BUCKETS,
    MS_BUCKETS,
    OBJECTIVES,
    ODD_TEXT,
    PERIODS,
    PlatformDrawer,
    seconds,
)

MANY_NINES = [99.9999, 99.99999, 99.9995, 99.99995]


class Drawer(PlatformDrawer):
    """A fleet's services, drawn from the same seeded source as its platform."""

    # -- a service
    def service(self, name: str, team: str, dashboards: bool) -> dict[str, Any]:
        if self.chance(0.12):
            cloud = self.cloud_service(name, team)
            self.fit_alerts(cloud)
            return cloud
        selector: dict[str, str] = {"job": name}
        if self.chance(0.4):
            selector["namespace"] = self.pick(["prod", team])
        spec: dict[str, Any] = {"apiVersion": "obsc/v1", "service": name, "team": team, "selector": selector}
        if self.chance(0.3):
            spec["description"] = self.pick(ODD_TEXT).replace("$", "")  # '$value' would be a Grafana variable
        self.targets(spec, name)
        metrics, kinds = self.metrics(name)
        spec["metrics"] = metrics
        slos = [self.slo(i, kinds) for i in range(self.r.randint(0, 3))]
        if slos:
            spec["slos"] = slos
        if self.chance(0.5):
            spec.setdefault("alerts", {}).update(self.key_alerts(metrics))
        self.fit_alerts(spec)
        if self.chance(0.3):
            spec["threshold_alerts"] = self.thresholds(kinds)
        if self.chance(0.3):
            spec["labels"] = {self.pick(["component", "tier"]): self.pick(ODD_TEXT)}
        if self.chance(0.2):
            spec["tier_labels"] = {self.pick(["critical", "warning"]): {"escalate": self.pick(ODD_TEXT)}}
        if self.chance(0.3):
            spec["routing"] = {self.pick(["warning", "critical"]): self.pick([self.receiver(team), "fallback"])}
        if self.chance(0.4):
            spec["dashboards"] = ["service", "golden-signals"] if dashboards else ["service"]
        return spec

    def fit_alerts(self, spec: dict[str, Any]) -> None:
        """Turn off alerts obsc rightly refuses as never able to fire: a p99 line at or over the largest declared
        bucket, a burn tier whose built-in factor times the error budget is over 1 (90% over 60d)."""
        alerts = spec.setdefault("alerts", {})
        buckets = spec.get("metrics", {}).get("latency", {}).get("buckets")
        if buckets:
            bounds = sorted(b / (1000 if spec["metrics"]["latency"].get("unit") == "ms" else 1) for b in buckets)
            if bounds[-1] < 10:
                line = {"critical": f"{bounds[len(bounds) // 2] * 1000:g}ms", "warning": False}
                alerts["latency_p99"] = line if len(bounds) > 2 else False
        for slo in spec.get("slos", []):
            share = seconds(slo.get("period", self.default_period)) / seconds("30d") * (1 - slo["objective"] / 100)
            for tier, factor in (("critical", 14.4), ("warning", 3)):
                if share * factor >= 0.9:
                    slo.setdefault("alerts", {})[tier] = False
        if spec.get("targets") is False:  # nothing scrapes it: no `up` to read, no "not running" to tell apart
            alerts.pop("service_down", None)
            for tiers in alerts.values():
                if isinstance(tiers, dict):
                    tiers.pop("missing", None)
        for slo in spec.get("slos", []):  # a 1h window holds 60 one-minute slices at most
            if "good_when" in slo["sli"] and slo.get("min_bad_events", 0) > 30:
                slo["min_bad_events"] = 5
        if not alerts:
            del spec["alerts"]

    def targets(self, spec: dict[str, Any], name: str) -> None:
        roll = self.r.random()
        if roll < 0.12:
            spec["targets"] = False
        elif roll < 0.24:
            spec["targets"] = {"job": f"{name}-collector"}
            spec["targets_via"] = self.pick(["collector", "pushgateway", "federation"])
        elif roll < 0.3:
            spec["targets"] = f'{{job=~"{name}-(blue|green)"}}'
        if roll >= 0.12 and self.chance(0.25):
            down: dict[str, Any] = {"missing": self.pick(["alert", "ignore"])}
            if self.chance(0.5):
                down[self.pick(["critical", "warning", "info"])] = self.pick([True, {"threshold": True, "for": "1m"}])
            spec.setdefault("alerts", {})["service_down"] = down

    def cloud_service(self, name: str, team: str) -> dict[str, Any]:
        """The CloudWatch recipe: counts per period, summed over the window, idle while healthy hosts report."""
        lb = {"job": "cloudwatch", "load_balancer": f"app/{name}/50dc6c"}
        sli: dict[str, Any] = {
            "errors": "sum(sum_over_time(aws_applicationelb_httpcode_target_5_xx_count_sum{$selector}[$window]"
            + " offset 10m))",
            "total": "sum(sum_over_time(aws_applicationelb_request_count_sum{$selector}[$window] offset 10m))",
            "per": "window",
        }
        if self.chance(0.7):
            sli["idle_while"] = "aws_applicationelb_healthy_host_count_average{$selector}"
        slo = {"name": "availability", "objective": self.objective(), "sli": {"raw": sli}}
        if self.chance(0.6):
            slo["period"] = self.period()
        return {"apiVersion": "obsc/v1", "service": name, "team": team, "selector": lb, "targets": False, "slos": [slo]}

    def metrics(self, name: str) -> tuple[dict[str, Any], dict[str, Any]]:
        base = self.pick(["http_requests_total", f"{name.replace('-', '_')}_requests_total"])
        pin = self.pick(["", "", 'cluster=~"eu1|us1"', 'route!~"/health.*"'])
        join = lambda *parts: ", ".join(p for p in parts if p)  # noqa: E731
        metrics: dict[str, Any] = {"requests": f"{base}{{{pin}}}" if pin else base}
        bad, good = 'code=~"5.."', 'code!~"5.."'
        metrics["errors"] = f"{base}{{{join(pin, bad)}}}"
        metrics["good"] = f"{base}{{{join(pin, good)}}}"
        kinds: dict[str, Any] = {}
        if self.chance(0.6):
            ms = self.chance(0.3)
            hist: dict[str, Any] = {"selector": "rpc_duration_milliseconds" if ms else "http_request_duration_seconds"}
            if ms:
                hist["unit"] = "ms"
            buckets = self.pick(MS_BUCKETS if ms else LATENCY_BUCKETS)
            if ms or self.chance(0.6):
                hist["buckets"] = buckets
            metrics["latency"] = hist
            kinds["latency"] = (ms, hist.get("buckets"))
            if self.chance(0.3):  # OpenTelemetry: the requests are the histogram's _count
                count = hist["selector"] + "_count"
                for key, matcher in (("requests", ""), ("errors", '{code=~"5.."}'), ("good", '{code!~"5.."}')):
                    metrics[key] = {"selector": count + matcher, "type": "counter"}
        if self.chance(0.35):
            metrics["probe_ok"] = {
                "selector": "probe_success",
                "type": "gauge",
                "aggregation": self.pick(["min", "avg"]),
            }
            kinds["slices"] = True
        if self.chance(0.2):
            metrics["rtt"] = {"selector": "probe_rtt_milliseconds", "type": "gauge", "aggregation": "max", "unit": "ms"}
            kinds["rtt"] = True
        if self.chance(0.25):
            metrics["last_success"] = {"selector": "job_last_success_timestamp_seconds", "type": "gauge"}
            kinds["fresh"] = True
        if self.chance(0.25):
            metrics["queue_depth"] = {"selector": "queue_depth", "type": "gauge", "aggregation": "max"}
            kinds["gauge"] = True
        if self.chance(0.15):
            metrics["cert_expiry"] = {
                "selector": 'probe_ssl_earliest_cert_expiry{instance="https://shop.example/"}',
                "type": "gauge",
            }
            metrics["cert_expiry"]["service_selector"] = False
            kinds["timestamp"] = True
        if self.chance(0.25):
            metrics["cpu"] = "rate(process_cpu_seconds_total{$selector}[$window])"
            metrics["memory"] = "process_resident_memory_bytes{$selector} / 4e9"
        if self.chance(0.2):
            metrics["build_info"] = {"selector": f"{name.replace('-', '_')}_build_info", "type": "gauge"}
        return metrics, kinds

    def objective(self) -> float:
        """One of round 41's objectives, or now and then one past 99.999% (a budget of seconds a year)."""
        objective: float = self.pick(OBJECTIVES)
        return self.x.choice(MANY_NINES) if self.xchance(0.12) else objective

    def period(self) -> str:
        period: str = self.pick(PERIODS)
        self.periods.add(period)
        return period

    def sli(self, kinds: dict[str, Any]) -> tuple[str, dict[str, Any]]:
        options = ["ratio", "good", "raw", "raw-ratio"] + [
            k for k in ("latency", "slices", "rtt", "fresh") if k in kinds
        ]
        kind = self.pick(options)
        rate = "sum(rate(http_requests_total{$selector%s}[$window]))"
        if kind == "ratio":
            return kind, {"errors": "errors", "total": "requests"}
        if kind == "good":
            return kind, {"good": "good", "total": "requests"}
        if kind == "raw":
            return kind, {"raw": {"errors": rate % ',code=~"5.."', "total": rate % ""}}
        if kind == "raw-ratio":
            return kind, {"raw": {"error_ratio": rate % ',code=~"5.."' + " / " + rate % ""}}
        if kind == "latency":
            ms, buckets = kinds["latency"]
            whole_ms = [b for b in buckets or [0.1, 0.25, 1, 2.5] if b and float(b if ms else b * 1000).is_integer()]
            bound = self.pick(whole_ms or [1000 if ms else 1])
            latency: dict[str, Any] = {"latency": "latency", "threshold": f"{bound if ms else bound * 1000:.10g}ms"}
            if self.xchance(0.1):  # `native: true` is refused (promtool cannot feed a native histogram), located
                latency["native"] = self.x.random() < 0.3
            return kind, latency
        if kind == "slices":
            return kind, {"good_when": self.pick(["probe_ok == 1", "probe_ok >= 0.5", "probe_ok != 0"])}
        if kind == "rtt":
            return kind, {"good_when": self.pick(["rtt < 250", "rtt < 0.25s", "rtt <= 1s"])}
        fresh: dict[str, Any] = {"last_success": "last_success", "max_age": self.pick(["26h", "1h", "90m"])}
        if self.chance(0.4):
            fresh["stale_alert"] = self.pick(["critical", "warning", "info", False])
        return kind, fresh

    def slo(self, i: int, kinds: dict[str, Any]) -> dict[str, Any]:
        kind, sli = self.sli(kinds)
        slo: dict[str, Any] = {"name": f"{kind}-{i}", "objective": self.objective(), "sli": sli}
        if self.chance(0.6):
            slo["period"] = self.period()
        if kind in ("ratio", "good", "latency") and self.max_group and self.chance(0.4):
            groups = self.pick([["cluster"], ["route"], ["cluster", "region"], ["tenant", "cluster"]])
            slo["by"] = groups[: self.max_group]
        if kind != "raw-ratio" and self.chance(0.3):
            slo["min_bad_events"] = self.pick([0, 1, 5, 1000])
        if self.chance(0.4):
            alerts: dict[str, Any] = {t: self.chance(0.6) for t in self.some(["critical", "warning", "info"], 3)}
            if self.chance(0.3):
                alerts["budget_left"] = self.pick(["1%", "50%", "0.5%"])
            slo["alerts"] = alerts
        if self.chance(0.2):
            slo["labels"] = {"impact": self.pick(ODD_TEXT)}
        if self.chance(0.2):
            slo["annotations"] = {"playbook": self.pick(ODD_TEXT)}
        return slo

    def thresholds(self, kinds: dict[str, Any]) -> list[dict[str, Any]]:
        metrics = ["requests"] + [m for m, k in (("queue_depth", "gauge"), ("cert_expiry", "timestamp")) if k in kinds]
        alerts = []
        for i, metric in enumerate(self.some(metrics, 2)):
            alert: dict[str, Any] = {"name": f"Threshold{i}", "metric": metric}
            if metric == "cert_expiry":
                alert["within"] = self.pick(["14d", "1d"])
            elif metric == "requests":
                alert[self.pick(["above", "below"])] = self.pick(["10/s", "5/m", 100])
            else:
                alert[self.pick(["above", "below"])] = self.pick([1000, 0.5])
            for key, options in (("for", ["0s", "1m", "10m"]), ("tier", ["critical", "warning", "info"])):
                if self.chance(0.5):
                    alert[key] = self.pick(options)
            if self.chance(0.3):
                alert["by"] = self.some(["instance", "topic", "cluster"], 2)
            if self.chance(0.3):
                alert["missing"] = self.pick(["alert", "ignore"])
            if self.chance(0.3):
                alert["summary"] = self.pick(ODD_TEXT)
            alerts.append(alert)
        return alerts


# A library outside the spec tree, found only through `-J` (compile, check and diff are given the same path); it
# imports its neighbour as Jsonnet resolves a relative import, from the importing file's folder first.
LIBRARY_DIR = "../jlib/"
LIBRARY = {
    "fleet/labels.libsonnet": "local base = import 'base.libsonnet';\n{ labels(extra):: base.labels(extra) }\n",
    "fleet/base.libsonnet": "{ labels(extra):: if extra == {} then {} else { labels: extra } }\n",
}


def _jsonnet(spec: dict[str, Any], seed: int, library: str = "lib/common.libsonnet") -> str:
    """A spec as Jsonnet: the labels come from a fleet library, so an import is read too."""
    labels = spec.pop("labels", {})
    body = json.dumps(spec, indent=2, ensure_ascii=False)
    head = f"// drawn fleet {seed}\nlocal lib = import '{library}';\n"
    return f"{head}{body} + lib.labels({json.dumps(labels)})\n"


def jsonnet_files(d: Drawer, folder: str, name: str, spec: dict[str, Any], seed: int) -> dict[str, str]:
    """A Jsonnet spec and its library: beside it, or (round 42) on a `-J` path outside the spec tree."""
    if d.xchance(0.5):
        files = {f"{folder}{name}.jsonnet": _jsonnet(spec, seed, "fleet/labels.libsonnet")}
        return files | {LIBRARY_DIR + path: text for path, text in LIBRARY.items()}
    return {
        f"{folder}{name}.jsonnet": _jsonnet(spec, seed),
        f"{folder}lib/common.libsonnet": "{ labels(extra):: if extra == {} then {} else { labels: extra } }\n",
    }


LARGE_FROM = 2000  # seeds from here on draw fleets of 5-30 services over up to 3 teams (round 43)


def team_sizes(d: Drawer, seed: int, teams: int) -> list[int]:
    """Services per team: 1-2 each, or from LARGE_FROM on 5-30 in all (from a third seeded source)."""
    if seed < LARGE_FROM:
        return [d.r.randint(1, 2) for _ in range(teams)]
    x = random.Random(f"round43-{seed}")
    total = x.randint(5, 30)
    cuts = sorted(x.sample(range(1, total), teams - 1)) if teams > 1 else []
    return [b - a for a, b in zip([0, *cuts], [*cuts, total], strict=True)]


def draw(seed: int) -> dict[str, str]:
    """The files of drawn fleet `seed`: relative path -> text (from tests.drawn_fleet_relays.RELAYS_FROM on, at
    times with a relay some of its services sit behind)."""
    d = Drawer(seed)
    teams = [f"team-{c}" for c in "abc"[: d.r.randint(1, 2) + (seed >= LARGE_FROM)]]
    spec_dir = d.chance(0.3)
    files: dict[str, str] = {}
    plat = d.platform(teams, spec_dir)
    relays = FleetRelays(seed, teams)
    dashboards = "standard_dashboards" in plat
    n = 0
    for team, size in zip(teams, team_sizes(d, seed, len(teams)), strict=True):
        for _ in range(size):
            name = f"svc{n}-{team[-1]}"
            n += 1
            spec = d.service(name, team, dashboards)
            relays.place(spec)
            folder = f"teams/{team}/" if spec_dir else ""
            if d.chance(0.25):
                files.update(jsonnet_files(d, folder, name, spec, seed))
            else:
                files[f"{folder}{name}.yaml"] = yaml.safe_dump(spec, sort_keys=False, allow_unicode=True)
    catalogs = plat.get("defaults", {}).get("slo_alerts", {}).get("windows", {})
    if catalogs and d.chance(0.7):  # a catalog mostly for a period some SLO uses
        period = d.pick(sorted(d.periods | {d.default_period}))
        catalogs[period] = d.window_catalog(period)
    if relay := relays.relay_spec():
        files[f"teams/{relays.team}/{RELAY}.yaml" if spec_dir else f"{RELAY}.yaml"] = yaml.safe_dump(
            relay, sort_keys=False
        )
    relays.platform(plat)
    files["platform.yaml"] = yaml.safe_dump(plat, sort_keys=False, allow_unicode=True)
    if dashboards:
        files["dash/golden-signals.jsonnet"] = GOLDEN_SIGNALS.read_text()
    return files


def write(seed: int, root: Path) -> tuple[Path, list[Path]]:
    """Write fleet `seed`'s specs under `root`: the specs folder and the `-J` paths its Jsonnet needs."""
    for rel, text in draw(seed).items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text(text)
    library = (root / LIBRARY_DIR).resolve()
    return root, [library] if library.is_dir() else []
