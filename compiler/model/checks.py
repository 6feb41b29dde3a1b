"""Rules JSON Schema cannot express: reachable thresholds, unique names, references that resolve."""

from __future__ import annotations

import difflib
import functools
import zoneinfo
from collections.abc import Callable, Mapping, Sequence
from types import MappingProxyType
from typing import Any

from compiler import conventions
from compiler.errors import Diagnostic, Location
from compiler.model.burnrate import error_ratio_threshold, unreachable, windows_for
from compiler.model.mail_addresses import recipient_problem, sender_problem
from compiler.model.operator_secrets import secret_key_clashes
from compiler.model.relays import relay_diagnostics
from compiler.model.ruler_namespaces import reserved_namespace_clashes
from compiler.model.send_resolved import shared_resolved_problems
from compiler.model.slice_floor import slice_floor_problem
from compiler.model.spec_destinations import spec_destination_clashes
from compiler.model.team_totals import team_total_problems
from compiler.model.teams import (
    foreign_receiver_problem,
    is_unrouted_info,
    spec_receiver_owners,
    spec_receiver_problem,
)
from compiler.model.types import BurnWindow, Platform, Receiver, Service, Slo
from compiler.model.units import clock_minutes, decimal_text, parse_duration
from compiler.model.unsure import EVERYTHING_KNOWN, Unsure
from compiler.spec.hints import weekday_hint


def check_slos(
    service: Service,
    positions: Mapping[str, int] | None = None,
    locate: Callable[[tuple[str | int, ...]], Location] | None = None,
) -> list[Diagnostic]:
    """`positions`: SLO name → its index in the spec, when SLOs with errors were left out of `service`;
    `locate`: where a path of the spec is written (else the SLO's own location)."""
    found = []
    for i, slo in enumerate(service.slos):
        path: tuple[str | int, ...] = ("slos", (positions or {}).get(slo.name, i))
        # A tier with a pair that can fire keeps only such pairs (model/reachable_pairs.py): one left here with
        # an unreachable pair has no other.
        windows = windows_for(slo)
        dead = next((w.tier for w in windows if unreachable(slo, w)), None)
        if dead is not None:
            pairs = [w for w in windows if w.tier is dead]
            found.append(
                Diagnostic(
                    locate((*path, "objective")) if locate else slo.location,
                    (*path, "objective"),
                    f"the {dead.value} burn alert {_out_of_reach(slo, pairs)}, more than a total outage; raise the "
                    f"objective, shorten the period or set alerts: {{{dead.value}: false}} on this SLO",
                )
            )
        floor_at = locate((*path, "min_bad_events")) if locate else slo.location
        written = locate is not None and floor_at != locate(path)
        if problem := slice_floor_problem(slo, written):
            found.append(Diagnostic(floor_at, (*path, "min_bad_events") if written else path, problem))
    return found


def _out_of_reach(slo: Slo, pairs: Sequence[BurnWindow]) -> str:
    budget = f"the {decimal_text(slo.error_budget * 100)}% budget"
    if len(pairs) == 1:
        (window,) = pairs
        return (
            f"over {window.long} can never fire: it needs an error ratio of "
            f"{decimal_text(error_ratio_threshold(slo, window))} ({window.factor_text(slo.period_seconds)}x {budget})"
        )
    (head, line), *rest = ((f"{w.long}/{w.short}", decimal_text(error_ratio_threshold(slo, w))) for w in pairs)
    needs = f"its {head} pair needs an error ratio of {line}" + "".join(f" and its {h} pair {r}" for h, r in rest)
    factors = " and ".join(f"{w.factor_text(slo.period_seconds)}x" for w in pairs)
    return f"can never fire: {needs} ({factors} {budget})"


