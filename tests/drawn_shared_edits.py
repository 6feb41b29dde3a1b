"""The round trip of an edit to a file many specs share: the platform file, or a Jsonnet library (on a `-J` path, or
beside the specs that import it). Judged against the drawing, not against obsc's own account:

1. `obsc check` exits 1 and names exactly the outputs the recompile then changes (no more, none missing);
2. every changed output is an importer's (a library edit) or any service's (a platform edit), or shared
   (Alertmanager's files, fleet dashboards), and every affected service whose rules carry alerts has them changed;
3. `obsc diff --as json` names only affected services;
4. the recompile re-runs promtool on the changed services' files only: every rule file whose bytes did not change,
   and every test file of a service none of whose Prometheus files changed, is skipped as passed before;
5. `check` is clean afterwards.

The platform edit gives every alert a new runbook address (`runbook_url`), or (round 44, one seed in two) moves
routing, a burn-window catalog or an SLO default (tests/drawn_platform_edits.py: the services each may and must
change); the library edit gives every alert of its importers an `owner` label. Each returns problems as short
lines; none means the round trip held."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from tests.drawn_fleet_relays import RELAY
from tests.drawn_platform_edits import platform_edit
from tests.drawn_round_trips import SKIPPED, Fleet, first_line, tree

CHANGED = re.compile(r"^(?:changed|added|removed|missing): (\S+)$", re.M)  # check's drift lines
SHARED = ("alertmanager/", "grafana/dashboards/fleet/", ".obsc-manifest")  # the manifest lists every file written
OWNER = '{ labels(extra):: { labels: extra + { owner: "edited" } } }\n'


@dataclass
class SharedEdit:
    what: str
    affected: set[str]  # the services whose outputs may change
    must: set[str] | None = None  # those whose alerts must change (None: every affected one)


def services_of(fleet: Fleet) -> dict[str, Path]:
    """Each drawn service's spec file (`svcN-x`, named as its file)."""
    return {p.stem: p for p in sorted(fleet.specs.rglob("svc*")) if p.suffix in (".yaml", ".jsonnet")}


def relays_of(fleet: Fleet) -> set[str]:
    """The drawn relay spec's name where the fleet has one (tests/drawn_fleet_relays.py): a service of its own, whose
    files a platform edit (its runbook links) changes like any other's (fleet 5010 was judged a stray there)."""
    return {p.stem for p in fleet.specs.rglob(f"{RELAY}.yaml")}


def choose_shared_edit(fleet: Fleet, seed: int) -> SharedEdit:
    """A library edit where the fleet has a library (two seeds in three), else a platform edit."""
    specs = services_of(fleet)
    library = fleet.root / "jlib" / "fleet" / "base.libsonnet"
    if seed % 3 and library.is_file():
        library.write_text(OWNER)
        importers = {s for s, p in specs.items() if "import 'fleet/labels.libsonnet'" in p.read_text()}
        return SharedEdit(f"-J library {library.relative_to(fleet.root)} gives an owner label", importers)
    beside = sorted(fleet.specs.rglob("lib/common.libsonnet"))
    if seed % 3 and beside:
        beside[0].write_text(OWNER)
        folder = beside[0].parent.parent
        importers = {s for s, p in specs.items() if p.parent == folder and "lib/common.libsonnet" in p.read_text()}
        return SharedEdit(f"library {beside[0].relative_to(fleet.specs)} gives an owner label", importers)
    platform = fleet.specs / "platform.yaml"
    plat = yaml.safe_load(platform.read_text())
    moved = platform_edit(plat, specs, seed) if seed % 2 else None
    if moved is not None:
        platform.write_text(yaml.safe_dump(plat, sort_keys=False, allow_unicode=True))
        return SharedEdit(*moved)
    old = plat.get("runbook_url")
    plat["runbook_url"] = (
        "https://runbooks.example.net/{path}"
        if old != "https://runbooks.example.net/{path}"
        else ("https://runbooks.example.net/v2/{path}")
    )
    platform.write_text(yaml.safe_dump(plat, sort_keys=False, allow_unicode=True))
    return SharedEdit(f"platform runbook_url {old} -> {plat['runbook_url']}", set(specs) | relays_of(fleet))


