"""The SLODataMissing alert: an SLO whose SLI series are gone while its service is up cannot page.

It reads the raw series, not recorded ones, so it also covers a latency threshold that is not a
bucket boundary (the bucket series never existed) and a metric renamed under the spec. A service
with no traffic that still exports its counters (at 0) has its series: it stays quiet.
"""

from __future__ import annotations

from decimal import Decimal

from compiler.model import queries
from compiler.model.down_groups import VANISHED_GROUP_LOOKBACK, vanish_split, vanished_groups
from compiler.model.failures_seen import FAILURES_UNSEEN_FOR_SECONDS, FAMILY_SEEN_LOOKBACK, errors_family_seen
from compiler.model.groups import by_clause
from compiler.model.raw_windows import IDLE_SEEN_LOOKBACK, idle_guard
from compiler.model.silent_groups import SILENT_WINDOW, silent_groups, silent_split
from compiler.model.types import Service, Sli, SliKind, Slo
from compiler.model.units import decimal_text, format_duration

DATA_MISSING_FOR_SECONDS = 600  # a scrape or two can fail; ten minutes without the SLI's series is not that
PROBE_WINDOW = "5m"  # the rate window the probes read: a series scraped at least twice in it is present
# SLIs whose presence is a rate over PROBE_WINDOW: series that are there but late (remote-write lag) read as none
RATE_PRESENCE = frozenset({SliKind.RATIO, SliKind.ERROR_RATIO, SliKind.LATENCY, SliKind.RAW})
# Live (Prometheus 2.42, 1m scrapes): a healthy fleet whose samples all arrived 4m20s late ticketed this for every
# rate SLO; an SRE told only "renamed or dropped" looks for a relabelling that is not there.
LATE_SAMPLES_TEXT = (
    f"samples arriving too late for a {PROBE_WINDOW} rate to hold two: remote-write, agent or federation lag past "
    f"{PROBE_WINDOW} less a scrape interval, 4m at a 1m scrape (the newest sample's age tells)"
)


def data_missing_expr(service: Service, slo: Slo, vanished: bool = True) -> str:
    """Absent total events, or (latency) series with traffic and without the threshold bucket; only
    while targets are up.

    For a grouped SLO `absent` stays SLO-wide: it cannot name a group, and one group without events is a
    route nobody called, not missing data. The bucket check counts the blind series per group (it fires with
    that group's labels); one instance without the bucket is enough, the others' buckets do not hide it.
    A failures counter of its own name (queries.errors_family) with no series now that had some in the last
    FAMILY_SEEN_LOOKBACK fires SLO-wide: renamed or dropped away, it read as no failures. One never seen in that
    time is how a labelled counter looks before its first failure (client libraries create it then): not this
    ticket, nor is a typo'd name that looks the same: SLOFailuresCounterUnseen, an info notice after a longer
    hold, says both (failures_unseen_expr); `obsc verify` tells a typo from the server's names.
    A ratio SLI's total-events series with traffic and without a label its good selector requires (see
    queries.unlabelled_labels), from a scrape target none of whose series has it, is never good: it fires
    SLO-wide. A grouped ratio or raw SLI whose good or bad
    events fall in a group no total has (see stray_probe) has data in no group: it fires SLO-wide too.
    A group of a label `up` carries (model/down_groups.py) whose targets reported within the lookback and have no
    `up` now fires with that group's labels (vanished_groups), as does a group of a label only the SLI's series
    carry that was busy at this time yesterday and a week ago and has no events now while others have
    (model/silent_groups.py). `vanished=False` leaves both out, and the failures counter's guard: what the
    generated scenarios, which feed one `up` and an hour or two of series throughout (and the failures counter
    wherever they feed counters), read."""
    sli = slo.sli
    branches = [f"absent({sli_presence(service, slo)}){_unless_idle(service, slo)}"]
    if (family := queries.errors_family_rate(sli, service.selector, PROBE_WINDOW)) is not None:
        seen = f"\n  and on ()\n  {family_seen(service, slo)}" if vanished else ""
        branches.append(f"absent({family}){seen}")
    if sli.kind is SliKind.LATENCY:
        branches.append(f"count{by_clause(slo.by)}({queries.unbucketed_series(sli)})")
    if queries.may_stray(sli, slo.by):
        branches.append(f"count({queries.stray_outcome(service, sli, PROBE_WINDOW, slo.by)})")
    if (unlabelled := queries.unlabelled_total(sli, PROBE_WINDOW)) is not None:
        # SLO-wide, as the stray count: one instance writing another label name is one cause, however many
        # groups its series fall in (the runbook's query lists them, with their groups)
        branches.append(f"count({unlabelled})")
    if vanished and (gone := vanished_groups(service, slo)) is not None:
        branches.append(gone.replace("\n", "\n  "))
    if vanished and (silent := silent_groups(service, slo)) is not None:
        branches.append(silent.replace("\n", "\n  "))
    lines = ["(", "\n  or\n".join(f"  {b}" for b in branches), ")"]
    if service.targets:  # nothing scrapes a targets: false service: no `up` to ask (any up{} would do)
        lines += ["and on ()", f"sum({queries.up(service)}) > 0"]
    return "\n".join(lines)


