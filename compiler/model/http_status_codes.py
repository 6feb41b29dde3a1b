"""HTTP statuses an SLI counts as failures without naming them: redirects and the caller's errors (round 44).

The HTTP twin of grpc_codes. A selector that picks failures by what they are not, `code!~"2.."`, `status!="200"`,
HAProxy's `code!="2xx"` or Micrometer's `outcome!="SUCCESS"`, counts every redirect (a login page's 302, a 304 Not
Modified) and every caller's mistake (404 for a key that does not exist, 400, 401, 403, 409, 422) as the server
failing; so does a good-requests selector that names the 2xx alone. Replayed with promtool (round 44): a healthy
Spring Boot service (no 5xx at all, 3% 404s, 6% login redirects) with `errors: ...{outcome!="SUCCESS"}` paged its
99.9% SLO from the 5th minute for as long as it ran. So does a failures pattern that takes a whole class of them,
`status=~"[45].."` or `code=~"4..|5.."` (round 45: the same service with 3% 404s paged from its 5th minute for 3
hours): a pattern is read as taking the class when it also matches a status no server sends. Round 45 probed 457
alone, so `4[0-4][0-9]|5..`, `(4|5)..` and `4\\d\\d` counted every 404 without a word; the codes 100-499 a pattern
matches are now enumerated, whatever its spelling, and any status neither registered nor in common use (430 as well
as 457) shows a pattern over the class. A spec that means to count some of them names them (`code=~"5..|404"`, or a
range of real statuses, `40[0-4]`), which is not warned of, as gRPC's named codes are not. A class written as such
(HAProxy's `code=~"4xx|5xx"`) was left alone in round 45, as it has no finer label; round 46 warns of it too: a
healthy HAProxy backend with 3% 4xx paged a 99.9% SLO from its 5th minute for 3 hours (promtool), and `code="5xx"`
is its server's failures. 429 and 408 are left out of the caller's statuses: a
server's own limits and timeouts are fairly counted as failures.

A label is read as an HTTP status only where its matchers write a status (`2..`, `200`, `[45]..`, `(4|5)..`, `2xx`:
a digit, and a pattern matching some status 100-599) or Micrometer's outcomes (`SUCCESS`...): `status!="success"`
on a batch counter is another vocabulary.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Sequence

from compiler.errors import Diagnostic, Location
from compiler.model.grpc_codes import read_as_outcomes
from compiler.model.metric_paths import metric_path
from compiler.model.promql import Matcher
from compiler.model.promql_regex import full_match
from compiler.model.types import Service
from compiler.spec.document import Path

# HTTP status labels; the last two are OpenTelemetry's and Envoy's
_NUMBERED_LABELS = frozenset(
    {"code", "status", "status_code", "response_code", "http_status", "http_status_code", "http_code"}
    | {"http_response_status_code", "envoy_response_code"}
)
# The statuses a healthy service answers callers with, by class: as numbers, and in HAProxy's class form
_NUMBERS = (
    ("101", "1xx"),
    *((code, "3xx") for code in ("301", "302", "304")),
    *((code, "4xx") for code in ("400", "401", "403", "404", "409", "422")),
)
_CLASSES = (("1xx", "1xx"), ("3xx", "3xx"), ("4xx", "4xx"))
_ENVOY_CLASSES = (("1", "1xx"), ("3", "3xx"), ("4", "4xx"))  # envoy_response_code_class: the class's first digit
# Statuses servers send: IANA's registry, and those in common use outside it (Laravel's 419, nginx's 444 and 494-499,
# IIS's 440 and 449, AWS load balancers' 460 and 463)
_SENT = frozenset(
    {*range(100, 104), *range(200, 209), 226, *range(300, 309), *range(400, 419), *range(421, 427), 428, 429, 431}
    | {451, 419, 420, 440, 444, 449, 450, 460, 463, *range(494, 500)}
)
# The statuses of each class that no server sends: a failures pattern that matches one takes the whole class
_UNSENT = tuple((str(code), f"{code // 100}xx") for code in range(100, 500) if code // 100 != 2 and code not in _SENT)
_STATUSES = tuple(str(code) for code in range(100, 600))
_OUTCOMES = (("INFORMATIONAL", "1xx"), ("REDIRECTION", "3xx"), ("CLIENT_ERROR", "4xx"))  # Micrometer's `outcome`
_OUTCOME_WORDS = ("INFORMATIONAL", "SUCCESS", "REDIRECTION", "CLIENT_ERROR", "SERVER_ERROR", "UNKNOWN")
_WRITES_A_STATUS = re.compile(r"[1-5][0-9xX.]{2}|\][0-9xX.]{2}")
_HAS_A_DIGIT = re.compile(r"[0-9]|\\d")
# what label_vocabularies reads: the labels holding a status, the statuses 100-499 sent, Micrometer's outcomes
STATUS_LABELS, SENT_BELOW_500, MICROMETER_OUTCOMES = _NUMBERED_LABELS, _SENT, _OUTCOME_WORDS
_MEANT = {
    False: 'to count some of them too, name each failed status in a =~ regex (code=~"5..|429")',
    True: "to count them as good, name them beside the 2xx, or name the failed statuses in a !~ regex",
}


def http_status_warnings(services: Sequence[Service]) -> list[Diagnostic]:
    """One located warning per metric (once however many services read it) whose status matchers count redirects or
    the caller's errors as failures without naming them: as failures through a negative matcher, or as good
    requests through positive ones that leave them out."""
    found: dict[tuple[Location, Path], str] = {}
    for service in services:
        for metric, as_good in read_as_outcomes(service):
            if metric.selector is None or not (counted := counted_bad(metric.selector.matchers, as_good)):
                continue
            path = metric_path(service, metric)
            found.setdefault((metric.location, path), _message(counted, as_good))
    return [Diagnostic(location, path, message) for (location, path), message in found.items()]


def counted_bad(matchers: Sequence[Matcher], as_good: bool) -> tuple[tuple[str, str], ...]:
    """The statuses (value, class) that are not the server's failures and that the matchers count as failures
    without naming them; () when none."""
    for label in sorted({m.label for m in matchers}):
        on_label = [m for m in matchers if m.label == label]
        probes = _probes(label, on_label)
        negative = any(m.op in ("!=", "!~") for m in on_label)
        if not probes or (negative and as_good):  # good requests excluded one by one
            continue
        passed = [(value, kind) for value, kind in probes if all(_passes(m, value) for m in on_label)]
        if not negative and not as_good:  # failures named: only a pattern taking a whole class counts them unnamed
            passed = [(value, kind) for value, kind in passed if kind in _classes_taken(probes, on_label)]
        counted = [p for p in probes if p not in passed] if as_good else passed
        if counted:
            return tuple(counted)
    return ()


def _classes_taken(probes: Sequence[tuple[str, str]], on_label: Sequence[Matcher]) -> set[str]:
    """The classes whose every status the matchers take: shown by a status of the class no server sends (457), or
    written as such (HAProxy's `4xx`: its only form)."""
    if probes is _CLASSES or probes is _ENVOY_CLASSES:
        return {kind for value, kind in probes if all(_passes(m, value) for m in on_label)}
    if probes is not _NUMBERS:
        return set()
    return set(_classes_matched(tuple((m.op, m.value) for m in on_label)))


@functools.lru_cache(maxsize=1024)
def _classes_matched(matchers: tuple[tuple[str, str], ...]) -> frozenset[str]:
    """The classes of which the matchers take a status no server sends (cached: a fleet repeats its patterns)."""
    on_label = [Matcher("", op, value) for op, value in matchers]
    return frozenset(kind for value, kind in _UNSENT if all(_passes(m, value) for m in on_label))


@functools.lru_cache(maxsize=1024)
def _writes_a_status(value: str) -> bool:
    """Whether a matcher's value names or matches an HTTP status: `2..`, `404`, `(4|5)..`, `4\\d\\d`; not `.+`."""
    if _WRITES_A_STATUS.search(value):
        return True
    return bool(_HAS_A_DIGIT.search(value)) and any(full_match(value, status) for status in _STATUSES)


def writes_a_digit(value: str) -> bool:
    """A matcher's value written with a digit (or RE2's `\\d`): a number, not another vocabulary's word."""
    return bool(_HAS_A_DIGIT.search(value))


def reads_a_status(label: str, on_label: Sequence[Matcher]) -> bool:
    """Whether `on_label` (the matchers on `label`) read it as an HTTP status, a status class or an outcome."""
    return bool(_probes(label, on_label))


def _probes(label: str, on_label: Sequence[Matcher]) -> tuple[tuple[str, str], ...]:
    """The values to try on `label`: HTTP statuses where its matchers write one, Micrometer's outcomes where they
    name one; () for a label in another vocabulary."""
    if label == "outcome" and any(word in m.value for m in on_label for word in _OUTCOME_WORDS):
        return _OUTCOMES
    if label == "envoy_response_code_class":
        return _ENVOY_CLASSES
    if label in _NUMBERED_LABELS and any(_writes_a_status(m.value) for m in on_label):
        return _CLASSES if any("xx" in m.value.lower() for m in on_label) else _NUMBERS
    return ()


def _passes(matcher: Matcher, value: str) -> bool:
    if matcher.op in ("=", "!="):
        return (matcher.value == value) is (matcher.op == "=")
    return bool(full_match(matcher.value, value)) is (matcher.op == "=~")


def _shown(statuses: Sequence[tuple[str, str]]) -> str:
    """`3xx (301, 302), 4xx (404)`; a class form as written (`4xx`), an outcome with its class (`REDIRECTION (3xx)`)."""
    by_kind: dict[str, list[str]] = {}
    for value, kind in statuses:
        by_kind.setdefault(kind, []).append(value)
    parts: list[str] = []
    for kind, values in by_kind.items():
        if values == [kind] or values == [kind[0]]:
            parts.append(kind)
        elif values[0][0].isdigit():
            parts.append(f"{kind} ({', '.join(values)})")
        else:
            parts += [f"{value} ({kind})" for value in values]
    return ", ".join(parts)


def _message(statuses: Sequence[tuple[str, str]], as_good: bool) -> str:
    how = "leaves out of the good requests" if as_good else "counts as failed requests"
    return (
        f"this selector {how} {_shown(statuses)}: redirects and the caller's own errors (a key that does not "
        "exist, a bad request, an expired login), which a healthy service answers all day, so its budget burns with "
        "its clients' mistakes (3% 404s and 6% login redirects paged a healthy 99.9% SLO from its 5th minute, for as "
        'long as they lasted); the server\'s failures are the 5xx (code=~"5..", HAProxy\'s code="5xx", '
        f'Micrometer\'s outcome="SERVER_ERROR", Envoy\'s envoy_response_code_class="5"); {_MEANT[as_good]}'
    )
