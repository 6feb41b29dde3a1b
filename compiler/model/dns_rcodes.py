"""DNS response codes an SLI counts as failures though they are answers (round 51, CoreDNS).

A DNS server's answers carry a response code, `rcode` on CoreDNS's `coredns_dns_responses_total` (and its forward
plugin's, unbound's `unbound_answer_rcodes_total`). Only SERVFAIL says the server failed. NXDOMAIN says the name does
not exist: a right answer, and on Kubernetes most of a pod's lookups (`ndots:5` tries each search domain first, each
an NXDOMAIN) before the one that resolves. REFUSED, FORMERR and NOTIMP answer the caller's own query (a zone this
server does not serve, a malformed or unsupported request). A newcomer's CoreDNS spec counted `rcode!="NOERROR"` as
failures: replayed with promtool, a healthy cluster DNS answering 60% of its lookups NXDOMAIN (and no SERVFAIL) paged
its 99.9% SLO from its 5th minute (both page pairs by the 40th); `rcode="SERVFAIL"` read it quiet. A warning at the
metric, as HTTP's 4xx and gRPC's NotFound are: by what they are not (`rcode!="NOERROR"`, or good answers that are
NOERROR alone) every caller's code counts; named, only NXDOMAIN is still warned of, as no DNS server's failure.
"""

from __future__ import annotations

from collections.abc import Sequence

from compiler.errors import Diagnostic, Location
from compiler.model.grpc_codes import read_as_outcomes
from compiler.model.mesh_reporter import passes
from compiler.model.metric_paths import metric_path
from compiler.model.promql import Matcher
from compiler.model.types import Service
from compiler.spec.document import Path

RCODE = "rcode"
_NO_SUCH_NAME = "NXDOMAIN"
_CALLERS = (_NO_SUCH_NAME, "REFUSED", "FORMERR", "NOTIMP")  # answers to the caller's own query


def dns_rcode_warnings(services: Sequence[Service]) -> list[Diagnostic]:
    """One located warning per metric (once however many services read it) whose `rcode` matchers count an answer
    to the caller as a failed lookup: as failures, or as good answers that leave it out."""
    found: dict[tuple[Location, Path], str] = {}
    for service in services:
        for metric, as_good in read_as_outcomes(service):
            if metric.selector is None or not (counted := counted_bad(metric.selector.matchers, as_good)):
                continue
            found.setdefault((metric.location, metric_path(service, metric)), _message(counted, as_good))
    return [Diagnostic(location, path, message) for (location, path), message in found.items()]


def counted_bad(matchers: Sequence[Matcher], as_good: bool) -> tuple[str, ...]:
    """The caller's response codes the `rcode` matchers count as failed lookups; () when none. Named one by one
    (failures by `=`/`=~`, good answers by `!=`/`!~`) only NXDOMAIN counts: the spec meant the others."""
    on_label = [(m.op, m.value) for m in matchers if m.label == RCODE]
    if not on_label:
        return ()
    named = any(op in ("!=", "!~") for op, _ in on_label) is as_good
    counted = [code for code in _CALLERS if all(passes(op, value, code) for op, value in on_label) is not as_good]
    return tuple(code for code in counted if code == _NO_SUCH_NAME or not named)


def _message(codes: Sequence[str], as_good: bool) -> str:
    how = "leaves out of the good answers" if as_good else "counts as failed lookups"
    return (
        f"this selector {how} {', '.join(codes)}: answers to the caller, not the server failing (NXDOMAIN: no such "
        "name, and most of a Kubernetes pod's lookups, ndots:5 trying each search domain first; REFUSED, FORMERR, "
        "NOTIMP: a query this server does not serve or cannot read), so a healthy DNS server burns its budget (60% "
        'NXDOMAIN paged a 99.9% SLO from its 5th minute on); a DNS server fails with SERVFAIL: rcode="SERVFAIL"'
    )