def dashboard_uid_clashes(services: Sequence[Service]) -> list[Diagnostic]:
    """Two dashboards with one Grafana UID: Grafana loads only one of them, and the other's alert links open
    it. A UID keeps 24 characters of the service name and 40 bits of a hash, so services whose names share
    those 24 characters can meet (by chance, or on purpose: another team's name found by trying)."""
    found: list[Diagnostic] = []
    first: dict[str, tuple[Service, str]] = {}
    for service in services:
        for dashboard in service.dashboards:
            uid = conventions.dashboard_uid(service.name, dashboard)
            other = first.setdefault(uid, (service, dashboard))
            if other[0].name != service.name:
                found.append(
                    Diagnostic(
                        service.location,
                        ("service",),
                        f"dashboard {dashboard!r} of service {service.name!r} would have Grafana UID {uid!r}, the "
                        f"UID of dashboard {other[1]!r} of service {other[0].name!r} ({other[0].location}): Grafana "
                        "would load only one of them and alert links would open the wrong one; rename the service",
                    )
                )
    return found


def folder_uid_clashes(services: Sequence[Service], platform: Platform | None) -> list[Diagnostic]:
    """Two teams with one Grafana folder UID (22 characters of the name and 40 bits of a hash, as for dashboards):
    Grafana finds a provider's folder by its UID, so both teams' dashboards would land in one folder, under one
    title and one set of permissions. Found where the team is written: the platform's teams:, else a spec."""
    places = _team_places(services, platform)
    found: list[Diagnostic] = []
    first: dict[str, str] = {}
    for team in sorted(places):
        uid = conventions.grafana_folder_uid(team)
        other = first.setdefault(uid, team)
        if other != team:
            location, path, what = places[team]
            found.append(
                Diagnostic(
                    location,
                    path,
                    f"{what} would have Grafana folder UID {uid!r}, the folder UID of team {other!r} "
                    f"({places[other][0]}): Grafana would put both teams' dashboards in one folder; rename the team",
                )
            )
    return found


def _team_places(
    services: Sequence[Service], platform: Platform | None
) -> dict[str, tuple[Location, tuple[str | int, ...], str]]:
    """Each team → where it is written (the platform's teams:, else its first service), its path and its words."""
    places: dict[str, tuple[Location, tuple[str | int, ...], str]] = {}
    for service in reversed(services):  # the first service of a team stands for it
        places[service.team] = (service.location, ("service",), f"team {service.team!r} of service {service.name!r}")
    for defined in platform.teams if platform else ():
        if defined.name:
            places[defined.name] = (defined.location, ("teams", defined.name), f"team {defined.name!r}")
    return places


def dashboard_folder_uid_clashes(services: Sequence[Service], platform: Platform | None) -> list[Diagnostic]:
    """A dashboard with a team folder's UID: Grafana keeps folders and dashboards in one UID space per
    organisation, so one of them is not provisioned. `obsc-` + a 19-character team name is 24 characters, a
    dashboard UID's readable prefix: a service named so meets the folder when the 40-bit hashes meet too."""
    folders = {
        conventions.grafana_folder_uid(team): (team, place) for team, place in _team_places(services, platform).items()
    }
    found: list[Diagnostic] = []
    for service in services:
        for dashboard in service.dashboards:
            uid = conventions.dashboard_uid(service.name, dashboard)
            if uid in folders:
                team, (location, _, _) = folders[uid]
                found.append(
                    Diagnostic(
                        service.location,
                        ("service",),
                        f"dashboard {dashboard!r} of service {service.name!r} would have Grafana UID {uid!r}, the "
                        f"folder UID of team {team!r} ({location}): Grafana keeps folders and dashboards in one "
                        "UID space and would provision only one of them; rename the service",
                    )
                )
    return found


