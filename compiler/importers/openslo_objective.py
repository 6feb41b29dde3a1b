"""An OpenSLO SLO's target and time window, read as obsc's objective (percent) and period, and the metadata
obsc does not carry (said why)."""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any

from compiler.importers.common import objective_percent
from compiler.importers.source import Source, shown
from compiler.model import burnrate
from compiler.spec.document import Path

_DURATION = re.compile(r"^([0-9]+)([mhdwMQY])$")
_APPROX = {"M": 30, "Q": 90, "Y": 365}  # days: obsc periods are fixed lengths
_UNIT_SECONDS = {"m": 60, "h": 3600, "d": 86400, "w": 7 * 86400}


def target(src: Source, path: Path) -> Any:
    """An objective's target in percent (from `target`, a ratio, or `targetPercent`), or None (reported)."""
    src.take((*path, "displayName"))
    if src.get((*path, "target")) is not None and src.get((*path, "targetPercent")) is not None:
        src.take((*path, "target"))
        src.take((*path, "targetPercent"))
        src.error(path, "an objective takes target (a ratio) or targetPercent, not both: keep the one you mean")
        return None
    if src.get((*path, "targetPercent")) is not None:
        return objective_percent(src, (*path, "targetPercent"), src.take((*path, "targetPercent")))
    target = src.take((*path, "target"))
    if isinstance(target, int | float) and not isinstance(target, bool) and 1 < target < 100:
        # read as a ratio it is over 100%; the error said "100% leaves no error budget", not what to write
        ratio = Decimal(str(target)) / 100
        src.error(
            (*path, "target"),
            f"target is a ratio in OpenSLO ({ratio} is {target}%): write target: {ratio}, or targetPercent: {target}",
        )
        return None
    return objective_percent(src, (*path, "target"), target, ratio=True)


def period(src: Source, path: Path) -> str | None:
    """The SLO's `timeWindow` as an obsc period, "" for none (the platform's default applies), or None
    (reported)."""
    windows = src.enter_list(path)
    if not windows:
        # Written as 30d, it overrode a platform's 28d default the note promised to apply.
        src.note(path, "no timeWindow: no period is written, so the platform's default period applies (30d unless set)")
        return ""
    if len(windows) > 1:  # the spec allows exactly one; the first was imported and the others dropped unexplained
        src.take(path)
        src.error((*path, 1), f"OpenSLO takes one time window, not {len(windows)}: keep the one the budget is for")
        return None
    first: Path = (*path, 0)
    src.enter(first)
    text = str(src.take((*first, "duration")) or "")
    rolling = src.take((*first, "isRolling"))
    if rolling is not None and not isinstance(rolling, bool):
        src.error((*first, "isRolling"), f"isRolling must be true or false (unquoted), not {shown(rolling)}")
        return None
    if src.get((*first, "calendar")) is not None or rolling is False:
        src.drop((*first, "calendar"), "obsc periods are rolling windows; calendar-aligned budgets are not supported")
        if rolling is False and src.get((*first, "calendar")) is None:
            src.note((*first, "isRolling"), "obsc periods are rolling windows; imported as a rolling period")
    if not text:
        src.error((*first, "duration"), "a time window needs a duration: OpenSLO shorthand like 28d, 4w or 1M")
        return None
    match = _DURATION.match(text)
    if not match:
        src.error((*first, "duration"), f"duration {text!r} is not OpenSLO shorthand like 28d, 4w or 1M")
        return None
    if len(match.group(1)) > 9:  # past 4,300 digits int() refuses it (exit 70); obsc's periods end at 100y
        src.error((*first, "duration"), f"duration {text[:12]}... is longer than obsc's periods (at most 100y)")
        return None
    count, unit = int(match.group(1)), match.group(2)
    if unit in _APPROX:
        src.note((*first, "duration"), f"{text} is taken as {count * _APPROX[unit]}d (obsc periods are fixed lengths)")
        period = f"{count * _APPROX[unit]}d"
    else:
        period = text
    seconds = count * (_APPROX[unit] * 86400 if unit in _APPROX else _UNIT_SECONDS[unit])
    if burnrate.catalog_for(seconds) is None:
        shortest = min(burnrate.builtin_catalogs()) // 86400
        src.drop(
            (*first, "duration"),
            f"a period of {text} ({'minutes' if unit == 'm' else unit}; 'M' is months in OpenSLO) is shorter than "
            f"obsc's shortest burn-rate window catalog ({shortest}d); the SLO is not imported",
        )
        return None
    return period


def composite(src: Source, spec: Path) -> bool:
    """Whether an objective names its own SLI (a composite SLO): a located error at each. Read with the SLO's
    indicator, such an objective held the other objectives' SLI to its own target."""
    objectives = src.get((*spec, "objectives"))
    found = False
    for i, objective in enumerate(objectives if isinstance(objectives, list) else []):
        for key in ("indicator", "indicatorRef"):
            if isinstance(objective, dict) and objective.get(key) is not None:
                found = True
                src.error(
                    (*spec, "objectives", i, key),
                    f"composite SLOs (an objective with its own {key}) are not imported: each objective judges "
                    "its own SLI, and read with the SLO's indicator this one would hold another SLI to its "
                    "target; write each objective with its own SLI as an SLO of its own",
                )
    return found


_METADATA = {
    "labels": (
        "OpenSLO labels categorize the SLO (the spec's examples: organization, costCentre, serviceTier) and are not "
        "put on alerts; obsc's SLO labels are (add it under the SLO's labels: to route or silence on it)"
    ),
    "annotations": (
        "OpenSLO annotations are metadata for the tool that reads the SLO; obsc's SLO annotations go on its alerts "
        "(add it under the SLO's annotations: to show it there)"
    ),
}


def report_metadata(src: Source, *, skipped: bool) -> None:
    """The SLO's labels (but `team`, its owner) and annotations, reported with what obsc has instead: said to
    have "no equivalent", a reader looked for an obsc field that does not exist. Of an SLO `skipped` (for a
    reason said where it lies) they are read unsaid: listed, they read as more reasons it was not imported."""
    for kind, why in _METADATA.items():
        if skipped:
            src.take(("metadata", kind))
            continue
        entries = src.get(("metadata", kind))
        if not isinstance(entries, dict):
            continue  # (anything else is a shape error, said where it lies)
        src.enter(("metadata", kind))
        for key in entries:
            if not (kind == "labels" and key == "team"):
                src.drop(("metadata", kind, key), why)
