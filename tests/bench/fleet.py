"""A synthetic fleet of N services (specs + platform) for benchmarks and fault tests."""

from __future__ import annotations

from pathlib import Path

PLATFORM = """\
apiVersion: obsc/v1
kind: Platform
runbook_url: https://runbooks.example/{path}
grafana_url: https://grafana.example
defaults:
  period: 30d
  alerts: {error_rate: {warning: WARNING_THRESHOLD}}
  routing:
    critical: {webhook: {url: "http://127.0.0.1:9/critical"}}
    warning: {webhook: {url: "http://127.0.0.1:9/warning"}}
    info: {webhook: {url: "http://127.0.0.1:9/info"}}
"""

SERVICE = """\
apiVersion: obsc/v1
service: {name}
team: team-{team}
selector: {{job: {name}}}
metrics:
  requests: http_requests_total
  errors: http_requests_total{{code=~"5.."}}
  latency: http_request_duration_seconds
slos:
  - {{name: availability, objective: 99.9, sli: {{errors: errors, total: requests}}}}
  - {{name: latency, objective: 99, period: 28d, sli: {{latency: latency, threshold: 300ms}}}}
"""


def write_fleet(root: Path, services: int, teams: int = 20, warning_threshold: str = "1%") -> Path:
    """Write `services` specs under root/specs and return that directory."""
    specs = root / "specs"
    specs.mkdir(parents=True, exist_ok=True)
    (specs / "platform.yaml").write_text(PLATFORM.replace("WARNING_THRESHOLD", warning_threshold))
    for i in range(services):
        name = f"svc-{i:04d}"
        (specs / f"{name}.yaml").write_text(SERVICE.format(name=name, team=i % teams))
    return specs
