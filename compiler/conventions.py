"""Every generated name, defined once: alert names, record names, labels, groups, paths, UIDs.

Targets import names from here and nowhere else, so a rename is one edit and cross-links
(runbook_url, dashboard_url, routing tests) cannot drift apart.
"""

from __future__ import annotations

import functools
import hashlib

# ---- the names specs give (service, team, SLO): they become file names, URLs, label values, and with
# --format prometheus-operator Kubernetes object and Secret names, so they are DNS labels: lowercase letters,
# digits and '-', starting with a letter and not ending with '-' (`payments-` would be an invalid object name,
# and the operator's Secret names drop the '-', so it would read team `payments`' Secret).
# Nor a name Windows reserves for a device (CON, PRN, AUX, NUL, COM1-9, LPT1-9, whatever the extension): a
# service named `con` wrote prometheus/rules/con.yaml, which no Windows checkout of generated/ can hold.
WINDOWS_RESERVED = r"(?:con|prn|aux|nul|com[0-9]|lpt[0-9])"
NAME = rf"(?!{WINDOWS_RESERVED}(?![a-z0-9-]))[a-z](?:[a-z0-9-]{{0,61}}[a-z0-9])?"

# ---- labels every obsc alert carries
LABEL_SEVERITY = "severity"
LABEL_SERVICE = "service"
LABEL_TEAM = "team"
LABEL_SLO = "slo"
# the SLO whose notification group an alert joins, on SLOs that count the same failures as another (one page)
LABEL_INCIDENT = "incident"
LABEL_BURN_WINDOW = "burn_window"  # which window pair fired: fast / medium / slow / slowest
LABEL_ALERTNAME = "alertname"  # Prometheus sets it from the rule name
LABEL_ALERTSTATE = "alertstate"  # on ALERTS: pending or firing (Prometheus sets it)
LABEL_WINDOW = "window"  # on recording rules: the range they cover (5m, 1h, 30d...)
LABEL_DATA = "data"  # data="missing" on a threshold alert's no-series rule (its twin compares the value)
# On a ServiceDown of one group (region=eu down while us reports): the labels it is split by ("region")
LABEL_DOWN_GROUP = "down_group"
# On a relayed service's ServiceDown (`targets_via`): the relay's `up` it reads, whose outage it is (model/relays.py)
LABEL_RELAY = "relay"
# The labels obsc writes on its alerts, which routing and inhibition read: a spec or an import may not set them
# (an extra label, a threshold's `by:`, an SLO's `by:`). One list, so a label added here is refused everywhere
# (`by: [down_group]` was accepted when ServiceDown's group label came without a line in each copy).
ALERT_LABELS_OWNED = (
    LABEL_SEVERITY,
    LABEL_SERVICE,
    LABEL_TEAM,
    LABEL_SLO,
    LABEL_INCIDENT,
    LABEL_BURN_WINDOW,
    LABEL_DATA,
    LABEL_DOWN_GROUP,
    LABEL_RELAY,
    LABEL_ALERTNAME,
    LABEL_ALERTSTATE,
)

ANNOTATION_SUMMARY = "summary"
ANNOTATION_DESCRIPTION = "description"
ANNOTATION_RUNBOOK = "runbook_url"
ANNOTATION_DASHBOARD = "dashboard_url"
# The annotations obsc writes on every alert: a spec or an import may not set them.
ANNOTATIONS_OWNED = (ANNOTATION_SUMMARY, ANNOTATION_DESCRIPTION, ANNOTATION_RUNBOOK, ANNOTATION_DASHBOARD)

# Prometheus' series of every pending and firing alert (`alertstate`), which a burn pair reads to hold itself
ALERTS_SERIES = "ALERTS"

