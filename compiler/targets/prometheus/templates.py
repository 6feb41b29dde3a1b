"""Annotation templates, and how Prometheus renders them (so generated tests can assert exact text).

Annotations use only the placeholders defined here. `render` reproduces Prometheus 2.42's template
functions (`humanize`, `humanizeDuration`, `humanizePercentage`: Go's `%.4g` and integer-truncated
durations) for the values a generated test feeds in; tests/test_prometheus_templates.py checks the
port against promtool itself.
"""

from __future__ import annotations

import math
import re
import urllib.parse

PERCENT = "{{ $value | humanizePercentage }}"
DURATION = "{{ $value | humanizeDuration }}"
NUMBER = "{{ $value | humanize }}"


def first_label_of_query(query: str, label: str) -> str:
    """The `label` of the first series a PromQL query returns at alert time (e.g. the running version)."""
    return f'{{{{ with query `{query}` }}}}{{{{ . | first | label "{label}" }}}}{{{{ end }}}}'


_ALERT_LABEL = re.compile(r"\{\{ \$labels\.(\w+) \}\}")  # a grouped SLO's alerts name their group
_URL_LABEL = re.compile(r"\{\{ \$labels\.(\w+) \| urlquery \}\}")  # ... in a dashboard link's query
# a label some of one rule's alerts carry (a ServiceDown of one region), its text left out on the others
_WITH_LABEL = re.compile(r"\{\{ with \$labels\.(\w+) \}\}(.*?)\{\{ end \}\}")
_QUERY_LABEL = re.compile(r'\{\{ with query `[^`]*` \}\}\{\{ \. \| first \| label "(\w+)" \}\}\{\{ end \}\}')


def go_g4(value: float) -> str:
    """Go's fmt `%.4g` (the same rules as C's, which Python's `%` follows) with Go's Inf/NaN spelling."""
    if math.isnan(value):
        return "NaN"
    if math.isinf(value):
        return "+Inf" if value > 0 else "-Inf"
    return f"{value:.4g}"


def humanize_percentage(value: float) -> str:
    return go_g4(value * 100) + "%"


def humanize(value: float) -> str:
    if value == 0 or math.isnan(value) or math.isinf(value):
        return go_g4(value)
    prefix = ""
    if abs(value) >= 1:
        for p in ("k", "M", "G", "T", "P", "E", "Z", "Y"):
            if abs(value) < 1000:
                break
            prefix, value = p, value / 1000
        return go_g4(value) + prefix
    for p in ("m", "u", "n", "p", "f", "a", "z", "y"):
        if abs(value) >= 1:
            break
        prefix, value = p, value * 1000
    return go_g4(value) + prefix


def humanize_duration(value: float) -> str:
    if math.isnan(value) or math.isinf(value):
        return go_g4(value)
    if value == 0:
        return go_g4(value) + "s"
    if abs(value) >= 1:
        sign = "-" if value < 0 else ""
        whole = int(abs(value))  # Go's int64() truncates toward zero
        seconds, minutes, hours, days = whole % 60, whole // 60 % 60, whole // 3600 % 24, whole // 86400
        if days:
            return f"{sign}{days}d {hours}h {minutes}m {seconds}s"
        if hours:
            return f"{sign}{hours}h {minutes}m {seconds}s"
        if minutes:
            return f"{sign}{minutes}m {seconds}s"
        return f"{sign}{go_g4(abs(value))}s"
    prefix = ""
    for p in ("m", "u", "n", "p", "f", "a", "z", "y"):
        if abs(value) >= 1:
            break
        prefix, value = p, value * 1000
    return f"{go_g4(value)}{prefix}s"


def render(
    text: str, value: float, labels_of_queries: dict[str, str] | None = None, labels: dict[str, str] | None = None
) -> str:
    """The annotation as Prometheus expands it for an alert whose expression returned `value`."""
    if "{{" not in text:
        return text
    out = text
    for placeholder, spell in ((PERCENT, humanize_percentage), (DURATION, humanize_duration), (NUMBER, humanize)):
        if placeholder in out:
            out = out.replace(placeholder, spell(value))
    if "{{ with $labels." in out:
        known_labels = labels or {}
        out = _WITH_LABEL.sub(
            lambda m: (
                m.group(2)
                .replace("{{ . | urlquery }}", urllib.parse.quote_plus(known_labels[m.group(1)], safe=""))
                .replace("{{ . }}", known_labels[m.group(1)])
                if known_labels.get(m.group(1))
                else ""
            ),
            out,
        )
    if "{{ $labels." in out and labels is not None:
        # Go's urlquery is url.QueryEscape: only letters, digits and -_.~ are kept, a space is `+`
        out = _URL_LABEL.sub(lambda m: urllib.parse.quote_plus(labels.get(m.group(1), ""), safe=""), out)
        out = _ALERT_LABEL.sub(lambda m: labels.get(m.group(1), ""), out)
    if "{{ with query" in out:
        known = labels_of_queries or {}
        out = _QUERY_LABEL.sub(lambda m: known[m.group(1)], out)
    if "{{" in out:
        raise ValueError(f"annotation has a template obsc cannot predict: {text!r}")
    return out
