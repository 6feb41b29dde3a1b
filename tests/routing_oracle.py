"""An oracle for "who is paged", written apart from obsc's route generator.

obsc's own routing tests (routing-tests.yaml) come from the model that writes the routing tree, so a wrong model
passes them. This module reads only the fleet's files (platform.yaml and the service specs, as YAML, or the
drawn fleets' Jsonnet form: a JSON body plus a labels object) and the alerting rules obsc wrote, and says from
docs/notifications.md alone which receiver each alert must reach:

- a tier's receiver: the spec's `routing`, else `teams.<team>.routing`, else `defaults.routing`, else
  `alertmanager.default_receiver` (info never falls back to it); nothing at all: `obsc-unrouted`;
- a name is a receiver under `receivers:`; a mapping written inline is `<service>-<tier>` in a spec,
  `team-<team>-<tier>` in a team's routing, `platform-<tier>` in `defaults.routing`, and `service.<service>-<tier>`
  when the platform file already writes the spec's name.

Then it asks amtool (`amtool config routes test`) where the generated alertmanager.yml sends each alert: exactly
that one receiver, once (two matched leaves would page twice).

    python -m tests.routing_oracle 1-40 [--jobs 2]     # drawn fleets; `make routing-oracle SEEDS=1-40`
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parent.parent
UNROUTED = "obsc-unrouted"
TIERS = ("critical", "warning", "info")


def read_spec(path: Path) -> dict[str, Any]:
    """A spec file as data: YAML, or the drawn fleets' Jsonnet (a JSON body `+ lib.labels({...})`)."""
    text = path.read_text()
    if path.suffix != ".jsonnet":
        return dict(yaml.safe_load(text))
    body = text.split("\n", 2)[2]
    spec_text, _, labels_text = body.rpartition(" + lib.labels(")
    spec = dict(json.loads(spec_text))
    labels = json.loads(labels_text.rstrip().removesuffix(")"))
    if labels:
        spec["labels"] = labels
    return spec


def read_fleet(specs: Path) -> tuple[dict[str, Any], dict[str, dict[str, Any]]]:
    """The platform file and each service's spec, by service name."""
    platform = yaml.safe_load((specs / "platform.yaml").read_text())
    services: dict[str, dict[str, Any]] = {}
    for path in sorted(specs.rglob("*")):
        if path.name == "platform.yaml" or path.suffix not in (".yaml", ".yml", ".jsonnet") or "lib" in path.parts:
            continue
        if path.suffix == ".jsonnet" and not path.read_text().startswith("// drawn fleet"):
            continue  # a dashboard or library, not a spec
        spec = read_spec(path)
        if spec.get("kind", "Service") == "Service" and "service" in spec:
            services[spec["service"]] = spec
    return platform, services


def _platform_names(platform: dict[str, Any]) -> set[str]:
    """Receiver names the platform file writes (named, and its inline teams'/defaults' ones)."""
    names = set(platform.get("receivers") or {})
    for team, settings in (platform.get("teams") or {}).items():
        names |= {f"team-{team}-{tier}" for tier in ((settings or {}).get("routing") or {})}
    names |= {f"platform-{tier}" for tier in ((platform.get("defaults") or {}).get("routing") or {})}
    return names


def expected_receiver(platform: dict[str, Any], services: dict[str, dict[str, Any]], labels: dict[str, str]) -> str:
    """The one receiver docs/notifications.md promises an alert of these labels."""
    tier, team, service = labels.get("severity", ""), labels.get("team", ""), labels.get("service", "")
    spec = services.get(service)
    if spec is not None and spec.get("team") == team:
        ref = (spec.get("routing") or {}).get(tier)
        if ref is not None:
            if isinstance(ref, str):
                return ref
            taken = f"{service}-{tier}" in _platform_names(platform) or any(
                f"{service}-{t}" in _platform_names(platform) for t in TIERS
            )
            return f"service.{service}-{tier}" if taken else f"{service}-{tier}"
    team_ref = (((platform.get("teams") or {}).get(team) or {}).get("routing") or {}).get(tier)
    if team_ref is not None:
        return team_ref if isinstance(team_ref, str) else f"team-{team}-{tier}"
    default_ref = ((platform.get("defaults") or {}).get("routing") or {}).get(tier)
    if default_ref is not None:
        return default_ref if isinstance(default_ref, str) else f"platform-{tier}"
    if tier == "info":
        return UNROUTED
    return str((platform.get("alertmanager") or {}).get("default_receiver") or UNROUTED)


