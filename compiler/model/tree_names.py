"""A compiled service's name or dashboard UID that a spec of the tree the compile did not name already has (round 51).

The fleet's checks (checks.py: a service defined twice, two dashboards of one Grafana UID) read the compile's own
specs. `obsc compile specs/teams/alpha`, team alpha's CI, was blind to team bravo's specs beside them: the output's
files caught a clash only once bravo's were compiled into it (output/subset.py), so a fresh output, or one
compiled from alpha's folder alone, let alpha's `search` or a name found to meet bravo's UID through, and the whole
tree's compile refused it later, at the merge. Here each unnamed spec's `service:` and `dashboards:` are read
(names only: nothing of it is built) and a clash is said at the compiled spec.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from compiler import conventions
from compiler.errors import Diagnostic, Location
from compiler.model.build_context import Layer, builtin_defaults
from compiler.model.types import Platform, Service
from compiler.spec.document import Document

_SPEC_API = "obsc/v1"


def tree_name_clashes(
    services: Sequence[Service], others: Iterable[Document], defaults: Layer, platform: Platform
) -> list[Diagnostic]:
    """The compiled services whose name, or one of whose dashboard UIDs, a spec of `others` (the tree's specs the
    compile did not name, read only here) already has; `defaults`: the platform's, whose dashboards a spec listing
    none has. Only in a repository of teams (`secrets.team_spec_dir`): a folder of unrelated cases beside one
    platform file (tests/errors/) is compiled a case at a time, and its cases share names."""
    if not platform.secrets.team_spec_dir:
        return []
    default_dashboards = defaults.data.get("dashboards", builtin_defaults()["dashboards"])
    theirs: dict[str, tuple[str, Location]] = {}  # service name -> its team and where it is named
    uids: dict[str, tuple[str, str, Location]] = {}  # UID -> service, dashboard, where
    for doc in others:
        named = _named(doc.data)
        if named is None:
            continue
        name, team, dashboards = named
        where = doc.locate(("service",))
        theirs.setdefault(name, (team, where))
        for dashboard in dashboards if dashboards is not None else default_dashboards:
            uids.setdefault(conventions.dashboard_uid(name, dashboard), (name, dashboard, where))
    found: list[Diagnostic] = []
    for service in services:
        if service.name in theirs:
            team, where = theirs[service.name]
            found.append(
                Diagnostic(
                    service.location,
                    ("service",),
                    f"service {service.name!r} is already defined at {where} (team {team!r}), a spec this compile "
                    "did not name: compiled into one output, one would write over the other's rules, tests, "
                    "dashboard and runbooks; rename the service",
                )
            )
            continue
        for dashboard in service.dashboards:
            uid = conventions.dashboard_uid(service.name, dashboard)
            if uid in uids and uids[uid][0] != service.name:
                other, their_dashboard, where = uids[uid]
                found.append(
                    Diagnostic(
                        service.location,
                        ("service",),
                        f"dashboard {dashboard!r} of service {service.name!r} would have Grafana UID {uid!r}, the UID "
                        f"of dashboard {their_dashboard!r} of service {other!r} ({where}, a spec this compile did not "
                        "name): Grafana would load only one of them and alert links would open the wrong one; "
                        "rename the service",
                    )
                )
    return found


def _named(data: Any) -> tuple[str, str, list[str] | None] | None:
    """A service document's name, team and dashboards (None: it lists none); None for anything else."""
    if not isinstance(data, Mapping) or data.get("apiVersion") != _SPEC_API:
        return None
    if data.get("kind", "Service") != "Service" or not isinstance(data.get("service"), str):
        return None
    listed = data.get("dashboards")
    dashboards = [d for d in listed if isinstance(d, str)] if isinstance(listed, list) else None
    team = data.get("team")
    return data["service"], team if isinstance(team, str) else "", dashboards
