"""One runbook page: meaning, impact in the SLO's numbers, the kind's own diagnosis queries, mitigation,
and escalation naming who each tier notifies."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from typing import NamedTuple

from compiler.model import queries
from compiler.model.alert_kinds import KINDS, SIGNAL_SECONDS
from compiler.model.alerts import AlertDef, service_alerts
from compiler.model.down_groups import VANISHED_GROUP_LOOKBACK, vanish_split, vanished_groups
from compiler.model.drop_pages import stop_page_names
from compiler.model.key_evidence import evidence_events
from compiler.model.relays import crash_loop_hold
from compiler.model.saturation_twins import REQUEST_KIND, hold_seconds, request_twins, twin_tier
from compiler.model.silent_groups import SILENT_WINDOW, silent_groups, silent_split
from compiler.model.stopped_traffic import stopped_meaning
from compiler.model.teams import is_unrouted_info
from compiler.model.types import AlertKind, Fleet, Integration, KeyAlert, Service, SliKind, ThresholdType, Tier
from compiler.model.units import decimal_text, format_duration, seconds_text
from compiler.output.bundle import Artifact, Ownership
from compiler.targets import markdown
from compiler.targets.base import TargetOptions
from compiler.targets.links import alert_dashboard_url, drilldown_urls, service_dashboard_url
from compiler.targets.runbooks import down_page, threshold_page
from compiler.targets.runbooks.burn_text import BurnText, burn_texts
from compiler.targets.runbooks.diagnosis import diagnosis_queries
from compiler.targets.runbooks.impact import key_impact, mitigation, slo_impact
from compiler.targets.runbooks.slice_diagnosis import SLICE_KINDS, stale_meaning
from compiler.targets.runbooks.slo_text import SloText, slo_texts, text_of
from compiler.targets.runbooks.unseen_page import failures_unseen_page

_TIER_VALUES = tuple((tier, tier.value) for tier in Tier)  # most severe first
_Escalation = tuple[list[tuple[Tier, str]], str | None, list[str]]
_TIER_ROLE = {Tier.CRITICAL: "pages", Tier.WARNING: "ticket, review soon", Tier.INFO: "digest, review daily"}


def fleet_artifacts(fleet: Fleet, options: TargetOptions) -> list[Artifact]:
    """Nothing fleet-wide: every page belongs to one service."""
    del fleet, options
    return []


def service_artifacts(fleet: Fleet, services: Sequence[Service], options: TargetOptions) -> list[Artifact]:
    """One page per (SLO, alert name) of each of `services`."""
    del options
    out = []
    for service in services:
        pages: dict[str, list[AlertDef]] = defaultdict(list)
        for alert in service_alerts(service):
            pages[alert.runbook_path].append(alert)
        common = _common(fleet, service)
        for path, alerts in sorted(pages.items()):
            page = _data_missing_page(fleet, service, alerts[0]) if alerts[0].data_missing else None
            page = failures_unseen_page(fleet, service, alerts[0]) if alerts[0].failures_unseen else page
            out.append(Artifact(path, page or _page(fleet, service, alerts, common), Ownership.STUB))
    return out


class _Common(NamedTuple):
    """What each of a service's pages repeats: made once per service."""

    intro: str  # from the service's description to the Meaning heading
    texts: tuple[SloText, ...]
    budgets: list[str]  # each SLO's budget line
    dashboard: str  # the service's dashboard
    escalation: _Escalation
    escalations: dict[tuple[Tier, ...], str]  # the Escalation section per set of the page's tiers, as made


def _common(fleet: Fleet, service: Service) -> _Common:
    texts = slo_texts(service)
    intro = f"\n{markdown.text(service.description)}\n" if service.description else ""
    return _Common(
        intro + "\n## Meaning\n",
        texts,
        [text.budget_line for text in texts],
        service_dashboard_url(fleet.platform, service),
        _escalation_parts(fleet, service),
        {},
    )


