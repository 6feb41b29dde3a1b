"""Drawn fleets: a seeded drawer of a platform file and a few service specs across the whole spec language, and a
runner that compiles each drawn fleet with validation (promtool/amtool run obsc's own generated tests).

A fleet obsc accepts must pass its own checks: exit 1 (the output fails its own tests), exit 70 or a traceback is
a bug, and so is an exit 2 whose message names no file. Exit 2 with a located message may be a fair refusal.

    make drawn-fleets SEEDS=1-200           # or: python -m tests.drawn_fleets 1-200 --jobs 2 [--keep DIR]

The same seed draws the same fleet while this file is unchanged; seeds from 1000 on draw every option more often
(catalogs, groups, relays, long periods). tests/test_drawn_fleets.py compiles two."""

from __future__ import annotations

import argparse
import json
import os
import random
import subprocess
import sys
import tempfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parent.parent
GOLDEN_SIGNALS = ROOT / "examples" / "lib" / "golden-signals.jsonnet"

PERIODS = ["7d", "1w", "14d", "2w", "28d", "4w", "30d", "60d", "90d", "365d", "366d"]
OBJECTIVES = [90, 95, 97.5, 99, 99.5, 99.9, 99.95, 99.99, 99.995, 99.999, 93.7, 99.123]
SCRAPES = ["10s", "15s", "30s", "1m", "90s", "2m", "2m30s"]
ODD_TEXT = ["plain", 'quote " in', "{ .Labels.x }", "$value", "back\\slash", "unicodé ☃", "two\nlines", "yes"]
LATENCY_BUCKETS = [[0, 0.005, 0.025, 0.1, 0.25, 0.5, 1, 2.5, 10], [0.1, 0.3, 1.2, 5], [0.3], [1e-05, 0.001, 1e3]]
MS_BUCKETS = [[0, 5, 25, 100, 250, 1000, 5000], [7, 13, 300, 2500]]
BASE_WINDOWS = [("critical", "1h", "5m", 14.4), ("critical", "6h", "30m", 6), ("warning", "1d", "2h", 3)]
ODD_WINDOWS = [("critical", "30m", "3m", 20), ("critical", "2h", "10m", 10), ("warning", "12h", "1h", 2)]
ODD_WINDOWS += [("warning", "3d", "6h", 1), ("critical", "10m", "2m", 30), ("warning", "7d", "12h", 1)]
KEY_ALERT_VALUES: dict[str, list[Any]] = {  # lines from least to most urgent: a page's line is past a ticket's
    "error_rate": ["0.5%", "2%", "5%"],
    "latency_p99": ["400ms", "800ms", "1s"],
    "service_down": [True],
    "cpu": ["80%", "90%"],
    "memory": ["90%", "95%"],
    "disk": ["85%"],
    "disk_full": ["4h", "24h"],
    "traffic_anomaly": ["50%", "80%"],
    "deployment": [True],
    "new_error_type": [True],
    "traffic_milestone": [True],
}
WITH_MISSING = ("cpu", "memory", "disk", "disk_full", "service_down")