def check_fleet(
    services: Sequence[Service],
    receivers: Sequence[Receiver],
    unsure: Unsure = EVERYTHING_KNOWN,
    platform: Platform | None = None,
    in_output: frozenset[tuple[str, str]] = frozenset(),
) -> list[Diagnostic]:
    """`in_output`: (service, team) of the specs compiled in --out already: read first, so a duplicate name or a
    dashboard UID clash is said at the spec that is new there, not at whichever the file order reads second."""
    found: list[Diagnostic] = []
    first: dict[str, Service] = {}
    ordered = sorted(services, key=lambda s: (s.name, s.team) not in in_output)  # stable: file order otherwise
    for service in ordered:
        if service.name in first:
            found.append(
                Diagnostic(
                    service.location,
                    ("service",),
                    f"service {service.name!r} is already defined at {first[service.name].location}",
                )
            )
        first.setdefault(service.name, service)
    found.extend(dashboard_uid_clashes(ordered))
    found.extend(folder_uid_clashes(services, platform))
    found.extend(dashboard_folder_uid_clashes(services, platform))
    found.extend(reserved_namespace_clashes(services, platform))
    found.extend(relay_diagnostics(services))  # a relay: another team's, or other targets: it holds back nothing
    found.extend(_check_receivers(receivers))
    if platform is not None and not unsure.secrets():
        found.extend(secret_key_clashes(receivers, platform))
    if platform is not None and unsure == EVERYTHING_KNOWN:  # another team's routes may be in the part left out
        found.extend(shared_resolved_problems(services, receivers, platform))
        found.extend(spec_destination_clashes(services, receivers, platform))
        found.extend(team_total_problems(services, platform))  # every spec of the team counted
    known = {r.name for r in receivers}
    # Name both places: the reference, and the receivers: section it should be in (not the spec of a service
    # called `platform`, whose inline receivers share the platform's scope name).
    spec_files = {s.location.file for s in services}
    owners = spec_receiver_owners(services)
    platform_files = sorted(
        {
            r.location.file
            for r in receivers
            if r.scope == conventions.PLATFORM_SCOPE and r.location.file and r.location.file not in spec_files
        }
    )
    receivers_section = f"receivers: of {platform_files[0]}" if platform_files else "the platform file's receivers:"
    by_name: dict[str, list[Receiver]] = {}
    for receiver in receivers:
        by_name.setdefault(receiver.name, []).append(receiver)
    # The platform's own routes too: a team without specs yet still gets its fallback branch.
    platform_routes = [route for team in (platform.teams if platform else ()) for route in team.routes]
    for spec in (*services, None):
        for route in spec.routes if spec else platform_routes:
            if route.receiver not in known and not is_unrouted_info(route) and not unsure.receiver(route.receiver):
                found.append(
                    Diagnostic(
                        route.location,
                        route.path or ("routing", route.tier.value),
                        f"receiver {route.receiver!r} is not defined in {receivers_section}"
                        + _hint(route.receiver, sorted(known)),
                    )
                )
            elif spec and route.path[:1] == ("routing",) and route.location.file == spec.location.file:
                # Named in the spec itself (a team's routing in the platform file is the platform's word).
                named = by_name.get(route.receiver, [])
                problem = foreign_receiver_problem(route.receiver, spec.team, named, owners, platform)
                if problem:
                    found.append(Diagnostic(route.location, route.path, problem))
    for team in platform.teams if platform else ():
        for route in team.routes:
            problem = spec_receiver_problem(route.receiver, team.name, by_name.get(route.receiver, []), owners)
            if problem:
                found.append(Diagnostic(route.location, route.path, problem))
    return found


def _check_receivers(receivers: Sequence[Receiver]) -> list[Diagnostic]:
    found = []
    seen: dict[str, Receiver] = {}
    for receiver in receivers:
        if receiver.name == conventions.UNROUTED_RECEIVER:
            # Defined, it took every team's unrouted info while compile -v and the runbooks said it notifies nobody.
            found.append(Diagnostic(receiver.location, receiver.path, _UNROUTED_IS_OBSCS))
        other = seen.get(receiver.name)
        if other is None:
            seen[receiver.name] = receiver
        elif other.integrations != receiver.integrations:
            found.append(
                Diagnostic(
                    receiver.location,
                    (),
                    f"receiver {receiver.name!r} is defined twice with different settings "
                    f"(here and at {other.location})",
                )
            )
    return found


