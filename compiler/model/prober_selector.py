"""A service measured only through a prober: its selector names the prober's scrape job, not the service.

A probe SLI reads `probe_success{job="blackbox"}`: the series carry the job of the exporter that probes (the
blackbox exporter), so the service selector names that exporter. The platform's saturation metrics put the same
selector in `container_cpu_usage_seconds_total{$selector}`: CPU and memory alerts and panels about the exporter's
container, titled as the service's, alerting on the wrong process without a word. When every metric the spec reads
through its selector is a prober's (`probe_*`), the inherited cpu, memory and disk metrics are left out (said by
`-v`); a spec that declares its own (`metrics: {cpu: ...}`, with the service's own selector) keeps them.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from compiler.model.saturation_check import SATURATION

_PROBER_SERIES = "probe_"  # the blackbox exporter's (and its kin's) metric family
_SERIES = re.compile(r"\s*([A-Za-z_:][A-Za-z0-9_:]*)")
_NOT_THE_SERVICE = (*SATURATION, "build_info")  # read by obsc's own alerts, not evidence of what the selector names


def prober_series(data: Mapping[str, Any]) -> list[str]:
    """The spec's metrics that read a prober's series through the service selector, when no other metric reads
    anything through it (the selector is then the prober's); else []."""
    probed, own = [], False
    for name, value in sorted((data.get("metrics") or {}).items()):
        if name in _NOT_THE_SERVICE:
            continue
        body = value if isinstance(value, Mapping) else {"selector": value}
        if body.get("service_selector") is False:
            continue  # reads nothing through the selector
        if "selector" in body:
            found = _SERIES.match(str(body["selector"]))
            series = found.group(1) if found else ""
        else:
            text = str(body.get("expr", ""))
            if "$selector" not in text:
                continue  # reads nothing through the selector
            series = _PROBER_SERIES if _PROBER_SERIES in text else ""
        if series.startswith(_PROBER_SERIES):
            probed.append(str(name))
        else:
            own = True
    return [] if own else probed


def inherited_saturation_left_out(data: Mapping[str, Any], name: str) -> bool:
    """Whether platform default metric `name` is left out of this spec's service (see the module docstring)."""
    return name in SATURATION and bool(prober_series(data))


def prober_notes(data: Mapping[str, Any]) -> list[str]:
    """The `-v` note saying why a probed service has no CPU, memory or disk alerts from the platform's metrics."""
    probed = prober_series(data)
    declared = set(data.get("metrics") or {})
    left = [name for name in SATURATION if name not in declared]
    if not probed or not left:
        return []
    return [
        f"platform metrics {', '.join(left)} not applied: every metric read through the selector is a prober's "
        f"({', '.join(probed)} read probe_* series), so the selector names the prober's job and they would watch "
        f"the prober's container; declare metrics.{left[0]} here with the service's own labels to watch it"
    ]
