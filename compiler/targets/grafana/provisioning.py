"""Grafana file provisioning for the generated dashboards: one folder (provider) per team, one for the fleet.

`<out>/grafana` is laid out as Grafana expects: point GF_PATHS_PROVISIONING at `<out>/grafana/provisioning`
and Grafana loads this file, which finds the dashboards beside it through the same variable (Grafana
expands environment variables in provisioning files). Dashboards that no spec produces any more are
pruned from disk and then deleted from Grafana, because the specs are the source of truth.
"""

from __future__ import annotations

import functools
import posixpath
from collections.abc import Iterable

import yaml

from compiler import conventions as names

INSTALL = """\
# Install: set GF_PATHS_PROVISIONING=<output dir>/grafana/provisioning for Grafana (environment variable).
# Dashboards are read from $GF_PATHS_PROVISIONING/../dashboards; they are not editable in the UI.
"""
RELOAD_SECONDS = 60


def provider(name: str, folder: str, folder_uid: str, directory: str) -> dict[str, object]:
    relative = posixpath.relpath(directory, posixpath.dirname(posixpath.dirname(names.GRAFANA_PROVISIONING_PATH)))
    return {
        "name": name,
        "orgId": 1,
        "type": "file",
        "folder": folder,
        "folderUid": folder_uid,
        "disableDeletion": False,
        "allowUiUpdates": False,
        "updateIntervalSeconds": RELOAD_SECONDS,
        "options": {"path": f"${{GF_PATHS_PROVISIONING}}/{relative}", "foldersFromFilesStructure": False},
    }


def render(teams: Iterable[str]) -> str:
    """The provisioning YAML for the fleet dashboard and the teams that have dashboards (sorted)."""
    return _render(tuple(sorted(set(teams))))


# The text depends on the team names alone, and PyYAML's pure-Python writer takes ~5 ms for it: a process
# compiling fleets of the same teams again (the test suite, thousands of times) writes it once.
@functools.lru_cache(maxsize=64)
def _render(teams: tuple[str, ...]) -> str:
    fleet_dir = posixpath.dirname(names.GRAFANA_FLEET_PATH)
    providers = [provider("obsc-fleet", names.GRAFANA_FLEET_FOLDER, names.GRAFANA_FLEET_FOLDER_UID, fleet_dir)]
    providers += [
        provider(f"obsc-{team}", team, names.grafana_folder_uid(team), names.grafana_team_dir(team)) for team in teams
    ]
    body = yaml.safe_dump({"apiVersion": 1, "providers": providers}, sort_keys=False, default_flow_style=False)
    return INSTALL + body
