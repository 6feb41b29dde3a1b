"""Drawn settings: one small service under a platform, with the settings the schema accepts drawn across their
range (each tier's `for` from 0s to 1h, burn pairs' `for` and `keep_firing_for`, scrape intervals from 1s to
2m30s, periods 1d-90d, objectives 90-99.99%, min_bad_events, budget shares, `by:` groups, time slices, latency
thresholds at bucket edges, `targets: false`, `targets_via`, threshold alerts' holds), compiled with validation.
Round 49 widened it (from a second seeded source, so each seed still draws beneath what it drew before): freshness
and raw SLIs, a catalog for an SLO's own period, SLOs grouped by two labels, memory tiers, threshold alerts below
a line or per instance. Round 50 draws relays over them (tests/drawn_relays.py, a third seeded source): a collector
of the same or another team with the batch service and another team's service behind it, a Pushgateway relay, odd
label values, objectives to 99.999%, ingest delays, traffic-anomaly tiers. Round 51 draws what round 50 added
(tests/drawn_round51.py, a fourth seeded source; `--level 50` draws round 50's fleets): evaluation intervals,
Pushgateway jobs, CronJobs, proxy latency thresholds, crash-loop holds, two relays, a grouped relay, large floors.
Round 52 draws what round 51 added (tests/drawn_round52.py, a fifth seeded source; `--level 51` draws round 51's
fleets): group loops, evaluation intervals of 30s-5m, a relay kept by cluster and region, newcomer-shaped services
with round 51's warnings, team folders (`team_spec_dir`), large floors on them. Round 53 draws what round 52 added
(tests/drawn_round53.py, a sixth seeded source; `--level 52` draws round 52's fleets): short-lived tasks kept by a
group (each restart a new instance) under page holds of 1m-10m and over, gRPC status by upper-case name, etcd's
per-member copies, OpenTelemetry applications behind a collector relay, symlinks in team folders.

obsc must never fail its own generated tests: exit 1 (promtool or amtool rejected a case obsc wrote), 70 or a
traceback is a bug, and so is an exit 2 whose message names no file. tests/drawn_fleets.py draws whole fleets
with the usual holds; this draws few services and unusual settings, so a few hundred draws reach more of them.

    python -m tests.drawn_settings 1-300 [--keep DIR] [--level 50]
"""

from __future__ import annotations

import argparse
import random
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

import yaml

from tests.drawn_fleets import LOCATED, seed_list
from tests.drawn_relays import widen
from tests.drawn_round51 import widen51
from tests.drawn_round52 import spec_folder, widen52
from tests.drawn_round53 import links53, widen53

HOLDS = ["0s", "15s", "30s", "1m", "2m", "3m", "5m", "10m", "15m", "30m", "1h"]
PAIR_HOLDS = ["0s", "1m", "2m", "5m", "15m", "30m", "1h"]
SCRAPES = ["1s", "2s", "5s", "10s", "15s", "30s", "1m", "90s", "2m", "2m30s"]
PERIODS = ["1d", "2d", "7d", "14d", "28d", "30d", "90d"]
OBJECTIVES = [90, 95, 99, 99.5, 99.9, 99.95, 99.99]
BUCKETS = [[0.05, 0.1, 0.25, 0.5, 1, 2.5, 10], [0.3, 10], [0, 0.005, 0.025, 0.1, 0.25, 1, 10]]
# pairs a platform team could write (long, short, factor); the built-in 30d catalog's among them
PAIRS = [("critical", "1h", "5m", 14.4), ("critical", "6h", "30m", 6), ("warning", "1d", "2h", 3)]
PAIRS += [("warning", "3d", "6h", 1), ("critical", "30m", "3m", 20), ("warning", "12h", "1h", 2)]
KEY_LINES: dict[str, list[Any]] = {
    "service_down": [True, True, True],
    "error_rate": ["1%", "5%", "20%"],
    "latency_p99": ["500ms", "1s", "2s"],
    "cpu": ["70%", "80%", "90%"],
}
TIERS = ["info", "warning", "critical"]


def seconds(duration: str) -> int:
    units = {"d": 86400, "h": 3600, "m": 60, "s": 1}
    total, number = 0, ""
    for char in duration:
        if char.isdigit():
            number += char
        else:
            total, number = total + int(number) * units[char], ""
    return total


