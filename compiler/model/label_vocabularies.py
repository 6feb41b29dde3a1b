"""A matcher on a label whose vocabulary obsc knows that passes none of its values: the selector reads no series.

Round 51 (exporter_values) warned of another exporter's spelling, known by the exporter's metric names. An
application's own metrics carry the same labels under any name, and round 53's careless newcomer compiled these
without a word, each a valid selector of nothing:
- `code=~"^5"`, `code=~"5*"`, `status="5"`: Prometheus matches a pattern as RE2 against the whole value, not as a
  prefix or a glob, so they pass "5", "55" or "555", no status a server sends. Replayed with promtool
  (tests/test_label_vocabularies.py): every response of a service 503 for 50 minutes paged nothing, where
  `code=~"5.."` paged within 5 minutes;
- `grpc_code=~"unavailable|internal"` and `grpc_code="14"`: go-grpc-prometheus writes `Unavailable`, by name;
- Micrometer's `outcome="server_error"`: it writes `SERVER_ERROR`.
As failures the SLO never burns; as good events it burns on a healthy service; as a total it has no data. A
located warning at the metric names the values the label holds (a relabelling could write others, so it is not
an error, as in exporter_values, which judges the labels of the exporters it knows instead of this module).
An HTTP status label is judged only where its matchers write a digit: `status!="success"` is another vocabulary.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Sequence
from dataclasses import dataclass

from compiler.errors import Diagnostic
from compiler.model.exporter_values import judged_by_exporter
from compiler.model.grpc_codes import GRPC_CODE_LABELS, code_values, vocabulary
from compiler.model.http_status_codes import MICROMETER_OUTCOMES, SENT_BELOW_500, STATUS_LABELS, writes_a_digit
from compiler.model.mesh_reporter import passes
from compiler.model.metric_paths import selector_warnings
from compiler.model.promql import Matcher
from compiler.model.types import Service

# The 5xx statuses servers send: IANA's 500-511, Cloudflare's 520-530, AWS's 561, 598 and 599 (proxies' timeouts)
_SENT_5XX = frozenset({*range(500, 512), *range(520, 531), 561, 598, 599})
# the failures first: most matchers on a status label pass them, and the search for a passed value stops there
_SENT = tuple(str(code) for code in (*sorted(_SENT_5XX), *sorted(SENT_BELOW_500)))
_CLASSES = tuple(f"{digit}{xx}" for digit in "12345" for xx in ("xx", "XX"))  # HAProxy's, nginx's `5xx`
_MICROMETER = re.compile(r"http_(?:server|client)_requests_seconds(?:_count|_sum|_bucket|_max)?")


@dataclass(frozen=True)
class _Vocabulary:
    values: tuple[str, ...]
    said: str  # the values, told briefly
    advice: str


_HTTP = _Vocabulary(
    (*_SENT, *_CLASSES),
    "HTTP statuses servers send, such as 503, or their classes (5xx)",
    "Prometheus matches a pattern against the whole value as RE2, not as a prefix or a glob: write "
    '{label}=~"5.." for the 5xx statuses',
)
_OUTCOMES = _Vocabulary(
    MICROMETER_OUTCOMES,
    "Micrometer's outcomes, upper case: " + ", ".join(MICROMETER_OUTCOMES),
    'write {label}="SERVER_ERROR" for the server\'s failures',
)


def _grpc(label: str) -> _Vocabulary:
    usual = vocabulary(label, ())  # the label's usual spelling, for the example
    example = f'{{label}}=~"{usual["Unavailable"]}|{usual["Internal"]}"'
    return _Vocabulary(code_values(label), "gRPC status codes, as its exporters spell them", f"write e.g. {example}")


def label_vocabulary_warnings(services: Sequence[Service]) -> list[Diagnostic]:
    """One located warning per metric (once however many services read it) whose matchers on a label of a known
    vocabulary pass none of its values."""
    return selector_warnings(services, _unmatched)


def _unmatched(series: str, matchers: Sequence[Matcher]) -> str | None:
    for label in dict.fromkeys(m.label for m in matchers):
        if message := _label_unmatched(series, label, tuple(m for m in matchers if m.label == label)):
            return message
    return None


@functools.lru_cache(maxsize=4096)  # a fleet's services repeat the same few selectors (`code=~"5.."`)
def _label_unmatched(series: str, label: str, on_label: tuple[Matcher, ...]) -> str | None:
    held = _vocabulary(series, label, on_label)
    if held is None or any(all(passes(m.op, m.value, v) for m in on_label) for v in held.values):
        return None
    written = ",".join(f'{m.label}{m.op}"{m.value}"' for m in on_label)
    return (
        f"{written} matches none of the values {label} holds ({held.said}), so this selector reads no "
        "series: as failures the SLO never burns and its pages are dead, as good events it pages a healthy "
        f"service, as a total or a histogram its SLO has no data; {held.advice.format(label=label)}"
    )


def _vocabulary(series: str, label: str, on_label: Sequence[Matcher]) -> _Vocabulary | None:
    # `grpc_status=""` asks for series without the label (Linkerd's HTTP calls): a word of no vocabulary
    if judged_by_exporter(series, label) or any(m.value == "" for m in on_label):
        return None
    if label in GRPC_CODE_LABELS:
        return _grpc(label)
    if label in STATUS_LABELS and any(writes_a_digit(m.value) for m in on_label):
        return _HTTP
    if label == "outcome" and _MICROMETER.fullmatch(series):
        return _OUTCOMES
    return None
