"""A compiled drawn fleet taken through obsc's other commands, as a team's CI and a reviewer would:

1. `obsc check` from another working directory (absolute paths) finds no drift;
2. a second compile under another PYTHONHASHSEED writes the same bytes;
3. one edit to one drawn YAML spec (an SLO objective, a threshold alert's line, or a route) is drift for `check`
   (exit 1), and `obsc diff --as json` names that change and nothing of another service;
4. the recompile re-runs promtool on the edited service's files only (the others' bytes passed before), and
   `check` is clean again;
5. `obsc verify` against a Prometheus that holds no series and no rules finds something (exit 1), each finding at
   a spec line;
6. (round 43) an edit to the platform file or a Jsonnet library, judged against the drawing
   (tests/drawn_shared_edits.py).

Each returns the problems found, as short lines; none means the round trip held."""

from __future__ import annotations

import hashlib
import json
import os
import re
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from tests.drawn_platform import ROOT
from tests.fake_prometheus import serving

RECORD = ".obsc-validated"  # the validation record: which bytes passed, rewritten by every validating compile
SKIPPED = re.compile(r"promtool: (\d+) rule file\(s\) and (\d+) test file\(s\) passed before")
NEW_LINES = {"10/s": "25/s", "5/m": "7/m", "14d": "7d", "1d": "3d"}


@dataclass
class Fleet:
    """A drawn fleet on disk: `root` holds specs/, out/ and (for `-J`) jlib/; commands run from `elsewhere`."""

    root: Path
    jpaths: list[Path] = field(default_factory=list)

    @property
    def specs(self) -> Path:
        return self.root / "specs"

    @property
    def out(self) -> Path:
        return self.root / "out"

    def compile(self, *flags: str, hashseed: str = "1") -> subprocess.CompletedProcess[str]:
        """`obsc compile` as a team runs it: from the fleet's folder, with relative paths."""
        jflags = [f"-J{p.relative_to(self.root)}" for p in self.jpaths]
        return obsc(["compile", "specs", "--out", "out", *jflags, *flags], self.root, hashseed)

    def other_cwd(self, command: str, *flags: str) -> subprocess.CompletedProcess[str]:
        """`obsc check`/`diff`/`verify` from another working directory, with absolute paths."""
        elsewhere = self.root / "elsewhere"
        elsewhere.mkdir(exist_ok=True)
        jflags = [f"-J{p}" for p in self.jpaths]
        out = ["--out", str(self.out)] if command != "verify" else []
        return obsc([command, str(self.specs), *out, *jflags, *flags], elsewhere, "2")


def obsc(args: list[str], cwd: Path, hashseed: str) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ, PYTHONPATH=str(ROOT), PYTHONHASHSEED=hashseed)
    cmd = [sys.executable, "-m", "compiler", *args]
    return subprocess.run(cmd, capture_output=True, text=True, env=env, cwd=cwd, timeout=1800)


def first_line(done: subprocess.CompletedProcess[str]) -> str:
    lines = [line for line in done.stderr.splitlines() if line.strip()]
    if "Traceback" in done.stderr:
        return "TRACEBACK " + lines[-1]
    return lines[0] if lines else ""