class Drawer:
    """One seed's choices, from one seeded source (never the global one)."""

    def __init__(self, seed: int, widened: bool = True) -> None:
        self.r = random.Random(f"settings-{seed}")
        self.w = random.Random(f"settings-wide-{seed}")  # round 49's draws: the first source's stay as they were
        self.widened = widened  # False: the fleet round 48 drew (its regression seeds)

    def wide(self, p: float) -> bool:
        return self.w.random() < p and self.widened

    def pick(self, options: list[Any]) -> Any:
        return self.r.choice(options)

    def chance(self, p: float) -> bool:
        return self.r.random() < p

    def tiers(self, kind: str) -> dict[str, Any]:
        """One to three tiers, each a line (the more urgent further out) and often a hold of its own."""
        chosen = sorted(self.r.sample(TIERS, self.r.randint(1, 3)), key=TIERS.index)
        out: dict[str, Any] = {}
        for tier, line in zip(chosen, sorted(self.r.sample(range(3), len(chosen))), strict=True):
            value = KEY_LINES[kind][line]
            out[tier] = {"threshold": value, "for": self.pick(HOLDS)} if self.chance(0.7) else value
        if kind == "service_down" and self.chance(0.25):
            out["missing"] = self.pick(["alert", "ignore"])
        paired = [t for t in ("warning", "critical") if t in out]
        if self.widened and kind != "service_down" and len(paired) == 1:
            # one of the two over the built-in other: a careful author writes both, the ticket's line first (a
            # lone `critical: 1%` under the inherited 5% ticket is refused, located: a quarter of round 48's seeds)
            for tier, line in (("warning", 1), ("critical", 2)):
                value = KEY_LINES[kind][line]
                drawn = out.get(tier)
                out[tier] = {**drawn, "threshold": value} if isinstance(drawn, dict) else value
        return out

    def catalog(self, period: str, scrape: str) -> list[dict[str, Any]]:
        rows = []
        for i, (tier, long, short, factor) in enumerate(self.r.sample(PAIRS, self.r.randint(1, 4))):
            if seconds(short) < 2 * seconds(scrape) or seconds(long) >= seconds(period):
                continue
            row: dict[str, Any] = {"tier": tier, "name": f"w{i}", "long": long, "short": short}
            share = self.pick([2, 5, 10, 50, 100])
            if self.chance(0.3) and share / 100 * seconds(period) / seconds(long) >= 1:
                row["budget_share"] = f"{share}%"
            else:
                row["factor"] = factor
            for key in ("for", "keep_firing_for"):
                if self.chance(0.4):
                    row[key] = self.pick(PAIR_HOLDS)
            rows.append(row)
        return rows

    def platform(self) -> dict[str, Any]:
        self.period = self.pick(PERIODS)
        self.scrape = self.pick(SCRAPES) if self.chance(0.5) else "1m"
        slo_alerts: dict[str, Any] = {}
        if self.scrape != "1m":
            slo_alerts["scrape_interval"] = self.scrape
        if self.chance(0.3):
            slo_alerts["min_bad_events"] = self.pick([0, 1, 3, 50])
        if self.chance(0.2):
            slo_alerts["budget_left"] = self.pick(["1%", "25%", "90%"])
        if self.chance(0.35) and (rows := self.catalog(self.period, self.scrape)):
            slo_alerts["windows"] = {self.period: rows}
        self.own_period = self.w.choice([p for p in PERIODS if p != self.period])
        if self.wide(0.2) and (rows := self.catalog(self.own_period, self.scrape)):
            slo_alerts.setdefault("windows", {})[self.own_period] = rows  # read by an SLO of that period only
        defaults: dict[str, Any] = {"period": self.period, "routing": {"critical": "fallback"}}
        if slo_alerts:
            defaults["slo_alerts"] = slo_alerts
        if self.chance(0.6):
            defaults["alerts"] = {"service_down": self.tiers("service_down")}
        return {
            "apiVersion": "obsc/v1",
            "kind": "Platform",
            "defaults": defaults,
            "teams": {"payments": {}},
            "receivers": {"fallback": {"webhook": {"url": "http://127.0.0.1:9/hook"}}},
            "alertmanager": {"default_receiver": "fallback"},
        }

    def slo(self, index: int, buckets: list[float]) -> dict[str, Any]:
        kind = self.pick(["ratio", "ratio", "latency", "slices", "good"])
        sli: dict[str, Any] = {
            "ratio": {"errors": "errors", "total": "requests"},
            "good": {"good": "good", "total": "requests"},
            "latency": {"latency": "latency", "threshold": f"{int(self.pick([b for b in buckets if b]) * 1000)}ms"},
            "slices": {"good_when": self.pick(["probe_ok == 1", "probe_ok >= 0.5"])},
        }[kind]
        slo: dict[str, Any] = {"name": f"s{index}", "objective": self.pick(OBJECTIVES), "sli": sli}
        if self.chance(0.4):
            slo["period"] = self.pick(PERIODS)
        if self.wide(0.15):
            slo["period"] = self.own_period  # the platform's catalog for it, when drawn
        if kind != "slices" and self.chance(0.25):
            slo["by"] = self.pick([["route"], ["cluster"]])
            if self.wide(0.3):
                slo["by"] = ["cluster", "region"]
        if self.wide(0.15):
            slo["sli"] = {"last_success": "last_success", "max_age": self.w.choice(["26h", "1h", "90m"])}
            if self.wide(0.5):
                slo["sli"]["stale_alert"] = self.w.choice(["critical", "warning", "info", False])
            slo.pop("by", None)
        elif kind in ("ratio", "good") and self.wide(0.15):
            rate = "sum(rate(http_requests_total{$selector%s}[$window]))"
            slo["sli"] = {"raw": {"errors": rate % ',code=~"5.."', "total": rate % ""}}
            slo.pop("by", None)
        if self.chance(0.3):
            slo["min_bad_events"] = self.pick([0, 1, 5, 30] if kind == "slices" else [0, 1, 5, 100])
        if self.chance(0.2):
            slo["alerts"] = {tier: self.chance(0.7) for tier in self.r.sample(["critical", "warning", "info"], 2)}
        return slo

    def service(self) -> dict[str, Any]:
        buckets = self.pick(BUCKETS)
        metrics: dict[str, Any] = {
            "requests": "http_requests_total",
            "errors": 'http_requests_total{code=~"5.."}',
            "good": 'http_requests_total{code!~"5.."}',
            "latency": {"selector": "http_request_duration_seconds", "type": "histogram", "buckets": buckets},
            "probe_ok": {"selector": "probe_success", "type": "gauge", "aggregation": "min"},
            "cpu": "sum(rate(process_cpu_seconds_total{$selector}[$window]))",
            "queue": {"selector": "queue_depth", "type": "gauge", "aggregation": "max"},
        }
        if self.widened:
            metrics["last_success"] = {"selector": "job_last_success_timestamp_seconds", "type": "gauge"}
            metrics["memory"] = "process_resident_memory_bytes{$selector} / 4e9"
        spec: dict[str, Any] = {
            "apiVersion": "obsc/v1",
            "service": "batch",
            "team": "payments",
            "selector": {"job": "batch"},
            "metrics": metrics,
            "slos": [self.slo(i, buckets) for i in range(self.r.randint(1, 2))],
            "routing": {"critical": "fallback", "warning": "fallback", "info": "fallback"},
        }
        where = self.r.random()
        if where < 0.15:
            spec["targets"] = False
        elif where < 0.3:
            spec["targets"] = {"job": "otel-collector"}
            spec["targets_via"] = self.pick(["collector", "pushgateway", "federation", "ingress"])
        alerts = {kind: self.tiers(kind) for kind in self.r.sample(sorted(KEY_LINES), self.r.randint(0, 2))}
        if self.wide(0.25):
            alerts["memory"] = self.tiers("cpu")  # the same percent lines
        if alerts:
            spec["alerts"] = alerts
        if self.chance(0.3):
            spec["threshold_alerts"] = [
                {
                    "name": "QueueDeep",
                    "metric": "queue",
                    "above": 1000,
                    "for": self.pick(HOLDS),
                    "tier": self.pick(TIERS),
                    **({"missing": "ignore"} if self.chance(0.3) else {}),
                }
            ]
            if self.wide(0.3):  # a floor instead of a ceiling
                spec["threshold_alerts"][0] = {**spec["threshold_alerts"][0], "name": "QueueEmpty", "below": 1}
                del spec["threshold_alerts"][0]["above"]
            if self.wide(0.25):
                spec["threshold_alerts"][0]["by"] = ["instance"]
        return spec