# ---- alert names: CamelCase, shared prefix per family so they sort and filter together
SLO_BURN_FAST = "SLOErrorBudgetBurnFast"  # critical: 1h/5m and 6h/30m windows
SLO_BURN_SLOW = "SLOErrorBudgetBurnSlow"  # warning: 1d/2h and 3d/6h windows
SLO_BUDGET_LOW = "SLOErrorBudgetLow"  # info
SLO_BUDGET_EXHAUSTED = "SLOErrorBudgetExhausted"  # info
SLO_DATA_MISSING = "SLODataMissing"  # warning: the SLI's series are gone while the service is up
SLO_FAILURES_UNSEEN = "SLOFailuresCounterUnseen"  # info: the failures counter never had a series (typo, no failure?)
SLO_FRESHNESS_STALE = "SLOFreshnessStale"  # freshness SLI: the last success is older than max_age
SLO_TRAFFIC_STOPPED = "SLOTrafficStopped"  # critical: a busy SLO's events stopped, where no `up` shows it

# Keyed by the spec key under `alerts:` (model.types.AlertKind's values): this bottom-floor module imports
# nothing of obsc, and every kind having a name is tested.
KEY_ALERT_NAMES: dict[str, str] = {
    "error_rate": "ServiceHighErrorRate",
    "latency_p99": "ServiceHighLatencyP99",
    "service_down": "ServiceDown",
    "cpu": "ServiceCPUSaturation",
    "memory": "ServiceMemorySaturation",
    "disk": "ServiceDiskSaturation",
    "disk_full": "ServiceDiskFillingUp",
    "traffic_anomaly": "ServiceUnusualTraffic",
    "deployment": "ServiceDeployed",
    "new_error_type": "ServiceNewErrorType",
    "traffic_milestone": "ServiceTrafficMilestone",
}

# ---- recording rules: level:metric:operations
RECORD_PREFIX_SLO = "slo"


def record_name(metric: str, operation: str) -> str:
    """`slo:sli_error:ratio_rate5m`-style names; level is always `slo` or `service`."""
    return f"{RECORD_PREFIX_SLO}:{metric}:{operation}"


# ---- output layout (paths relative to the output directory)
PROMETHEUS_DIR = "prometheus"
ALERTMANAGER_DIR = "alertmanager"
GRAFANA_DIR = "grafana"
RUNBOOK_DIR = "runbooks"
MANIFEST = ".obsc-manifest"
VALIDATION_RECORD = ".obsc-validated"  # which exact bytes passed promtool/amtool/lint (toolcheck/record.py)


def rule_group_name(service: str, part: str) -> str:
    return f"obsc-{service}-{part}"


# ---- Prometheus target: files, rule groups, recorded series beyond the SLO ones below
# Where any generated file lives. A manifest line elsewhere (`.git/HEAD`, `keep/a.txt`: a tampered or
# hand-edited manifest) names nothing obsc writes, so it is never pruned.
GENERATED_ROOTS = frozenset({PROMETHEUS_DIR, ALERTMANAGER_DIR, GRAFANA_DIR, RUNBOOK_DIR})


def may_be_generated(path: str) -> bool:
    """Whether obsc could have written `path` (relative, posix): below a generated root, no hidden part."""
    parts = path.split("/")
    return len(parts) > 1 and parts[0] in GENERATED_ROOTS and not any(p.startswith(".") for p in parts)


PROMETHEUS_RULES_DIR = f"{PROMETHEUS_DIR}/rules"  # plain rule files, one per service (the default layout)
PROMETHEUS_OPERATOR_DIR = f"{PROMETHEUS_DIR}/operator"  # PrometheusRule objects (--format prometheus-operator)
PROMETHEUS_MIMIR_DIR = f"{PROMETHEUS_DIR}/mimir"  # Mimir / Cortex ruler files (--format mimir)
PROMETHEUS_VMALERT_DIR = f"{PROMETHEUS_DIR}/vmalert"  # vmalert rule files (--format vmalert)
PROMETHEUS_TESTS_DIR = f"{PROMETHEUS_DIR}/tests"  # promtool unit tests; rule_files point at PROMETHEUS_RULES_DIR
RULE_DIRS = (PROMETHEUS_RULES_DIR, PROMETHEUS_OPERATOR_DIR, PROMETHEUS_MIMIR_DIR, PROMETHEUS_VMALERT_DIR)
RULE_GROUP_SLO = "slo"  # default interval: SLO windows up to 6h, metadata, page alerts
RULE_GROUP_KEY = "key"  # default interval: key-metric signals and alerts
RULE_GROUP_COARSE = "coarse"  # every few minutes: 1d / 3d / period windows and what reads them


