"""Pieces every importer shares: obsc names from foreign ones, objectives, periods, service labels."""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation
from typing import Any

from compiler import conventions
from compiler.importers.source import Source, shown
from compiler.model.promql_groups import kept_labels
from compiler.spec.document import Path

_NAME = re.compile(f"^{conventions.NAME}$")
_LABEL = re.compile(r"^[a-zA-Z_][a-zA-Z0-9_]*$")
# Labels obsc sets on its own alerts: a source label of the same name would fight them.
RESERVED_LABELS = frozenset({*conventions.ALERT_LABELS_OWNED, conventions.LABEL_WINDOW})
RESERVED_ANNOTATIONS = frozenset(conventions.ANNOTATIONS_OWNED)
DEFAULT_TEAM = "imported"


def not_text(raw: Any, what: str) -> str | None:
    """Why a source's name or owner is no text, or None: `service: on` was imported as service 'true', and a list
    `name: [a, b]` as 'a-b'."""
    if isinstance(raw, bool):
        return f"{what} is read as {str(raw).lower()} by YAML (yes, no, on and off are booleans there): quote it"
    if isinstance(raw, list | dict):
        return f"{what} is {shown(raw)}, not text"
    return None


def obsc_name(src: Source, path: Path, raw: Any, what: str) -> str | None:
    """An obsc name (lowercase, digits, '-') for a source name; a note when it had to change."""
    if problem := not_text(raw, what):
        src.error(path, problem)
        return None
    text = "" if raw is None else str(raw).strip()
    if not text:  # read as '' it said "'' cannot become an obsc name", as if the name were the problem
        src.error(path, f"no {what}: the source needs one, and obsc names the spec or SLO after it")
        return None
    name = re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")
    if name and not name[0].isalpha():
        name = f"x-{name}"
    name = name[:63].rstrip("-")
    if not _NAME.match(name):
        src.error(path, f"{what} {text!r} cannot become an obsc name (lowercase letters, digits and '-')")
        return None
    if name != text:
        src.note(path, f"{what} {text!r} is written {name!r} in obsc (names become file names and label values)")
    return name


def objective_percent(src: Source, path: Path, raw: Any, *, ratio: bool = False) -> Decimal | None:
    """A percentage objective in (0, 100) from a number or numeric string (a 0-1 ratio when `ratio`)."""
    if raw is None:
        src.error(
            path, "an SLO needs an objective" + (" (a ratio, e.g. 0.999)" if ratio else " (a percentage, e.g. 99.9)")
        )
        return None
    try:
        value = Decimal(str(raw).strip())
    except (InvalidOperation, ValueError):
        value = Decimal("NaN")
    if not value.is_finite():  # NaN would raise at the first comparison (exit 70); Infinity is no objective
        src.error(path, f"objective {shown(raw)} is not a number{_without_percent_sign(raw, ratio)}")
        return None
    if ratio:
        value *= 100
    if not 0 < value < 100:
        scale, example = ("a ratio in (0, 1)", "0.999") if ratio else ("a percentage in (0, 100)", "99.9")
        src.error(path, f"objective {shown(raw)} must be {scale}: {_objective_why(value)}; write e.g. {example}")
        return None
    return value.normalize() if value == value.to_integral_value() else value


def _objective_why(percent: Decimal) -> str:
    """Why an objective out of (0, 100) is none (101 once read "100% leaves no error budget")."""
    if percent > 100:
        return "over 100% can never be met"
    return "100% leaves no error budget" if percent == 100 else "0% or less would never alert"


def _without_percent_sign(raw: Any, ratio: bool) -> str:
    """`99.9%`: what to write instead (the sources take a bare number)."""
    text = str(raw).strip()
    try:
        number = Decimal(text[:-1].strip()) if text.endswith("%") else None
    except (InvalidOperation, ValueError):
        number = None
    if number is None or not number.is_finite():
        return ""
    return f": write {number / 100 if ratio else number}, without the % sign"


