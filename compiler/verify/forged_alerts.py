"""What `obsc verify` says about `ALERTS` series that no alerting rule of the server wrote (round 51).

obsc's burn pairs, relay and drop clauses read `ALERTS{service=...,team=...}` to hold back or mute a page while
another fires. PromQL cannot tell Prometheus's own `ALERTS` from a series of the same name written otherwise:
- a recording rule `record: ALERTS` (or `ALERTS_FOR_STATE`, which Prometheus reads to restore an alert's hold after
  a restart) in any rule file the server loads, with any labels, `team` included;
- a scrape target exposing `ALERTS` (it gets the target's `job` and `instance`, or keeps its own labels under
  `honor_labels: true`), or a remote write.
Such a series notifies nobody, and it silences pages. The loaded rules (the one /api/v1/rules reply verify already
holds) show the first kind by name. For the second, the `ALERTS` series naming a service whose obsc groups the
server has loaded are compared with the server's own pending and firing alerts (/api/v1/alerts): a series that no
alert of the server stands for was written by something else. The series are read twice around the alerts, and
only a series in both readings counts, so an alert that starts, fires or ends between the requests is no finding.
"""

from __future__ import annotations

import datetime
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

from compiler import conventions
from compiler.model.build_thresholds import builtin_alert_names
from compiler.model.types import Service
from compiler.verify.client import NotPrometheus, Prometheus, QueryRejected

FORGED_NAMES = (conventions.ALERTS_SERIES, "ALERTS_FOR_STATE")
SCRAPE_LABELS = ("job", "instance")
_PER_QUERY = 100  # service names in one query's regex
_SHOWN = 3  # series named in one finding before "and N more"

Labels = tuple[tuple[str, str], ...]
Say = Callable[[str, str], None]  # (service, message): a finding at the service's spec


def forging_rules(groups: Iterable[Mapping[str, Any]], services: Sequence[Service], say: Say) -> None:
    """A finding at each service a loaded recording rule named `ALERTS` or `ALERTS_FOR_STATE` can reach: every
    service unless the rule's own labels name another service or team (its expression can carry any labels)."""
    for group in groups:
        for rule in group.get("rules") or []:
            if not isinstance(rule, dict) or rule.get("type") != "recording" or rule.get("name") not in FORGED_NAMES:
                continue
            labels = {str(k): str(v) for k, v in (rule.get("labels") or {}).items()}
            where = f"group {str(group.get('name', ''))!r} in {str(group.get('file', '')) or 'an unnamed file'}"
            for service in services:
                if not _reaches(labels, service):
                    continue
                said = _labels_text(labels) or "the labels its expression carries"
                say(
                    service.name,
                    f"Prometheus loads a recording rule that writes {rule['name']}{{{said}}} ({where}): obsc's rules "
                    f"read {conventions.ALERTS_SERIES} as the alerts pending or firing, so this series can hold "
                    f"back or mute the pages of service {service.name!r} while nothing notifies; only Prometheus's "
                    "alerting rules may write it: remove the rule",
                )


def impostor_rules(
    groups: Iterable[Mapping[str, Any]],
    owned: Callable[[Mapping[str, Any]], bool],
    services: Sequence[Service],
    say: Say,
) -> None:
    """A finding at each service named by the `service` label of an alerting rule outside obsc's groups (`owned`)
    that takes one of obsc's alert names (and names no other team): obsc's ALERTS reads and Alertmanager's inhibit
    rules take it for obsc's own (another file's ServiceDown mutes the service's other alerts), and it pages the
    service's team. A rule without that label (a hand-written ServiceDown of every job) is not judged."""
    taken = frozenset(builtin_alert_names())
    for group in groups:
        if owned(group):
            continue
        for rule in group.get("rules") or []:
            if not isinstance(rule, dict) or rule.get("type") != "alerting" or rule.get("name") not in taken:
                continue
            labels = {str(k): str(v) for k, v in (rule.get("labels") or {}).items()}
            where = f"group {str(group.get('name', ''))!r} in {str(group.get('file', '')) or 'an unnamed file'}"
            for service in services:
                if labels.get(conventions.LABEL_SERVICE) == service.name and _reaches(labels, service):
                    say(
                        service.name,
                        f"Prometheus loads an alerting rule named {rule['name']} outside obsc's groups ({where}"
                        f"{', labels ' + _labels_text(labels) if labels else ''}): obsc's rules and Alertmanager's "
                        "inhibit rules take an alert of that name for obsc's own, so it can hold back or mute "
                        f"the pages of service {service.name!r} and page its team; rename that alert",
                    )