def draw(
    seed: int, widened: bool = True, level: int = 53
) -> tuple[dict[str, Any], dict[str, Any], dict[str, dict[str, Any]]]:
    """The platform, the service and the other specs (by file stem) of `seed`; `widened`: with round 49's draws
    and round 50's relays (tests/drawn_relays.py); `level` 51 adds round 51's (tests/drawn_round51.py), 52 round
    52's too (tests/drawn_round52.py), 53 round 53's (tests/drawn_round53.py); 50 draws the fleet the seed drew in
    round 50."""
    drawer = Drawer(seed, widened)
    platform, service = drawer.platform(), drawer.service()
    if not widened:
        return platform, service, {}
    others = widen(seed, platform, service)
    if level >= 51:
        others = widen51(seed, platform, service, others)
    if level >= 52:
        others = widen52(seed, platform, service, others)
    return platform, service, widen53(seed, platform, service, others) if level >= 53 else others


def write(seed: int, specs: Path, widened: bool = True, level: int = 53) -> None:
    """The seed's fleet under `specs`; from level 53, some team specs read through symlinks (links53)."""
    platform, service, others = draw(seed, widened, level)
    specs.mkdir(parents=True, exist_ok=True)
    (specs / "platform.yaml").write_text(yaml.safe_dump(platform, sort_keys=False))
    fleet = {"batch": service, **others}
    paths = {stem: spec_folder(platform, str(spec["team"])) + f"{stem}.yaml" for stem, spec in fleet.items()}
    stems = {stem: str(spec["team"]) for stem, spec in fleet.items()}
    for link, target, written in links53(seed, platform, stems) if level >= 53 else []:
        paths[written.rsplit("/", 1)[-1].removesuffix(".yaml")] = written
        (specs / link).parent.mkdir(parents=True, exist_ok=True)
        if not (specs / link).is_symlink():
            (specs / link).symlink_to(target)
    for stem, spec in fleet.items():
        path = specs / paths[stem]
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(yaml.safe_dump(spec, sort_keys=False, width=1 << 16, allow_unicode=True))