def prometheus_rules_path(service: str, fmt: str = "prometheus") -> str:
    """Where a service's rules go in each layout (prometheus | prometheus-operator | mimir | vmalert)."""
    folder = {
        "prometheus-operator": PROMETHEUS_OPERATOR_DIR,
        "mimir": PROMETHEUS_MIMIR_DIR,
        "vmalert": PROMETHEUS_VMALERT_DIR,
    }.get(fmt, PROMETHEUS_RULES_DIR)
    return f"{folder}/{service}.yaml"


def promtool_test_path(service: str, part: str = "") -> str:
    """`<service>.test.yaml`; `part` names a second file with its own evaluation interval (`long`)."""
    suffix = f".{part}" if part else ""
    return f"{PROMETHEUS_TESTS_DIR}/{service}{suffix}.test.yaml"


def mimir_namespace(service: str, pattern: str = "{service}") -> str:
    """The service's Mimir/Cortex ruler namespace: the platform's `output.mimir_namespace` filled in."""
    return pattern.replace("{service}", service)


def prometheus_rule_object_name(service: str) -> str:
    """metadata.name of the service's PrometheusRule object."""
    return f"obsc-{service}"


def sli_errors_rate(window: str) -> str:
    """Rate of bad events over `window`, summed over the service: `slo:sli_errors:rate5m`."""
    return f"slo:sli_errors:rate{window}"


def sli_total_rate(window: str) -> str:
    """Rate of all events over `window`: `slo:sli_total:rate5m`."""
    return f"slo:sli_total:rate{window}"


# The coarse tier's own 5m rates, sampled every few minutes: 1d / 3d / period windows sum these.
SLI_ERRORS_COARSE = "slo:sli_errors:coarse_rate5m"
SLI_TOTAL_COARSE = "slo:sli_total:coarse_rate5m"
# When the coarse tier first recorded an SLO (or group) within its longest guarded window: the min_bad_events
# guard counts a window's events over the history it holds, not over the window's whole length.
SLI_COARSE_SINCE = "slo:sli_coarse:since_timestamp"
# A latency SLI's histogram series with requests and no threshold bucket now; each fast window reads it now and
# a window ago (queries.spanning_bucket_rate).
SLI_UNBUCKETED = "slo:sli_unbucketed:series"
# Time-slice SLIs: 1 in a bad evaluation, 0 in a good one (the windows average it; counts read it once a slice).
# Series that are 1 or 0 per target (a blackbox probe succeeded, a scrape target is up): their `avg` is the share
# of targets (probe locations) at 1, plotted as a percentage (grafana/rate_units.share_unit). kube-state-metrics'
# readiness is 1 or 0 per pod (and condition); an exporter's `<name>_up` says whether it reached what it watches.
ZERO_ONE_SERIES = ("probe_success", "up", "kube_pod_status_ready", "kube_pod_container_status_ready")
ZERO_ONE_SUFFIXES = ("_up",)
SLI_BAD_SLICE = "slo:sli_bad_slice:bool"


def sli_bad_slices(window: str) -> str:
    """Bad slices (one a scrape, at least 1m) of a time-slice SLI within `window`, the floor its burn alerts read:
    `slo:sli_bad_slices:count1h`."""
    return f"slo:sli_bad_slices:count{window}"


