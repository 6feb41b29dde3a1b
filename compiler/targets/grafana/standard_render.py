"""The platform's standard dashboards, evaluated for every service that lists them.

Runs in the parent process before services are handed to forked workers (Jsonnet runs in Go, which does
not survive a fork), on one thread per CPU (Go runs without the GIL).
"""

from __future__ import annotations

import json
import os
from dataclasses import replace
from typing import Any

from compiler import conventions as names
from compiler import workers
from compiler.conventions import SERVICE_DASHBOARD
from compiler.errors import Diagnostic, InputError, Location
from compiler.model.types import Fleet, RenderedDashboard, Service
from compiler.spec import loader
from compiler.spec.files import is_regular
from compiler.targets.grafana.standard import service_argument, standard_title
from compiler.targets.grafana.standard_legends import untold_lines, untold_warnings


def render_standard_dashboards(fleet: Fleet, jsonnet: loader.JsonnetOptions) -> Fleet:
    """Evaluate every platform standard dashboard (a Jsonnet `function(service)`) for each service listing it.

    File paths are relative to the platform file; the Grafana target gets the results through the Fleet
    and stays pure. One error is reported once, naming the first service it happened for.
    """
    files = dict(fleet.platform.standard_dashboards)
    if SERVICE_DASHBOARD in files:
        message = f"{SERVICE_DASHBOARD!r} is obsc's own dashboard; give the standard dashboard another name"
        raise InputError([Diagnostic(fleet.platform.location, ("standard_dashboards", SERVICE_DASHBOARD), message)])
    root = os.path.dirname(fleet.platform.location.file) or "."
    wanted = [(service, name) for service in fleet.services for name in service.dashboards if name in files]
    _refuse_missing_unlisted(fleet, files, root, {name for _, name in wanted})

    def evaluate(job: tuple[Service, str]) -> Any:
        service, name = job
        argument = service_argument(service, fleet.platform, name)
        try:
            return loader.evaluate_jsonnet_function(
                os.path.join(root, files[name]), {"service": argument}, jsonnet, root
            )
        except InputError as exc:
            return exc

    # Jsonnet evaluates in Go without the GIL: threads put every CPU to work on a large fleet.
    results = workers.map_threads(evaluate, wanted, workers.worker_count(len(wanted), threads=True))
    rendered: list[RenderedDashboard] = []
    empty: list[tuple[str, str]] = []  # (service, dashboard) with no panel for the service
    alike: dict[tuple[str, str, str, str, str], list[str]] = {}  # lines named alike → the services
    failed: dict[tuple[Location, tuple[str | int, ...], str], list[str]] = {}
    for (service, name), data in zip(wanted, results, strict=True):
        path = os.path.join(root, files[name])
        if isinstance(data, InputError):
            for d in data.diagnostics:
                failed.setdefault(_at_reference(fleet, name, files[name], path, d), []).append(service.name)
            continue
        if not isinstance(data, dict):
            message = f"standard dashboard {name!r} must evaluate to a dashboard object, not {_json_kind(data)}"
            failed.setdefault((Location(path, 1, 1), (), message), []).append(service.name)
            continue
        if shows_nothing(data):
            empty.append((service.name, name))
            continue
        for panel, metric, legend in untold_lines(service, data):
            alike.setdefault((path, name, panel, metric, legend), []).append(service.name)
        rendered.append(RenderedDashboard(service.name, name, path, json.dumps(data, sort_keys=True)))
    if failed:
        raise InputError(
            Diagnostic(where, at, f"{message} (service {who[0]!r}" + (f" and {len(who) - 1} more)" if who[1:] else ")"))
            for (where, at, message), who in failed.items()
        )
    _refuse_shared_titles(fleet, rendered)
    fleet = _without_empty(replace(fleet, rendered_dashboards=tuple(rendered)), files, empty)
    said = untold_warnings(alike, {s.name: s for s in fleet.services})
    return replace(fleet, dashboard_warnings=(*fleet.dashboard_warnings, *said))


def shows_nothing(data: dict[str, Any]) -> bool:
    """Whether a rendered dashboard's panels are none, rows with none inside, or panels whose every query is
    blank. Grafana opens it as an empty page, or as panels that all say "No data"; written and linked from the
    service dashboard, it cost an on-call engineer a click and a page load mid-incident to learn nothing (round
    45: a Kafka consumer's and a Postgres service's golden signals had `panels: []`; round 47: a panel whose
    `targets` a Jsonnet comprehension left `[]`, or whose `expr` it left blank, for a service without the
    metrics it draws). A text or any other panel without `targets` counts: the platform meant it to be read; so
    does a target without `expr` (another datasource's query). A dashboard without a `panels` list is left as
    written (a JSON that is no dashboard yet: the checks judge it)."""
    panels = data.get("panels")
    return isinstance(panels, list) and all(_blank(p) for p in panels)


