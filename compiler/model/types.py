"""The model: frozen, typed, fully defaulted. Targets read only this, never raw spec dicts."""

from __future__ import annotations

import functools
from dataclasses import dataclass, field
from decimal import Decimal
from enum import StrEnum

from compiler.errors import NOWHERE, Diagnostic, Location
from compiler.model.promql import Matcher, Selector
from compiler.model.relay_names import NamedRelay
from compiler.model.units import decimal_text, format_duration


class Tier(StrEnum):
    """Alert severity tiers, most urgent first; the value is the `severity` label."""

    CRITICAL = "critical"  # page now
    WARNING = "warning"  # review soon (ticket)
    INFO = "info"  # review daily

    @property
    def rank(self) -> int:
        return _TIER_RANKS[self]


_TIER_RANKS = {tier: i for i, tier in enumerate(Tier)}  # asked for per alert, panel and route: a lookup


class MetricType(StrEnum):
    COUNTER = "counter"
    GAUGE = "gauge"
    HISTOGRAM = "histogram"


class Aggregation(StrEnum):
    """How a metric's series (instances, partitions...) combine into one line: the PromQL aggregator."""

    SUM = "sum"
    MAX = "max"
    MIN = "min"
    AVG = "avg"


@dataclass(frozen=True)
class Metric:
    """A metric named once in the spec. Either a selector (service matchers added) or free PromQL."""

    name: str
    type: MetricType
    selector: Selector | None = None
    expr: str | None = None  # `$selector`/`$window` already expanded except `$window`
    unit: str = ""
    title: str = ""
    aggregation: Aggregation = Aggregation.SUM
    location: Location = NOWHERE
    buckets: tuple[Decimal, ...] = ()  # a histogram's declared `le` boundaries (seconds); () = not declared
    aggregation_declared: bool = False  # the spec wrote `aggregation` (else a default by name and type)

    @property
    def is_business(self) -> bool:
        return self.name not in WELL_KNOWN_METRICS


WELL_KNOWN_METRICS = ("requests", "errors", "latency", "cpu", "memory", "disk", "build_info")


class SliKind(StrEnum):
    RATIO = "ratio"  # errors/total or good/total over counters
    LATENCY = "latency"  # histogram bucket at a threshold / histogram count
    RAW = "raw"  # free PromQL rates of bad and total events over $window
    ERROR_RATIO = "error_ratio"  # raw: one PromQL expression giving the error ratio over $window
    TIME_SLICE = "time_slice"  # share of evaluation slices in which a PromQL condition holds
    FRESHNESS = "freshness"  # time slices in which a last-success timestamp is younger than max_age


@dataclass(frozen=True)
class Sli:
    kind: SliKind
    total: Metric | None = None  # ratio
    errors: Metric | None = None  # ratio, bad events
    good: Metric | None = None  # ratio, good events
    latency: Metric | None = None  # latency: the histogram
    threshold_seconds: Decimal | None = None  # latency
    threshold_le: Decimal | None = None  # latency: the threshold bucket's `le` in the histogram's unit (1s: "1000" ms)
    scrape_seconds: int = 60  # latency: the platform's scrape interval, the bucket check counts its scrapes
    raw_errors: str | None = None  # raw: PromQL over $window, service selector expanded
    raw_total: str | None = None
    raw_per_window: bool = False  # raw `per: window`: the queries count events per window (model/raw_windows.py)
    raw_idle_while: str | None = None  # raw `idle_while`: present while the source reports, traffic or not
    error_ratio: str | None = None  # error_ratio: PromQL over $window, service selector expanded
    # time_slice / freshness: a slice is good when `<gauge aggregated> <op> <value>` holds (freshness: the
    # gauge is a last-success timestamp, the condition `time() - max(gauge) <= max_age`)
    gauge: Metric | None = None
    op: str = ""
    value: Decimal | None = None
    stale_tier: Tier | None = None  # freshness: the tier of the stale alert; None = no stale alert