def sli_slices(window: str) -> str:
    """Slices (one a scrape, at least 1m) of a time-slice SLI in `window`, bad or good: how much a clean window shows
    (counted_short.py). `slo:sli_slices:count30m`."""
    return f"slo:sli_slices:count{window}"


SLI_BURST_OVER = "slo:sli_burst_over:bool"  # 1 where a held pair's burst is over (model/burst_windows.py)


# Service-level signals the key-metric alerts read (label `service` only).
SERVICE_REQUESTS_RATE = "service:requests:rate5m"
SERVICE_ERRORS_RATE = "service:errors:rate5m"
SERVICE_ERROR_RATIO = "service:errors:ratio_rate5m"
SERVICE_LATENCY_P99 = "service:latency_seconds:p99_rate5m"
# the latency N requests from the slowest of the 5m window (N: the key alerts' event floor): the p99 alert's evidence
SERVICE_LATENCY_EVIDENCE = "service:latency_seconds:evidence_rate5m"
SERVICE_CPU = "service:cpu_utilisation:ratio"
SERVICE_MEMORY = "service:memory_utilisation:ratio"
SERVICE_DISK = "service:disk_utilisation:ratio"
SERVICE_VERSIONS = "service:build_info:count_by_version"  # label `version`: instances per running version
SERVICE_ERROR_TYPES = "service:errors:group_by_type"  # labels the errors selector matches by regex (e.g. code)


def threshold_signal(metric: str, operation: str) -> str:
    """What a threshold alert compares, recorded once per (metric, aggregation, grouping): `service:lag:sum`.
    Operations start with an aggregation (sum, max, min, avg), which no key-metric signal's does."""
    return f"service:{metric}:{operation}"


def runbook_slug(alert: str, slo: str | None) -> str:
    return f"{alert}-{slo}" if slo else alert


def runbook_path(service: str, alert: str, slo: str | None) -> str:
    """One page per (service, SLO, alert name); tiers of the same alert share their page."""
    return f"{RUNBOOK_DIR}/{service}/{runbook_slug(alert, slo)}.md"


RUNBOOK_PLACEHOLDERS = ("{path}", "{service}", "{alert}", "{slug}")  # filled in this order; any other stays as written


def runbook_url(pattern: str, service: str, alert: str, slo: str | None) -> str:
    """Fill the platform's runbook URL pattern: {path}, {service}, {alert}, {slug}."""
    values = (runbook_path(service, alert, slo), service, alert, runbook_slug(alert, slo))
    for placeholder, value in zip(RUNBOOK_PLACEHOLDERS, values, strict=True):
        pattern = pattern.replace(placeholder, value)
    return pattern


@functools.lru_cache(maxsize=1 << 12)  # asked for by every alert's links and every runbook page
def dashboard_uid(service: str, dashboard: str) -> str:
    """Stable Grafana UID (≤ 40 chars): readable prefix + hash of service and dashboard name."""
    digest = hashlib.sha256(f"{service}/{dashboard}".encode()).hexdigest()[:10]
    return f"{service[:24]}-{digest}"


# ---- Alertmanager: receiver scopes, interval names, output files
PLATFORM_SCOPE = "platform"  # receivers inlined in platform defaults.routing


def team_scope(team: str) -> str:
    """Scope (and receiver-name prefix) of receivers inlined in a team's routing."""
    return f"team-{team}"


def receiver_name(scope: str, tier: str) -> str:
    """Name of a receiver written inline in routing: `<service>-critical`, `team-payments-warning`, `platform-info`."""
    return f"{scope}-{tier}"


