"""What a missing required key is, said where it is missing: round 45's newcomer, with a spec whose `team:` was left
out, was told "missing required key 'team'" and nothing of what a team is or where its names come from."""

from __future__ import annotations

import os
import re

from compiler import conventions
from compiler.spec.document import Path

_SERVICE = {
    "apiVersion": "add apiVersion: obsc/v1 (the version of the spec language) at the top",
    "service": "name the service, service: NAME (lowercase letters, digits and '-'; it names the files and the "
    "service label of every alert)",
    "team": "name the team that owns the service, one of teams: in the platform file (team: <name>); its routing "
    "and secret root apply to the service",
    "selector": "give the labels every series of the service carries, selector: {job: <its scrape job>}; obsc adds "
    "them to each metric",
}
_SLO = {
    "name": "name the SLO, name: availability (it names the alerts' slo label and runbooks)",
    "objective": "give the percentage of events that must be good, objective: 99.9",
    "sli": "say what it measures, sli: {errors: errors, total: requests} or {latency: latency, threshold: 300ms} "
    "(docs/slo-kinds.md)",
}


def missing_key(missing: str, path: Path, kind: object, file: str) -> str:
    """The message for a required key left out at `path` of a document of `kind`, read from `file` (whose name is
    the example service name when it is one)."""
    said = f"missing required key '{missing}'"
    if path == () and kind in (None, "Service"):
        hint = _SERVICE.get(missing)
    elif len(path) == 2 and path[0] == "slos" and isinstance(path[1], int):
        hint = _SLO.get(missing)
    else:
        hint = None
    stem = re.sub(r"[_ ]+", "-", os.path.basename(file).split(".")[0].lower())
    name = stem if re.fullmatch(conventions.NAME, stem) else "payments-api"
    return f"{said}: {hint.replace('service: NAME', 'service: ' + name)}" if hint else said