RANK = {"info": 1, "warning": 2, "critical": 3}
SERVICE_DOWN = "ServiceDown"
KEY_ALERTS = {  # docs/slo-kinds.md's key-metric alerts (README "alerts:"), by name
    "ServiceHighErrorRate",
    "ServiceHighLatencyP99",
    "ServiceCPUSaturation",
    "ServiceMemorySaturation",
    "ServiceDiskSaturation",
    "ServiceDiskFillingUp",
    "ServiceUnusualTraffic",
    "ServiceDeployed",
    "ServiceNewErrorType",
    "ServiceTrafficMilestone",
}


def group_labels(services: dict[str, dict[str, Any]], service: str) -> set[str]:
    """The labels the service's `by:` SLOs keep groups by (a page's own service's lists decide)."""
    return {label for slo in (services.get(service) or {}).get("slos") or [] for label in slo.get("by") or []}


def inhibits(services: dict[str, dict[str, Any]], src: dict[str, str], tgt: dict[str, str]) -> bool:
    """docs/notifications.md "Inhibition", rules 1-5 and the closing rule: may firing `src` mute `tgt`?"""
    get = src.get
    if src is tgt or not get("team") or not get("service"):
        return False
    if _held_by_relay(services, src, tgt):
        return True  # rule 5
    if (tgt.get("team"), tgt.get("service")) != (get("team"), get("service")):
        return False  # never another team's, nor another service's
    burn = get("alertname", "").startswith("SLOErrorBudgetBurn")
    if get("alertname") == SERVICE_DOWN and not get("down_group") and tgt.get("alertname") != SERVICE_DOWN:
        lower = RANK[tgt["severity"]] < RANK[get("severity", "")]
        if lower or (tgt["severity"] == get("severity") and not tgt.get("slo")):
            return True  # rule 3
    same = get("slo", "") == tgt.get("slo", "") or bool(get("incident") and get("incident") == tgt.get("incident"))
    if get("severity") == "critical" and not get("down_group") and tgt["severity"] != "critical" and same:
        if not burn:
            return True  # rule 1, a page that is no burn page: whatever labels it carries
        kept = group_labels(services, get("service", ""))
        own = kept & set(src)
        if all(tgt.get(label) == get(label) for label in own) or not kept & set(tgt):
            return True  # rule 1: its own group's, and alerts of no group (not another `by:` SLO's of the incident)
    page = get("severity") == "critical" and not get("down_group") and tgt["severity"] != "critical"
    grouped_burn = burn and bool(group_labels(services, get("service", "")) & set(src))
    if page and tgt.get("data") == "missing" and not grouped_burn:
        return True  # rule 4: a page of the service, its missing data of any SLO (a group's burn page: none)
    return bool(  # rule 2
        burn
        and tgt.get("alertname") in KEY_ALERTS
        and tgt["severity"] == get("severity")
        and get("slo")
        and tgt.get("slo") == get("slo")
    )


def _held_by_relay(services: dict[str, dict[str, Any]], src: dict[str, str], tgt: dict[str, str]) -> bool:
    """Rule 5: the whole service's ServiceDown page of the service a relayed spec names under `relay:` (service and
    team, both as the relay's own spec says) holds back that spec's ServiceDown, which carries `relay`."""
    if src.get("alertname") != SERVICE_DOWN or tgt.get("alertname") != SERVICE_DOWN:
        return False
    if src.get("severity") != "critical" or src.get("down_group") or not tgt.get("relay"):
        return False
    held = services.get(tgt.get("service", "")) or {}
    relay = held.get("relay") or {}
    own = services.get(src.get("service", "")) or {}
    return (
        held.get("team") == tgt.get("team")
        and "targets_via" in held
        and relay.get("service") == src.get("service")
        and relay.get("team") == src.get("team") == own.get("team")
        and "targets_via" not in own
    )