ALERTMANAGER_CONFIG = f"{ALERTMANAGER_DIR}/alertmanager.yml"
ROUTING_TESTS = f"{ALERTMANAGER_DIR}/routing-tests.yaml"  # label set + expected receivers of every alert
ALERTMANAGER_TEMPLATE = f"{ALERTMANAGER_DIR}/templates/obsc.tmpl"  # notification content, listed in templates:
ALERTMANAGER_OPERATOR_DIR = f"{ALERTMANAGER_DIR}/operator"  # AlertmanagerConfig per team (--format prometheus-operator)
UNROUTED_RECEIVER = "obsc-unrouted"  # root receiver when the platform names no default_receiver (drops alerts)


def business_hours_interval(team: str) -> str:
    """Name of the team's business-hours time interval (warning/info notify only inside it)."""
    return f"{team}-business-hours"


def alertmanager_config_name(team: str) -> str:
    """metadata.name of the team's AlertmanagerConfig object."""
    return f"obsc-{team}"


# ---- recorded SLO series (written by the Prometheus target, read by dashboards and runbooks).
# Every series carries the labels `service` and `slo`; error ratios also `window`.
def sli_error_ratio(window: str) -> str:
    """Error ratio (bad / total events) over `window`, traffic-weighted: `slo:sli_error:ratio_rate5m`."""
    return f"slo:sli_error:ratio_rate{window}"


SLO_OBJECTIVE = "slo:objective:ratio"  # e.g. 0.999
SLO_ERROR_BUDGET = "slo:error_budget:ratio"  # 1 - objective, e.g. 0.001
SLO_PERIOD_SECONDS = "slo:period:seconds"
SLO_BUDGET_REMAINING = "slo:error_budget_remaining:ratio"  # 1 - period error ratio / budget (may go < 0)
# The error ratio over each SLO's own "now" window (burnrate.current_window: its fastest alert window's long
# range, the period without one), labelled with that `window`: the fleet overview reads every SLO through it,
# whatever windows its catalog records (a fixed `ratio_rate1h` missed SLOs whose catalog records no 1h).
SLO_CURRENT_ERROR_RATIO = "slo:sli_error:ratio_current"

# ---- stable panel ids on the service dashboard, so alerts link to their panel, and keep linking to the same
# one when other SLOs, metrics or alerts come, go or move (a link already sent, a runbook, a bookmark).
# A panel a service has at most one of (rows, overview, RED, saturation) has a fixed id below 100
# (KEY_PANEL_IDS); a panel of a named thing (an SLO, a business metric, a threshold comparison) takes its id
# from a hash of that name (model/panel_ids.py), never from its place in the spec. Every id stays below 2^31,
# so a 32-bit integer holds it wherever a Grafana version or client stores one.
SLO_PANEL_BASE = 1_000_000_000  # an SLO owns ten ids: SLO_PANEL_BASE + 10 * block + offset
SLO_PANEL_BLOCKS = 100_000_000  # blocks 0 .. 10^8 - 1: ids 1,000,000,000 .. 1,999,999,999
NAMED_PANEL_BASE = 100_000_000  # a business metric's or threshold comparison's panel: NAMED_PANEL_BASE + slot
NAMED_PANEL_SLOTS = 900_000_000  # ids 100,000,000 .. 999,999,999: below every SLO block


SLO_BUDGET_OFFSET = 2  # the error budget left, with the budget alerts' lines: what they compare
SLO_AGE_OFFSET = 5  # a freshness SLO's age of the last success: what its stale alert compares
SLO_EVENTS_OFFSET = 6  # an event SLI's events per group: what SLODataMissing and SLOTrafficStopped read
SLO_CODES_OFFSET = 7  # a ratio SLI's failures per status or code its failure selector reads
SLO_LATENCY_OFFSET = 8  # a latency SLI's requests per bucket of its histogram, the threshold bucket named


def panel_slot(key: str, attempt: int, slots: int) -> int:
    """Slot `attempt` of `key`'s probe sequence among `slots`: sha256, so the same under any PYTHONHASHSEED."""
    digest = hashlib.sha256(f"{attempt}:{key}".encode()).digest()
    return int.from_bytes(digest[:8], "big") % slots