def _data_missing_page(fleet: Fleet, service: Service, alert: AlertDef) -> str:
    """SLODataMissing: the SLI's series are gone, so the SLO's burn alerts are blind (a stub to finish)."""
    assert alert.slo is not None
    lines = [f"# {alert.name}", "", f"Service **{service.name}** (team **{service.team}**); severity: warning."]
    lines += ["", "## Meaning", ""]
    while_up = " while the service's targets are up" if service.targets else ""
    lines += [
        f"The SLI of SLO **{alert.slo.name}** returned no series for 10 minutes{while_up}. "
        "Its burn-rate alerts read those series: until they are back, this SLO cannot page.",
    ]
    lines += ["", "## Impact", "", "No direct user impact; an incident on this SLO would go unnoticed."]
    lines += ["", "## Diagnosis", ""]
    opened, whole = alert_dashboard_url(fleet.platform, service, alert), service_dashboard_url(fleet.platform, service)
    lines += [f"- Dashboard: {opened}"] + ([f"- Service dashboard: {whole}"] if opened != whole else [])
    gauge = alert.slo.sli.kind in SLICE_KINDS  # no events to count: a gauge, and no histogram
    lines += [
        "- Does the gauge the SLI reads return anything?"
        if gauge
        else "- Does the total-events query return anything?",
        "",
        "```promql",
        queries.sli_total(alert.slo.sli, "5m"),
        "```",
        "",
        "- Renamed or dropped metrics (a library upgrade, relabelling), a changed selector label.",
    ]
    if not gauge:
        lines += ["- A latency SLI: is the threshold one of the histogram's bucket boundaries (`le` values)?"]
    if alert.slo.sli.kind is SliKind.LATENCY:
        lines += [
            "- Which series have counted requests but no threshold bucket, or a bucket that missed its last "
            "scrapes (the SLI counts them neither as good nor as bad: an instance whose histogram has other "
            "buckets, say mid-deploy)?",
            "",
            "```promql",
            queries.unbucketed_series(alert.slo.sli),
            "```",
        ]
    if queries.may_stray(alert.slo.sli, alert.slo.by):
        groups = ", ".join(alert.slo.by)
        lines += [
            f"- Which good or bad events have a {groups} that no total-events series has (a counter without the "
            f"label, or a relabelling that rewrites it)? They count for no {groups}, so every {groups} reads no "
            "failures.",
            "",
            "```promql",
            queries.stray_outcome(service, alert.slo.sli, "5m", alert.slo.by),
            "```",
        ]
    if family := queries.errors_family_rate(alert.slo.sli, service.selector, "5m"):
        lines += [
            "- Does the failures counter return anything? Renamed or dropped, it reads as no failures. A counter "
            "with labels has no series until its first failure and loses them at a restart (this alert asks only "
            "for one seen in the last day): create each label value at 0 at start.",
            "",
            "```promql",
            family,
            "```",
        ]
    if unlabelled := queries.unlabelled_total(alert.slo.sli, "5m"):
        labels = " or ".join(f"`{label}`" for label in queries.unlabelled_labels(alert.slo.sli))
        lines += [
            f"- Which total-events series have traffic but no {labels} label, which the good-events selector "
            "tests, from a target with no series that has it (an instance writing another label name: `status=` "
            "for `result=`, `code=` for `grpc_code=`)? The SLI counts their requests in the total and never as "
            "good: a healthy instance burns the budget.",
            "",
            "```promql",
            unlabelled,
            "```",
        ]
    if gone := vanished_groups(service, alert.slo):
        split = ", ".join(vanish_split(service, alert.slo))
        lines += [
            f"- Fired with a {split}: which {split} had targets in the last {VANISHED_GROUP_LOOKBACK} and has no `up` "
            "series now? Its every series is gone (its Prometheus, federation or remote-write link, its scrape "
            "config), so neither ServiceDown nor the burn alerts can see it. A group removed on purpose tickets "
            f"until the {VANISHED_GROUP_LOOKBACK} lookback ends: silence it that long.",
            "",
            "```promql",
            gone,
            "```",
        ]
    if silent := silent_groups(service, alert.slo):
        split = ", ".join(silent_split(service, alert.slo))
        lines += [
            f"- Fired with a {split}: which {split} was busy around this time yesterday and a week ago and has had "
            f"no events for {SILENT_WINDOW} while others have? Its own series stopped (the exporter's path for it, a "
            "relabelling, the app no longer writing it) or its requests stopped reaching the service: its burn "
            f"alerts cannot see it. A {split} off-boarded or renamed tickets for about a day, then stops: silence "
            "it that long. One on holiday likewise.",
            "",
            "```promql",
            silent,
            "```",
        ]
    lines += ["", "## Mitigation", ""]
    lines += ["- Fix the spec's metric names or the exporter; _write down what worked here_."]
    return "\n".join(lines) + "\n"