_UNROUTED_IS_OBSCS = (
    f"receiver name {conventions.UNROUTED_RECEIVER!r} is obsc's own: the empty receiver that info alerts with no "
    "routing.info reach; to send info alerts somewhere, name a receiver in defaults.routing.info or a team's "
    "routing.info"
)


# `critical: pagerduty`: an integration's name where a receiver goes, and what the inline receiver needs
_INLINE = {
    "pagerduty": "{pagerduty: {routing_key_file: <a file below the team's secret root>}}",
    "opsgenie": "{opsgenie: {api_key_file: <a file below the team's secret root>}}",
    "slack": "{slack: {channel: '#team'}}",
    "email": "{email: {to: team@example.com}}",
    "webhook": "{webhook: {url: 'https://...'}}",
}


def _hint(name: str, options: list[str]) -> str:
    close = difflib.get_close_matches(name, options, n=1, cutoff=0.6)
    if not close and name.strip().lower() in _INLINE:
        return f"; to send to {name} without a named receiver, write it inline: {_INLINE[name.strip().lower()]}"
    return f" (did you mean {close[0]!r}?)" if close else ""


# ---------------------------------------------------------------- routing (Alertmanager 0.25 would refuse these)

WEEKDAYS = ("sunday", "monday", "tuesday", "wednesday", "thursday", "friday", "saturday")


# The platform's alertmanager.global when a misspelt or refused key left it out: a receiver is not told that a
# setting is missing from it (`alertmanager:` spelt `alertmanger:` said "email needs ..." at every e-mail receiver).
UNKNOWN_GLOBAL: Mapping[str, Any] = MappingProxyType({})
# The value of one key of it left out (a schema error there): set, as far as a receiver's check goes; no string,
# so global_setting_problems passes it over.
LEFT_OUT = object()


def judged_global(am_global: Mapping[str, Any], left_out: frozenset[str] | None) -> Mapping[str, Any]:
    """alertmanager.global as the receiver checks read it: UNKNOWN_GLOBAL when all of it may be left out (None),
    else with each key left out marked LEFT_OUT, so that the settings beside a refused key are still judged."""
    return UNKNOWN_GLOBAL if left_out is None else {**am_global, **dict.fromkeys(left_out, LEFT_OUT)}


def receiver_problems(receiver: Receiver, am_global: Mapping[str, Any]) -> list[tuple[tuple[str, ...], str]]:
    """(path below the receiver, message) for integrations that lack a setting Alertmanager needs from `global:`,
    or carry one it would fail to use."""
    found: list[tuple[tuple[str, ...], str]] = []
    known = am_global is not UNKNOWN_GLOBAL
    for integration in receiver.integrations:
        if (
            known
            and integration.kind == "slack"
            and not (integration.get("api_url_file") or am_global.get("slack_api_url_file"))
        ):
            found.append(
                (
                    ("slack",),
                    # round 45: a newcomer who set the global URL was refused next for the missing channel list
                    f"receiver {receiver.name!r}: slack needs a webhook URL file: set api_url_file here or "
                    "alertmanager.global.slack_api_url_file in the platform file (a spec then posts through it only "
                    "to the channels teams.<team>.slack_channels lists)",
                )
            )
        if integration.kind == "email":
            missing = [key for key in ("smtp_smarthost", "smtp_from") if known and not am_global.get(key)]
            to = recipient_problem(str(integration.get("to") or ""))
            if to:
                found.append((("email", "to"), to))
            if missing:
                found.append(
                    (
                        ("email",),
                        f"receiver {receiver.name!r}: email needs alertmanager.global."
                        f"{' and alertmanager.global.'.join(missing)} in the platform file",
                    )
                )
    return found


