"""Which status or code a ratio SLI's failures carry, so a dashboard can break them down by it (round 47).

Mid-incident the on-call asks which statuses fail: 503s or 500s, Unavailable or DeadlineExceeded. The label is
taken only from what the spec's failure selector reads, in a vocabulary obsc knows: an HTTP status, a status
class (HAProxy's `5xx`, Envoy's `envoy_response_code_class`) or Micrometer's outcome (http_status_codes), a gRPC
code by name or number (grpc_codes), or a span's status (`status_code="STATUS_CODE_ERROR"`, with the span's
name beside it: the status alone is one value). A selector on another label (Linkerd's `classification`, a
failures counter of its own name without a code) gets no breakdown: obsc does not guess a label the series may
not carry.

The failures are the `errors` selector as written; a ratio SLI written with `good` events whose selector is
the total's plus one matcher on the code label reads its failures as the total with that matcher reversed
(`code=~"2.."` good: `code!~"2.."` failed).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from compiler.model.grpc_codes import GRPC_CODE_LABELS
from compiler.model.http_status_codes import reads_a_status
from compiler.model.promql import Matcher, Selector
from compiler.model.types import Sli, SliKind

SPAN_STATUS, SPAN_NAME = "status_code", "span_name"  # the spanmetrics connector's labels
CLASS_DIGIT = "envoy_response_code_class"  # holds a status class's first digit: "5" for 5xx
_REVERSED = {"=": "!=", "!=": "=", "=~": "!~", "!~": "=~"}


@dataclass(frozen=True)
class FailureCodes:
    failures: Selector  # the SLI's failed events
    labels: tuple[str, ...]  # what to break them down by: the code label (a span's name beside its status)


def failure_codes(sli: Sli) -> FailureCodes | None:
    """The SLI's failures and the code label(s) they carry, or None when the selector reads none obsc knows."""
    if sli.kind is not SliKind.RATIO:
        return None
    if sli.errors is not None and sli.errors.selector is not None:
        label = _code_label(sli.errors.selector.matchers)
        return None if label is None else FailureCodes(sli.errors.selector, _labels(label))
    if sli.good is not None and sli.total is not None:
        return _from_good(sli.good.selector, sli.total.selector)
    return None


def _code_label(matchers: Sequence[Matcher]) -> str | None:
    for label in sorted({m.label for m in matchers}):
        on_label = [m for m in matchers if m.label == label]
        if label in GRPC_CODE_LABELS or reads_a_status(label, on_label):
            return label
        if label == SPAN_STATUS and any("STATUS_CODE_" in m.value for m in on_label):
            return label
    return None


def _labels(label: str) -> tuple[str, ...]:
    return (SPAN_NAME, label) if label == SPAN_STATUS else (label,)


def _from_good(good: Selector | None, total: Selector | None) -> FailureCodes | None:
    """The total with the good events' one code matcher reversed; None unless good is exactly that."""
    if good is None or total is None or good.metric != total.metric:
        return None
    extra = [m for m in good.matchers if m not in total.matchers]
    if len(extra) != 1 or any(m.label == extra[0].label for m in total.matchers):
        return None
    label = _code_label(extra)
    if label is None:
        return None
    reversed_ = Matcher(label, _REVERSED[extra[0].op], extra[0].value)
    return FailureCodes(Selector(total.metric, (*total.matchers, reversed_)), _labels(label))
