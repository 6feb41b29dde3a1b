"""A `within:` threshold alert's holds at a declared evaluation interval under a minute (30s, 45s).

The holds case feeds its inputs at 1m and evaluates at the declared interval (interval_cases.py). A `within`
timestamp fed at 1m runs ahead of the clock only at each sample: at an evaluation between samples the time left
is short by the time since the latest sample. Drawn fleet 5000 (selftest53: a 30s platform, `within: 14d` held
1m, kept 5m) expected its kept alert to show "10d 12h 0m 0s" away, and Prometheus showed "10d 11h 59m 30s" (the
value of its last evaluation over the line, at 1m30s): promtool failed the compile (exit 1). A line of a few
minutes fed a quiet value within a minute of it: between samples that reads under the line and fires.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from tests.conftest import require_tool
from tests.routing_oracle import compile_fleet

PLATFORM = """\
apiVersion: obsc/v1
kind: Platform
defaults:
  slo_alerts: {{evaluation_interval: {every}}}
teams:
  web: {{routing: {{critical: hook, warning: hook}}}}
receivers:
  hook: {{webhook: {{url: "http://127.0.0.1:9/hook"}}}}
"""

SHOP = """\
apiVersion: obsc/v1
service: shop
team: web
selector: {{job: shop}}
metrics:
  requests: http_requests_total
  errors: http_requests_total{{code=~"5.."}}
  cert_expiry:
    selector: probe_ssl_earliest_cert_expiry{{instance="https://shop.example/"}}
    type: gauge
    service_selector: false
  token_expiry: {{selector: token_expiry_timestamp_seconds, type: gauge}}
slos:
  - {{name: availability, objective: 99.9, sli: {{errors: errors, total: requests}}}}
threshold_alerts:
  - {{name: CertExpiring, metric: cert_expiry, within: 14d, for: {hold}, tier: warning}}
  - {{name: TokenExpiring, metric: token_expiry, within: 2m, for: {hold}, tier: warning}}
"""


@pytest.mark.parametrize(("every", "hold"), [("30s", "1m"), ("45s", "1m"), ("30s", "2m"), ("45s", "0s")])
def test_within_holds_pass_at_a_declared_interval_under_a_minute(tmp_path: Path, every: str, hold: str) -> None:
    promtool = require_tool("promtool")
    specs = tmp_path / "specs"
    specs.mkdir()
    (specs / "platform.yaml").write_text(PLATFORM.format(every=every))
    (specs / "shop.yaml").write_text(SHOP.format(hold=hold))
    done = compile_fleet(specs, tmp_path / "out")
    assert done.returncode == 0, done.stderr
    test = tmp_path / "out" / "prometheus" / "tests" / "shop.interval.test.yaml"
    assert "CertExpiring" in test.read_text() and "TokenExpiring" in test.read_text()
    checked = subprocess.run([promtool, "test", "rules", str(test)], capture_output=True, text=True, check=False)
    assert checked.returncode == 0, checked.stdout[-4000:] + checked.stderr[-2000:]