def _unless_idle(service: Service, slo: Slo) -> str:
    """A raw SLI's `idle_while` (model/raw_windows.py): its total without series is idle while the idle series
    exists and the total had series within the lookback; "" without it."""
    idle = slo.sli.raw_idle_while
    if idle is None:
        return ""
    guard = idle_guard(queries.sli_rates(service, slo.sli, IDLE_SEEN_LOOKBACK)[1], idle).replace("\n", "\n  ")
    return f"\n  unless on ()\n  ({guard})"


def family_seen(service: Service, slo: Slo) -> str:
    """failures_seen.errors_family_seen, "" without a failures counter of its own name (data_missing_expr's guard on
    its absence, SLOFailuresCounterUnseen's, and the generated cases of them)."""
    return errors_family_seen(slo.sli, service.selector) or ""


def missing_rule(service: Service, slo: Slo, unseen: bool) -> tuple[str, int]:
    """(expression, hold) of SLODataMissing, or with `unseen` of SLOFailuresCounterUnseen (failures_unseen_expr)."""
    if unseen:
        return failures_unseen_expr(service, slo), FAILURES_UNSEEN_FOR_SECONDS
    return data_missing_expr(service, slo), DATA_MISSING_FOR_SECONDS


def failures_unseen_expr(service: Service, slo: Slo) -> str:
    """The failures counter of its own name has no series and had none at a step of the last
    FAMILY_SEEN_LOOKBACK, while the SLI counts events (without them, SLODataMissing says so): no failure since
    the service started (a labelled counter's series are created by its first), or the spec reads a name or
    labels the service never writes. Which one cannot be told from the series: a notice that says both."""
    family = queries.errors_family_rate(slo.sli, service.selector, PROBE_WINDOW)
    assert family is not None
    return "\n".join(
        [f"absent({family})", "unless on ()", family_seen(service, slo), "and on ()", sli_presence(service, slo)]
    )


def sli_presence(service: Service, slo: Slo) -> str:
    """What the alert asks to exist: the SLI's total events (latency: every `+Inf` bucket, or `_count`) over
    the probe window. The generated tests predict its firing from which of their series this reads (promtool/)."""
    if slo.sli.kind is SliKind.LATENCY:
        return f"sum({queries.latency_count_rate(slo.sli, PROBE_WINDOW)})"
    return queries.sli_rates(service, slo.sli, PROBE_WINDOW)[1]


def stray_probe(service: Service, slo: Slo) -> tuple[str, str] | None:
    """(good or bad events, total events) by the SLO's groups over the probe window, when the alert asks
    whether the first has a group the second lacks; the generated tests predict that branch from them."""
    if not queries.may_stray(slo.sli, slo.by):
        return None
    if slo.sli.kind is SliKind.RAW:
        return queries.sli_rates(service, slo.sli, PROBE_WINDOW, slo.by)
    part, total = slo.sli.errors or slo.sli.good, slo.sli.total
    assert part is not None and total is not None
    groups = ", ".join(slo.by)
    return queries.rate(part, PROBE_WINDOW, by=groups), queries.rate(total, PROBE_WINDOW, by=groups)


