"""What `obsc verify` says about a relayed ServiceDown on a server that runs slower than the platform declares.

A spec naming its relay (`relay:`) has its ServiceDown held two evaluation intervals past its hold and quiet while
the relay's page fired within four (model/relays.py, targets/prometheus/relay_quiet.py): both are written for the
platform's `defaults.slo_alerts.evaluation_interval`, not for the interval the server runs. Of every rule text obsc
writes, only these two depend on that setting (the coarse group sets its own `interval:`; every other read of
`ALERTS` spans an hour or the group's own previous evaluation, which the hold and lookback-delta checks in
scrapes.py cover), so a server evaluating more slowly than declared breaks nothing else, and one evaluating faster
breaks nothing: the hold and the read only grow against its intervals.

The bound (relaymargin51, promtool): the relay's page fires by r0 + ⌈H/Ir⌉·Ir, where r0 comes at most one relay
interval (a phase gap) and one scrape after the held group first saw the outage; the held page fires at
c0 + ⌈F/Ic⌉·Ic (F its loaded `for:`). So the held page comes second while ⌈F/Ic⌉·Ic ≥ ⌈H/Ir⌉·Ir + Ir + S, and its
read of the relay's page sees every one of its samples while it spans both groups' intervals. At the declared
interval D (= Ic = Ir) and S ≤ D that holds with F = H + 2D; a slower group, or a scrape slower than the
evaluation (a 2m scrape at 1m: the margin is gone), is what this says, naming the groups, files and intervals.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from compiler import conventions
from compiler.model.evaluation_interval import MAX_EVALUATION_SECONDS
from compiler.model.promql import Matcher
from compiler.model.types import AlertKind, Service, Tier
from compiler.model.units import duration_or_none, format_duration
from compiler.verify.client import NotPrometheus, Prometheus, QueryRejected

DOWN = conventions.KEY_ALERT_NAMES[AlertKind.SERVICE_DOWN]
_RELAY_READ = re.compile(rf"last_over_time\({conventions.ALERTS_SERIES}\{{[^}}]*\}}\[([0-9a-z]+)\]\)")
_STEP = 15  # seconds between the evaluation intervals tried as a declaration that would hold


@dataclass(frozen=True)
class Scrape:
    """How often the targets a held page reads are scraped, and where that was read."""

    seconds: int
    said: str


@dataclass(frozen=True)
class _Group:
    name: str
    file: str
    interval: int

    @classmethod
    def of(cls, group: Mapping[str, Any]) -> _Group:
        file = str(group.get("file") or "") or "an unnamed file"
        return cls(str(group.get("name", "?")), file, int(_number(group.get("interval"))))

    def __str__(self) -> str:
        return f"{self.name} ({self.file})"


def check_relay_pace(
    services: Sequence[Service],
    loaded: Callable[[str], Sequence[Mapping[str, Any]]],
    declared: tuple[int, str],
    scrape: Callable[[Service], Scrape],
    say: Callable[[Service, str], None],
) -> None:
    """A finding at each relayed service whose held ServiceDown, as loaded here, can page its team before its relay's
    page, or miss that page between its evaluations (`loaded`: a service's obsc groups on this server; `declared`:
    the platform's evaluation interval in seconds and how it is said)."""
    for service in services:
        if service.relay is None or not service.relayed:
            continue
        held = _held_rule(loaded(service.name))
        relay = _relay_rule(loaded(service.relay.service), service.relay.service, service.relay.team)
        if held is None or relay is None:
            continue  # the relay's rules run elsewhere: Alertmanager's inhibit rule holds the page back there
        message = _judged(service, held, relay, declared, scrape(service))
        if message:
            say(service, message)


def active_targets(prometheus: Prometheus) -> list[dict[str, Any]]:
    """The server's active targets; none when it does not list them (an agent's remote write into Mimir)."""
    try:
        return prometheus.targets()
    except (NotPrometheus, QueryRejected):
        return []


def scrape_of(
    service: Service, targets: Sequence[Mapping[str, Any]], jobs: Mapping[str, int] | None, declared: Scrape
) -> Scrape:
    """The slowest scrape interval of the targets the service's `up` reads: /api/v1/targets (`scrapeInterval`), else
    the job's in the loaded config, else the platform's declared one."""
    seen = [
        duration_or_none(t.get("scrapeInterval"))
        for t in targets
        if isinstance(t.get("labels"), dict) and _matches(t["labels"], service.targets)
    ]
    said = [s for s in seen if s]
    if said:
        return Scrape(max(said), "scrapeInterval, /api/v1/targets")
    job = next((m.value for m in service.targets if m.label == "job" and m.op == "="), None)
    if jobs and job is not None and job in jobs:
        return Scrape(jobs[job], f"job {job}'s scrape_interval, /api/v1/status/config")
    return declared


def _judged(
    service: Service,
    held: tuple[_Group, int, int],
    relay: tuple[_Group, int],
    declared: tuple[int, str],
    scrape: Scrape,
) -> str | None:
    (held_group, held_for, read), (relay_group, relay_hold) = held, relay
    every, relay_every = held_group.interval, relay_group.interval
    if every <= 0 or relay_every <= 0:
        return None
    margin = _margin(held_for, every, relay_hold, relay_every, scrape.seconds)
    needed = every + relay_every
    if margin >= 0 and read >= needed:
        return None
    assert service.relay is not None
    relay_name, seconds = service.relay.service, declared[0]
    why = []
    if margin < 0:
        why.append(
            f"{relay_name}'s page ({format_duration(relay_hold)} hold) can fire up to {format_duration(-margin)} "
            f"after this one (it reads the outage up to one relay interval and one scrape later), so team "
            f"{service.team} is paged for {relay_name}'s outage"
        )
    if read < needed:
        why.append(
            f"its read of {relay_name}'s page over {format_duration(read)} misses it between the relay group's "
            f"evaluations (it must span both groups' intervals, {format_duration(needed)}), and pages through it"
        )
    fixes = (
        [f"evaluate both groups every {format_duration(seconds)} as declared"]
        if max(every, relay_every) > seconds
        else []
    )
    wider = _declaration(held_for - 2 * seconds, every, relay_hold, relay_every, scrape.seconds, seconds)
    if wider is not None:
        fixes.append(
            f"declare defaults.slo_alerts.evaluation_interval: {format_duration(wider)} (compile then writes a longer "
            "hold and read)"
        )
    scraped = _margin(held_for, every, relay_hold, relay_every, 0)
    if margin < 0 <= scraped and read >= needed and scrape.seconds > scraped:
        fixes.append(f"scrape the targets every {format_duration(max(scraped, 1))} or more often")
    return (
        f"the ServiceDown held behind its relay {relay_name} (relay:) waits {format_duration(held_for)} and reads the "
        f"relay's page over {format_duration(read)}, both written for a {format_duration(seconds)} evaluation interval "
        f"({declared[1]}), but this server evaluates its group {held_group} every {format_duration(every)} and the "
        f"relay's group {relay_group} every {format_duration(relay_every)}, and scrapes the targets every "
        f"{format_duration(scrape.seconds)} ({scrape.said}): {'; and '.join(why)}; {', or '.join(fixes)} "
        "(docs/operations.md, Scrape and evaluation intervals)"
    )


def _margin(held_for: int, every: int, relay_hold: int, relay_every: int, scrape: int) -> int:
    """Seconds by which the held page fires after the relay's at the worst phase gap (negative: before it)."""
    held_fires = math.ceil(held_for / every) * every
    relay_fires = math.ceil(relay_hold / relay_every) * relay_every + relay_every + scrape
    return held_fires - relay_fires


def _declaration(written: int, every: int, relay_hold: int, relay_every: int, scrape: int, declared: int) -> int | None:
    """The evaluation interval to declare whose hold (`written` + two of it) and read (four of it) hold at the
    server's intervals: the server's slower one if it does, else the shortest that does; None when none up to 5m."""
    slower = max(every, relay_every)
    tried: list[int] = [slower] if declared < slower <= MAX_EVALUATION_SECONDS else []
    steps = range(declared + _STEP - declared % _STEP, MAX_EVALUATION_SECONDS + 1, _STEP)
    holding = [
        s
        for s in (*tried, *steps)
        if _margin(written + 2 * s, every, relay_hold, relay_every, scrape) >= 0 and 4 * s >= every + relay_every
    ]
    return holding[0] if holding else None


def _held_rule(groups: Sequence[Mapping[str, Any]]) -> tuple[_Group, int, int] | None:
    """The loaded held ServiceDown: its group, `for:` and the span of its read of the relay's page (seconds)."""
    for group in groups:
        for rule in group.get("rules") or []:
            if not isinstance(rule, dict) or rule.get("type") != "alerting" or rule.get("name") != DOWN:
                continue
            found = _RELAY_READ.search(str(rule.get("query", "")))
            read = duration_or_none(found.group(1)) if found else None
            if read:
                return _Group.of(group), int(_number(rule.get("duration"))), read
    return None


def _relay_rule(groups: Sequence[Mapping[str, Any]], service: str, team: str) -> tuple[_Group, int] | None:
    """The relay's page the held one waits for: its critical ServiceDown of its service and team (the longest
    hold, if several), with its group."""
    pages = [
        (int(_number(rule.get("duration"))), _Group.of(group))
        for group in groups
        for rule in group.get("rules") or []
        if isinstance(rule, dict)
        and rule.get("type") == "alerting"
        and rule.get("name") == DOWN
        and _labels(rule).get(conventions.LABEL_SEVERITY) == Tier.CRITICAL.value
        and _labels(rule).get(conventions.LABEL_SERVICE, service) == service
        and _labels(rule).get(conventions.LABEL_TEAM, team) == team
    ]
    if not pages:
        return None
    hold, group = max(pages, key=lambda page: (page[0], page[1].interval))
    return group, hold


def _labels(rule: Mapping[str, Any]) -> dict[str, str]:
    labels = rule.get("labels")
    return {str(k): str(v) for k, v in labels.items()} if isinstance(labels, dict) else {}


def _matches(labels: Mapping[str, Any], matchers: Sequence[Matcher]) -> bool:
    """Whether a target's labels satisfy the `up` selector's matchers (RE2 patterns read as Python's: the same for
    the names and alternations selectors use)."""
    for m in matchers:
        value = str(labels.get(m.label, ""))
        try:
            hit = value == m.value if m.op in ("=", "!=") else re.fullmatch(m.value, value) is not None
        except re.error:
            return False
        if hit == (m.op in ("!=", "!~")):
            return False
    return bool(matchers)


def _number(value: object) -> float:
    try:
        return float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return 0.0
