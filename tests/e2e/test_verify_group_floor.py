"""`obsc verify`'s event floor per group of a grouped SLO, on a real Prometheus 2.42 (round 40).

Six hours of four tenants are backfilled, ending now: `busy` at 10 req/s, `mid` at 0.05 (180 in 1h), `quiet` at
0.01 (36 in 1h) and `idle`, a series exported at 0. Under the platform's `min_bad_events: 100` the whole SLO holds
36,216 requests in its 1h page window, and round 39's check (the whole SLO's mean) said nothing; but the burn
pairs gate per tenant, and a total outage of `quiet` holds 36 failures in 1h and 216 in 6h: it pages only on the
6h/30m pair, once 100 have failed, 2h47m in (promtool on the compiled rules, 1m steps: pending 2h49m in, firing
3h03m in after the 15m hold; the 1h/5m page never). `idle` has no traffic to lose and is left out. The answers
verify got here are recorded in tests/verify_recorded/floor40.json (tests/test_verify_recorded_floor.py replays
them without a server).
"""

from __future__ import annotations

import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import yaml

from compiler.verify import VerifyOptions, verify
from tests.conftest import require_tool
from tests.e2e import history, servers
from tests.platform_text import sink_platform

PLATFORM = sink_platform(before="defaults: {slo_alerts: {min_bad_events: 100}}\n")
SPEC = """\
apiVersion: obsc/v1
service: api
team: t
selector: {job: api}
targets: false
metrics: {requests: api_requests_total, errors: 'api_requests_total{code=~"5.."}'}
alerts: {error_rate: false, traffic_anomaly: false, traffic_milestone: false}
slos:
  - {name: availability, objective: 99.9, by: [tenant], sli: {errors: errors, total: requests}}
"""
TENANTS = {"busy": 10.0, "mid": 0.05, "quiet": 0.01, "idle": 0.0}  # requests a second
HOURS = 6
# the means read where the day's 5m steps fall on the backfill (about 0.0099 for 0.01): the figures are loose
FOUND = (
    "SLO 'availability': min_bad_events 100 (inherited: the platform's defaults.slo_alerts.min_bad_events, or the "
    "built-in 3) is more failures than the 1h page window holds for 1 of its 3 `tenant` groups (1 with under one "
    'event a day left out) at the last day\'s mean traffic, busiest first: tenant="quiet" ',
    " in 1h: pages only on the 6h/30m pair (2h4",
    " or less on this SLO (0: no floor), or give the quiet groups an SLO of their own",
)


def write_specs(directory: Path) -> Path:
    (directory / "platform.yaml").write_text(PLATFORM)
    spec = directory / "api.yaml"
    spec.write_text(SPEC)
    return spec


@contextmanager
def tenants_server(work: Path) -> Iterator[str]:
    """A Prometheus 2.42 holding the tenants' last six hours (one sample a minute), ending now."""
    promtool, binary = require_tool("promtool", "PROMTOOL"), require_tool("prometheus")
    end = int(time.time())
    start = end - HOURS * 3600
    lines = [
        f'api_requests_total{{code="{code}",job="api",tenant="{tenant}"}} {rate * (ts - start) if ok else 0} {ts}'
        for tenant, rate in TENANTS.items()
        for code, ok in (("200", True), ("500", False))
        for ts in range(start, end + 1, 60)
    ]
    source = work / "history.om"
    source.write_text(history.openmetrics(iter(lines)))
    subprocess.run(
        [promtool, "tsdb", "create-blocks-from", "openmetrics", str(source), str(work / "tsdb")],
        check=True,
        capture_output=True,
    )
    config = work / "prometheus.yml"
    config.write_text(yaml.safe_dump({"global": {"evaluation_interval": "1m"}}))
    with servers.prometheus(binary, config, work / "tsdb", work) as prom:
        yield prom.url


def test_a_quiet_tenant_that_cannot_page_is_found_at_the_floor_source(tmp_path: Path) -> None:
    specs = tmp_path / "specs"
    specs.mkdir()
    write_specs(specs)
    with tenants_server(tmp_path) as url:
        report = verify([str(specs)], VerifyOptions(url))
    found = [(f.location.line, f.path, f.message) for f in report.findings if "min_bad_events" in f.message]
    assert [(line, path) for line, path, _ in found] == [(9, ("slos", 0))], found
    assert found[0][2].startswith(FOUND[0]) and FOUND[1] in found[0][2] and found[0][2].endswith(FOUND[2]), found[0][2]