def service_labels(src: Source, path: Path) -> dict[str, str]:
    """Source labels that can go on every alert of the service; the others reported where they are."""
    raw = src.enter(path)
    out: dict[str, str] = {}
    if raw is not None and not isinstance(raw, dict):  # a list was each item "dropped", and the import went on
        src.whole.add(path)  # (reported here: not again item by item as fields left over)
        src.error(path, f"{path[-1]} is a mapping of label names to values here, not {shown(raw)}")
    if not isinstance(raw, dict):
        return out
    for key, value in raw.items():
        if key in RESERVED_LABELS:
            src.drop((*path, key), owned_label_message(str(key), src.text_of((*path, key)), path))
        elif not _LABEL.match(str(key)) or isinstance(value, dict | list):
            src.drop((*path, key), "not a Prometheus label name and string value")
        elif value is None or value == "":
            src.take((*path, key))
            src.note((*path, key), f"label {key!r} has no value: Prometheus reads an empty label as no label")
        else:  # as written: `critical: yes` is the label value yes, not Python's True
            src.take((*path, key))
            out[str(key)] = src.text_of((*path, key))
    return out


# What obsc writes in a label the source set itself, so that a route matching the source's value can be changed
_OWNED_VALUES = {
    conventions.LABEL_TEAM: "the spec's team in team (pass --team to choose it)",
    conventions.LABEL_SERVICE: "the spec's service name in service",
    conventions.LABEL_SLO: "the SLO's name in slo",
}
_TIER_SEVERITY = {
    "page_alert": "critical",
    "pageAlert": "critical",
    "ticket_alert": "warning",
    "ticketAlert": "warning",
}


def owned_label_message(key: str, value: str, path: Path) -> str:
    """Why a label obsc owns is not carried, and what obsc's alerts carry there instead: teams route and silence
    on these (Sloth's getting-started pages on severity=pageteam), and the import must say what to match now."""
    said = f"label {key!r} is set by obsc on its own alerts"
    tier = _TIER_SEVERITY.get(str(path[-2])) if len(path) > 1 else None
    if key == conventions.LABEL_SEVERITY:
        ours = f'severity="{tier}"' if tier else 'severity="critical" on pages and "warning" on tickets'
    elif key in _OWNED_VALUES:
        ours = _OWNED_VALUES[key]
    else:
        return f"{said}; pick another name"
    return (
        f"{said}, which carry {ours}: Alertmanager routes, silences and inhibitions matching "
        f'{key}="{value}" must match that instead'
    )


def pick_team(src: Source, path: Path, team: str | None, candidate: Any, where: str) -> str:
    """The owning team: --team, else the source's owner field, else a placeholder the user must change."""
    if team:
        return team
    if problem := not_text(candidate, f"the owning team ({where})"):
        src.error(path, problem)
        return DEFAULT_TEAM
    text = re.sub(r"[^a-z0-9]+", "-", str(candidate or "").lower()).strip("-")
    if text and _NAME.match(text):
        src.note(path, f"team {text!r} taken from {where}; pass --team to choose another")
        return text
    src.note(path, f"the source names no owning team; team set to {DEFAULT_TEAM!r} (pass --team, or edit the spec)")
    return DEFAULT_TEAM


def note_selector(src: Source, path: Path, selector: dict[str, str]) -> None:
    """A shared matcher that is not `job` may not be a target label: `up` (obsc verify) would not find it."""
    if selector and "job" not in selector:
        shown = ", ".join(f"{k}: {v}" for k, v in sorted(selector.items()))
        src.note(
            path,
            f"selector {{{shown}}} is the matcher every query shares; obsc verify looks for it on `up`, whose labels "
            "are the scrape target's (job, instance): change it if it is not a target label",
        )


# One ratio expression has no event count: obsc's `raw: {error_ratio}` SLI, which has no min_bad_events guard
# (as errors = ratio, total = 1 the guard read the ratio as a failure rate and held pages back).
ERROR_RATIO_NOTE = (
    "an error-ratio query becomes obsc's one-expression SLI (raw: {error_ratio}), with no min_bad_events guard as "
    "in the source; obsc records max(<query>) >= 0, so write a query that returns one series (of several, the "
    "worst one alerts), and windows of 1d and longer average 5m ratios (as Sloth's 30d window does)"
)
_HOLDS = "hold 2m / 15m (pages) and 5m (tickets) before firing"