def errors_family_probe(service: Service, slo: Slo) -> str | None:
    """The failures counter of its own name over the probe window (queries.errors_family), whose absence the
    alert reports; the generated tests predict that branch from it."""
    return queries.errors_family_rate(slo.sli, service.selector, PROBE_WINDOW)


def unlabelled_probe(slo: Slo) -> str | None:
    """The total-events series with traffic and without a label the good selector requires, over the probe
    window (queries.unlabelled_total); the generated tests predict that branch from it."""
    return queries.unlabelled_total(slo.sli, PROBE_WINDOW)


def missing_text(service: Service, slo: Slo, unseen: bool) -> tuple[str, str]:
    """(summary, description) of SLODataMissing, or with `unseen` of SLOFailuresCounterUnseen."""
    return failures_unseen_text(service, slo) if unseen else data_missing_text(service, slo)


def failures_unseen_text(service: Service, slo: Slo) -> tuple[str, str]:
    """(summary, description) of SLOFailuresCounterUnseen."""
    family = queries.errors_family(slo.sli, service.selector)
    assert family is not None
    held, metric = format_duration(FAILURES_UNSEEN_FOR_SECONDS), family.metric
    summary = (
        f"{service.name}: the {slo.name} SLO's failures counter `{metric}` has no series: no failure yet, or a typo?"
    )
    description = (
        f"`{family.render()}`, which the {slo.name} SLO counts its failed events by, has had no series for {held} "
        f"nor at any time in the last {FAMILY_SEEN_LOOKBACK}, while the SLI counts events. Either nothing has failed "
        "since the service started (a counter with labels has no series until its first failure), or the spec "
        "reads a name or labels the service never writes (a typo, or renamed over a day ago): then this SLO reads "
        "every event as good and can never page. Create each label value at 0 when the service starts: this "
        "notice then ends; if it does not, the spec's name is wrong (`obsc verify` suggests the server's names)."
    )
    return summary, description


def data_missing_text(service: Service, slo: Slo) -> tuple[str, str]:
    """(summary, description) of the alert."""
    sli = slo.sli
    summary = f"{service.name}: the {slo.name} SLO has no data, so its burn alerts cannot fire"
    since = " although the service's targets are up" if service.targets else ""
    held = format_duration(DATA_MISSING_FOR_SECONDS)
    if sli.kind is SliKind.LATENCY and sli.latency is not None and sli.latency.selector is not None:
        base, le = sli.latency.selector.metric, decimal_text(sli.threshold_le or Decimal(0))
        description = (
            f'No `{base}_bucket{{le="+Inf"}}` or `{base}_count` series in the last {held}{since} (a renamed or '
            f"dropped metric, a changed selector or relabelling, or {LATE_SAMPLES_TEXT}), or a series that has "
            f'counted requests has no `le="{le}"` bucket, or one that missed its last scrapes (an instance whose '
            "histogram has other buckets, say mid-deploy, or a threshold that is not a bucket boundary). The SLI "
            "counts such a series neither as good nor as bad: this SLO cannot page for it. The runbook's query "
            "lists them."
        )
        return summary, description + _group_texts(service, slo)
    if sli.kind is SliKind.RATIO and sli.total is not None and sli.total.selector is not None:
        what = f"`{sli.total.selector.metric}`"
    elif sli.kind is SliKind.ERROR_RATIO:
        what = (
            "the error-ratio expression (a numerator whose series appear only once something fails reads as no "
            "data until then: write (errors or 0 * total) / total)"
        )
    elif sli.gauge is not None and sli.gauge.selector is not None:
        what = f"`{sli.gauge.selector.metric}`" + (" (never ran, or renamed)" if sli.kind is SliKind.FRESHNESS else "")
    else:
        what = "the total-events query"
    causes = "a renamed or dropped metric, a changed selector or relabelling"
    if sli.kind in RATE_PRESENCE:
        causes += f", or {LATE_SAMPLES_TEXT}"
    description = (
        f"No series for {what} in the last {held}{since}: {causes}. Until the SLI is back, this SLO cannot page."
    )
    if sli.raw_idle_while is not None:
        description += " " + idle_text(sli.raw_idle_while)
    if queries.may_stray(sli, slo.by):
        groups = ", ".join(slo.by)
        description = (
            f"No series for {what} in the last {held}{since} ({causes}), or {_outcome_text(sli)} has series whose "
            f"{groups} no total-events series has (the counter lacks the label, or a relabelling rewrites it): their "
            f"events count for no {groups}, and every {groups} reads no failures. Until the SLI is back, this SLO "
            "cannot page. The runbook's query lists them."
        )
    if (family := queries.errors_family(sli, service.selector)) is not None:
        description += " " + errors_family_text(family.metric)
    if labels := queries.unlabelled_labels(sli):
        description += " " + unlabelled_text(sli, labels)
    return summary, description + _group_texts(service, slo)


