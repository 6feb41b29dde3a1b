"""Where a located warning about a metric points: the spec's own `metrics:` entry, or the platform default the
service inherits (one warning for every service it reaches)."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from compiler.errors import Diagnostic, Location
from compiler.model.promql import Matcher
from compiler.model.types import Metric, Service
from compiler.spec.document import Path


def metric_path(service: Service, metric: Metric) -> Path:
    """`metrics.NAME` when the metric is written in the service's spec, else `defaults.metrics.NAME`."""
    own = metric.location.file == service.location.file
    return ("metrics", metric.name) if own else ("defaults", "metrics", metric.name)


def selector_warnings(
    services: Sequence[Service], judge: Callable[[str, Sequence[Matcher]], str | None]
) -> list[Diagnostic]:
    """One located warning per selector metric `judge` finds fault with (its series name and matchers), once however
    many services read it (a platform default reaches them all)."""
    found: dict[tuple[Location, Path], str] = {}
    for service in services:
        for metric in service.metrics:
            selector = metric.selector
            if selector is None or (message := judge(selector.metric, selector.matchers)) is None:
                continue
            found.setdefault((metric.location, metric_path(service, metric)), message)
    return [Diagnostic(location, path, message) for (location, path), message in found.items()]