@dataclass(frozen=True)
class SloAlerting:
    critical: bool = True
    warning: bool = True
    info: bool = True
    budget_left: Decimal = Decimal("0.25")  # info alert when less than this share of budget is left


@dataclass(frozen=True)
class BurnWindow:
    """One multiwindow alert condition: both windows must burn faster than the factor (a short window with no
    events at all counts as burning when the newest events did: no events is no recovery, see
    targets/prometheus/slo.py).

    The factor is either fixed or a share of the period's budget spent within the long window
    (share × period / long window), so it grows with the period (see burnrate.py, windows.yaml)."""

    tier: Tier
    name: str  # fast / medium / slow / slowest: stable label value `burn_window`
    long_seconds: int
    short_seconds: int
    budget_share: Decimal | None = None
    fixed_factor: Decimal | None = None
    for_seconds: int = 0  # how long both windows must burn before the alert fires
    keep_firing_seconds: int = 0  # how long the alert stays after the condition stops (no ticket gap)
    # the catalog row's own keep_firing_for, before `bridged` raised it for the tier's other pairs (None: as
    # keep_firing_seconds); a tier left with fewer pairs is bridged again from it
    keep_firing_floor_seconds: int | None = None

    @property
    def long(self) -> str:
        return format_duration(self.long_seconds)

    @property
    def short(self) -> str:
        return format_duration(self.short_seconds)

    def factor(self, period_seconds: int) -> Decimal:
        """Burn rate (multiple of the budget) above which the pair fires."""
        if self.fixed_factor is not None:
            return self.fixed_factor
        assert self.budget_share is not None
        return self.budget_share * Decimal(period_seconds) / Decimal(self.long_seconds)

    def factor_text(self, period_seconds: int) -> str:
        """Factor rounded for humans and PromQL (13.44, 0.9333): exact to 1e-10 of a burn unit."""
        return _factor_text(self, period_seconds)

    def budget_spent(self, period_seconds: int) -> Decimal:
        """Share of the period's budget a burn at the factor spends within the long window."""
        return self.factor(period_seconds) * Decimal(self.long_seconds) / Decimal(period_seconds)


# Every alert, test case, runbook and panel of every SLO asks for the same few factors: remember them.
@functools.lru_cache(maxsize=1024)
def _factor_text(window: BurnWindow, period_seconds: int) -> str:
    return decimal_text(round(window.factor(period_seconds), 10))


@dataclass(frozen=True)
class Slo:
    name: str
    objective: Decimal  # percent, e.g. Decimal("99.9")
    period_seconds: int
    sli: Sli
    alerting: SloAlerting
    description: str = ""
    min_bad_events: int = 0  # burn alerts need at least this many bad events in their long window
    slice_seconds: int = 60  # one time slice (time-slice, freshness SLIs): model/scrape_windows.slice_seconds
    location: Location = NOWHERE
    windows: tuple[BurnWindow, ...] = ()  # the burn-rate catalog of the SLO's period, every tier
    left_out: tuple[Diagnostic, ...] = ()  # pairs no total outage reaches, left out (model/reachable_pairs.py)
    window_means: tuple[Diagnostic, ...] = ()  # raw queries read otherwise than written (window_mean.py)
    labels: tuple[tuple[str, str], ...] = ()  # extra labels on this SLO's alerts (never obsc's own)
    annotations: tuple[tuple[str, str], ...] = ()  # extra annotations on this SLO's alerts (never obsc's own)
    by: tuple[str, ...] = ()  # group labels (`by:`): one error ratio, burn alert and budget per value; () = one SLO
    incident: str | None = None  # the SLO naming the group shared with SLOs of the same failures; None: alone

    # Computed once per SLO (frozen model: cached_property writes the instance dict): asked ~300 times per SLO.
    @functools.cached_property
    def objective_ratio(self) -> Decimal:
        return self.objective / 100

    @functools.cached_property
    def error_budget(self) -> Decimal:
        """Share of events allowed to fail: 99.9 → 0.001, exactly."""
        return (Decimal(100) - self.objective) / 100


