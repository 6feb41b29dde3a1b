"""A grouped SLO's groups watched by their own series: a label only the SLI's series carry (a tenant, a topic, a
PoP the app writes), which `up` does not (model/down_groups.py watches those).

When one tenant's series stop (its exporter path broke, a relabelling dropped it, the app stopped writing it, or
its requests no longer reach the service) that group's SLI has no events: its burn alerts cannot fire, and while
other tenants report nothing service-wide is missing. SLODataMissing's silent-group branch fires for a group that
has had no events for SILENT_WINDOW while other groups have, and that was busy (MIN_RATE in all SLOTs but one) from an
hour before to an hour after this time both yesterday and a week ago:
- a tenant idle every night, or every weekend, was idle then yesterday or a week ago: quiet;
- a new group is watched once it has a week of history; a sparse one (under MIN_RATE) never: its silence is no
  sign of anything;
- a group gone for good (off-boarded, renamed) tickets until yesterday's same hours no longer saw it busy, about
  a day, then stops by itself;
- every group silent at once is no group's: `absent` (SLODataMissing) or ServiceDown say it, and an idle service
  is the traffic alerts'.
"""

from __future__ import annotations

from compiler.model import queries
from compiler.model.down_groups import CHURNING_LABELS, slo_down_split
from compiler.model.groups import by_clause
from compiler.model.types import Service, SliKind, Slo

SILENT_WINDOW = "30m"  # no events at all this long: at MIN_RATE ~18 were expected (Poisson: 1 in 65 million)
SLOT, SPAN = "15m", "2h"  # the baseline reads each 15m of the two hours around this time
BUSY_SHARE = "0.8"  # of the span's slots busy: 8 of 9 and 7 of 8 pass, 7 of 9 and 6 of 8 fail (one short at most)
MIN_RATE = "0.01"  # events a second (36 an hour) in each slot: below that a silent half hour is no signal
YESTERDAY, LAST_WEEK = "23h", "6d23h"  # offsets of the span's end: it ends an hour after this time then
COUNTED_KINDS = (SliKind.RATIO, SliKind.LATENCY, SliKind.RAW)  # SLIs that count events per group


def silent_split(service: Service, slo: Slo) -> tuple[str, ...]:
    """The SLO's `by:` labels watched by its own series: those `up` does not carry (slo_down_split watches the
    others) and that do not churn; () when none, or the SLI counts no events."""
    if slo.sli.kind not in COUNTED_KINDS or not (slo.alerting.critical or slo.alerting.warning):
        return ()
    # on `up`: the down split's labels and those the targets match (pinned, or a blue/green pattern whose colours
    # come and go at each switch: a colour drained would ticket for a day as a silent group)
    on_up = set(slo_down_split(service, slo)) | {m.label for m in service.targets}
    return tuple(label for label in slo.by if label not in on_up and label not in CHURNING_LABELS)


def group_traffic(service: Service, slo: Slo, window: str, split: tuple[str, ...]) -> str:
    """The SLI's events a second over `window`, per group of `split` (all of them: `up` does not say which
    exist), or in all with no split."""
    if slo.sli.kind is SliKind.LATENCY:
        return f"sum{by_clause(split)}({queries.latency_count_rate(slo.sli, window)})"
    return queries.sli_rates(service, slo.sli, window, split)[1]


def busy_slots(slot: str, min_rate: str, offset: str) -> str:
    """The series of `slot` (a rate over SLOT) at `min_rate` or more in all but one slot of the SPAN that ends
    `offset` ago. A subquery's steps are multiples of SLOT since 1970, both ends kept: the span holds 9 slots when
    evaluated on a quarter-hour and 8 otherwise (a rule group evaluates wherever its hash puts it), so the busy
    slots are counted as a share of the slots the span holds (round 39: a fixed `>= 8` read 7 busy of 8 at 12:20
    as idle, and a crash paged ~2 hours late, once the quiet slot left the span)."""
    span = f"[{SPAN}:{SLOT}] offset {offset}"
    held = f"scalar(count_over_time(vector(1){span}))"
    return f"count_over_time(({slot} >= {min_rate}){span}) / {held} >= {BUSY_SHARE}"


def busy_then(service: Service, slo: Slo, split: tuple[str, ...], offset: str) -> str:
    """The groups with MIN_RATE in all slots but one of the span that ends `offset` ago."""
    return busy_slots(group_traffic(service, slo, SLOT, split), MIN_RATE, offset)


def silent_groups(service: Service, slo: Slo) -> str | None:
    """The branch: groups busy yesterday and a week ago around this time, with no events now while others have.
    None when the SLO has no such label (silent_split)."""
    split = silent_split(service, slo)
    if not split:
        return None
    by, now = ", ".join(split), group_traffic(service, slo, SILENT_WINDOW, split)
    baseline = f"{busy_then(service, slo, split, YESTERDAY)}\nand\n{busy_then(service, slo, split, LAST_WEEK)}"
    anywhere = group_traffic(service, slo, SILENT_WINDOW, ())
    return f"(\n{baseline}\n)\nunless on ({by})\n{now} > 0\nand on ()\n{anywhere} > 0"


def unwatched_group_notes(service: Service) -> list[str]:
    """`-v` notes: the silent-group watch's limit (a group is watched once it has a week of busy history). Before
    round 37 such a group's series gone for good fired nothing (promtool, round 36), and this note said so."""
    return [
        f"SLO {slo.name!r} is split by {', '.join(split)}, which the scrape targets' `up` does not carry: a group "
        "whose own series stop is watched by them (SLODataMissing) only if it had at least 36 events an hour around "
        "that time both the day and the week before; a newer or sparser group's silence fires nothing"
        for slo in service.slos
        if (split := silent_split(service, slo))
    ]
