"""The synthetic fleet of N services (specs + platform) for benchmarks and fault tests: one generator.

Two shapes:
- plain (default): 2 SLOs (availability 30d, latency 28d) and the platform's key-metric defaults, with the
  platform's error-rate warning threshold as a parameter (tests change it to make every file change);
- rich (`rich=True`, the benchmark fleet of issue 3; `distinct=True` gives every service its own latency
  threshold, so no two share their generation): 3 SLOs (ratio with min_bad_events, latency, raw PromQL
  over 28d) and every key-metric alert (error rate, p99 latency, down, CPU, memory, disk, disk full, traffic,
  deployments, new error types, milestones), as `make bench` compiles it for 1,000 services.
"""

from __future__ import annotations

import contextlib
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

PLATFORM = """\
apiVersion: obsc/v1
kind: Platform
runbook_url: https://runbooks.example/{path}
grafana_url: https://grafana.example
defaults:
  period: 30d
DEFAULTS  routing:
    critical: {webhook: {url: "http://127.0.0.1:9/critical"}}
    warning: {webhook: {url: "http://127.0.0.1:9/warning"}}
    info: {webhook: {url: "http://127.0.0.1:9/info"}}
"""

PLAIN_DEFAULTS = """\
  alerts: {error_rate: {warning: WARNING_THRESHOLD}}
"""

RICH_DEFAULTS = """\
  metrics:
    cpu: sum(rate(container_cpu_usage_seconds_total{$selector}[$window])) / sum(kube_pod_cpu_limits{$selector})
    memory: sum(container_memory_working_set_bytes{$selector}) / sum(machine_memory_bytes{$selector})
"""

SERVICE_HEAD = """\
apiVersion: obsc/v1
service: {name}
team: team-{team}
selector: {{job: {name}}}
metrics:
  requests: http_requests_total
  errors: http_requests_total{{code=~"5.."}}
  latency: http_request_duration_seconds
"""

PLAIN_SERVICE = (
    SERVICE_HEAD
    + """\
slos:
  - {{name: availability, objective: 99.9, sli: {{errors: errors, total: requests}}}}
  - {{name: latency, objective: 99, period: 28d, sli: {{latency: latency, threshold: 300ms}}}}
"""
)

RICH_SERVICE = (
    SERVICE_HEAD
    + """\
  build_info: app_build_info
  disk: 1 - sum(node_filesystem_avail_bytes{{$selector}}) / sum(node_filesystem_size_bytes{{$selector}})
slos:
  - {{name: availability, objective: 99.9, sli: {{errors: errors, total: requests}}, min_bad_events: 5}}
  - {{name: latency, objective: 99, sli: {{latency: latency, threshold: 300ms}}}}
  - name: jobs
    objective: 99.5
    period: 28d
    sli:
      raw:
        errors: sum(rate(jobs_total{{$selector,outcome="failed"}}[$window]))
        total: sum(rate(jobs_total{{$selector}}[$window]))
alerts:
  error_rate: {{critical: 10%, warning: 2%}}
  latency_p99: {{critical: 2s, warning: 800ms}}
"""
)


def platform_text(rich: bool = False, warning_threshold: str = "1%") -> str:
    defaults = RICH_DEFAULTS if rich else PLAIN_DEFAULTS.replace("WARNING_THRESHOLD", warning_threshold)
    return PLATFORM.replace("DEFAULTS", defaults)


def service_text(index: int, teams: int = 20, rich: bool = False, distinct: bool = False) -> str:
    """One service's spec; `distinct` gives each its own latency threshold, so no two services share a
    shape (compiler/targets/shapes.py) and every one is generated in full."""
    name = f"svc-{index:04d}"
    text = (RICH_SERVICE if rich else PLAIN_SERVICE).format(name=name, team=index % teams)
    return text.replace("threshold: 300ms", f"threshold: {100 + index}ms") if distinct else text


def write_fleet(
    root: Path,
    services: int,
    teams: int = 20,
    warning_threshold: str = "1%",
    rich: bool = False,
    distinct: bool = False,
) -> Path:
    """Write `services` specs (svc-0000...) and platform.yaml under root/specs; return that directory.

    Writing again over the same root rewrites the files (tests change `warning_threshold` this way).
    `warning_threshold` is the platform's error-rate warning default; rich services set their own.
    """
    specs = root / "specs"
    specs.mkdir(parents=True, exist_ok=True)
    (specs / "platform.yaml").write_text(platform_text(rich, warning_threshold))
    for i in range(services):
        (specs / f"svc-{i:04d}.yaml").write_text(service_text(i, teams, rich, distinct))
    return specs


def with_standard_dashboard(specs: Path) -> None:
    """Every service also asks for the examples' golden-signals standard dashboard (a Jsonnet function)."""
    (specs / "lib").mkdir(exist_ok=True)
    shutil.copy(ROOT / "examples" / "lib" / "golden-signals.jsonnet", specs / "lib")
    text = (specs / "platform.yaml").read_text()
    text = text.replace("defaults:\n", "defaults:\n  dashboards: [service, golden-signals]\n", 1)
    (specs / "platform.yaml").write_text(text + "standard_dashboards:\n  golden-signals: lib/golden-signals.jsonnet\n")


_deferred: list[str] | None = None  # scratch directories left for cleanup_at_the_end


@contextlib.contextmanager
def scratch() -> Iterator[Path]:
    """A temporary directory for one benchmark, removed when it ends (or by `cleanup_at_the_end`)."""
    path = tempfile.mkdtemp(prefix="obsc-bench-")
    try:
        yield Path(path)
    finally:
        if _deferred is not None:
            _deferred.append(path)
        else:
            shutil.rmtree(path, ignore_errors=True)


@contextlib.contextmanager
def cleanup_at_the_end() -> Iterator[None]:
    """Keep every scratch directory until the block ends: on this machine's ext4 (no journal), creating files
    for minutes after many were deleted is several times slower, so a benchmark's clean-up would slow the
    next benchmark's writes."""
    global _deferred
    _deferred = []
    try:
        yield
    finally:
        for path in _deferred:
            shutil.rmtree(path, ignore_errors=True)
        _deferred = None