KEY_PANEL_IDS: dict[str, int] = {  # keyed like KEY_ALERT_NAMES
    "error_rate": 11,
    "latency_p99": 12,
    "service_down": 13,
    "traffic_anomaly": 10,
    "traffic_milestone": 10,
    "new_error_type": 11,
    "deployment": 13,
    "cpu": 21,
    "memory": 22,
    "disk": 23,
    "disk_full": 24,  # the time to full it compares (the utilisation panel shows no prediction)
}
SERVICE_DASHBOARD = "service"
FLEET_DASHBOARD = "fleet"

# ---- Grafana: dashboards, their folders and the provisioning file (paths relative to the output directory).
# `<out>/grafana` is a Grafana provisioning root: GF_PATHS_PROVISIONING=<out>/grafana/provisioning installs it.
GRAFANA_DATASOURCE_VARIABLE = "datasource"  # every query reads `${datasource}`, a Prometheus datasource variable
GRAFANA_TAG = "obsc"  # on every dashboard obsc writes
GRAFANA_SERVICE_TAG = "obsc-service"  # on service dashboards: the fleet overview lists dashboards by this tag
FLEET_DASHBOARD_UID = "obsc-fleet-overview"  # not hex-suffixed, so it cannot collide with dashboard_uid()
GRAFANA_FLEET_FOLDER = "SLO fleet"
GRAFANA_DASHBOARDS_DIR = f"{GRAFANA_DIR}/dashboards"
GRAFANA_FLEET_PATH = f"{GRAFANA_DASHBOARDS_DIR}/fleet/fleet.json"
GRAFANA_PROVISIONING_DIR = f"{GRAFANA_DIR}/provisioning"  # a Grafana provisioning root: every folder in it is read
GRAFANA_PROVISIONING_PATH = f"{GRAFANA_PROVISIONING_DIR}/dashboards/obsc.yaml"


def grafana_team_dir(team: str) -> str:
    """One folder (and one provisioning provider) per team."""
    return f"{GRAFANA_DASHBOARDS_DIR}/teams/{team}"


def service_dashboard_title(service: str) -> str:
    """The title of obsc's own dashboard of `service`. Grafana wants titles unique in a folder (a team's), so
    standard dashboards may not reuse it (grafana.standard_render, toolcheck.grafana_lint)."""
    return f"{service} / {SERVICE_DASHBOARD}"


def grafana_dashboard_path(team: str, service: str, dashboard: str) -> str:
    """`<team>/<service>.json` for obsc's own dashboard, `<team>/<service>.<standard>.json` otherwise."""
    suffix = "" if dashboard == SERVICE_DASHBOARD else f".{dashboard}"
    return f"{grafana_team_dir(team)}/{service}{suffix}.json"


def grafana_folder_uid(team: str) -> str:
    """Stable folder UID (≤ 40 chars) for a team's dashboards."""
    return f"obsc-{team[:22]}-{hashlib.sha256(team.encode()).hexdigest()[:10]}"


GRAFANA_FLEET_FOLDER_UID = "obsc-fleet"
# Team names obsc refuses, with why: a team's Grafana provider is obsc-<team> and its folder is titled <team>.
RESERVED_TEAMS: dict[str, str] = {
    # each provider deletes the other's dashboards
    "fleet": "is taken by obsc's fleet dashboards (Grafana provider obsc-fleet)",
    # Grafana refuses a folder titled like its root folder, in any letter case (strings.EqualFold)
    "general": "would title its Grafana folder like Grafana's root folder 'General', which Grafana refuses to create",
}


# The first `#` of a CI runner's in-line command: `##[` (GitHub Actions), `##vso[` (Azure Pipelines), `##teamcity[`,
# read anywhere in a log line. Spec text that reaches obsc's output has that `#` escaped (ui.render, ui.logs,
# changes.summary).
CI_COMMAND_HASH = r"#(?=#(?:vso|teamcity)?\[)"
