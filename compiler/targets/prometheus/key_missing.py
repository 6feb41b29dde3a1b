"""The missing-data twins of the CPU, memory and disk alerts: a saturation signal with no series cannot fire.

Those alerts read a signal computed from other projects' metrics (cAdvisor, kube-state-metrics, the node
exporter): an exporter upgrade that renames a label, a relabelling that drops `container`, pods without
resource limits, or a platform that never had the exporter leave the signal without series, and the alert
quiet for good. Like a threshold alert's twin, a rule of the same name labelled data="missing" fires when the
signal has had no series for max(for, 10m), at the tier of the alert it stands for.

Only while the service's targets report (`sum(up) > 0`, as SLODataMissing): a service scaled to zero on
purpose has no containers to measure and is ServiceDown's to report, not missing data. A service nobody
scrapes (`targets: false`, a batch job whose containers exist only while it runs) gets no twin: nothing
tells "not running" from "not measured". One twin per signal: the disk signal read by both disk alerts, or a
kind with a page and a ticket line, is one missing series, reported once at the most urgent tier reading it.
A service without such a metric switches its alert off (`alerts.cpu: false`): it could never fire.

The p99 latency and error-rate alerts have one too (round 54): a histogram renamed by a deploy or dropped by a
relabelling left ServiceHighLatencyP99 quiet for good. Their twin asks for the raw series the alert reads (any
bucket or `_count` of the histogram; the requests counter), by existence, not a rate: an idle service whose
counters stand still keeps its series and stays quiet (the p99 record itself is empty without traffic). None where
an SLO over the same series has SLODataMissing (model/saturation_twins.request_twins).
"""

from __future__ import annotations

from compiler import conventions as names
from compiler.model import queries
from compiler.model.alert_kinds import KEEP_FIRING_SECONDS
from compiler.model.saturation_twins import REQUEST_KIND, SIGNAL_KIND, hold_seconds, key_twins, twin_tier
from compiler.model.types import AlertKind, Metric, Platform, Service
from compiler.model.units import format_duration
from compiler.targets.prometheus.missing_sparse import sparse_text, with_sparse
from compiler.targets.prometheus.rule_model import Rule, series
from compiler.targets.prometheus.slo import alert_annotations, alert_labels

_NAMES = {AlertKind.CPU: names.SERVICE_CPU, AlertKind.MEMORY: names.SERVICE_MEMORY, AlertKind.DISK: names.SERVICE_DISK}
SIGNAL_OF = {kind: (signal, _NAMES[signal]) for kind, signal in SIGNAL_KIND.items()}  # the signal's kind and record
_WHAT = {AlertKind.CPU: "CPU", AlertKind.MEMORY: "memory", AlertKind.DISK: "disk"}


def is_missing(rule: Rule) -> bool:
    """A data="missing" twin (of a threshold or a saturation alert); SLODataMissing carries the label too (one
    notification group), but stands for no alert of its own."""
    twin_of = rule.source is None or not rule.source.data_missing
    return dict(rule.labels).get(names.LABEL_DATA) == "missing" and twin_of


def is_instance_twin(rule: Rule) -> bool:
    """The instance branch of a critical threshold alert's twin, a warning rule of its own (thresholds.py): the
    one threshold twin whose severity is not its alert's tier (a request alert's twin may ticket too: twin_tier)."""
    labels = dict(rule.labels)
    source = rule.source
    return (
        is_missing(rule)
        and source is not None
        and source.threshold is not None
        and labels.get(names.LABEL_SEVERITY) != source.tier.value
    )


def signal_of(service: Service, kind: AlertKind) -> str:
    return series(SIGNAL_OF[kind][1], {names.LABEL_SERVICE: service.name})


def request_series(service: Service, kind: AlertKind) -> list[str]:
    """The series a request alert's twin asks for, each its own `absent`: every bucket and the `_count` of the
    histogram (the p99 reads the `_count` where no `+Inf` bucket exists), or the requests counter. Summed: the
    `absent` of a selector takes its equality matchers as labels (`job`), which the twin's routing and its
    generated tests never expect."""
    metric = service.metric(REQUEST_KIND[kind])
    assert metric is not None and metric.selector is not None  # request_twins: none for free PromQL
    sel = metric.selector
    if kind is AlertKind.LATENCY_P99:
        return [f"sum({sel.render(sel.metric + '_bucket')})", f"sum({sel.render(sel.metric + '_count')})"]
    return [f"sum({sel.render()})"]