def _blank(panel: object) -> bool:
    if not isinstance(panel, dict):
        return False
    if panel.get("type") == "row":
        inside = panel.get("panels")
        return not inside or (isinstance(inside, list) and all(_blank(p) for p in inside))
    targets = panel.get("targets")
    return isinstance(targets, list) and all(
        isinstance(t, dict) and "expr" in t and not str(t["expr"] or "").strip() for t in targets
    )


def _without_empty(fleet: Fleet, files: dict[str, str], empty: list[tuple[str, str]]) -> Fleet:
    """The fleet with each empty standard dashboard taken out of its service's `dashboards:`, as if not listed:
    nothing writes, provisions or links it then, alert links included (a service without obsc's own dashboard
    sent its ServiceDown to its first standard dashboard: a dead link had that one been left out only here)."""
    if not empty:
        return fleet
    dropped = set(empty)
    services = tuple(
        replace(s, dashboards=tuple(d for d in s.dashboards if (s.name, d) not in dropped))
        if any(key[0] == s.name for key in dropped)
        else s
        for s in fleet.services
    )
    by_name = {s.name: s for s in fleet.services}
    warnings = tuple(_empty_warning(by_name[service], name, files[name]) for service, name in empty)
    return replace(fleet, services=services, dashboard_warnings=warnings)


def _empty_warning(service: Service, name: str, given: str) -> Diagnostic:
    """Located at the service (its spec, or the platform's defaults, lists the dashboard): a platform's standard
    dashboard may rightly have nothing for some services, and the service's owner is the one to drop it."""
    message = (
        f"service {service.name!r}: standard dashboard {name!r} ({given}) renders no panel for it (none, or none "
        "with a query), so it is not "
        "written and nothing links it: it reads none of the metrics or SLOs this service "
        f"declares; give the service what it draws, or leave {name!r} out of its `dashboards:`"
    )
    return Diagnostic(service.location, ("service",), message)


def _refuse_missing_unlisted(fleet: Fleet, files: dict[str, str], root: str, listed: set[str]) -> None:
    """A standard dashboard no spec lists yet whose file is missing: the platform alone validated, and the first
    spec to list it failed in its own team's CI (round 43, a newcomer: open (6)). A listed one is read, and said
    so, below."""
    where = dict(fleet.platform.standard_dashboard_locations)
    missing = [
        Diagnostic(
            where.get(name, fleet.platform.location),
            ("standard_dashboards", name),
            f"standard dashboard {name!r}: {given}: no such file (paths are relative to the platform file); no spec "
            "lists it yet, and the first one that does would fail",
        )
        for name, given in sorted(files.items())
        if name not in listed and not is_regular(os.path.join(root, given))
    ]
    if missing:
        raise InputError(missing)


def _at_reference(
    fleet: Fleet, name: str, given: str, path: str, found: Diagnostic
) -> tuple[Location, tuple[str | int, ...], str]:
    """A problem with the dashboard file as a whole (it does not exist, cannot be read, lies outside the
    allowed paths) is the platform entry's to fix: located there, it named the missing file with no line."""
    message = f"standard dashboard {name!r}: {found.message}"
    if found.location.file != path or found.location.line > 0:
        return found.location, found.path, message
    where = dict(fleet.platform.standard_dashboard_locations).get(name, fleet.platform.location)
    return where, ("standard_dashboards", name), f"standard dashboard {name!r}: {given}: {found.message}"


def _json_kind(value: Any) -> str:
    """A JSON value's kind in JSON's words: `type(...).__name__` said list, str, NoneType."""
    if isinstance(value, bool):
        return f"{str(value).lower()}"
    kinds = {list: "an array", str: "a string", int: "a number", float: "a number", type(None): "null"}
    return kinds.get(type(value), "a value of another kind")


def _refuse_shared_titles(fleet: Fleet, rendered: list[RenderedDashboard]) -> None:
    """Grafana wants a dashboard title unique in its folder (a team's): on a duplicate it takes away the
    provisioning provider's write permission, so the whole team folder stops updating. A standard dashboard
    with a constant title does that as soon as two services of a team ask for it."""
    team = {s.name: s.team for s in fleet.services}
    # (team, title casefolded) → what holds it first: obsc's own dashboards, then standard ones in order
    holders: dict[tuple[str, str], str] = {
        (s.team, names.service_dashboard_title(s.name).casefold()): f"obsc's own dashboard of service {s.name!r}"
        for s in fleet.services
        if names.SERVICE_DASHBOARD in s.dashboards
    }
    problems: dict[tuple[str, str], str] = {}
    for r in rendered:
        title = standard_title(json.loads(r.json_text), r.service, r.name)
        key = (team[r.service], title.casefold())
        first = holders.get(key)
        if first is None:
            holders[key] = f"standard dashboard {r.name!r} of service {r.service!r}"
            continue
        problems.setdefault(
            (r.source, r.name),
            f"standard dashboard {r.name!r} of service {r.service!r} is titled {title!r}, as {first} in the "
            f"same Grafana folder (team {key[0]!r}); Grafana then stops provisioning that whole folder: build "
            "the title from service.name",
        )
    if problems:
        raise InputError(Diagnostic(Location(source), ("title",), text) for (source, _), text in problems.items())