def owner(path: str, services: set[str]) -> str | None:
    """The service an output belongs to (its file, or a runbook's folder, named after it), None for a shared
    output."""
    stem = path.rsplit("/", 1)[-1].split(".")[0]
    folder = path.split("/")[1] if path.startswith("runbooks/") and path.count("/") > 1 else None
    return stem if stem in services else folder if folder in services else None


def stray_diff_rows(edit: SharedEdit, changes: list[dict[str, Any]], services: set[str]) -> list[str]:
    stray = []
    for row in changes:
        named = {s for s in services if f'service="{s}"' in row["name"] or f"/{s}." in row["name"]}
        named |= {s for s in services if row["name"] == s or row["name"].startswith(f"{s}-")}
        if named - edit.affected:
            stray.append(f"{row['kind']} {row['name']}")
    return stray


def shared_round_trip(fleet: Fleet, seed: int) -> list[str]:
    """Problems of a shared edit's round trip on a fleet compiled and clean (see the module)."""
    services = set(services_of(fleet)) | relays_of(fleet)
    before = tree(fleet.out)
    rule_files = {p for p in before if p.startswith("prometheus/") and "/tests/" not in p and p.endswith(".yaml")}
    alerting = {owner(p, services) for p in rule_files if "alert:" in (fleet.out / p).read_text()}
    edit = choose_shared_edit(fleet, seed)
    check = fleet.other_cwd("check")
    if check.returncode != 1 and not (check.returncode == 0 and edit.must == set()):  # it may change nothing
        return [f"{edit.what}: check exit {check.returncode} (drift is 1): {first_line(check)}"]
    said = set(CHANGED.findall(check.stdout + check.stderr))
    diff = fleet.other_cwd("diff", "--as", "json")
    if diff.returncode != 0:
        return [f"{edit.what}: diff exit {diff.returncode}: {first_line(diff)}"]
    stray = stray_diff_rows(edit, json.loads(diff.stdout)["changes"], services)
    problems = [f"{edit.what}: diff names {row}" for row in stray[:3]]
    recompiled = fleet.compile("-v")
    if recompiled.returncode != 0:
        return [*problems, f"{edit.what}: recompile exit {recompiled.returncode}: {first_line(recompiled)}"]
    after = tree(fleet.out)
    moved = {p for p in before.keys() | after.keys() if before.get(p) != after.get(p)}
    problems += [f"{edit.what}: check named {p}, which the recompile left alone" for p in sorted(said - moved)[:3]]
    problems += [f"{edit.what}: check did not name {p}, which the recompile changed" for p in sorted(moved - said)[:3]]
    strays = sorted(p for p in moved if owner(p, services) not in edit.affected and not p.startswith(SHARED))
    problems += [f"{edit.what}: changed {p} of a service it does not affect" for p in strays[:3]]
    changed_services = {owner(p, services) for p in moved if p.startswith("prometheus/")}
    must = edit.affected if edit.must is None else edit.must
    unchanged = sorted(s for s in must & alerting if s not in changed_services)
    problems += [f"{edit.what}: {s}'s alerts did not change" for s in unchanged[:3]]
    problems += _revalidated(edit, recompiled.stderr, before, moved, services)
    done = fleet.other_cwd("check")
    if done.returncode != 0:
        problems.append(f"{edit.what}: check after recompile exit {done.returncode}: {first_line(done)}")
    return problems


def _revalidated(edit: SharedEdit, log: str, before: dict[str, str], moved: set[str], services: set[str]) -> list[str]:
    """promtool skipped exactly the files whose bytes (and, for a test, its service's rules) did not change."""
    prometheus = [p for p in before if p.startswith("prometheus/") and p.endswith(".yaml")]
    touched = {owner(p, services) for p in moved if p.startswith("prometheus/")}
    rules = sum(1 for p in prometheus if "/tests/" not in p and p not in moved)
    tests = sum(1 for p in prometheus if "/tests/" in p and owner(p, services) not in touched)
    skipped = SKIPPED.search(log)
    got = (int(skipped[1]), int(skipped[2])) if skipped else (0, 0)
    if got != (rules, tests):
        return [f"{edit.what}: promtool skipped {got} (rule, test) files, the unchanged are {(rules, tests)}"]
    return []
