"""Issue 14 end to end: freshness SLIs of batch jobs on a real Prometheus 2.42.

Three nightly jobs push a last-success timestamp (to a Pushgateway: nothing scrapes them, `targets: false`):
- `stale-export` last succeeded 30h ago (max_age 26h): SLOFreshnessStale fires, its slices are bad;
- `fresh-export` succeeded 2h ago: nothing fires, its slices are good;
- `never-export` never pushed: SLODataMissing becomes active (no `up` to wait for), its slices are not
  counted (neither good nor bad), and the stale alert stays quiet (there is no age to compare).
The last hour of each gauge is backfilled, ending now; no rule of these services reads `up`.
"""

from __future__ import annotations

import subprocess
import time
import urllib.parse
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
import yaml

from compiler import conventions as names
from compiler.api import CompileOptions, compile_specs
from compiler.output import writer
from tests.conftest import require_tool
from tests.e2e import history, servers
from tests.platform_text import sink_platform

SPEC = """\
apiVersion: obsc/v1
service: {name}
team: t
selector: {{job: {name}}}
targets: false
metrics:
  last_success: {{selector: export_last_success_timestamp_seconds, type: gauge}}
slos:
  - {{name: fresh, objective: 99, period: 7d, sli: {{last_success: last_success, max_age: 26h}}}}
"""
PLATFORM = sink_platform()
AGES = {"stale-export": 30 * 3600, "fresh-export": 2 * 3600}  # seconds since the last success, now
JOBS = (*AGES, "never-export")


@dataclass
class Run:
    prometheus: str
    rules: str


@pytest.fixture(scope="module")
def run(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Run]:
    promtool = require_tool("promtool", "PROMTOOL")
    prometheus_bin = require_tool("prometheus")
    work = tmp_path_factory.mktemp("freshness")
    specs = work / "specs"
    specs.mkdir()
    for name in JOBS:
        (specs / f"{name}.yaml").write_text(SPEC.format(name=name))
    (specs / "platform.yaml").write_text(PLATFORM)
    compilation = compile_specs([str(specs)], CompileOptions())
    out = work / "generated"
    writer.write(writer.plan(compilation.bundle, str(out)))
    rules_dir = out / names.PROMETHEUS_DIR / "rules"
    end = int(time.time())
    lines = [
        f'export_last_success_timestamp_seconds{{job="{job}"}} {end - age} {ts}'
        for job, age in AGES.items()
        for ts in range(end - 3600, end + 1, 60)
    ]
    source = work / "history.om"
    source.write_text(history.openmetrics(iter(lines)))
    subprocess.run(
        [promtool, "tsdb", "create-blocks-from", "openmetrics", str(source), str(work / "tsdb")],
        check=True,
        capture_output=True,
    )
    config = work / "prometheus.yml"
    config.write_text(
        yaml.safe_dump({"global": {"evaluation_interval": "1s"}, "rule_files": [str(rules_dir / "*.yaml")]})
    )
    rules_text = "\n".join(p.read_text() for p in sorted(rules_dir.glob("*.yaml")))
    with servers.prometheus(prometheus_bin, config, work / "tsdb", work) as prom:
        yield Run(prom.url, rules_text)


def _alerts(run: Run) -> list[dict[str, Any]]:
    return list(servers.get_json(run.prometheus + "/api/v1/alerts")["data"]["alerts"])


def _active(run: Run) -> set[tuple[str, str]]:
    return {(a["labels"]["service"], a["labels"]["alertname"]) for a in _alerts(run)}


def _query(run: Run, expr: str) -> list[dict[str, Any]]:
    url = run.prometheus + "/api/v1/query?query=" + urllib.parse.quote(expr, safe="")
    return list(servers.get_json(url)["data"]["result"])


def _settled(run: Run) -> set[tuple[str, str]]:
    expected = {("stale-export", names.SLO_FRESHNESS_STALE), ("never-export", names.SLO_DATA_MISSING)}
    servers.wait_until(lambda: _active(run) >= expected, 60, what=f"{sorted(expected)} active")
    time.sleep(2)  # a few more evaluations: nothing else may turn up
    return _active(run)


def test_a_stale_batch_job_raises_its_freshness_alert_and_a_fresh_one_does_not(run: Run) -> None:
    active = _settled(run)
    stale = [a for a in _alerts(run) if a["labels"]["alertname"] == names.SLO_FRESHNESS_STALE]
    assert [(a["labels"]["service"], a["state"], a["labels"]["severity"]) for a in stale] == [
        ("stale-export", "firing", "warning")
    ]
    assert float(stale[0]["value"]) == pytest.approx(AGES["stale-export"], abs=120), "the value is the age"
    assert not {a for a in active if a[0] == "fresh-export"}, "a job that succeeded 2h ago raises nothing"


def test_slices_are_bad_while_stale_good_while_fresh_and_not_counted_without_data(run: Run) -> None:
    _settled(run)
    bits = {r["metric"]["service"]: float(r["value"][1]) for r in _query(run, names.SLI_BAD_SLICE)}
    assert bits == {"stale-export": 1.0, "fresh-export": 0.0}, "never-export has no slice at all, not a good one"


def test_a_job_that_never_ran_raises_data_missing_without_any_up_series(run: Run) -> None:
    active = _settled(run)
    assert {a for a in active if a[0] == "never-export"} == {("never-export", names.SLO_DATA_MISSING)}
    assert "up{" not in run.rules and "ServiceDown" not in run.rules, "nothing of these services reads `up`"