def global_setting_problems(am_global: Mapping[str, Any]) -> list[tuple[tuple[str | int, ...], str]]:
    """(path below the platform document, message) for alertmanager.global values Alertmanager would refuse."""
    found: list[tuple[tuple[str | int, ...], str]] = []
    timeout = am_global.get("resolve_timeout")
    if isinstance(timeout, str):
        try:
            parse_duration(timeout)
        except ValueError as exc:  # Alertmanager refuses past ~292 years ("duration out of range")
            found.append((("alertmanager", "global", "resolve_timeout"), str(exc)))
    sender = am_global.get("smtp_from")
    if isinstance(sender, str) and sender and (problem := sender_problem(sender)):
        found.append((("alertmanager", "global", "smtp_from"), problem))
    smarthost = am_global.get("smtp_smarthost")
    port = smarthost.rpartition(":")[2] if isinstance(smarthost, str) else ""
    if port.isdigit() and not 0 < int(port) < 65536:  # loaded, then every e-mail fails to dial
        found.append(
            (
                ("alertmanager", "global", "smtp_smarthost"),
                f"port {port} of {smarthost!r} is not a TCP port (1 to 65535): Alertmanager would load it and fail "
                "every e-mail it sends",
            )
        )
    return found


def business_hours_problems(hours: Mapping[str, Any]) -> list[tuple[tuple[str | int, ...], str]]:
    """(path below business_hours, message) for time windows Alertmanager would refuse."""
    found: list[tuple[tuple[str | int, ...], str]] = []
    location = str(hours.get("location", "UTC"))
    if not _known_zone(location):
        found.append((("location",), f"unknown time zone {location!r}; use an IANA name such as 'Europe/Berlin'"))
    for i, text in enumerate(hours.get("weekdays") or ()):
        days = str(text).lower().split(":")
        unknown = [d for d in days if d not in WEEKDAYS]
        if unknown:
            full = [weekday_hint(d) or d for d in days]
            fix = "write e.g. 'monday' or 'monday:friday'"
            if all(d in WEEKDAYS for d in full):
                fix = f"write {':'.join(full)!r}"
            found.append((("weekdays", i), f"{unknown[0]!r} is not a weekday; {fix}"))
        elif len(days) == 2 and WEEKDAYS.index(days[0]) > WEEKDAYS.index(days[1]):
            found.append((("weekdays", i), f"{text!r} runs backwards (weeks start on sunday); split it in two"))
    for i, window in enumerate(hours.get("times") or ()):
        start, end = str(window["start"]), str(window["end"])
        if start >= "24:00" or end > "24:00":
            found.append((("times", i), f"{start}-{end}: times run from 00:00 to 24:00"))
        elif start >= end:
            found.append(
                (("times", i), f"{start}-{end}: start must be before end; write an overnight window as two ranges")
            )
        elif clock_minutes(end) - clock_minutes(start) < MIN_WINDOW_MINUTES:
            # A group flushes every group_interval (5m at the least) from its start, at the same minutes every
            # day: most groups would never flush inside a shorter window, and their tickets never go out.
            found.append(
                (
                    ("times", i),
                    f"{start}-{end}: a window shorter than {MIN_WINDOW_MINUTES} minutes misses most notifications "
                    "(Alertmanager sends a group's notifications every 5 minutes at best); widen it",
                )
            )
    return found


MIN_WINDOW_MINUTES = 5


@functools.cache
def _have_tz_database() -> bool:
    # Walking the tz database takes ~30 ms; it does not change while obsc runs.
    return bool(zoneinfo.available_timezones())


def _known_zone(name: str) -> bool:
    if not _have_tz_database():
        return True  # no tz database on this machine: leave the verdict to amtool
    try:
        zoneinfo.ZoneInfo(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return False
    return True