def _page(fleet: Fleet, service: Service, alerts: list[AlertDef], common: _Common) -> str:
    first = alerts[0]
    present = tuple([a.tier for a in alerts])  # not a set: enum members compare by identity, a set hashes in Python
    tiers = ", ".join([value for tier, value in _TIER_VALUES if tier in present])
    # Lines joined by newlines; an element may hold several lines (the parts every page repeats).
    lines = [
        f"# {first.name}\n\nService **{service.name}** (team **{service.team}**); severity: {tiers}.",
        common.intro,
    ]
    mine = first.threshold is not None  # the spec's own threshold alert (one tier, one rule of its own)
    slo = text_of(common.texts, first.slo) if first.slo is not None else None
    burns = burn_texts(slo.slo, alerts) if slo is not None else []
    lines += threshold_page.meaning(service, first) if mine else _meaning(service, first, alerts, slo, burns)
    lines.append("\n## Impact\n")
    if mine:
        lines += threshold_page.impact(common.budgets)
    elif slo is not None:
        lines += slo_impact(alerts, slo.budget_line, burns)
    else:
        lines += key_impact(service, first, common.budgets)
    opened = alert_dashboard_url(fleet.platform, service, first)
    lines.append(f"\n## Diagnosis\n\n- Dashboard: {opened}")
    if opened != common.dashboard:
        lines.append(f"- Service dashboard: {common.dashboard}")
    lines += [f"- {title} (what fails): {url}" for title, url in drilldown_urls(fleet.platform, service, first)]
    closing = slo.closing_queries if slo is not None else ()
    for what, query in (
        threshold_page.diagnosis(service, first) if mine else diagnosis_queries(service, alerts, closing, burns)
    ):
        title = _TITLES.get(what) or _title(what)
        lines.append(f"\n{title}\n\n```promql\n{query}\n```")
    lines.append(_CHANGED)
    lines += mitigation(first)
    escalation = common.escalations.get(present)
    if escalation is None:
        escalation = common.escalations[present] = "\n".join(_escalation(service, alerts, common.escalation))
    lines += (_ESCALATION, escalation, "")  # the last, empty, element ends the page with a newline
    return "\n".join(lines)


def _title(what: str) -> str:
    """A query's description as the sentence above it."""
    if len(_TITLES) >= _TITLES_KEPT:
        _TITLES.clear()
    title = _TITLES[what] = what[0].upper() + what[1:] + ("" if what.endswith("?") else ":")
    return title


# Most descriptions are fixed sentences, asked for by every service's pages.
_TITLES: dict[str, str] = {}
_TITLES_KEPT = 4096


_CHANGED = (
    "\n- Did something change? Recent deployments, config pushes, traffic shifts, dependencies.\n\n## Mitigation\n"
)
_ESCALATION = "\n## Escalation\n"