class AlertKind(StrEnum):
    """Key-metric alerts a spec can tune; the value is the spec key under `alerts:`."""

    ERROR_RATE = "error_rate"
    LATENCY_P99 = "latency_p99"
    SERVICE_DOWN = "service_down"
    CPU = "cpu"
    MEMORY = "memory"
    DISK = "disk"
    DISK_FULL = "disk_full"
    TRAFFIC_ANOMALY = "traffic_anomaly"
    DEPLOYMENT = "deployment"
    NEW_ERROR_TYPE = "new_error_type"
    TRAFFIC_MILESTONE = "traffic_milestone"


class ThresholdType(StrEnum):
    RATIO = "ratio"  # written as a percentage, held as a ratio (2% → 0.02)
    DURATION = "duration"  # seconds
    FLAG = "flag"  # on/off, no threshold
    NUMBER = "number"


@dataclass(frozen=True)
class KeyAlert:
    """One enabled key-metric alert at one tier, with its resolved threshold."""

    kind: AlertKind
    tier: Tier
    threshold: Decimal | None  # None for FLAG kinds
    for_seconds: int
    location: Location = NOWHERE
    slo: str | None = None  # the SLO whose symptom it measures: it carries that `slo` label
    incident: str | None = None  # that SLO's shared incident, if it has one (Slo.incident)
    demoted: bool = False  # written as critical; a ticket because the SLO pages for the same symptom
    # the page kept beside a demoted p99 for the series the latency SLO cannot see (no threshold bucket)
    while_blind: bool = False
    # a saturation signal with no series fires its missing-data twin (`missing: alert`, saturation_twins.py)
    missing_fires: bool = True
    # where its line and its hold were written (`location` is the tier's last writer: a spec's `{for: 10m}` alone
    # keeps the platform's line); `<defaults>` for the built-in table
    line_location: Location = NOWHERE
    for_location: Location = NOWHERE


class Comparison(StrEnum):
    """How a threshold alert compares its metric: `within` reads a Unix timestamp as time left until it."""

    ABOVE = "above"
    BELOW = "below"
    WITHIN = "within"


@dataclass(frozen=True)
class ThresholdAlert:
    """A spec's own alert on a named metric (`threshold_alerts:`): value vs threshold, held for `for`.

    The threshold is in the metric's base unit: per second for counters (compared with their 5m rate),
    seconds of time left for `within`, a 0-1 ratio for `percentunit`, bytes for byte units."""

    name: str
    metric: Metric
    comparison: Comparison
    threshold: Decimal
    threshold_text: str  # as the spec wrote it, for humans: 1000, 14d, 80%, 2GiB, 10/m
    for_seconds: int
    tier: Tier
    by: tuple[str, ...] = ()  # one alert per value of these labels
    summary: str = ""
    description: str = ""
    missing_fires: bool = True  # no series at all for max(for, 10m) fires the alert too (missing: alert)
    labels: tuple[tuple[str, str], ...] = ()
    location: Location = NOWHERE
    # an alert over an SLO's own errors: that SLO's `slo` (and incident), so its page rings in the SLO's page's group
    slo: str | None = None
    incident: str | None = None


@dataclass(frozen=True)
class Integration:
    """One notifier of a receiver: kind (pagerduty, slack...) and its settings, sorted."""

    kind: str
    settings: tuple[tuple[str, str | int], ...]

    def get(self, key: str) -> str | int | None:
        return dict(self.settings).get(key)


@dataclass(frozen=True)
class Receiver:
    """A named set of integrations. `scope` says who defined it: platform, team or service."""

    name: str
    integrations: tuple[Integration, ...]
    scope: str
    location: Location = NOWHERE
    path: tuple[str | int, ...] = field(default=(), compare=False)  # where it is written in its file


