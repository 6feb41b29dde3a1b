"""Drawn fleets, the platform half: the seeded source of choices, the platform file (receivers, burn-window
catalogs, allow-lists, output layout) and key alerts. tests/drawn_services.py draws the services on top."""

from __future__ import annotations

import random
from pathlib import Path
from typing import Any

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


class PlatformDrawer:
    """One fleet's choices, all from one seeded random source (never the global one)."""

    def __init__(self, seed: int) -> None:
        self.r = random.Random(seed)
        self.edge = seed >= 1000  # seeds from 1000 on draw every option more often
        self.periods: set[str] = set()
        # Round 42's options draw from a second source, so that each seed still draws round 41's fleet beneath them
        # (a string seed is hashed with SHA-512, not hash(): the same under every PYTHONHASHSEED).
        self.x = random.Random(f"round42-{seed}")

    def chance(self, p: float) -> bool:
        return self.r.random() < (min(0.9, p * 1.8) if self.edge else p)

    def xchance(self, p: float) -> bool:
        """A round-42 option: drawn from the second source, as often as `chance` would."""
        return self.x.random() < (min(0.9, p * 1.8) if self.edge else p)

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
        if self.xchance(0.15):  # the Mimir layout, its namespaces prefixed so no service takes a mixin's
            plat["output"] = {"format": "mimir"}
        if plat.get("output", {}).get("format") == "mimir" and self.xchance(0.6):
            plat["output"]["mimir_namespace"] = self.x.choice(["obsc-{service}", "{service}.slo", "t1_{service}"])
        if self.xchance(0.35):
            self.allow_lists(plat["alertmanager"])
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

    def allow_lists(self, am: dict[str, Any]) -> None:
        """Where receivers may send, as a platform narrows it: every URL and address the drawer writes is inside."""
        prefixes = ["https://hooks.example.org/"]
        if self.xchance(0.5):
            prefixes += ["https://events.pagerduty.com/", "https://Hooks.Example.org:443/"]
        am["receiver_url_prefixes"] = prefixes
        am["receiver_email_domains"] = self.x.choice([["example.org"], ["EXAMPLE.org", "mail.example.net"]])

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
