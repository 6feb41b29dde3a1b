"""Platform metrics joined to the service's `up`, left out of a service nothing scrapes (`targets: false`).

The platform's CPU and memory read a service's pods by joining cAdvisor's series to `group by (namespace, pod)
(up{$selector})` (docs/operations.md). A service with `targets: false` (a batch job that pushes, one measured from
outside) has no `up`: the join returns nothing, ever, the alerts over it cannot fire, and, with no targets, no
missing-data twin says so (round 40: examples/nightly-backup and homepage-probe got ServiceCPUSaturation and
ServiceMemorySaturation rules that could never fire, without a word). Such a platform metric is left out of the
service, said by `-v`; a spec that declares its own keeps it.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from compiler.model.prober_selector import selected_series, unapplied_defaults
from compiler.model.saturation_check import metric_body

_UP = "up"


def unscraped_defaults(data: Mapping[str, Any], inherited: Mapping[str, Any]) -> dict[str, str]:
    """The platform default metrics a `targets: false` service does not get (those that read `up` through the
    selector), each with why and what to write."""
    if data.get("targets") is not False:
        return {}
    return {
        name: (
            "nothing scrapes this service (targets: false), so it has no `up`, and the platform's "
            f"metrics.{name} joins its series to the service's `up`: it would return nothing, ever, and its alerts "
            f"could never fire; declare metrics.{name} here with labels the service's own series carry to watch it"
        )
        for name, value in inherited.items()
        if _reads_own_up(name, value)
    }


def _reads_own_up(name: str, value: Any) -> bool:
    body = metric_body(name, value)
    if not isinstance(body, Mapping) or body.get("service_selector") is False or "expr" not in body:
        return False
    return _UP in selected_series(str(body["expr"]))


def unscraped_notes(data: Mapping[str, Any], inherited: Mapping[str, Any]) -> list[str]:
    """The `-v` note saying which platform metrics (and so alerts and panels) the service does not get (those a
    prober's selector leaves out already are said once, there)."""
    left = unscraped_defaults(data, inherited)
    names = sorted(set(left) - set(data.get("metrics") or {}) - set(unapplied_defaults(data, inherited)))
    return [f"platform metrics {', '.join(names)} not applied: {left[names[0]]}"] if names else []