def emitted_alerts(out: Path) -> list[dict[str, str]]:
    """Each alerting rule's fixed labels (with its alertname), from the rule files obsc wrote."""
    alerts: list[dict[str, str]] = []
    for path in sorted((out / "prometheus" / "rules").rglob("*.y*ml")):
        for group in (yaml.safe_load(path.read_text()) or {}).get("groups", []):
            for rule in group.get("rules", []):
                if "alert" in rule:
                    labels = {k: str(v) for k, v in (rule.get("labels") or {}).items() if "{{" not in str(v)}
                    alerts.append({"alertname": rule["alert"], **labels})
    return alerts


def amtool_receivers(config: Path, labels: dict[str, str]) -> list[str]:
    """Every receiver the tree sends these labels to, one per matched leaf (amtool 0.25 prints them joined)."""
    args = [f"{k}={json.dumps(v)}" for k, v in sorted(labels.items())]
    done = subprocess.run(
        ["amtool", "config", "routes", "test", f"--config.file={config}", *args],
        capture_output=True,
        text=True,
        check=False,
    )
    return done.stdout.strip().split(",") if done.stdout.strip() else [f"amtool failed: {done.stderr.strip()}"]


def _routing_key(labels: dict[str, str]) -> tuple[tuple[str, str], ...]:
    """Alerts that differ only in name or burn window ask amtool the same question (one call each)."""
    return tuple(sorted((k, v) for k, v in labels.items() if k not in ("alertname", "burn_window")))


def _full_key(labels: dict[str, str]) -> tuple[tuple[str, str], ...]:
    return tuple(sorted(labels.items()))


def disagreements(specs: Path, out: Path, extra: tuple[dict[str, str], ...] = ()) -> tuple[int, list[str]]:
    """How many distinct alert label sets were asked, and each one where amtool and the oracle differ. `extra`:
    alerts the rules no longer emit but Prometheus may still send (a service moved or renamed while it fires)."""
    platform, services = read_fleet(specs)
    seen: dict[tuple[tuple[str, str], ...], dict[str, str]] = {}
    for labels in [*emitted_alerts(out), *extra]:
        seen.setdefault(_routing_key(labels), labels)
    found = []
    for labels in seen.values():
        want = expected_receiver(platform, services, labels)
        got = amtool_receivers(out / "alertmanager" / "alertmanager.yml", labels)
        if got != [want]:
            found.append(f"{labels}: oracle {want!r}, amtool {got}")
    return len(seen), found


def with_groups(services: dict[str, dict[str, Any]], alert: dict[str, str], n: int = 2) -> list[dict[str, str]]:
    """One alert per group (`g0`, `g1`) of an alert whose SLO or threshold alert its spec keeps `by:` labels."""
    spec = services.get(alert.get("service", "")) or {}
    by: list[str] = []
    if alert["alertname"].startswith("SLO"):
        by = next((s.get("by") or [] for s in spec.get("slos") or [] if s.get("name") == alert.get("slo")), [])
    else:
        by = next(
            (t.get("by") or [] for t in spec.get("threshold_alerts") or [] if t["name"] == alert["alertname"]), []
        )
    return [{**alert, **{label: f"g{i}" for label in by}} for i in range(n)] if by else [alert]


