"""Compiling some services' spec files into an output that holds a whole fleet.

`obsc compile specs/checkout.yaml --out generated` must not turn the fleet's output into checkout's alone.
A subset compile (spec *files* named, no `--prune`) therefore writes only the files of the services it
compiled and keeps everything else obsc owns there as it is:
- other services' files stay byte-identical and stay in the manifest;
- fleet-wide files (alertmanager.yml, the routing tests, the fleet dashboard, provisioning) are kept as
  they are when the output has them: a subset cannot know the other services' routes and SLOs, so its own
  fleet-wide files would drop them; the caller says so, and a whole-directory compile refreshes them;
- a file the compiled services produced before but no longer do is removed (its owner is known from its
  path: prometheus/, grafana/dashboards/teams/ and runbooks/ hold only per-service files);
- the compiled files carry the output's own "Regenerate with" command when the manifest holds a sane
  one, so `obsc check` of the whole spec directory agrees with what the subset compile wrote.
"""

from __future__ import annotations

import os
import posixpath
import re
import shlex
from collections.abc import Iterable
from dataclasses import dataclass, field

from compiler import conventions
from compiler.errors import Diagnostic, InputError, Location
from compiler.output import tree
from compiler.output.bundle import Artifact, Bundle, Ownership, header, parse_manifest

# `\r?`: a CRLF checkout's manifest (git's core.autocrlf) records the same command
_COMMAND = re.compile(r"^# Regenerate with: (obsc compile [^\x00-\x1f\x7f]{1,2000})\r?$", re.M)
_PER_SERVICE = (conventions.PROMETHEUS_DIR + "/", conventions.GRAFANA_DASHBOARDS_DIR + "/teams/")


@dataclass
class Subset:
    """In: the services compiled and the fleet-wide paths of this compile. Out (after `merge`): what was
    kept, and the bundle actually written."""

    services: frozenset[str]
    fleet_wide: frozenset[str]
    command: str
    kept_fleet_wide: tuple[str, ...] = ()
    kept_others: int = 0
    bundle: Bundle | None = None
    teams: dict[str, tuple[str, Location]] = field(default_factory=dict)  # service → its team, where it is named


def owner(path: str) -> str | None:
    """The service a per-service file belongs to, from its path; None for fleet-wide and foreign paths."""
    if path.startswith(conventions.RUNBOOK_DIR + "/") and path.count("/") >= 2:
        return path.split("/")[1]
    if path.startswith(_PER_SERVICE):
        return posixpath.basename(path).split(".")[0]
    return None


def recorded_command(manifest: str) -> str | None:
    found = _COMMAND.search(manifest)
    return found.group(1) if found else None


def merge(bundle: Bundle, out_dir: str, subset: Subset) -> Bundle:
    """The bundle a subset compile writes into `out_dir` (read under the caller's lock)."""
    root = os.path.realpath(out_dir)
    manifest = tree.read_regular(os.path.join(root, conventions.MANIFEST))[0] if os.path.isdir(root) else None
    if manifest is None:
        subset.bundle = bundle
        return bundle  # a fresh output: the subset is the whole fleet there
    owned = parse_manifest(manifest)
    if taken := _other_teams_services(owned, subset, out_dir) + _dashboard_uid_clashes(owned, bundle, subset, out_dir):
        raise InputError(taken)
    command = recorded_command(manifest) or subset.command
    by_path: dict[str, Artifact] = {}
    kept: list[str] = []
    for artifact in bundle.artifacts:
        if artifact.path == conventions.MANIFEST:
            continue
        old = _old(root, artifact.path) if artifact.path in subset.fleet_wide and artifact.path in owned else None
        if old is not None:
            by_path[artifact.path] = Artifact(artifact.path, old, Ownership.GENERATED)
            kept.append(artifact.path)
        else:
            by_path[artifact.path] = _relabel(artifact, subset.command, command)
    others = 0
    for path in sorted(owned - set(by_path)):
        if owner(path) in subset.services:
            continue  # this compile's own service no longer produces it: pruned
        old = _old(root, path)
        if old is not None:
            ownership = Ownership.STUB if path.startswith(conventions.RUNBOOK_DIR + "/") else Ownership.GENERATED
            by_path[path] = Artifact(path, old, ownership)
            others += 1
    by_path[conventions.MANIFEST] = Artifact(
        conventions.MANIFEST, header(conventions.MANIFEST, command) + "".join(f"{p}\n" for p in sorted(by_path))
    )
    subset.kept_fleet_wide, subset.kept_others = tuple(kept), others
    subset.bundle = Bundle(tuple(by_path[p] for p in sorted(by_path)))
    return subset.bundle


def _other_teams_services(owned: set[str], subset: Subset, out_dir: str) -> list[Diagnostic]:
    """Compiled services whose files in the output are another team's (its dashboard's folder says whose). A
    subset compile does not read that team's specs, so it cannot see that two specs claim one name, and it
    wrote over the other team's rules, tests, dashboard and runbook stubs, exit 0 (round 46: team alpha's spec
    named `search`, compiled alone, replaced team bravo's `search`). The whole spec directory refuses the
    duplicate, or compiles a team move."""
    teams_dir = conventions.GRAFANA_DASHBOARDS_DIR + "/teams/"
    problems = []
    for path in sorted(owned):
        service = owner(path)
        if not path.startswith(teams_dir) or service not in subset.teams:
            continue
        theirs = path[len(teams_dir) :].split("/")[0]
        ours, where = subset.teams[service]
        if theirs != ours:
            message = (
                f"service {service!r} in {out_dir} belongs to team {theirs!r} ({path}), not to {ours!r}: "
                "compiling some spec files would write over its rules, tests, dashboard and runbooks without "
                f"reading team {theirs!r}'s specs. Rename the service, or compile the whole spec directory "
                "(where two specs of one name are refused, and a service moved to another team is compiled)"
            )
            problems.append(Diagnostic(where, ("service",), message))
    return problems