def stray_series(prometheus: Prometheus, services: Sequence[Service], loaded: Callable[[str], bool], say: Say) -> None:
    """A finding at each service whose `ALERTS` series include one that no pending or firing alert of the server
    stands for, among the services whose obsc groups are loaded here (`loaded`: elsewhere, the reads are not here).
    Nothing is said when the server has no /api/v1/alerts (not a Prometheus ruler) or refuses a query."""
    ours = {s.name: s for s in services if loaded(s.name)}
    if not ours:
        return
    try:
        first = _alert_series(prometheus, sorted(ours))
        if not first:
            return
        alerts = {_api_key(a) for a in prometheus.alerts()}
        second = _alert_series(prometheus, sorted(ours))
    except (NotPrometheus, QueryRejected):
        return
    stray: dict[str, list[Labels]] = {}
    state = conventions.LABEL_ALERTSTATE
    unmatched = [s for s in sorted(first & second) if _key(dict(s), dict(s).get(state, "")) not in alerts]
    if unmatched:
        by_name = _by_name(alerts)
        unmatched = [s for s in unmatched if not _with_ruler_labels(dict(s), by_name)]
    try:
        left = _left_by_last_process(prometheus, sorted(ours)) if unmatched else set()
    except (NotPrometheus, QueryRejected):
        return
    for labels in unmatched:
        if labels not in left:
            stray.setdefault(dict(labels).get(conventions.LABEL_SERVICE, ""), []).append(labels)
    for name, found in sorted(stray.items()):
        if name not in ours:
            continue
        shown = "; ".join(f"{conventions.ALERTS_SERIES}{{{_labels_text(dict(series))}}}" for series in found[:_SHOWN])
        more = f" and {len(found) - _SHOWN} more" if len(found) > _SHOWN else ""
        scraped = any(k in dict(series) for series in found for k in SCRAPE_LABELS)
        source = (
            "it carries a scrape target's job/instance: a target exposes it (drop ALERTS at scrape with "
            "metric_relabel_configs, docs/operations.md)"
            if scraped
            else "a recording rule, a remote write or a target under honor_labels wrote it"
        )
        say(
            name,
            f"{shown}{more}: no pending or firing alert of this Prometheus stands for it, yet obsc's rules read it as "
            f"one, so it can hold back or mute the pages of service {name!r} while nothing notifies; {source}",
        )


def _by_name(alerts: set[tuple[Labels, str]]) -> dict[tuple[str, str, str], list[dict[str, str]]]:
    """The API's alerts by name, service and state (each series is compared with its few namesakes only)."""
    out: dict[tuple[str, str, str], list[dict[str, str]]] = {}
    for labels, state in sorted(alerts):
        alert = dict(labels)
        key = (alert.get(conventions.LABEL_ALERTNAME, ""), alert.get(conventions.LABEL_SERVICE, ""), state)
        out.setdefault(key, []).append(alert)
    return out


def _with_ruler_labels(series: Mapping[str, str], by_name: Mapping[tuple[str, str, str], list[dict[str, str]]]) -> bool:
    """Whether the series is an alert of the API in the same state plus labels none of obsc's reads select on: a
    Thanos Ruler adds its `--label`s (external labels, mandatory there: `replica`, `cluster`) to every series it
    writes, ALERTS included, while its alerts API lists the alerts without them, so every alert read through a
    querier looked forged. Such a series matches what obsc's reads match only where the alert does; obsc's own
    labels (a differing `team`: a ruler's label replaces the alert's) and a scrape's `job`/`instance` still count."""
    state = series.get(conventions.LABEL_ALERTSTATE, "")
    name, service = series.get(conventions.LABEL_ALERTNAME, ""), series.get(conventions.LABEL_SERVICE, "")
    for alert in by_name.get((name, service, state), []):
        if any(series.get(k) != v for k, v in alert.items()):
            continue
        added = series.keys() - alert.keys() - {conventions.LABEL_ALERTSTATE}
        if added and not added & _READ_LABELS:
            return True
    return False