class Drawer:
    """One fleet's choices, all from one seeded random source (never the global one)."""

    def __init__(self, seed: int) -> None:
        self.r = random.Random(seed)
        self.edge = seed >= 1000  # seeds from 1000 on draw every option more often
        self.periods: set[str] = set()

    def chance(self, p: float) -> bool:
        return self.r.random() < (min(0.9, p * 1.8) if self.edge else p)

    def pick(self, options: list[Any]) -> Any:
        return self.r.choice(options)

    def some(self, options: list[Any], most: int) -> list[Any]:
        return self.r.sample(options, self.r.randint(1, min(most, len(options))))

    # -- receivers: secrets only as files below the roots the platform declares
    def receiver(self, team: str | None) -> dict[str, Any]:
        root = f"/etc/alertmanager/secrets/team-{team}/" if team else "/etc/alertmanager/secrets/platform/"
        name = team or "platform"
        kind = self.pick(["pagerduty", "opsgenie", "slack", "webhook", "email"])
        if kind == "pagerduty":
            return {"pagerduty": {"routing_key_file": root + "pagerduty"}}
        if kind == "opsgenie":
            return {"opsgenie": {"api_key_file": root + "opsgenie", "priority": self.pick(["P1", "P2", "P3"])}}
        if kind == "slack":
            slack: dict[str, Any] = {"channel": f"#{name}-alerts"}
            if self.chance(0.4):
                slack["api_url_file"] = root + "slack"
            return {"slack": slack}
        if kind == "webhook":
            hook: dict[str, Any] = {"url": f"https://hooks.example.org/{name}"}
            if self.chance(0.4):
                hook["credentials_file"] = root + "hook-token"
            if self.chance(0.2):
                hook["max_alerts"] = self.pick([0, 1, 50])
            return {"webhook": hook}
        email: dict[str, Any] = {"to": f"{name}@example.org"}
        if self.chance(0.3):
            email["auth_password_file"] = root + "smtp"
        return {"email": email}

    # -- platform
    def window_catalog(self, period: str) -> list[dict[str, Any]]:
        """Pairs a careful platform team could write: factor at least 1, short windows over two scrapes."""
        pool = BASE_WINDOWS if self.chance(0.4) else self.some(BASE_WINDOWS + ODD_WINDOWS, 5)
        pairs = []
        for i, (tier, long, short, factor) in enumerate(pool):
            if seconds(short) < 2 * seconds(self.scrape) or seconds(long) >= seconds(period):
                continue
            pair: dict[str, Any] = {"tier": tier, "name": f"w{i}-{long}", "long": long, "short": short}
            shares = [s for s in (2, 5, 10, 33.3, 100) if s / 100 * seconds(period) / seconds(long) >= 1]
            if shares and self.chance(0.4):
                pair["budget_share"] = f"{self.pick(shares)}%"
            else:
                pair["factor"] = max(1, factor * self.pick([1, 0.5, 2]))
            if self.chance(0.3):
                pair["for"] = self.pick(["0s", "2m", "15m"])
            if self.chance(0.3):
                pair["keep_firing_for"] = self.pick(["0s", "10m"])
            pairs.append(pair)
        return pairs or [{"tier": "critical", "name": "page", "long": "1h", "short": "5m", "factor": 14.4}]

    def platform(self, teams: list[str], spec_dir: bool) -> dict[str, Any]:
        defaults: dict[str, Any] = {"period": self.pick(PERIODS)} if self.chance(0.5) else {}
        self.default_period = defaults.get("period", "30d")
        self.target_labels = self.pick([None, [], ["namespace"], ["cluster"], ["namespace", "cluster"]])
        if self.target_labels is not None:
            defaults["target_labels"] = self.target_labels
        self.max_group = self.pick([2, 2, 0, 1, 3])
        if self.max_group != 2:
            defaults["slo"] = {"max_group_labels": self.max_group}
        slo_alerts: dict[str, Any] = {}
        if self.chance(0.3):
            slo_alerts["budget_left"] = self.pick(["1%", "25%"])
        if self.chance(0.3):
            slo_alerts["min_bad_events"] = self.pick([0, 1, 10, 1000])
        self.scrape = self.pick(SCRAPES) if self.chance(0.4) else "1m"
        if self.scrape != "1m":
            slo_alerts["scrape_interval"] = self.scrape
        if self.chance(0.4):
            periods = self.some(["7d", "28d", "30d", "90d", "365d", "366d", self.default_period], 2)
            slo_alerts["windows"] = {period: self.window_catalog(period) for period in periods}
        if slo_alerts:
            defaults["slo_alerts"] = slo_alerts
        if self.chance(0.3):
            defaults["alerts"] = self.key_alerts()
        if self.chance(0.3):
            defaults["tier_labels"] = {self.pick(["critical", "info"]): {"pager": self.pick(ODD_TEXT)}}
        if self.chance(0.5):
            defaults["routing"] = {"info": self.receiver(None)}
        plat: dict[str, Any] = {"apiVersion": "obsc/v1", "kind": "Platform"}
        if self.chance(0.6):
            plat["runbook_url"] = self.pick(["https://wiki.example.org/{path}", "https://rb.example/{alert}"])
        if self.chance(0.6):
            plat["grafana_url"] = "https://grafana.example.org"
        if defaults:
            plat["defaults"] = defaults
        plat["teams"] = {team: self.team(team) for team in teams}
        plat["receivers"] = {"fallback": self.receiver(None)}
        secrets = {"team_root": "/etc/alertmanager/secrets/team-{team}/"}
        secrets["shared_root"] = "/etc/alertmanager/secrets/platform/"
        if spec_dir:
            secrets["team_spec_dir"] = "teams/{team}/"
        plat["secrets"] = secrets
        plat["alertmanager"] = self.alertmanager()
        if self.chance(0.3):
            plat["output"] = {"format": self.pick(["prometheus", "prometheus-operator", "mimir", "vmalert"])}
        if self.chance(0.4):
            plat["standard_dashboards"] = {"golden-signals": "dash/golden-signals.jsonnet"}
        return plat

    def team(self, team: str) -> dict[str, Any]:
        spec: dict[str, Any] = {"routing": {"critical": self.receiver(team), "warning": self.receiver(team)}}
        spec["slack_channels"] = [f"#{team}-alerts", f"#{team}"]
        if self.chance(0.3):
            spec["business_hours"] = {
                "location": self.pick(["Europe/Berlin", "UTC", "Asia/Kolkata"]),
                "weekdays": ["monday:friday"],
                "times": [{"start": "08:00", "end": "18:00"}],
            }
        return spec

    def alertmanager(self) -> dict[str, Any]:
        am: dict[str, Any] = {"default_receiver": "fallback"}
        am["global"] = {
            "smtp_smarthost": "smtp.example.org:587",
            "smtp_from": "alertmanager@example.org",
            "smtp_auth_password_file": "/etc/alertmanager/secrets/platform/smtp",
            "slack_api_url_file": "/etc/alertmanager/secrets/platform/slack",
        }
        if self.chance(0.3):
            am["templates"] = [self.pick(["/etc/alertmanager/templates/*.tmpl", "extra/acme.tmpl"])]
        if self.chance(0.3):
            am["send_resolved"] = {"info": True, "warning": self.chance(0.5)}
        return am

    # -- key alerts (`alerts:`), in the platform defaults or a spec
    def tier_values(self, kind: str, tiers: list[str]) -> dict[str, Any]:
        """A line per tier, the more urgent tier's further out (info < warning < critical)."""
        lines = KEY_ALERT_VALUES[kind]
        ranks = sorted(self.r.randrange(len(lines)) for _ in tiers)
        if len(lines) >= len(tiers):
            ranks = sorted(self.r.sample(range(len(lines)), len(tiers)))
        out: dict[str, Any] = {}
        for tier, rank in zip(sorted(tiers, key=["info", "warning", "critical"].index), ranks, strict=True):
            roll = self.r.random()
            line = lines[rank]
            out[tier] = False if roll < 0.15 else {"threshold": line, "for": "5m"} if roll < 0.35 else line
        return out

    def key_alerts(self, metrics: dict[str, Any] | None = None) -> dict[str, Any]:
        """Key alerts; a spec's (`metrics` given) only on signals it has (the platform's apply where they exist)."""
        kinds = sorted(KEY_ALERT_VALUES)
        if metrics is not None:
            needs = {
                "deployment": "build_info",
                "cpu": "cpu",
                "memory": "memory",
                "disk": "disk",
                "disk_full": "disk",
                "latency_p99": "latency",
            }
            kinds = [k for k in kinds if needs.get(k, "requests") in metrics]
        out: dict[str, Any] = {}
        for kind in self.r.sample(kinds, self.r.randint(0, min(4, len(kinds)))):
            if self.chance(0.1):
                out[kind] = False
                continue
            tiers = self.tier_values(kind, self.some(["critical", "warning", "info"], 2))
            if kind in WITH_MISSING and self.chance(0.4):
                tiers["missing"] = self.pick(["alert", "ignore"])
            out[kind] = tiers
        return out

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
        slo = {"name": "availability", "objective": self.pick(OBJECTIVES), "sli": {"raw": sli}}
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
            return kind, {"latency": "latency", "threshold": f"{bound if ms else bound * 1000:.10g}ms"}
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
        slo: dict[str, Any] = {"name": f"{kind}-{i}", "objective": self.pick(OBJECTIVES), "sli": sli}
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