@dataclass(frozen=True)
class Route:
    tier: Tier
    receiver: str  # receiver name; resolved against Fleet.receivers
    location: Location = NOWHERE
    path: tuple[str | int, ...] = ()  # where the reference is written in its file (service spec or platform)


@dataclass(frozen=True)
class TimeRange:
    start: str  # HH:MM
    end: str


@dataclass(frozen=True)
class BusinessHours:
    weekdays: tuple[str, ...]
    times: tuple[TimeRange, ...]
    location: str = "UTC"


@dataclass(frozen=True)
class Team:
    name: str
    routes: tuple[Route, ...] = ()
    business_hours: BusinessHours | None = None
    links: tuple[tuple[str, str], ...] = ()
    location: Location = NOWHERE  # the team's key under teams: in the platform file
    slack_channels: tuple[str, ...] = ()  # where its specs may post through the platform's Slack URL
    inline_receivers: tuple[Receiver, ...] = ()  # written in teams.<team>.routing: where the platform sends it


@dataclass(frozen=True)
class Service:
    name: str
    team: str
    description: str
    selector: tuple[Matcher, ...]
    links: tuple[tuple[str, str], ...]
    metrics: tuple[Metric, ...]
    slos: tuple[Slo, ...]
    key_alerts: tuple[KeyAlert, ...]
    routes: tuple[Route, ...]  # one per tier, after team and platform fallbacks
    dashboards: tuple[str, ...]
    labels: tuple[tuple[str, str], ...] = ()
    location: Location = NOWHERE
    # Labels of the scrape targets (`up`) apart from the selector; () when nothing is scraped: no ServiceDown.
    targets: tuple[Matcher, ...] = ()
    # `targets_via:`: its targets are a relay's, whose `up` stays 1 when it dies (SLOTrafficStopped: stopped_traffic.py)
    relayed: bool = False
    relay: NamedRelay | None = None  # `relay:`: the fleet's service relaying it, paging for it (model/relays.py)
    threshold_alerts: tuple[ThresholdAlert, ...] = ()
    tier_labels: tuple[tuple[Tier, tuple[tuple[str, str], ...]], ...] = ()  # extra labels per severity
    # selector labels the guessed `targets` left out, each a located warning (model/build_targets.py)
    targets_guess: tuple[Diagnostic, ...] = ()
    # the platform's `defaults.target_labels` (sorted), on its targets' `up` besides job and instance; None: unsaid
    fleet_target_labels: tuple[str, ...] | None = None
    # lines that fire or stay quiet by accident, each a located warning: counter lines under a few events a day
    # (model/sparse_counter_lines.py), `within:` on a past event's time, an SLO rating pushed counters
    sparse_lines: tuple[Diagnostic, ...] = ()
    group_labels: tuple[Diagnostic, ...] = ()  # `by:` labels pinned to one value or with no bound (warnings)

    def metric(self, name: str) -> Metric | None:
        # Asked ~35 times per service: the metrics by name (the first of a name), kept in the instance dict
        by_name: dict[str, Metric] | None = self.__dict__.get("_metrics_by_name")
        if by_name is None:
            by_name = {}
            for m in self.metrics:
                by_name.setdefault(m.name, m)
            self.__dict__["_metrics_by_name"] = by_name
        return by_name.get(name)

    def route(self, tier: Tier) -> Route | None:
        return next((r for r in self.routes if r.tier == tier), None)


@dataclass(frozen=True)
class AlertmanagerBase:
    default_receiver: str = ""
    templates: tuple[str, ...] = ()
    global_settings: tuple[tuple[str, str | bool], ...] = ()
    send_resolved: tuple[tuple[str, bool], ...] = ()  # tier → send_resolved, as the platform overrides it