def _dashboard_uid_clashes(owned: set[str], bundle: Bundle, subset: Subset, out_dir: str) -> list[Diagnostic]:
    """Compiled dashboards whose Grafana UID is that of another service's dashboard in the output. A subset compile
    does not read that service's spec, so the fleet's UID check (model/checks.py `dashboard_uid_clashes`) could not
    see it: team alpha's service named to meet team bravo's UID, compiled alone, wrote the second dashboard of one
    UID, exit 0 (round 50; Grafana provisions one of them, and the other's alert links open it). The UID follows
    from the path (`conventions.grafana_dashboard_path`), so the output's file names are enough."""
    theirs = {_dashboard_uid(path): path for path in sorted(owned) if owner(path) not in subset.services}
    problems = []
    for path in sorted(a.path for a in bundle.artifacts):
        service, uid = owner(path), _dashboard_uid(path)
        clash = theirs.get(uid) if uid else None
        if service in subset.teams and clash is not None:
            message = (
                f"the dashboard {path} of service {service!r} would have Grafana UID {uid!r}, the UID of {clash} in "
                f"{out_dir} (service {owner(clash)!r}, not compiled here): Grafana would load only one of them and "
                "alert links would open the wrong one; rename the service"
            )
            problems.append(Diagnostic(subset.teams[service][1], ("service",), message))
    return problems


def services_in_output(out_dir: str) -> frozenset[tuple[str, str]]:
    """(service, team) of each service whose dashboard the output's manifest lists: the specs already compiled there,
    so that a clash of two specs is said at the one that is not (the newcomer), not at the one read second."""
    root = os.path.realpath(out_dir)
    manifest = tree.read_regular(os.path.join(root, conventions.MANIFEST))[0] if os.path.isdir(root) else None
    teams_dir = conventions.GRAFANA_DASHBOARDS_DIR + "/teams/"
    found = set()
    for path in parse_manifest(manifest) if manifest else ():
        service = owner(path)
        if path.startswith(teams_dir) and service is not None:
            found.add((service, path[len(teams_dir) :].split("/")[0]))
    return frozenset(found)


def _dashboard_uid(path: str) -> str:
    """The Grafana UID of a per-service dashboard file (`<team>/<service>[.<dashboard>].json`), "" for others."""
    if not path.startswith(conventions.GRAFANA_DASHBOARDS_DIR + "/teams/") or not path.endswith(".json"):
        return ""
    service, _, dashboard = posixpath.basename(path).removesuffix(".json").partition(".")
    return conventions.dashboard_uid(service, dashboard or conventions.SERVICE_DASHBOARD)


def _old(root: str, path: str) -> str | None:
    return tree.read_regular(os.path.join(root, path))[0]


def _relabel(artifact: Artifact, ours: str, theirs: str) -> Artifact:
    """The same file with the output's regenerate command in its header instead of this compile's."""
    if artifact.ownership is not Ownership.GENERATED or ours == theirs:
        return artifact
    before = header(artifact.path, ours)
    if not before or not artifact.content.startswith(before):
        return artifact
    return Artifact(artifact.path, header(artifact.path, theirs) + artifact.content[len(before) :], artifact.ownership)


def is_subset(specs: Iterable[str], out_dir: str | None = None) -> bool:
    """Spec files named one by one are a subset of a fleet, and so are folders below the folder the fleet in
    `out_dir` was compiled from (its manifest's command): `obsc compile specs/payments --platform
    specs/platform.yaml --out generated` removed every other team's files."""
    named = list(specs)
    if any(not os.path.isdir(p) for p in named):
        return True
    fleet = _recorded_folders(out_dir) if out_dir else []
    return bool(fleet) and all(any(_below(os.path.realpath(p), f) for f in fleet) for p in named)


def _recorded_folders(out_dir: str) -> list[str]:
    """The real paths of the folders named in the output's recorded command, found from `out_dir` as that
    command names it (relative to the folder holding both); [] when unknown (no manifest, a renamed output)."""
    root = os.path.realpath(out_dir)
    manifest = tree.read_regular(os.path.join(root, conventions.MANIFEST))[0] if os.path.isdir(root) else None
    command = recorded_command(manifest) if manifest else None
    try:
        words = shlex.split(command or "")
    except ValueError:
        return []
    if "--out" not in words[2:-1]:
        return []
    at = len(words) - 1 - words[::-1].index("--out")
    base, parts = root, posixpath.normpath(words[at + 1]).split("/")
    for part in reversed(parts):
        if os.path.basename(base) != part:
            return []
        base = os.path.dirname(base)
    return [os.path.realpath(os.path.join(base, w)) for w in words[2:at] if os.path.isdir(os.path.join(base, w))]


def _below(path: str, folder: str) -> bool:
    return path.startswith(folder.rstrip(os.sep) + os.sep)