def _group_texts(service: Service, slo: Slo) -> str:
    """What the group branches of the alert mean, each after a space; "" for an SLO without them."""
    texts = [vanished_text(split) if (split := vanish_split(service, slo)) else ""]
    texts.append(silent_text(split) if (split := silent_split(service, slo)) else "")
    return "".join(" " + text for text in texts if text)


def vanished_text(split: tuple[str, ...]) -> str:
    """What the vanished-group branch of the alert means, in words."""
    groups = ", ".join(split)
    return (
        f"Fired with a {groups}: that {groups} had targets in the last {VANISHED_GROUP_LOOKBACK} and has no `up` "
        f"series now while others report (its Prometheus, federation or scrape config lost): neither ServiceDown nor "
        f"the burn alerts see it. One removed on purpose tickets until that lookback ends."
    )


def silent_text(split: tuple[str, ...]) -> str:
    """What the silent-group branch of the alert means, in words."""
    groups = ", ".join(split)
    return (
        f"Fired with a {groups} the SLI's own series carry: that {groups} has had no events for {SILENT_WINDOW} "
        f"while others have, and was busy around this time both yesterday and a week ago (its exporter path, a "
        f"relabelling, the app's writing of it, or the routing of its requests broken): its burn alerts cannot "
        f"see it. One gone for good (off-boarded, renamed) tickets for about a day, then stops."
    )


def idle_text(idle_while: str) -> str:
    """What `idle_while` changes in the alert, in words."""
    return (
        f"A total without series is read as an idle service (no traffic, no datapoints) while `{idle_while}` has "
        f"series and the total had some in the last {IDLE_SEEN_LOOKBACK}: so this fires when that series is gone too "
        "(a renamed family, a changed selector, the exporter down), for a total never seen (a typo), or after "
        f"{IDLE_SEEN_LOOKBACK} without any traffic."
    )


def errors_family_text(metric: str) -> str:
    """What the errors-family branch of the alert means, in words (the alert and its runbook say it)."""
    return (
        f"It also fires when `{metric}`, the failures counter, had series in the last {FAMILY_SEEN_LOOKBACK} and "
        "has none now: renamed or dropped by a relabelling, it reads as no failures and this SLO cannot page. A "
        "counter with labels has no series until its first failure, and loses them at a restart: if the service "
        "restarted since its last failure, this is that; create each label value at 0 when the service starts "
        "(a counter without labels starts at 0 by itself), and this alert then stays quiet."
    )


def unlabelled_text(sli: Sli, labels: tuple[str, ...]) -> str:
    """What the unlabelled-total branch of the alert means, in words (the alert and its runbook say it)."""
    assert sli.total is not None and sli.total.selector is not None
    named = " or ".join(f"`{label}`" for label in labels)
    return (
        f"It also fires when a scrape target writes `{sli.total.selector.metric}` series with traffic and none with "
        f"a {named} label, which the good-events selector tests: an instance writing another label name (`status=` "
        f"for `result=`, `code=` for `grpc_code=`: a new version, a sidecar) is counted in the total and never as "
        f"good, so even a healthy instance burns the budget and can page. Fix the exporter or the selector; the "
        f"runbook's query lists them."
    )


def _outcome_text(sli: Sli) -> str:
    part = sli.errors or sli.good
    if sli.kind is SliKind.RATIO and part is not None and part.selector is not None:
        return f"`{part.selector.metric}`"
    return "the bad-events query"