def _escalation(service: Service, alerts: list[AlertDef], parts: _Escalation) -> list[str]:
    mine = [a.tier for a in alerts]  # a list, as in _page
    routes, to_page, tail = parts
    lines = [f"- Owner: team **{service.team}**."]
    lines += [f"{line} ← this alert" if tier in mine else line for tier, line in routes]
    if Tier.CRITICAL not in mine and to_page is not None:
        lines.append(to_page)
    return lines + tail


def _escalation_parts(fleet: Fleet, service: Service) -> _Escalation:
    """Each routed tier's line (without the "this alert" mark), the line that escalates to the page's receiver
    (if one is routed), and the service's and team's links."""
    routes: list[tuple[Tier, str]] = []
    for tier in Tier:
        route = service.route(tier)
        if route is None:
            continue
        if is_unrouted_info(route):  # obsc's empty receiver: naming it read as a digest someone receives
            routes.append((tier, f"- info: {_unheard(service)}"))
            continue
        receiver = fleet.receiver(route.receiver)
        how = ", ".join(_integration(i) for i in receiver.integrations) if receiver else "?"
        routes.append((tier, f"- {tier.value} ({_TIER_ROLE[tier]}): receiver `{route.receiver}` ({how})"))
    tail = [f"- {name}: {url}" for name, url in service.links]
    team = fleet.platform.team(service.team)
    tail += [f"- team {name}: {url}" for name, url in (team.links if team else ())]
    critical = service.route(Tier.CRITICAL)
    to_page = (
        f"- Escalate to a page: whoever `{critical.receiver}` reaches is on call for {service.name}."
        if critical is not None
        else None
    )
    return routes, to_page, tail


def _unheard(service: Service) -> str:
    return (
        f"notifies nobody (no routing.info in the spec, teams.{service.team} or platform defaults.routing); "
        "only Alertmanager's and Prometheus' alert lists show it"
    )


def _integration(integration: Integration) -> str:
    """An integration for humans, never a secret (those are file paths anyway): `slack #payments`."""
    detail = integration.get("channel") or integration.get("to") or integration.get("priority") or ""
    return f"{integration.kind} {detail}".strip()


def _meaning(
    service: Service, first: AlertDef, alerts: list[AlertDef], slo: SloText | None, burns: list[BurnText | None]
) -> list[str]:
    if slo is not None:
        return _slo_meaning(service, slo, alerts, burns)
    assert first.key_alert is not None
    info = KINDS[first.key_alert.kind]
    out = [f"Key metric: {info.meaning}."]
    evidence = _evidence(evidence_events(service, first.key_alert.kind), first.key_alert.kind)
    for alert in alerts:
        assert alert.key_alert is not None
        loop = (
            down_page.crash_loop(crash_loop_hold(service, alert.key_alert.for_seconds), alert.key_alert.missing_fires)
            if first.kind is AlertKind.SERVICE_DOWN
            else ""
        )
        out.append(f"- **{alert.tier.value}**: {_threshold(alert.key_alert, info.threshold)[:-1]}{evidence}{loop}.")
        if alert.key_alert.demoted:
            out.append(
                f"  A ticket, not a page: the SLO **{alert.key_alert.slo}** measures the same symptom and pages for it."
            )
        elif alert.key_alert.while_blind:
            out.append(
                f"  Pages only while the SLO **{alert.key_alert.slo}** cannot see some series (no bucket at its "
                "threshold: other buckets, say mid-deploy), which it would otherwise page for."
            )
        pages = _drop_left_to(service, alert)
        if pages:
            out.append(
                f"  A stop is not this alert's: for an hour after {' or '.join(pages)} fires, a drop is that outage's."
            )
    out += _request_twin_note(service, first.key_alert.kind)
    if first.kind is AlertKind.SERVICE_DOWN:
        out += down_page.idle_note(first.key_alert) + down_page.group_note(service)
        out += down_page.handover_note(service, {a.tier for a in alerts})
    return out