def missing_expr(service: Service, kind: AlertKind, hold: int) -> str:
    if kind in REQUEST_KIND:
        lines = [f"absent({s})" for s in request_series(service, kind)]
    else:
        lines = [f"absent({signal_of(service, kind)})"]
    whole = with_sparse(lines, hold)
    return f"(\n{whole}\n)\nand on ()\nsum({queries.up(service)}) > 0"


def _request_texts(
    service: Service, kind: AlertKind, metric: Metric, blind: str, keys: str, hold: str
) -> tuple[str, str]:
    """(summary, description) of a p99 latency or error-rate alert's twin."""
    assert metric.selector is not None
    base = metric.selector.metric
    if kind is AlertKind.LATENCY_P99:
        what, written = "latency histogram", f"`{base}_bucket` or `{base}_count` of `{metric.selector.render()}`"
    else:
        what, written = "requests counter", f"`{metric.selector.render()}`"
    summary = f"{service.name}: no {what} series, so {blind} cannot tell"
    description = (
        f"No {written} series for {hold} while {service.name}'s targets are up: a metric or label renamed by a "
        f"deploy or a client library upgrade, a relabelling that drops it, or a metric the service never wrote. "
        f"{blind} cannot fire until it is back (an idle service keeps its series: this is not quiet traffic). A "
        "service restarted that has served no request since has none either where its client library creates a "
        "labelled series on the first request: create them at 0 at start. If the service writes another name, fix "
        f"metrics.{REQUEST_KIND[kind]}; if it has series only while something runs, set missing: ignore under {keys}."
    )
    return summary, description


def missing_rules(service: Service, platform: Platform) -> list[Rule]:
    out = []
    for alert, kind, readers in key_twins(service):
        hold = format_duration(hold_seconds(alert))
        blind = " and ".join(dict.fromkeys(a.name for a in readers))
        keys = " and ".join(dict.fromkeys(f"alerts.{a.kind.value}" for a in readers if a.kind is not None))
        if kind in REQUEST_KIND:
            metric = service.metric(REQUEST_KIND[kind])
            assert metric is not None
            summary, description = _request_texts(service, kind, metric, blind, keys, hold)
        else:
            summary, description = _saturation_texts(service, kind, blind, keys, hold)
        description += sparse_text(hold_seconds(alert))
        labels = {
            **dict(alert_labels(service, alert)),
            names.LABEL_DATA: "missing",
            names.LABEL_SEVERITY: twin_tier(service, alert, kind).value,
        }
        out.append(
            Rule(
                expr=missing_expr(service, kind, hold_seconds(alert)),
                alert=alert.name,
                for_seconds=hold_seconds(alert),
                keep_firing_seconds=KEEP_FIRING_SECONDS,
                labels=tuple(sorted(labels.items())),
                annotations=alert_annotations(service, platform, alert, summary, description),
                source=alert,
            )
        )
    return out


def _saturation_texts(service: Service, kind: AlertKind, blind: str, keys: str, hold: str) -> tuple[str, str]:
    """(summary, description) of a CPU, memory or disk signal's twin."""
    metric = service.metric(kind.value)
    written = metric.selector.render() if metric is not None and metric.selector is not None else ""
    source = f"`{written}`" if written else f"metrics.{kind.value}'s expression"
    summary = f"{service.name}: no {_WHAT[kind]} utilisation series, so {blind} cannot tell"
    description = (
        f"No {SIGNAL_OF[kind][1]} series for {hold} while {service.name}'s targets are up: {source} returns "
        "nothing (a metric or label renamed by an exporter upgrade or a relabelling, the exporter gone, no "
        f"resource limits to divide by, or a platform without it). {blind} cannot fire until it is back; if "
        f"this service has no such metric, set alerts.{kind.value}: false; if it has series only while "
        f"something runs (containers that come and go while the targets stay up), set missing: ignore under "
        f"{keys}."
    )
    return summary, description
