"""`-v` notes: which of an SLO's numbers its spec did not write, and where they come from.

An SLO's period, its `min_bad_events` floor and its burn-rate windows come from the platform's defaults or the
built-in tables unless the SLO sets them, and each means something else on another service: a 100-event floor
held a quiet service's total outage back for hours (round 39), a platform's catalog replaces the built-in one for
its period only. `-v` says, per SLO, what it inherited and from where, as it does for the key alerts' lines.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from compiler.model.build_context import Layer
from compiler.model.sli_kinds import SLICE_KINDS
from compiler.model.types import Service, SliKind, Slo
from compiler.model.units import format_duration, parse_duration

_BUILT_IN = "the built-in table"


def slo_source_notes(service: Service, data: Mapping[str, Any], defaults: Layer) -> list[str]:
    """One note per SLO that inherits its period, its event floor or its burn windows, naming their source."""
    written = {str(s.get("name")): s for s in data.get("slos") or () if isinstance(s, Mapping)}
    slo_alerts = defaults.data.get("slo_alerts") or {}
    notes = []
    for slo in service.slos:
        own = written.get(slo.name, {})
        parts = []
        if "period" not in own:
            parts.append(f"its period {format_duration(slo.period_seconds)} from {_from(defaults, ('period',))}")
        if "min_bad_events" not in own and slo.sli.kind is not SliKind.ERROR_RATIO:
            what = "bad slices" if slo.sli.kind in SLICE_KINDS else "failed events"
            where = _from(defaults, ("slo_alerts", "min_bad_events"))
            parts.append(f"its floor of {slo.min_bad_events} {what} (min_bad_events) from {where}")
        parts.append(f"its burn windows from {_catalog(slo, slo_alerts.get('windows'), defaults)}")
        notes.append(f"slo {slo.name}: " + ", ".join(parts))
    return notes


def _from(defaults: Layer, path: tuple[str, ...]) -> str:
    data: Any = defaults.data
    for key in path:
        data = data.get(key) if isinstance(data, Mapping) else None
    if data is None:
        return _BUILT_IN
    return f"platform defaults, {defaults.ctx.loc((*defaults.base, *path))}"


def _catalog(slo: Slo, windows: Any, defaults: Layer) -> str:
    period = format_duration(slo.period_seconds)
    for key in windows or {} if isinstance(windows, Mapping) else {}:
        try:
            if parse_duration(str(key)) == slo.period_seconds:
                where = defaults.ctx.loc((*defaults.base, "slo_alerts", "windows", key), key=True)
                return f"the platform's {period} catalog, {where}"
        except ValueError:
            continue
    return f"the built-in {period} catalog"
