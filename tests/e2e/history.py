"""Synthetic history for the end-to-end fleet, written as OpenMetrics for `promtool tsdb create-blocks-from`.

Each service gets request counters (2xx and 5xx) and `up`; an incident is a stretch at the end with a
given error share. `for:` clauses need wall-clock evaluations that history cannot give, so the
alerts expected to fire also get `ALERTS_FOR_STATE` history, exactly as a Prometheus that had been
running and was restarted would have left it; the server restores their pending time from it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass

from compiler import conventions as names
from compiler.model.alerts import AlertDef, service_alerts
from compiler.model.types import Fleet

STEP = 60  # seconds between samples


@dataclass(frozen=True)
class Traffic:
    job: str
    requests_per_second: float  # 0: the service is up but idle
    error_share: float  # outside the incident
    incident_share: float = 0.0  # during the incident
    incident_seconds: int = 0


def _labels(labels: dict[str, str]) -> str:
    return "{" + ",".join(f'{k}="{v}"' for k, v in sorted(labels.items())) + "}"


def series(traffic: Traffic, start: int, end: int) -> Iterator[str]:
    ok_total = errors_total = 0.0
    ok_lines, error_lines, up_lines = [], [], []
    incident_from = end - traffic.incident_seconds
    for ts in range(start, end + 1, STEP):
        share = traffic.incident_share if traffic.incident_seconds and ts > incident_from else traffic.error_share
        errors_total += traffic.requests_per_second * share * STEP
        ok_total += traffic.requests_per_second * (1 - share) * STEP
        ok_lines.append(f"http_requests_total{_labels({'job': traffic.job, 'code': '200'})} {ok_total:.3f} {ts}")
        error_lines.append(f"http_requests_total{_labels({'job': traffic.job, 'code': '500'})} {errors_total:.3f} {ts}")
        up_lines.append(f"up{_labels({'job': traffic.job, 'instance': traffic.job + ':8080'})} 1 {ts}")
    yield from ok_lines
    yield from error_lines
    yield from up_lines


def for_state(labels: dict[str, str], active_since: int, end: int) -> Iterator[str]:
    """The `for:` bookkeeping series of one alert that has been pending since `active_since`."""
    for ts in range(active_since, end + 1, STEP):
        yield f"ALERTS_FOR_STATE{_labels(labels)} {active_since} {ts}"


def fleet_history(
    fleet: Fleet, traffic: dict[str, Traffic], fires: Callable[[AlertDef], bool], start: int, end: int
) -> list[str]:
    """Every service's traffic, the error types the coarse group records, and `for:` state for the alerts
    `fires` picks (the fast pair of a burn alert only): what an engine running all along would hold."""
    lines: list[str] = []
    for service in fleet.services:
        lines.extend(series(traffic[service.name], start, end))
        # What the coarse group records from its error series, as a server running all along would hold it:
        # without it every error type already in the history is "new" once that group first evaluates.
        recorded = f'{names.SERVICE_ERROR_TYPES}{{code="500",service="{service.name}"}}'
        lines.extend(f"{recorded} 1 {ts}" for ts in range(start, end + 1, STEP))
        for alert in service_alerts(service):
            if fires(alert) and (alert.window is None or alert.window.name == "fast"):
                lines.extend(for_state({"alertname": alert.name, **alert.labels()}, end - 3600, end))
    return lines


def openmetrics(lines: Iterator[str]) -> str:
    return "\n".join(lines) + "\n# EOF\n"
