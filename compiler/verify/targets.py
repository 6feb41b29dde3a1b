"""`obsc verify` on a service's scrape targets: `up` with the labels obsc reads them by (its `targets:`, or the
selector's labels the platform's `target_labels` says `up` carries) has series within the lookback.

When it has none, the finding says which label is wrong: a value `up` never has (a did-you-mean), or, when every
value is somewhere on `up`, the one label whose matcher alone keeps the other labels' targets out (a static
scrape config's targets carry no `namespace` that `defaults.target_labels` says they do).
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Callable

from compiler.errors import Location
from compiler.model import queries
from compiler.model.promql import Matcher
from compiler.model.types import Service
from compiler.spec.document import Path
from compiler.verify.client import Prometheus, QueryRejected

Find = Callable[[Path, Location, str], None]
Count = Callable[[str], int]  # raises QueryRejected
SHOWN = 8


def check_targets(
    service: Service, prometheus: Prometheus, lookback: str, count: Count, where: Path, find: Find
) -> None:
    """`where`: the spec's `targets:` when it declares them, else its selector. A service nothing scrapes
    (`targets: false`) has no `up` to find: its `up{}` read every target, and a server with none (a CloudWatch-only
    relay's metrics written remotely) told it its `targets:` labels were not on `up` (round 40)."""
    if not service.targets:
        return
    up = queries.up(service)
    try:
        if count(f"last_over_time({up}[{lookback}])"):
            return
    except QueryRejected as exc:
        find(where, service.location, f"Prometheus rejects {up}: {exc}")
        return
    hints = []
    for matcher in service.targets:  # the labels `up` is asked for, not the metrics' own (a selector's grpc_service)
        if matcher.op == "=~" and (unmatched := _regex_hint(matcher, prometheus)):
            hints.append(unmatched)
        if matcher.op == "=":
            known = prometheus.label_values(matcher.label, "up")
            if matcher.value in known:
                continue  # this value is on `up`: a did-you-mean would point away from the label that is wrong
            close = difflib.get_close_matches(matcher.value, known, n=3, cutoff=0.6)
            hints.append(
                f"{matcher.label} on up: did you mean {', '.join(repr(c) for c in close)}?"
                if close
                else f"{matcher.label} values on up: {', '.join(repr(k) for k in known[:SHOWN]) or 'none'}"
            )
    if not hints and len(service.targets) > 1:
        hints.append(_odd_one_out(service, prometheus, lookback, count, where))
    find(
        where,
        service.location,
        f"no scrape target matches {up} in the last {lookback}: "
        + ("the targets: labels are" if where == ("targets",) else "the selector is")
        + " not on `up`"
        + (f" ({'; '.join(hints)})" if hints else "")
        + (
            ": they are the relay of targets_via, and SLOTrafficStopped pages only while the relay's up reports, "
            "so a total outage of the service pages nothing"
            if service.relayed
            else ""
        ),
    )


def _regex_hint(matcher: Matcher, prometheus: Prometheus) -> str | None:
    """The values of the label on `up` when the regex matches none of them (anchored, as Prometheus reads it);
    None when one matches, or when Python cannot read the regex (no hint on a guess)."""
    known = prometheus.label_values(matcher.label, "up")
    try:
        if any(re.fullmatch(matcher.value, value) for value in known):
            return None
    except re.error:
        return None
    close = difflib.get_close_matches(re.sub(r"[^\w-]", "", matcher.value), known, n=3, cutoff=0.6)
    shown = ", ".join(repr(k) for k in (close or known[:SHOWN])) or "none"
    return f"{matcher.render()} matches no {matcher.label} on up ({'close: ' if close else 'its values: '}{shown})"


def _odd_one_out(service: Service, prometheus: Prometheus, lookback: str, count: Count, where: Path) -> str:
    """The matcher that alone keeps out the targets the others match, the fewest of them (without `job` every
    other job's targets would match): one query per target label, and one for the values."""
    found: list[tuple[int, int]] = []  # (targets the others match, index of the matcher left out)
    for index, matcher in enumerate(service.targets):
        others = ",".join(m.render() for m in service.targets if m is not matcher)
        try:
            if matched := count(f"last_over_time(up{{{others}}}[{lookback}])"):
                found.append((matched, index))
        except QueryRejected:
            return "each label value is on up, but no target has them all"
    if not found:
        return "each label value is on up, but no target has them all"
    matcher = service.targets[min(found)[1]]
    others = ",".join(m.render() for m in service.targets if m is not matcher)
    try:
        values = prometheus.label_values(matcher.label, f"up{{{others}}}")
    except QueryRejected:
        values = []
    said = (
        f"their {matcher.label} values: {', '.join(repr(v) for v in values[:SHOWN])}"
        if values
        else f"they carry no {matcher.label}"
    )
    why = ""
    if not values and where == ("selector",):
        why = (
            f"; the platform's defaults.target_labels says `up` carries {matcher.label}: take it out there, or "
            "relabel the targets to carry it"
            if service.fleet_target_labels is not None
            else f"; obsc guessed `up` carries {matcher.label}: say which labels it does in the platform's "
            "defaults.target_labels"
        )
    return f"targets match {{{others}}}, but not {matcher.render()}: {said}{why}"