def inhibition_disagreements(specs: Path, out: Path, binary: str, seed: int) -> tuple[int, list[str]]:
    """Post a seeded half of every alert (each group of a `by:` alert apart) to a real Alertmanager on the
    generated config; each alert it mutes must be one some other firing alert may mute by the docs, and back."""
    import random

    from tests.e2e import servers

    platform, services = read_fleet(specs)
    del platform
    pick = random.Random(seed)
    firing = [g for a in emitted_alerts(out) for g in with_groups(services, a) if pick.random() < 0.5]
    generated = out / "alertmanager" / "alertmanager.yml"
    config = servers.alertmanager_test_config(generated, lambda route: "1h", "http://127.0.0.1:9")
    with (
        tempfile.TemporaryDirectory(prefix="oracle-am-") as work,
        servers.alertmanager(binary, config, Path(work)) as am,
    ):
        servers.api_json(am.url + "/api/v2/alerts", [{"labels": a} for a in firing])
        should = {_full_key(t) for t in firing if any(inhibits(services, s, t) for s in firing)}
        # The inhibitor reads posted alerts in a goroutine of its own: on a loaded machine that can take seconds, so
        # the deadline only ends a wait for a real disagreement (the loop leaves as soon as the muted set is right).
        deadline = time.monotonic() + 30
        while True:
            listed = servers.api_json(am.url + "/api/v2/alerts")
            muted = {_full_key(a["labels"]) for a in listed if a["status"]["inhibitedBy"]}
            if muted == should or time.monotonic() > deadline:
                break
            time.sleep(0.2)
    found = [f"muted, the docs say delivered: {dict(k)}" for k in sorted(muted - should)]
    found += [f"delivered, the docs say muted: {dict(k)}" for k in sorted(should - muted)]
    return len(firing), found


def compile_fleet(specs: Path, out: Path, jpaths: Sequence[Path] = ()) -> subprocess.CompletedProcess[str]:
    cmd = [sys.executable, "-m", "compiler", "compile", str(specs), "--out", str(out), "-q", "--no-validate"]
    cmd += [arg for jpath in jpaths for arg in ("-J", str(jpath))]
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    return subprocess.run(cmd, capture_output=True, text=True, env=env, cwd=ROOT, check=False)


def check_drawn(seed: int, inhibit: bool = False) -> tuple[int, str]:
    """Compile drawn fleet `seed` (prometheus layout) and compare its routing, with `inhibit` its inhibition on a
    real Alertmanager too; (label sets asked and alerts posted, disagreements or a refusal)."""
    from tests import drawn_fleets

    with tempfile.TemporaryDirectory(prefix=f"oracle-{seed}-") as tmp:
        specs, jpaths = drawn_fleets.write(seed, Path(tmp) / "specs")
        platform = yaml.safe_load((specs / "platform.yaml").read_text())
        platform.pop("output", None)  # the oracle reads the plain layout; routing is the same in every format
        (specs / "platform.yaml").write_text(yaml.safe_dump(platform, sort_keys=False, allow_unicode=True))
        done = compile_fleet(specs, Path(tmp) / "out", jpaths)
        if done.returncode != 0:
            return 0, f"refused (exit {done.returncode}): {done.stderr.strip().splitlines()[:1]}"
        asked, found = disagreements(specs, Path(tmp) / "out")
        binary = shutil.which("prometheus-alertmanager") or shutil.which("alertmanager")
        if binary and inhibit:
            posted, muted = inhibition_disagreements(specs, Path(tmp) / "out", binary, seed)
            asked, found = asked + posted, found + muted
        return asked, f"{len(found)} disagreement(s)" + "".join(f"\n  {f}" for f in found)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("seeds", help="e.g. 1-40 or 3,7,1000-1010")
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--no-inhibit", action="store_true", help="skip the Alertmanager inhibition check")
    opts = parser.parse_args()
    from tests.drawn_fleets import seed_list

    bad = 0
    with ThreadPoolExecutor(opts.jobs) as pool:
        for seed, (asked, note) in zip(
            seed_list(opts.seeds),
            pool.map(lambda seed: check_drawn(seed, not opts.no_inhibit), seed_list(opts.seeds)),
            strict=True,
        ):
            print(f"{seed}\t{asked}\t{note}", flush=True)
            bad += "disagreement" in note and not note.startswith("0 ")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
