"""Where a located warning about a metric points: the spec's own `metrics:` entry, or the platform default the
service inherits (one warning for every service it reaches)."""

from __future__ import annotations

from compiler.model.types import Metric, Service
from compiler.spec.document import Path


def metric_path(service: Service, metric: Metric) -> Path:
    """`metrics.NAME` when the metric is written in the service's spec, else `defaults.metrics.NAME`."""
    own = metric.location.file == service.location.file
    return ("metrics", metric.name) if own else ("defaults", "metrics", metric.name)