def split_ratio_note(theirs: str, *, of_successes: bool, query: str) -> str:
    """What a ratio of two summed rates became ({errors, total}) and why: `theirs` says how the source weighs it."""
    errors = " (errors = total - good: the query divides good events by all)" if of_successes else ""
    if "vector(" in query:  # the split's only other part: a numerator's `or vector(0)`, taken off
        errors += "; its `or vector(0)` is taken off (obsc counts absent events as 0 while the total has traffic)"
    return (
        f"a ratio of two summed rates: imported as the SLI's errors and total{errors}, so that obsc's 1d and 3d "
        f"windows weigh each request alike, as {theirs} (an error_ratio SLI would average 5m ratios there); its "
        "burn alerts need min_bad_events failed events, as event SLIs do"
    )


def note_alert_differences(src: Source, path: Path, tool: str, *, guard: bool, holds: bool) -> None:
    """What obsc's burn alerts add that the source's do not have, so a quiet service that would have paged
    does not stay quiet unexplained: the min_bad_events guard (event SLIs) and the `for:` holds."""
    added = []
    if guard:
        added.append(
            "need min_bad_events failed events in their long window (the platform's default, 3, unless set: one "
            "or two stray failures of a quiet service never page)"
        )
    if holds:
        added.append(_HOLDS)
    if not added:
        return
    hint = f"; set min_bad_events: 0 on an SLO to page on any failure, as {tool} does" if guard else ""
    src.note(path, f"unlike {tool}'s, obsc's burn alerts {' and '.join(added)}{hint}")


def note_alert_labels(src: Source, path: Path, theirs: str, slo: str) -> None:
    """The labels that tell the source's burn alerts apart are not obsc's: routes, silences and inhibitions
    matching them stop matching, so say which replace them."""
    src.note(
        path,
        f"{theirs}; obsc's burn alerts are {conventions.SLO_BURN_FAST} (critical) and {conventions.SLO_BURN_SLOW} "
        f"(warning) with labels {conventions.LABEL_SERVICE}, {conventions.LABEL_SLO} ({slo}), "
        f"{conventions.LABEL_TEAM} and {conventions.LABEL_SEVERITY}: change Alertmanager routes, silences and "
        "inhibitions that match the source's",
    )


def event_groups(src: Source, queries: list[tuple[Path, str]]) -> tuple[str, ...] | None:
    """The `by:` labels of an event SLI whose queries aggregate `by (...)` (the source alerts per group), or
    None after a located error: obsc sums an SLI into one SLO per `by:` group, so a query whose groups cannot
    be named, or two queries keeping different ones, would read a failing group diluted by the others."""
    found: dict[tuple[str, ...], Path] = {}
    for path, query in queries:
        kept = kept_labels(query)
        if kept.problem:
            src.error(
                path,
                f"{kept.problem}: obsc keeps an SLI for the whole service or per `by:` label, so a failing group "
                "would be diluted by the others; aggregate with sum by (<labels>) (...) to keep groups, or sum(...) "
                "for one SLO",
            )
            return None
        found.setdefault(kept.labels, path)
    if len(found) > 1 and len({path for path, _ in queries}) == 1:  # one ratio query, split in two
        numerator, denominator = (_kept_text(k) for k in found)
        src.error(
            queries[0][0],
            f"the ratio's numerator keeps {numerator} and its denominator {denominator}: PromQL divides only "
            "series with the same labels, so the query matches no series; aggregate both sides alike",
        )
        return None
    if len(found) > 1:
        shown = " and ".join(f"{_kept_text(k)} at {src.at(p)}" for k, p in found.items())
        src.error(queries[0][0], f"the queries keep different labels ({shown}): their ratio matches no series")
        return None
    return next(iter(found), ())


def _kept_text(labels: tuple[str, ...]) -> str:
    return f"by ({', '.join(labels)})" if labels else "no labels"


def note_ratio_groups(src: Source, path: Path, query: str) -> None:
    """An error-ratio query kept per group: obsc's `raw: {error_ratio}` has no `by:`; it alerts on the worst."""
    labels = kept_labels(query).labels
    if labels:
        src.note(
            path,
            f"the ratio is kept by ({', '.join(labels)}); obsc's error_ratio SLI has no by: and alerts on the worst "
            f"{', '.join(labels)} (max), without the label: write the SLI as errors and total to keep groups",
        )
