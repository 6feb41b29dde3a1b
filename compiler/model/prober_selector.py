"""A service measured only through a prober: its selector names the prober's scrape job, not the service.

A probe SLI reads `probe_success{job="blackbox"}`: the series carry the job of the exporter that probes (the
blackbox exporter), so the service selector names that exporter. The platform's default metrics put the same
selector in `container_cpu_usage_seconds_total{$selector}` or `http_requests_total{$selector}`: CPU, memory,
error-rate, latency and traffic alerts and panels about the exporter (its container, its own requests, or series
it does not have: alerts that can never fire), titled as the service's, without a word. When every series the spec
reads through its selector is a prober's (`probe_*`), every inherited metric read through the selector is left out
(said by `-v`; round 35: cpu, memory and disk only before); a spec that declares its own (`metrics: {cpu: ...}`,
with the service's own labels) keeps it, and a platform metric with `service_selector: false` (or an expression
without `$selector`) reads nothing through it and stays.
"Through its selector" covers the metrics' selectors and the `$selector` of their expressions and of raw SLIs,
read selector by selector (round 34: a raw SLI over `http_requests_total{$selector}` was not counted, and a
`probe_` anywhere in an expression's text made it a prober's); an expression that does not parse is the
service's own (its error is reported where it is checked), so a doubt keeps the platform's metrics.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from typing import Any

from compiler.model import promql_tree
from compiler.model.promql_check import SAMPLE_WINDOW, selectors
from compiler.model.promql_text import SELECTOR, holds
from compiler.model.saturation_check import SATURATION, metric_body

_PROBER_SERIES = "probe_"  # the blackbox exporter's (and its kin's) metric family
_SERIES = re.compile(r"\s*([A-Za-z_:][A-Za-z0-9_:]*)")
_NOT_THE_SERVICE = (*SATURATION, "build_info")  # read by obsc's own alerts, not evidence of what the selector names
_MARK = "obsc_service_selector"  # a label name no spec writes: the selectors that carry it are `$selector`'s
_RAW_ROLES = ("errors", "total", "error_ratio")


def prober_series(data: Mapping[str, Any]) -> list[str]:
    """The spec's metrics that read a prober's series through the service selector, when nothing else the spec
    writes reads anything through it (the selector is then the prober's); else []."""
    probed = []
    for name, series in _read_through_selector(data):
        if series and all(s.startswith(_PROBER_SERIES) for s in series):
            probed.append(name)
        elif series:
            return []  # the service's own: no need to read further
    return sorted(set(probed))


def _read_through_selector(data: Mapping[str, Any]) -> Iterator[tuple[str, list[str]]]:
    """(what, the series names it reads through the service selector) for each metric and raw SLI query; a
    name "" where it cannot be told (a selector without a metric name, a query that does not parse)."""
    for name, value in sorted((data.get("metrics") or {}).items()):
        if name in _NOT_THE_SERVICE:
            continue
        body = value if isinstance(value, Mapping) else {"selector": value}
        if body.get("service_selector") is False:
            continue  # reads nothing through the selector
        if "selector" in body:
            found = _SERIES.match(str(body["selector"]))
            yield str(name), [found.group(1) if found else ""]
        else:
            yield str(name), selected_series(str(body.get("expr", "")))
    for slo in data.get("slos") or []:
        raw = (slo.get("sli") or {}).get("raw") if isinstance(slo, Mapping) else None
        queries = raw if isinstance(raw, Mapping) else {}
        for role in _RAW_ROLES:
            if isinstance(queries.get(role), str):
                yield f"slos.{slo.get('name')}.sli.raw.{role}", selected_series(queries[role])


def selected_series(query: str) -> list[str]:
    """The series names `query`'s selectors read through `$selector` (none without it; [""] unparsed)."""
    if SELECTOR not in query:
        return []
    try:
        tree = promql_tree.parse_filled(query, window=SAMPLE_WINDOW, selector=f'{_MARK}="1"')
    except (ValueError, TypeError):
        return [""]
    return [s.name or "" for s in selectors(tree) if any(m.name == _MARK for m in s.matchers.matchers)]


def unapplied_defaults(data: Mapping[str, Any], inherited: Mapping[str, Any]) -> dict[str, str]:
    """The platform default metrics this spec's service does not get, each with why and what to write: every one
    read through the selector, when the selector is a prober's (see the module docstring)."""
    probed = prober_series(data)
    if not probed:
        return {}
    why = (
        f"every metric read through the selector is a prober's ({', '.join(probed)} read probe_* series), so the "
        "selector names the prober's job and the platform's metrics would read the prober's own series"
    )
    return {
        name: f"{why}; declare metrics.{name} here with the service's own labels to watch it"
        for name, value in inherited.items()
        if _reads_through_selector(name, value)
    }


def _reads_through_selector(name: str, value: Any) -> bool:
    body = metric_body(name, value)
    if not isinstance(body, Mapping) or body.get("service_selector") is False:
        return False
    return "selector" in body or holds(str(body.get("expr", "")), SELECTOR)


def prober_notes(data: Mapping[str, Any], inherited: Mapping[str, Any]) -> list[str]:
    """The `-v` note saying which platform metrics (and so alerts and panels) a probed service does not get."""
    unapplied = unapplied_defaults(data, inherited)
    left = sorted(set(unapplied) - set(data.get("metrics") or {}))
    return [f"platform metrics {', '.join(left)} not applied: {unapplied[left[0]]}"] if left else []