def verdict(code: int, err: str) -> str:
    """ "" when obsc judged the drawn fleet soundly (compiled, or refused it at its lines), else what went wrong."""
    if code == 0 or (code == 2 and "Traceback" not in err and any(LOCATED.match(x) for x in err.splitlines())):
        return ""
    return f"exit {code}"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("seeds", help="e.g. 1-300 or 4,9,12")
    parser.add_argument("--keep", type=Path, help="keep each drawn fleet under DIR/<seed>")
    parser.add_argument(
        "--level", type=int, choices=(50, 51, 52, 53), default=53, help="50-52: the fleets that round drew"
    )
    args = parser.parse_args()
    bad = 0
    for seed in seed_list(args.seeds):
        with tempfile.TemporaryDirectory(prefix=f"settings-{seed}-") as tmp:
            root = args.keep / str(seed) if args.keep else Path(tmp)
            write(seed, root / "specs", level=args.level)
            done = subprocess.run(
                [sys.executable, "-m", "compiler", "compile", str(root / "specs"), "--out", str(root / "out"), "-q"],
                capture_output=True,
                text=True,
                check=False,
            )
            if args.keep:
                (root / "stderr").write_text(done.stderr)
        problem = verdict(done.returncode, done.stderr)
        bad += bool(problem)
        first = next((x for x in done.stderr.splitlines() if "warning" not in x), "")
        if done.returncode == 1:  # the first case obsc failed, by name
            first = next((x.split("name: ", 1)[1] for x in done.stderr.splitlines() if "name: " in x), first)
        print(f"{seed} {done.returncode} {problem or 'ok'} {first[:200]}", flush=True)
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