def seconds(duration: str) -> int:
    """Seconds of a Prometheus duration such as 2m30s or 366d."""
    units = {"w": 604800, "d": 86400, "h": 3600, "m": 60, "s": 1}
    total, number = 0, ""
    for char in duration:
        if char.isdigit():
            number += char
        else:
            total, number = total + int(number) * units[char], ""
    return total


def _jsonnet(spec: dict[str, Any], seed: int) -> str:
    """A spec as Jsonnet: the labels come from a fleet library, so an import is read too."""
    labels = spec.pop("labels", {})
    body = json.dumps(spec, indent=2, ensure_ascii=False)
    head = f"// drawn fleet {seed}\nlocal lib = import 'lib/common.libsonnet';\n"
    return f"{head}{body} + lib.labels({json.dumps(labels)})\n"


def draw(seed: int) -> dict[str, str]:
    """The files of drawn fleet `seed`: relative path -> text."""
    d = Drawer(seed)
    teams = [f"team-{c}" for c in "abc"[: d.r.randint(1, 2)]]
    spec_dir = d.chance(0.3)
    files: dict[str, str] = {}
    plat = d.platform(teams, spec_dir)
    dashboards = "standard_dashboards" in plat
    n = 0
    for team in teams:
        for _ in range(d.r.randint(1, 2)):
            name = f"svc{n}-{team[-1]}"
            n += 1
            spec = d.service(name, team, dashboards)
            folder = f"teams/{team}/" if spec_dir else ""
            if d.chance(0.25):
                files[f"{folder}{name}.jsonnet"] = _jsonnet(spec, seed)
                files[f"{folder}lib/common.libsonnet"] = (
                    "{ labels(extra):: if extra == {} then {} else { labels: extra } }\n"
                )
            else:
                files[f"{folder}{name}.yaml"] = yaml.safe_dump(spec, sort_keys=False, allow_unicode=True)
    catalogs = plat.get("defaults", {}).get("slo_alerts", {}).get("windows", {})
    if catalogs and d.chance(0.7):  # a catalog mostly for a period some SLO uses
        period = d.pick(sorted(d.periods | {d.default_period}))
        catalogs[period] = d.window_catalog(period)
    files["platform.yaml"] = yaml.safe_dump(plat, sort_keys=False, allow_unicode=True)
    if dashboards:
        files["dash/golden-signals.jsonnet"] = GOLDEN_SIGNALS.read_text()
    return files