def _request_twin_note(service: Service, kind: AlertKind) -> list[str]:
    """What the missing-data twin of a p99 latency or error-rate alert says (model/saturation_twins.py); none
    for other kinds, or where there is no twin (an SLO over the same series has SLODataMissing)."""
    twin = next((alert for alert, mine, _ in request_twins(service) if mine is kind), None)
    if twin is None:
        return []
    metric = service.metric(REQUEST_KIND[kind])
    assert metric is not None and metric.selector is not None and twin.key_alert is not None
    series = metric.selector.render()
    tier = twin_tier(service, twin, kind).value
    if kind is AlertKind.LATENCY_P99:
        series = f"`{metric.selector.metric}_bucket` or `_count` of `{series}`"
    else:
        series = f"`{series}`"
    return [
        f'- **Missing data fires too** (labelled `data="missing"`, at the {tier} tier): with no {series} '
        f"series for {format_duration(hold_seconds(twin))} while the service's targets are up (renamed by a deploy, "
        "dropped by a relabelling, never written), this alert could not fire, and says so. An idle service keeps its "
        "series and stays quiet, unless it restarted and has served no request since and its client library creates "
        f"labelled series on the first one (create them at 0 at start). `missing: ignore` under alerts.{kind.value} "
        "drops it."
    ]


def _drop_left_to(service: Service, alert: AlertDef) -> list[str]:
    """The alerts a traffic anomaly's drop branch (a share under 100%) leaves a stop to (model/drop_pages.py)."""
    assert alert.key_alert is not None
    share = alert.key_alert.threshold
    drops = alert.kind is AlertKind.TRAFFIC_ANOMALY and share is not None and share < 1
    return stop_page_names(service, alert.tier) if drops else []


def _evidence(events: int | None, kind: AlertKind) -> str:
    """What the rule needs besides its line, as the notification says it: a ratio that is all of 2 requests
    reads 100% on the page's query while the alert stays quiet."""
    if events is None:
        return ""
    what = "failed requests" if kind is AlertKind.ERROR_RATE else "requests that slow"
    return f", with at least {events} {what} in the last {format_duration(SIGNAL_SECONDS)}"


def _slo_meaning(service: Service, text: SloText, alerts: list[AlertDef], burns: list[BurnText | None]) -> list[str]:
    slo = text.slo
    out = list(text.meaning_head)
    for alert, burn in zip(alerts, burns, strict=True):
        if burn is not None:
            out.append(burn.meaning)
        elif alert.budget == "low":
            out.append(f"- **info**: less than {decimal_text(slo.alerting.budget_left * 100)}% of the budget left.")
        elif alert.budget == "exhausted":
            out.append("- **info**: the error budget for the period is spent.")
        elif alert.stale:
            out.append(f"- **{alert.tier.value}**: {stale_meaning(slo)}")
        elif alert.stopped:
            out.append(f"- **{alert.tier.value}**: {stopped_meaning(service, slo)}")
    return out


def _threshold(alert: KeyAlert, ttype: ThresholdType) -> str:
    after = f" for {format_duration(alert.for_seconds)}" if alert.for_seconds else ""
    if alert.threshold is None:
        return f"fires when it happens{after}."
    if alert.kind is AlertKind.TRAFFIC_ANOMALY:  # the rule compares both ways (`> 1 + t or < 1 - t`) while t < 1
        ways = "above or below" if alert.threshold < 1 else "above"
        share = decimal_text(alert.threshold * 100)
        return f"the last hour's request rate more than {share}% {ways} the same hour a week ago{after}."
    if ttype is ThresholdType.RATIO:
        return f"above {decimal_text(alert.threshold * 100)}%{after}."
    if ttype is ThresholdType.DURATION:
        return f"threshold {seconds_text(alert.threshold)}{after}."
    return f"threshold {decimal_text(alert.threshold)}{after}."
