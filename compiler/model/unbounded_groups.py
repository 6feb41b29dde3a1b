"""A `by:` label named like one whose values have no bound: a located warning at the compile, which cannot count them.

Each value of an SLO's or a threshold alert's `by:` labels is a group: an SLO's records 20 to 25 series and fires
its own burn and missing-data alerts, a threshold alert's records its value and fires its own alert. A request id,
a user, a trace, a session or a raw URL path has a value per request or per user, so one spec records and fires
that many times in the Prometheus and the Alertmanager every team shares (round 44: a series bomb). The compile
sees only the label's name; `obsc verify` counts its values on the live server against `defaults.max_groups`
(verify/group_bound.py), so the warning says to run it. Names are matched whole or by an id-like ending
(`x_request_id`); `uri` is not one of them: Micrometer and Spring write it as the route template.

`pod` is bounded but short-lived: on a page (every SLO pages; a `tier: critical` threshold alert does) each pod is a
group that a rollout replaces, so a failing release pages once per pod and each new pod's windows, budget and
`for:` hold start over.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from compiler.errors import Diagnostic
from compiler.model.build_context import Ctx
from compiler.model.pinned_groups import pinned_group_lines
from compiler.model.promql import Matcher
from compiler.model.types import Service, Slo, ThresholdAlert, Tier

UNBOUNDED = frozenset(
    {
        *("id", "uuid", "guid", "request_id", "requestid", "req_id", "trace_id", "traceid", "span_id", "spanid"),
        *("session", "session_id", "sessionid", "user", "user_id", "userid", "uid", "username", "email"),
        *("correlation_id", "transaction_id", "txn_id", "message_id", "msg_id", "event_id", "order_id"),
        *("path", "url", "http_url", "http_target", "url_full", "url_path", "request_path", "request_uri"),
        *("raw_path", "full_path", "query", "query_string", "user_agent", "referer", "referrer"),
        *("ip", "client_ip", "remote_addr", "remote_ip", "source_ip", "src_ip", "peer_ip", "pod_ip"),
    }
)
UNBOUNDED_ENDINGS = ("_request_id", "_trace_id", "_span_id", "_session_id", "_user_id", "_uuid")
SHORT_LIVED = frozenset({"pod", "pod_name", "container_id"})
# recorded series per group of a grouped SLO: promtool on a per-route SLO 6h in counted 25 for a route with
# failures, 20 for one without (its error rates absent), and 3 per SLO besides (docs/grouped-slos.md#cardinality)
SLO_SERIES_PER_GROUP = "20 to 25"


def group_label_lines(
    data: Mapping[str, Any],
    selector: Sequence[Matcher],
    slos: Sequence[Slo],
    alerts: Sequence[ThresholdAlert],
    ctx: Ctx,
) -> tuple[Diagnostic, ...]:
    """Every located warning about a `by:` entry: pinned to one value (pinned_groups.py), or named like a label
    without a bound, or short-lived on a page."""
    pages = {"slos": {s.name for s in slos}, "threshold_alerts": {a.name for a in alerts if a.tier is Tier.CRITICAL}}
    named = [
        Diagnostic(ctx.loc(path), path, message)
        for key in ("slos", "threshold_alerts")
        for path, label, raw in _entries(data, key)
        if (message := _message(label, key == "slos", str(raw.get("name")) in pages[key]))
    ]
    return (*pinned_group_lines(data, selector, slos, alerts, ctx), *named)


def group_label_warnings(services: Sequence[Service]) -> list[Diagnostic]:
    return [d for s in services for d in s.group_labels]


def unbounded(label: str) -> bool:
    lowered = label.lower()
    return lowered in UNBOUNDED or lowered.endswith(UNBOUNDED_ENDINGS)


def _entries(data: Mapping[str, Any], key: str) -> list[tuple[tuple[str | int, ...], str, Mapping[str, Any]]]:
    """(path of the `by:` entry, its label, the SLO or alert written) for each `by:` entry under `key`."""
    out: list[tuple[tuple[str | int, ...], str, Mapping[str, Any]]] = []
    for i, raw in enumerate(data.get(key) or []):
        if isinstance(raw, Mapping):
            out += [((key, i, "by", j), str(label), raw) for j, label in enumerate(raw.get("by") or [])]
    return out


def _message(label: str, slo: bool, pages: bool) -> str:
    what = "the SLO" if slo else "the alert"
    each = (
        f"records {SLO_SERIES_PER_GROUP} series and fires its own burn and SLODataMissing alerts"
        if slo
        else "records its value and fires its own alert"
    )
    if unbounded(label):
        return (
            f"by: {label!r} is named like a label with a value per request, user or URL (an id, a session, a raw "
            f"path): each value is a group of {what}, which {each}, so it records and fires as many times as the "
            "label has values in the Prometheus and Alertmanager every team shares; group by a bounded label (a "
            "route template, a tenant, a status class), or if its values are bounded run `obsc verify`, which "
            "counts them on the live server against the platform's defaults.max_groups"
        )
    if label.lower() in SHORT_LIVED and pages:
        return (
            f"by: {label!r} on a page: each {label} is a group of {what}, which {each}, and every rollout replaces "
            f"them: a failing release pages once per {label}, and each new {label}'s "
            + ("windows and budget start over, so a slow burn never pages" if slo else "`for:` hold starts over")
            + f"; page on the service (drop {label} from by:) and keep {label} on its dashboard"
            + ("" if slo else " or on a warning-tier alert")
        )
    return ""
