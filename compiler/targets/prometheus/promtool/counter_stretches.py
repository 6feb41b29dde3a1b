"""promtool input values of a counter fed in stretches of steady traffic with silence between and after them: the
day-and-a-week-back cases of the silent-group branch (missing_silent.py) and of SLOTrafficStopped (stopped_cases.py)."""

from __future__ import annotations

from compiler.model.types import Service
from compiler.targets.prometheus.promtool.cases import InputSeries
from compiler.targets.prometheus.promtool.series import satisfy

# (events a second, first sample, last sample), samples counted from 0
Stretch = tuple[float, int, int]


def stretch_values(stretches: tuple[Stretch, ...], scrape_seconds: int, last_sample: int) -> str:
    """promtool values: each stretch's counter rising by its rate, no samples between stretches and after the last
    one up to `last_sample`."""
    parts, value, at = [], 0.0, 0
    for per_second, first, last in stretches:
        if first > at:
            parts.append(f"_x{first - at}")
        step = per_second * scrape_seconds
        parts.append(f"{_number(value)}+{_number(step)}x{last - first}")
        value, at = value + step * (last - first + 1), last + 1
    if at <= last_sample:
        parts.append(f"_x{last_sample - at + 1}")
    return " ".join(parts)


def targets_up(service: Service, last_sample: int) -> list[InputSeries] | None:
    """The service's targets up through the replay ([] without targets), None where no `up` labels pass them."""
    if not service.targets:
        return []
    up = satisfy(service.targets)
    if up is None:
        return None
    return [InputSeries("up", tuple(sorted(up.items())), f"1x{last_sample}")]


def _number(value: float) -> str:
    return str(int(value)) if value == int(value) else repr(value)