def write(seed: int, root: Path) -> Path:
    for rel, text in draw(seed).items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text(text)
    return root


def compile_fleet(seed: int, keep: Path | None) -> tuple[int, str]:
    """Exit code and first error line of `obsc compile` (with validation) of fleet `seed`."""
    with tempfile.TemporaryDirectory(prefix=f"drawn-{seed}-") as tmp:
        specs = write(seed, (keep / str(seed) if keep else Path(tmp)) / "specs")
        cmd = [sys.executable, "-m", "compiler", "compile", str(specs), "--out", str(Path(tmp) / "out"), "-q"]
        env = dict(os.environ, PYTHONPATH=str(ROOT))
        done = subprocess.run(cmd, capture_output=True, text=True, env=env, cwd=ROOT, timeout=1800)
    lines = [line for line in done.stderr.splitlines() if line.strip()]
    if "Traceback" in done.stderr:
        return done.returncode, "TRACEBACK " + lines[-1]
    return done.returncode, lines[0] if lines else ""


def _seeds(text: str) -> list[int]:
    seeds: list[int] = []
    for part in text.split(","):
        low, _, high = part.partition("-")
        seeds += range(int(low), int(high or low) + 1)
    return seeds


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("seeds", help="e.g. 1-200 or 3,7,10-12")
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--keep", type=Path, help="keep each fleet's specs in DIR/<seed>/specs")
    args = parser.parse_args()
    bad = 0
    with ThreadPoolExecutor(args.jobs) as pool:
        seeds = _seeds(args.seeds)
        for seed, (rc, first) in zip(seeds, pool.map(lambda s: compile_fleet(s, args.keep), seeds), strict=True):
            print(f"{seed}\t{rc}\t{first}", flush=True)
            bad += rc not in (0, 2) or first.startswith("TRACEBACK")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