@dataclass(frozen=True)
class SecretPolicy:
    """Where secret files may live (platform `secrets:`) and where receivers may send (URL prefixes, e-mail domains).

    Roots are normalised and end with '/'; "" means not declared (then no secret file is usable).
    """

    team_root: str = ""  # contains {team}: a spec of team T reads only below it with T filled in
    shared_root: str = ""  # only the platform's own receivers (named, defaults.routing, global)
    url_prefixes: tuple[str, ...] = ()  # empty: any URL without credentials
    email_domains: tuple[str, ...] = ()  # empty: any e-mail domain
    team_spec_dir: str = ""  # relative to the platform file, with {team}: where team T's specs must live
    platform_file: str = ""  # for messages that say what to add where
    platform_real_folder: str = ""  # the real path of the folder it was found in (the loader's): team_spec_dir's base
    roots_unknown: bool = False  # a root refused or `secrets:` misspelt (its own error): files go unjudged


@dataclass(frozen=True)
class Platform:
    runbook_url: str = "{path}"  # {path} is relative to the output directory
    grafana_url: str = ""
    teams: tuple[Team, ...] = ()
    receiver_names: tuple[str, ...] = ()  # the names under `receivers:`: a spec's inline receivers keep off them
    named_receivers: tuple[Receiver, ...] = ()  # those receivers: whose a destination is (model/destinations.py)
    alertmanager: AlertmanagerBase = field(default_factory=AlertmanagerBase)
    standard_dashboards: tuple[tuple[str, str], ...] = ()  # name → jsonnet file (as given)
    standard_dashboard_locations: tuple[tuple[str, Location], ...] = ()  # name → where its file is named
    location: Location = NOWHERE
    secrets: SecretPolicy = field(default_factory=SecretPolicy)
    output_format: str | None = None  # `output: {format:}`: the layout the fleet's output must have
    output_format_location: Location = NOWHERE
    mimir_namespace: str = "{service}"  # `output: {mimir_namespace:}`: each service's ruler namespace
    mimir_reserved_namespaces: tuple[str, ...] = ()  # `output: {mimir_reserved_namespaces:}`: held for others
    runbook_url_location: Location = NOWHERE
    team_slos: int | None = None  # `limits: {team_slos:}`: the most SLOs one team's specs hold in all
    team_slos_location: Location = NOWHERE
    team_services: int | None = None  # `limits: {team_services:}`: the most services one team's specs define
    team_services_location: Location = NOWHERE
    evaluation_seconds: int = 60  # `defaults.slo_alerts.evaluation_interval` (model/evaluation_interval.py)

    def team(self, name: str) -> Team | None:
        return self._teams_by_name.get(name)

    @functools.cached_property
    def _teams_by_name(self) -> dict[str, Team]:
        """Asked for per team and tier by routing's fallbacks: a scan of `teams` each time was O(teams²)."""
        by_name: dict[str, Team] = {}
        for team in self.teams:
            by_name.setdefault(team.name, team)  # the first of a name, as the scan found it
        return by_name


@dataclass(frozen=True)
class RenderedDashboard:
    """A platform standard dashboard evaluated for one service: the Jsonnet output, as JSON text.

    The pipeline evaluates the Jsonnet (file I/O stays in the loader) so the Grafana target stays pure.
    """

    service: str
    name: str  # the key under standard_dashboards
    source: str  # the Jsonnet file, for messages
    json_text: str


@dataclass(frozen=True)
class Fleet:
    """Everything compiled in one run: services sorted by name, the platform, every receiver."""

    services: tuple[Service, ...]
    platform: Platform
    receivers: tuple[Receiver, ...]
    rendered_dashboards: tuple[RenderedDashboard, ...] = ()  # platform standard dashboards, evaluated per service
    dashboard_warnings: tuple[Diagnostic, ...] = ()  # standard dashboards left out: no panel for the service

    def receiver(self, name: str) -> Receiver | None:
        return next((r for r in self.receivers if r.name == name), None)
