"""Raw spec dicts → the typed model; the only reader of raw dicts. Merge order, key by key: built-in defaults
(defaults.yaml) ← platform `defaults:` ← service spec. Problems are collected as located diagnostics; building
continues so one run reports them all."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from compiler import conventions
from compiler.errors import Diagnostic
from compiler.model import build_slos as slo_build
from compiler.model.alert_text import alert_text_problems, group_text_problems, matcher_text_problems
from compiler.model.build_context import Ctx, Layer
from compiler.model.build_key_alerts import build_key_alerts
from compiler.model.build_slos import build_slos, check_platform_slo_alerts
from compiler.model.build_targets import (
    build_targets,
    default_aggregation,
    guessed_targets_warnings,
    metric_option_problems,
    named_like_counter,
    read_unit,
    service_matchers,
    target_problems,
    type_unsaid,
)
from compiler.model.build_thresholds import (
    build_threshold_alerts,
    build_tier_labels,
    label_problems,
    selector_value_problems,
)
from compiler.model.checks import business_hours_problems, global_setting_problems, judged_global, receiver_problems
from compiler.model.destinations import spec_receiver_problems
from compiler.model.evaluation_interval import declared_evaluation_seconds
from compiler.model.fleet_target_labels import fleet_target_labels
from compiler.model.incidents import label_incidents
from compiler.model.operator_secrets import operator_secret_clash
from compiler.model.oversized_queries import oversized_queries
from compiler.model.own_up_slices import own_up_slice_problems
from compiler.model.platform_destinations import platform_destination_problems
from compiler.model.platform_receivers import platform_route_problems
from compiler.model.platform_values import platform_value_problems
from compiler.model.prober_selector import unapplied_defaults
from compiler.model.promql import Selector, expand, matchers_from_labels, parse_selector
from compiler.model.promql_check import check_promql
from compiler.model.promql_empty import empty_selector_problems, raw_sli_problems
from compiler.model.pushed_counters import pushed_counter_lines
from compiler.model.raw_rates import per_second
from compiler.model.relays import named_relay, relay_problems
from compiler.model.saturation_check import metric_body
from compiler.model.scrape_windows import check_windows_against_scrapes
from compiler.model.secrets import Owner, link_problems, platform_policy
from compiler.model.secrets import receiver_problems as secret_problems
from compiler.model.selector_labels import excluded_service_matchers as excluded
from compiler.model.selector_labels import metric_matcher_problems, service_label_problems
from compiler.model.service_dashboards import service_dashboards
from compiler.model.sli_kinds import gauge_names, histogram_names
from compiler.model.symptoms import cover_symptoms, sli_aggregation_problems
from compiler.model.targets_text import exact_targets, targets_text_problems, widened_target_warnings
from compiler.model.team_claims import claim_problem
from compiler.model.team_totals import platform_limits
from compiler.model.teams import (
    fallback_route,
    inline_receiver_prefix,
    reserved_team_problem,
    route_problem,
    team_problem,
)
from compiler.model.text_secrets import text_problems
from compiler.model.threshold_lines import threshold_lines
from compiler.model.types import (
    Aggregation,
    AlertmanagerBase,
    BusinessHours,
    Integration,
    Metric,
    MetricType,
    Platform,
    Receiver,
    Route,
    Service,
    Team,
    Tier,
    TimeRange,
)
from compiler.model.unbounded_groups import group_label_lines
from compiler.model.unscraped_defaults import unscraped_defaults
from compiler.model.unsure import EVERYTHING_KNOWN, Unsure
from compiler.spec.document import Document, Path

_DEFAULT_TYPES = dict.fromkeys(("cpu", "memory", "disk", "build_info"), MetricType.GAUGE)
_DEFAULT_TYPES |= {"requests": MetricType.COUNTER, "errors": MetricType.COUNTER, "latency": MetricType.HISTOGRAM}


Defaults = Layer  # the platform's defaults, as build_platform returns them for build_service


# ---------------------------------------------------------------- platform


def build_platform(
    doc: Document | None, diagnostics: list[Diagnostic], unsure: Unsure = EVERYTHING_KNOWN
) -> tuple[Platform, list[Receiver], Layer]:
    ctx = Ctx(doc, diagnostics)
    data: dict[str, Any] = doc.data if doc else {}
    am = data.get("alertmanager") or {}
    am_global = judged_global(am.get("global") or {}, unsure.alertmanager_global_left_out())
    policy, problems = platform_policy(data, doc.file if doc else "", unsure.secrets(), doc.real_folder if doc else "")
    values = [*global_setting_problems(am_global), *platform_value_problems(data), *text_problems(data, platform=True)]
    for where, message in [*problems, *values]:
        ctx.error(where, message)
    platform_owner = Owner(None, policy)  # named receivers and defaults.routing: the platform's own
    receivers = []
    for name, body in sorted((data.get("receivers") or {}).items()):
        receivers.append(
            _receiver(name, body, conventions.PLATFORM_SCOPE, ctx, ("receivers", name), am_global, platform_owner)
        )
    teams = tuple(
        _team(name, body, ctx, receivers, am_global, Owner(name, policy))
        for name, body in sorted((data.get("teams") or {}).items())
    )
    platform = Platform(
        runbook_url=str(data.get("runbook_url", "{path}")),
        grafana_url=str(data.get("grafana_url", "")).rstrip("/"),
        teams=teams,
        receiver_names=tuple(sorted(str(name) for name in data.get("receivers") or {})),
        named_receivers=tuple(r for r in receivers if r.scope == conventions.PLATFORM_SCOPE),  # not the teams'
        alertmanager=AlertmanagerBase(
            default_receiver=str(am.get("default_receiver", "")),
            templates=tuple(str(t) for t in am.get("templates") or ()),
            global_settings=tuple(sorted((str(k), v) for k, v in (am.get("global") or {}).items())),
            send_resolved=tuple(sorted((str(k), bool(v)) for k, v in (am.get("send_resolved") or {}).items())),
        ),
        standard_dashboards=tuple(sorted((str(k), str(v)) for k, v in (data.get("standard_dashboards") or {}).items())),
        standard_dashboard_locations=ctx.entries_located(("standard_dashboards",)),
        location=ctx.loc(()),
        output_format=(data.get("output") or {}).get("format"),
        output_format_location=ctx.loc(("output", "format")),
        mimir_namespace=str((data.get("output") or {}).get("mimir_namespace", "{service}")),
        mimir_reserved_namespaces=tuple(map(str, (data.get("output") or {}).get("mimir_reserved_namespaces") or ())),
        runbook_url_location=ctx.loc(("runbook_url",)),
        **platform_limits(data.get("limits") or {}, ctx.loc),
        evaluation_seconds=declared_evaluation_seconds((data.get("defaults") or {}).get("slo_alerts") or {}),
    )
    defaults = Layer(data.get("defaults") or {}, ctx, ("defaults",))
    check_platform_slo_alerts(defaults)
    check_windows_against_scrapes(defaults)
    platform_routes = _routes(
        defaults.data.get("routing") or {},
        conventions.PLATFORM_SCOPE,
        ctx,
        ("defaults", "routing"),
        receivers,
        am_global,
        platform_owner,
    )
    # Platform-wide routes are held as a pseudo team "" so service resolution is one lookup chain.
    platform = dataclasses.replace(platform, teams=(*teams, Team(name="", routes=platform_routes)), secrets=policy)
    for where, message in platform_route_problems(platform, receivers, unsure):  # undefined, another team's
        ctx.error(where, message)
    for where, message in platform_destination_problems(platform, receivers):  # another team's, by another name
        ctx.error(where, message)
    return platform, receivers, defaults


def _team(
    name: str, body: Mapping[str, Any], ctx: Ctx, receivers: list[Receiver], am_global: Mapping[str, Any], owner: Owner
) -> Team:
    path: Path = ("teams", name)
    for problem in (operator_secret_clash(name, owner.policy), reserved_team_problem(name)):
        if problem:
            ctx.error(path, problem, key=True)
    hours = body.get("business_hours")
    if hours:
        for where, message in business_hours_problems(hours):
            ctx.error((*path, "business_hours", *where), message)
    before = len(receivers)  # _routes appends the team's inline receivers
    routes = _routes(
        body.get("routing") or {}, conventions.team_scope(name), ctx, (*path, "routing"), receivers, am_global, owner
    )
    return Team(
        name=name,
        routes=routes,
        inline_receivers=tuple(receivers[before:]),
        business_hours=BusinessHours(
            weekdays=tuple(hours["weekdays"]),
            times=tuple(TimeRange(t["start"], t["end"]) for t in hours["times"]),
            location=str(hours.get("location", "UTC")),
        )
        if hours
        else None,
        links=tuple(sorted((body.get("links") or {}).items())),
        location=ctx.loc(path, key=True),
        slack_channels=tuple(str(c) for c in body.get("slack_channels") or ()),
    )


def _receiver(
    name: str, body: Mapping[str, Any], scope: str, ctx: Ctx, path: Path, am_global: Mapping[str, Any], owner: Owner
) -> Receiver:
    integrations = tuple(
        Integration(kind, tuple(sorted((str(k), v) for k, v in settings.items())))
        for kind, settings in sorted(body.items())
    )
    receiver = Receiver(name, integrations, scope, ctx.loc(path, key=True), path)
    for setting, message in receiver_problems(receiver, am_global):
        ctx.error((*path, *setting), message)
    for where, message in secret_problems(body, owner):  # whose secret files, which URLs
        ctx.error((*path, *where), message)
    return receiver


def _routes(
    routing: Mapping[str, Any],
    prefix: str,
    ctx: Ctx,
    path: Path,
    receivers: list[Receiver],
    am_global: Mapping[str, Any],
    owner: Owner,
) -> tuple[Route, ...]:
    """Tier → receiver. Inline receivers are named `<prefix>-<tier>` and added to `receivers`."""
    routes = []
    for tier in Tier:
        value = routing.get(tier.value)
        if value is None:
            continue
        where = (*path, tier.value)
        if isinstance(value, str):
            routes.append(Route(tier, value, ctx.loc(where), where))
        else:
            name = conventions.receiver_name(prefix, tier.value)
            receivers.append(_receiver(name, value, prefix, ctx, where, am_global, owner))
            routes.append(Route(tier, name, ctx.loc(where), where))
    return tuple(routes)


# ---------------------------------------------------------------- service


def build_service(
    doc: Document,
    platform: Platform,
    defaults: Layer,
    receivers: list[Receiver],
    diagnostics: list[Diagnostic],
    unsure: Unsure = EVERYTHING_KNOWN,
    partial: bool = False,
) -> Service | None:
    """The service of `doc`; None if it has problems, unless `partial` (then built from its sound parts, for
    the fleet-wide checks). Checks that need a part `unsure` says was left out are skipped."""
    ctx = Ctx(doc, diagnostics, left_out=unsure.metric)
    # defaults read again per service (maybe in a forked worker): their problems join this list; repeats dropped
    defaults = Layer(defaults.data, Ctx(defaults.ctx.doc, diagnostics), defaults.base)
    data: dict[str, Any] = doc.data
    before = len(diagnostics)
    problem = team_problem(str(data["team"]), platform)
    if problem and not unsure.team(str(data["team"])):
        ctx.error(("team",), problem)
    for key, message in selector_value_problems(data["selector"]):
        ctx.error(("selector", key), message)
    written = data.get("targets")
    for key, message in selector_value_problems(exact_targets(written), "targets"):  # a pattern, a control character
        ctx.error(("targets", key) if isinstance(written, dict) else ("targets",), message)
    for message in targets_text_problems(written) if isinstance(written, str) else ():
        ctx.error(("targets",), message)
    problems, refused = service_label_problems(data)
    for where, message, at_key in problems:
        ctx.error(where, message, key=at_key)
    selector = matchers_from_labels({str(k): str(v) for k, v in data["selector"].items() if str(k) not in refused})
    if oversized_queries(data, defaults, ctx):  # the readers below walk trees recursively: refused first
        return None
    metrics, fleet = _metrics(data, defaults, selector, ctx, unsure), fleet_target_labels(defaults.data)
    targets, unknown = build_targets(data, selector, fleet)
    slos = build_slos(data, defaults, metrics, ctx, selector)
    check_promql(data, defaults, metrics, ctx)  # every free PromQL expression, located
    for path, message in [*raw_sli_problems(data, selector), *relay_problems(data)]:
        ctx.error(path, message)
    for path, message in [*sli_aggregation_problems(slos), *own_up_slice_problems(slos, targets)]:
        ctx.error(path, message)
    key_alerts = build_key_alerts(data, defaults, metrics, ctx, bool(targets) or unknown)
    target_problems(data, selector, (targets, unknown), [s.sli.kind for s in slos], key_alerts, ctx, fleet)
    thresholds = build_threshold_alerts(data, metrics, ctx, defaults)
    slos, key_alerts, threshold_alerts = label_incidents(slos, cover_symptoms(key_alerts, slos, metrics), thresholds)
    tier_labels = build_tier_labels(data, defaults, ctx)
    for key, message in label_problems(data.get("labels") or {}):  # as for tier and SLO labels: never overridden
        ctx.error(("labels", key), message, key=True)
    copied = [*alert_text_problems(data, defaults), *matcher_text_problems(data), *group_text_problems(data)]
    for where, message in copied:  # copied onto every alert, rule and test case
        ctx.error(where, message)
    # a misspelt team's receivers judged as that team's were two follow-on errors (secret file, Slack channel)
    misspelt = bool(problem and "did you mean" in problem and not unsure.team(str(data["team"])))
    routes = _service_routes(data, platform, receivers, Ctx(doc, []) if misspelt else ctx, unsure)
    # team: proven by the spec's folder, and by the folders of the symlinks it is read through
    claim = claim_problem(doc.file, doc.real_file, data["team"], platform.secrets, doc.link_folders)
    if claim and not unsure.secrets():
        ctx.error(("team",), claim)
    clash = operator_secret_clash(str(data["team"]), platform.secrets)
    if clash and not unsure.secrets():
        ctx.error(("team",), clash)
    for where, message in [*link_problems(data.get("links") or {}, ("links",)), *text_problems(data, platform=False)]:
        ctx.error(where, message)
    dashboards = service_dashboards(data, defaults, platform, ctx, unsure)
    if len(diagnostics) > before and not partial:
        return None
    return Service(
        name=data["service"],
        team=data["team"],
        description=str(data.get("description", "")).strip(),
        selector=selector,
        links=tuple(sorted((data.get("links") or {}).items())),
        metrics=tuple(sorted(metrics.values(), key=lambda m: m.name)),
        slos=tuple(slos),
        key_alerts=tuple(key_alerts),
        routes=routes,
        dashboards=dashboards,
        labels=tuple(sorted((data.get("labels") or {}).items())),
        location=ctx.loc(("service",)),
        targets=targets,
        relayed="targets_via" in data,
        relay=named_relay(data, ctx, defaults),
        targets_guess=(
            *guessed_targets_warnings(data, selector, targets, ctx, fleet),
            *widened_target_warnings(metrics.values(), targets),
        ),
        fleet_target_labels=None if fleet is None else tuple(sorted(fleet)),
        sparse_lines=(
            *threshold_lines(data, thresholds, ctx),
            *pushed_counter_lines(data, selector, metrics.values(), slos, ctx),
        ),
        group_labels=group_label_lines(data, selector, slos, threshold_alerts, ctx),
        threshold_alerts=threshold_alerts,
        tier_labels=tier_labels,
    )


def _metrics(data: Mapping[str, Any], defaults: Layer, selector: Any, ctx: Ctx, unsure: Unsure) -> dict[str, Metric]:
    merged: dict[str, tuple[Any, Ctx, Path]] = {}
    inherited = defaults.data.get("metrics") or {}
    ctx.unapplied.update(unapplied_defaults(data, inherited))  # a prober's selector: the prober's own series
    ctx.unapplied.update(unscraped_defaults(data, inherited))  # targets: false: no `up` to join on
    for name, value in inherited.items():
        if name not in ctx.unapplied:
            merged[name] = (value, defaults.ctx, (*defaults.base, "metrics", name))
    for name, value in (data.get("metrics") or {}).items():
        merged[name] = (value, ctx, ("metrics", name))
    out: dict[str, Metric] = {}
    counted, gauges, histograms = slo_build.ratio_counter_names(data), gauge_names(data), histogram_names(data)
    for name, (value, where, path) in sorted(merged.items()):
        body = metric_body(name, value)
        gauged = name in gauges and not named_like_counter(body)  # a `_total` stays a counter; two roles: metric_ref
        bucketed = name in histograms and name not in counted and not gauged and not named_like_counter(body)
        implied = "histogram" if bucketed else "counter" if "selector" in body and not gauged else "gauge"
        mtype = MetricType(body.get("type", _DEFAULT_TYPES.get(name, implied)))
        typed = name in counted or gauged or bucketed or unsure.sli_types(name)  # an SLO left out may type it
        counted_only = name in counted and not gauged and not bucketed  # a ratio SLI's counter, nothing else
        problems, declared = metric_option_problems(name, body, mtype, typed, counted_only), "aggregation" in body
        for key, message in problems:
            where.error((*path, key) if key else path, message)
        # left out once checked: its readers skip it (Ctx.defines_metric), so one missing `type:` is one error; a
        # platform metric and a well-known name (requests: the key alerts ask for it by name) are kept
        unsaid = where is ctx and name not in _DEFAULT_TYPES and type_unsaid(name, body, typed, counted_only)
        own = service_matchers(body, selector, where, path)
        if problems or own is None:  # reported; build the metric as if unset so references to it still resolve
            body = {k: v for k, v in body.items() if k not in ("aggregation", "service_selector")}
            own = selector
        metric_selector: Selector | None = None
        expr: str | None = None
        if "selector" in body:
            try:
                written = parse_selector(body["selector"])
            except ValueError as exc:
                where.error(path, str(exc))
                ctx.unbuilt.add(name)  # its references are not "not defined" too
                continue
            refused = metric_matcher_problems(written.matchers, mtype is MetricType.HISTOGRAM)
            for message in refused + excluded(written.matchers, own, name, str(data.get("service"))):
                where.error(path, message)
            metric_selector = written.with_matchers(own)
        else:
            expr = expand(per_second(body["expr"]) if mtype is MetricType.COUNTER else body["expr"], selector)
            for message in empty_selector_problems(expr):  # with the service's matchers: `{$selector,job="x"}`
                where.error((*path, "expr"), message)
        if name == "latency" and mtype != MetricType.HISTOGRAM:
            where.error(path, "latency must be a histogram (its _bucket and _count series are read)")
        if "buckets" in body and mtype != MetricType.HISTOGRAM and not unsaid:
            where.error((*path, "buckets"), f"buckets are for histograms; {name!r} is a {mtype.value}")
        series_name = metric_selector.metric if metric_selector else ""
        if unsaid:
            continue
        out[name] = Metric(
            name=name,
            type=mtype,
            selector=metric_selector,
            expr=expr,
            unit=read_unit(body, mtype),
            title=str(body.get("title", "")),
            aggregation=Aggregation(
                body.get("aggregation", default_aggregation(name, series_name, mtype, read_unit(body, mtype)))
            ),
            location=where.loc(path),
            buckets=tuple(sorted({Decimal(repr(b)) for b in body.get("buckets") or ()})),
            aggregation_declared=declared,
        )
    return out


def _service_routes(
    data: Mapping[str, Any], platform: Platform, receivers: list[Receiver], ctx: Ctx, unsure: Unsure
) -> tuple[Route, ...]:
    am_global = dict(platform.alertmanager.global_settings)
    owner = Owner(data["team"], platform.secrets)  # a spec's receivers use its own team's secrets only
    # Inline receivers are judged against the platform's secrets and global settings: not if those were left out.
    judge = Ctx(ctx.doc, []) if unsure.receiver_settings() else ctx
    prefix = inline_receiver_prefix(data["service"], platform)
    own = _routes(data.get("routing") or {}, prefix, judge, ("routing",), receivers, am_global, owner)
    if not unsure.team(data["team"]):  # its slack_channels and routing may be in the part left out
        for where, message in spec_receiver_problems(data.get("routing") or {}, data["team"], platform):
            judge.error(where, message)
    team = platform.team(data["team"]) or Team(data["team"])
    resolved: list[Route] = []
    for tier in Tier:
        route = next((r for r in own if r.tier == tier), None) or fallback_route(platform, team.name, tier)
        problem = route_problem(platform, team, tier, route)
        if problem and unsure.route(team.name, tier.value):
            problem = None  # its receiver may be in a part of the input that failed the schema: already reported
        if problem:  # at the spec's routing, or its team where it writes none (not at line 1)
            ctx.error(("routing",) if "routing" in data else ("team",), problem)
        elif route is not None:
            resolved.append(route)
    return tuple(resolved)