def tree(out: Path) -> dict[str, str]:
    """Every file obsc wrote but the validation record: path -> sha256."""
    return {
        str(p.relative_to(out)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(out.rglob("*"))
        if p.is_file() and p.name != RECORD
    }


@dataclass
class Edit:
    """One change to one spec, and what `obsc diff` must then name."""

    path: Path
    what: str
    service: str
    slo: str | None = None  # an objective edit: the SLO every alert and record row names
    alert: str | None = None  # a threshold edit: the alert a row must name
    team: str = ""  # a route edit: the team whose AlertmanagerConfig (prometheus-operator layout) carries it


def choose_edit(fleet: Fleet, seed: int) -> Edit | None:
    """The first editable YAML spec in path order; an objective, a threshold alert's line or a route, by seed."""
    for path in sorted(fleet.specs.rglob("*.yaml")):
        if path.name == "platform.yaml":
            continue
        spec = yaml.safe_load(path.read_text())
        kinds = ["route"] + ["objective"] * bool(spec.get("slos")) + ["threshold"] * bool(spec.get("threshold_alerts"))
        kind = kinds[seed % len(kinds)]
        edit = _apply(kind, path, spec)
        path.write_text(yaml.safe_dump(spec, sort_keys=False, allow_unicode=True))
        return edit
    return None


def _apply(kind: str, path: Path, spec: dict[str, Any]) -> Edit:
    name = spec["service"]
    if kind == "objective":
        slo = spec["slos"][0]
        old = slo["objective"]
        slo["objective"] = 99.95 if old != 99.95 else 99.9
        return Edit(path, f"{name} slo {slo['name']} objective {old} -> {slo['objective']}", name, slo=slo["name"])
    if kind == "threshold":
        alert = spec["threshold_alerts"][0]
        key = next(k for k in ("above", "below", "within") if k in alert)
        old = alert[key]
        alert[key] = NEW_LINES[old] if isinstance(old, str) else old * 2.5
        return Edit(path, f"{name} {alert['name']} {key} {old} -> {alert[key]}", name, alert=alert["name"])
    tier = next(iter(spec.get("routing", {})), "warning")
    spec.setdefault("routing", {})[tier] = {"webhook": {"url": f"https://hooks.example.org/{spec['team']}-edited"}}
    return Edit(path, f"{name} routing.{tier} -> a new webhook", name, team=spec["team"])


def stray_rows(edit: Edit, changes: list[dict[str, Any]]) -> list[str]:
    """Rows of `obsc diff --as json` that are not the edit: another service's, or of the wrong kind."""
    mine = f'service="{edit.service}"'
    stray = []
    for row in changes:
        kind, name = row["kind"], row["name"]
        if edit.slo is None and edit.alert is None:  # a route: Alertmanager only, and the operator's copy of it
            ok = kind in ("route", "receiver", "alertmanager") or name == f"alertmanager/operator/{edit.team}.yaml"
        elif kind in ("alert", "record"):
            ok = mine in name and (edit.slo is None or f'slo="{edit.slo}"' in name or kind == "alert")
        else:
            ok = kind in ("dashboard", "runbook") and (edit.service in name or "/fleet/" in name)
        if not ok:
            stray.append(f"{kind} {name}")
    return stray


def named(edit: Edit, changes: list[dict[str, Any]]) -> bool:
    """Whether some row names the edit itself."""
    if edit.slo is not None:
        return any(f'slo="{edit.slo}"' in r["name"] for r in changes if r["kind"] in ("alert", "record"))
    if edit.alert is not None:
        return any(r["name"].startswith(edit.alert + "{") for r in changes if r["kind"] == "alert")
    return any(r["kind"] in ("route", "receiver") for r in changes)


def promtool_files(out: Path) -> tuple[dict[str, int], dict[str, int]]:
    """Rule files and test files obsc validates with promtool, counted by the service their name starts with."""
    rules: dict[str, int] = {}
    tests: dict[str, int] = {}
    for line in (out / ".obsc-manifest").read_text().splitlines():
        if line.startswith("prometheus/") and line.endswith(".yaml"):
            counts = tests if "/tests/" in line else rules
            service = line.rsplit("/", 1)[1].split(".")[0]
            counts[service] = counts.get(service, 0) + 1
    return rules, tests


def empty_prometheus(path: str, query: str) -> Any:
    """The answers of a Prometheus 2.42 that scrapes nothing and loads no rules (15d retention)."""
    answers: dict[str, Any] = {
        "/api/v1/query": {"resultType": "vector", "result": []},
        "/api/v1/status/config": {"yaml": "global:\n  scrape_interval: 1m\n  evaluation_interval: 1m\n"},
        "/api/v1/status/runtimeinfo": {"storageRetention": "15d"},
        "/api/v1/status/flags": {},
        "/api/v1/rules": {"groups": []},
        "/api/v1/metadata": {},
    }
    return [] if path.startswith("/api/v1/label") else answers.get(path)


def verify_problems(fleet: Fleet) -> list[str]:
    """`obsc verify` against an empty server: findings (exit 1), each located in a spec."""
    with serving(empty_prometheus) as url:
        done = fleet.other_cwd("verify", "--prometheus", url, "--error-format", "json")
    if done.returncode != 1:
        return [f"verify against an empty server: exit {done.returncode}: {first_line(done)}"]
    findings = [json.loads(line) for line in done.stdout.splitlines() if line.strip()]
    unlocated = [f["message"][:80] for f in findings if not (f.get("file") and f.get("line"))]
    return [f"verify: {len(findings)} finding(s), unlocated: {msg}" for msg in unlocated[:2]] or (
        [] if findings else ["verify: exit 1 without a finding"]
    )


def round_trips(fleet: Fleet, seed: int) -> list[str]:
    """Problems of the round trips of a fleet compiled (with validation) into fleet.out; empty when all held."""
    done = fleet.other_cwd("check")
    if done.returncode != 0:
        return [f"check after compile: exit {done.returncode}: {first_line(done)}"]
    before = tree(fleet.out)
    again = fleet.compile("--no-validate", "-q", hashseed="4242")
    moved = sorted(p for p in before.keys() | tree(fleet.out).keys() if before.get(p) != tree(fleet.out).get(p))
    problems = [f"second compile: exit {again.returncode}"] * (again.returncode != 0)
    problems += [f"second compile under PYTHONHASHSEED=4242 changed {', '.join(moved[:3])}"] * bool(moved)
    problems += verify_problems(fleet)
    edit = choose_edit(fleet, seed)
    if edit is not None:
        problems += edit_round_trip(fleet, edit)
    from tests.drawn_shared_edits import shared_round_trip  # it builds on this module's Fleet

    return problems + shared_round_trip(fleet, seed)


def edit_round_trip(fleet: Fleet, edit: Edit) -> list[str]:
    done = fleet.other_cwd("check")
    if done.returncode != 1:
        return [f"{edit.what}: check exit {done.returncode} (drift is 1): {first_line(done)}"]
    diff = fleet.other_cwd("diff", "--as", "json")
    if diff.returncode != 0:
        return [f"{edit.what}: diff exit {diff.returncode}: {first_line(diff)}"]
    changes = json.loads(diff.stdout)["changes"]
    problems = [f"{edit.what}: diff names {row}" for row in stray_rows(edit, changes)[:3]]
    problems += [f"{edit.what}: diff does not name it ({len(changes)} rows)"] * (not named(edit, changes))
    rules, tests = promtool_files(fleet.out)
    recompiled = fleet.compile("-v")
    if recompiled.returncode != 0:
        return [*problems, f"{edit.what}: recompile exit {recompiled.returncode}: {first_line(recompiled)}"]
    skipped = SKIPPED.search(recompiled.stderr)
    others = (sum(rules.values()) - rules.get(edit.service, 0), sum(tests.values()) - tests.get(edit.service, 0))
    got = (int(skipped[1]), int(skipped[2])) if skipped else (0, 0)
    if got[0] < others[0] or got[1] < others[1]:
        problems.append(f"{edit.what}: promtool re-ran other services' files (skipped {got}, others' {others})")
    done = fleet.other_cwd("check")
    if done.returncode != 0:
        problems.append(f"{edit.what}: check after recompile exit {done.returncode}: {first_line(done)}")
    return problems