# The labels obsc's ALERTS reads select on or Alertmanager routes by, and a scrape's: never a ruler's own.
_READ_LABELS = frozenset(
    {
        conventions.LABEL_ALERTNAME,
        conventions.LABEL_SERVICE,
        conventions.LABEL_TEAM,
        conventions.LABEL_SEVERITY,
        conventions.LABEL_SLO,
        conventions.LABEL_BURN_WINDOW,
        conventions.LABEL_DOWN_GROUP,
        conventions.LABEL_RELAY,
        conventions.LABEL_INCIDENT,
        conventions.LABEL_DATA,
        conventions.LABEL_WINDOW,
        *SCRAPE_LABELS,
    }
)


def _reaches(labels: Mapping[str, str], service: Service) -> bool:
    named = labels.get(conventions.LABEL_SERVICE)
    team = labels.get(conventions.LABEL_TEAM)
    return (named is None or named == service.name) and (team is None or team == service.team)


def _left_by_last_process(prometheus: Prometheus, names: Sequence[str]) -> set[Labels]:
    """The `ALERTS` series naming one of `names` whose last sample is older than the server's start: a process
    stopped without marking its alerts stale, so each alert it had stays readable for the lookback delta (5m)
    after the restart, while the new process holds it pending again or no more (measured live on 2.42, round 51:
    the restarted replica of an HA pair gave that finding). None found when the server does not say its start."""
    started = _start_time(prometheus)
    if started is None:
        return set()
    return _alert_series(prometheus, names, lambda selector: f"timestamp({selector}) < {started:.3f}")


def _start_time(prometheus: Prometheus) -> float | None:
    try:  # Thanos, Mimir and other rulers have no runtimeinfo: every unmatched series is said
        said = prometheus.runtime_info().get("startTime")
    except (NotPrometheus, QueryRejected):
        return None
    written = _RFC3339.fullmatch(said) if isinstance(said, str) else None
    if written is None:
        return None
    whole, fraction, zone = written.groups()
    try:  # Prometheus writes its start in the server's time zone, to the nanosecond (beyond fromisoformat)
        at = datetime.datetime.fromisoformat(whole + ("+00:00" if zone in "Zz" else zone))
    except ValueError:
        return None
    return at.timestamp() + float(f"0.{fraction or 0}")


_RFC3339 = re.compile(r"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)(?:\.(\d+))?(Z|z|[+-]\d\d:\d\d)")


def _alert_series(prometheus: Prometheus, names: Sequence[str], read: Callable[[str], str] = str) -> set[Labels]:
    """The `ALERTS` series naming one of `names` at the server's now (`read`: the query around the selector),
    each as its sorted labels."""
    found: set[Labels] = set()
    for at in range(0, len(names), _PER_QUERY):
        chosen = "|".join(names[at : at + _PER_QUERY])  # service names: lowercase letters, digits and `-`
        selector = f'{conventions.ALERTS_SERIES}{{{conventions.LABEL_SERVICE}=~"{chosen}"}}'
        for sample in prometheus.query(read(selector)):
            metric = sample.get("metric")
            if isinstance(metric, dict):
                found.add(tuple(sorted((str(k), str(v)) for k, v in metric.items() if k != "__name__")))
    return found


def _key(labels: Mapping[str, str], state: str) -> tuple[Labels, str]:
    """An alert of the API (its labels and state) and its series (state in `alertstate`) compare equal."""
    skip = ("__name__", conventions.LABEL_ALERTSTATE)
    return tuple(sorted((k, v) for k, v in labels.items() if k not in skip)), state


def _api_key(alert: Mapping[str, Any]) -> tuple[Labels, str]:
    labels = alert.get("labels")
    pairs = {str(k): str(v) for k, v in labels.items()} if isinstance(labels, dict) else {}
    return _key(pairs, str(alert.get("state", "")))


def _labels_text(labels: Mapping[str, str]) -> str:
    return ",".join(f'{k}="{v}"' for k, v in sorted(labels.items()))
