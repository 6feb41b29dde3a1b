"""Platform edits that move routing, a burn-window catalog or an SLO default, each with the services it may and must
change derived from the drawing and the docs (round 44; tests/drawn_shared_edits.py judges the round trip):

- a team's `warning` receiver: Alertmanager's files only (shared), the team's services at most; none must change;
- one row's `for` in the catalog of period P (`defaults.slo_alerts.windows`; added from the built-in rows where
  the platform has none): README "One window catalog per period": an SLO uses the catalog of the longest period
  not longer than its own, capped by the next longer one, so SLOs with periods between the catalogs around P may
  change; those of period P exactly with that row's tier on must (every pair's keep_firing_for bridges the others'
  `for`);
- `defaults.slo_alerts.min_bad_events`: every SLO may change; an SLO without its own `min_bad_events` that counts
  events (not an error-ratio SLI) with a burn tier on must.

Jsonnet specs are not read (their SLOs are what the library makes them): they may change, never must."""

from __future__ import annotations

import random
from pathlib import Path
from typing import Any

import yaml

from tests.drawn_platform import ROOT, seconds

BUILT_IN = yaml.safe_load((ROOT / "compiler" / "model" / "windows.yaml").read_text())["catalogs"]
NEW_RECEIVER = {"webhook": {"url": "https://hooks.example.org/edited"}}


def platform_edit(plat: dict[str, Any], specs: dict[str, Path], seed: int) -> tuple[str, set[str], set[str]] | None:
    """Edit `plat` in place (routing, a catalog or a default, by a source of its own); the edit's text and the
    services it may and must change. None where the drawn kind has nothing to edit."""
    kind = random.Random(f"round44-edit-{seed}").choice(["routing", "catalog", "min_bad_events"])
    slos = {name: _slos(path) for name, path in specs.items()}
    if kind == "routing":
        team = sorted(plat.get("teams", {}))[0]
        plat["teams"][team].setdefault("routing", {})["warning"] = NEW_RECEIVER
        return f"platform {team}'s warning receiver", {s for s in specs if s.endswith(f"-{team[-1]}")}, set()
    defaults = plat.setdefault("defaults", {})
    alerts = defaults.setdefault("slo_alerts", {})
    default_period = seconds(str(defaults.get("period", "30d")))
    if kind == "min_bad_events":
        old = alerts.get("min_bad_events", 3)
        alerts["min_bad_events"] = 1 if old != 1 else 0
        must = {s for s, found in slos.items() if any(_counts_events(slo) for slo in found or [])}
        return f"platform min_bad_events {old} -> {alerts['min_bad_events']}", set(specs), must
    return _catalog_edit(alerts, slos, default_period)


def _catalog_edit(
    alerts: dict[str, Any], slos: dict[str, list[dict[str, Any]] | None], default_period: int
) -> tuple[str, set[str], set[str]] | None:
    windows = alerts.setdefault("windows", {})
    periods = {name: [_period(slo, default_period) for slo in found] for name, found in slos.items() if found}
    if windows:
        key = sorted(windows, key=lambda k: (seconds(str(k)), str(k)))[0]
    else:
        used = sorted({p for found in periods.values() for p in found} & {seconds(k) for k in BUILT_IN})
        if not used:
            return None
        key = next(k for k in BUILT_IN if seconds(k) == used[0])
        windows[key] = [dict(row) for row in BUILT_IN[key]]
    row = windows[key][0]
    old = row.get("for", "0s")
    row["for"] = "10m" if old != "10m" else "20m"
    p = seconds(str(key))
    known = {seconds(k) for k in BUILT_IN} | {seconds(str(k)) for k in windows}
    below = max((q for q in known if q < p), default=0)
    above = min((q for q in known if q > p), default=10**12)
    may = {s for s, found in periods.items() if any(below < q < above for q in found)}
    may |= {s for s, found in slos.items() if found is None}
    must = {
        s
        for s, found in slos.items()
        for slo in found or []
        if _period(slo, default_period) == p and _tier_on(slo, row["tier"]) and slo["objective"] >= 99
    }
    return f"platform catalog {key} row {row.get('name')} for {old} -> {row['for']}", may, must


def _slos(path: Path) -> list[dict[str, Any]] | None:
    """A YAML spec's SLOs; None for a Jsonnet spec (not read)."""
    if path.suffix != ".yaml":
        return None
    return list(yaml.safe_load(path.read_text()).get("slos") or [])


def _period(slo: dict[str, Any], default: int) -> int:
    return seconds(str(slo["period"])) if "period" in slo else default


def _tier_on(slo: dict[str, Any], tier: str) -> bool:
    return bool(slo.get("alerts", {}).get(tier, True))


def _counts_events(slo: dict[str, Any]) -> bool:
    """An SLO the platform's min_bad_events reaches and changes: its own key absent, failures counted, a burn tier
    on, an objective whose pairs all stay reachable."""
    sli = slo.get("sli", {})
    raw = sli.get("raw", {}) if isinstance(sli, dict) else {}
    ratio = isinstance(raw, dict) and "error_ratio" in raw
    tiers = _tier_on(slo, "critical") or _tier_on(slo, "warning")
    return "min_bad_events" not in slo and not ratio and tiers and slo["objective"] >= 99
