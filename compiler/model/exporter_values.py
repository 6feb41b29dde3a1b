"""A metric whose matchers pass none of the values its exporter writes on a label (round 51).

Exporters spell the same thing differently: HAProxy counts responses by class (`code="5xx"`, its only form), Traefik,
ingress-nginx, Istio and the Kubernetes API server by number (`code="503"`), the API server's verbs are upper case
(`verb="WATCH"`), CoreDNS's response codes are names (`rcode="SERVFAIL"`). A matcher written in another exporter's
spelling is valid PromQL that selects no series: round 51's newcomer fleet counted HAProxy's failures as
`code=~"5[0-9][0-9]"`, which compiled without a word; replayed with promtool, every response of the backend 5xx for
50 minutes paged nothing (the failures read 0, the SLO met), while `code="5xx"` paged within 5 minutes. A located
warning at the metric names the values the exporter writes; model/empty_matchers.py refuses what no value at all
passes, this warns of what no value of the exporter's passes (a relabelling could write others).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from compiler.errors import Diagnostic
from compiler.model.mesh_reporter import passes
from compiler.model.metric_paths import selector_warnings
from compiler.model.promql import Matcher
from compiler.model.types import Service

_STATUSES = tuple(str(code) for code in range(100, 600))
_VERBS = ("GET", "LIST", "WATCH", "POST", "PUT", "PATCH", "DELETE", "DELETECOLLECTION", "APPLY", "CONNECT", "PROXY")
_RCODES = (
    *("NOERROR", "FORMERR", "SERVFAIL", "NXDOMAIN", "NOTIMP", "REFUSED", "YXDOMAIN", "YXRRSET", "NXRRSET"),
    *("NOTAUTH", "NOTZONE", "BADSIG", "BADKEY", "BADTIME", "BADMODE", "BADNAME", "BADALG", "BADTRUNC", "BADCOOKIE"),
)


@dataclass(frozen=True)
class _Spelling:
    series: re.Pattern[str]
    label: str
    writer: str
    values: tuple[str, ...]
    said: str  # the values, told briefly
    example: str  # a matcher in the exporter's spelling


_NUMBERED = "HTTP statuses as numbers, 100-599"
_SPELLINGS = (
    _Spelling(
        re.compile(r"haproxy_(?:backend|frontend|server)_http_responses_total"),
        "code",
        "HAProxy",
        ("1xx", "2xx", "3xx", "4xx", "5xx", "other"),
        "status classes: 1xx, 2xx, 3xx, 4xx, 5xx, other",
        'code="5xx"',
    ),
    _Spelling(
        re.compile(r"traefik_(?:service|router|entrypoint)_requests_total"),
        "code",
        "Traefik",
        _STATUSES,
        _NUMBERED,
        'code=~"5.."',
    ),
    _Spelling(
        re.compile(r"nginx_ingress_controller_requests"),
        "status",
        "ingress-nginx",
        _STATUSES,
        _NUMBERED,
        'status=~"5.."',
    ),
    _Spelling(
        re.compile(r"istio_requests_total"),
        "response_code",
        "Istio",
        ("0", *_STATUSES),
        f"{_NUMBERED}, 0 for no response",
        'response_code=~"5.."',
    ),
    _Spelling(
        re.compile(r"apiserver_request_total"), "code", "the Kubernetes API server", _STATUSES, _NUMBERED, 'code=~"5.."'
    ),
    _Spelling(
        re.compile(r"apiserver_request_(?:total|(?:sli_|slo_)?duration_seconds)"),
        "verb",
        "the Kubernetes API server",
        _VERBS,
        f"upper case: {', '.join(_VERBS)}",
        'verb!~"WATCH|CONNECT"',
    ),
    _Spelling(
        re.compile(r"coredns_\w+"),
        "rcode",
        "CoreDNS",
        _RCODES,
        "names in upper case: NOERROR, SERVFAIL, NXDOMAIN...",
        'rcode="SERVFAIL"',
    ),
)


def exporter_value_warnings(services: Sequence[Service]) -> list[Diagnostic]:
    """One located warning per metric (once however many services read it) whose matchers on a label pass none
    of the values its exporter writes there."""
    return selector_warnings(services, _unmatched)


def judged_by_exporter(series: str, label: str) -> bool:
    """Whether a known exporter's spelling judges `label` of `series` (label_vocabularies then says nothing)."""
    return any(s.series.fullmatch(series) and s.label == label for s in _SPELLINGS)


def _unmatched(series: str, matchers: Sequence[Matcher]) -> str | None:
    for spelling in _SPELLINGS:
        if not spelling.series.fullmatch(series):
            continue
        on_label = [m for m in matchers if m.label == spelling.label]
        if not on_label or any(all(passes(m.op, m.value, v) for m in on_label) for v in spelling.values):
            continue
        written = ",".join(f'{m.label}{m.op}"{m.value}"' for m in on_label)
        return (
            f"{written} matches none of the values {spelling.writer} writes on {spelling.label} ({spelling.said}), "
            "so this selector reads no series: as failures the SLO never burns and its pages are dead (HAProxy's "
            'responses read by code=~"5[0-9][0-9]": 50 minutes of every response 5xx paged nothing), as a total or a '
            f"histogram its SLO has no data; write the exporter's spelling, {spelling.example}"
        )
    return None
