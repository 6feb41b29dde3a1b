"""Issue 11 end to end: obsc's SLO rules on a real Prometheus 2.42 over a week of backfilled history.

- a 7d SLO spending half its budget raises nothing (the Workbook's 7d shares would ticket it);
- a latency threshold that is not a bucket boundary raises SLODataMissing, not silence and not a page;
- a service at 0.5 req/s burning 27x its budget pages; one failure at 0.01 req/s does not;
- an SLI metric renamed under the spec raises SLODataMissing and no page.

`for:` needs wall-clock evaluations: alerts expected to fire get `ALERTS_FOR_STATE` history (as a server
restarted after they had been pending would have), restored with a 1s grace period. The coarse tier
(1d / 3d / period windows) reads recorded 5m rates: those are backfilled too, at their 5m cadence, and
the test copy of the rules evaluates the coarse group every second instead of every 5 minutes (the
only change made to them) so the test does not wait for its first evaluation.
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
from compiler.model.alerts import service_alerts
from compiler.output import writer
from tests.conftest import require_tool
from tests.e2e import history, servers
from tests.platform_text import sink_platform

DAY, STEP = 86400, 60
BASE = """\
apiVersion: obsc/v1
service: {name}
team: t
selector: {{job: {name}}}
alerts: {{traffic_anomaly: false, traffic_milestone: false, new_error_type: false}}
"""
COUNTERS = "metrics: {requests: http_requests_total, errors: 'http_requests_total{code=\"500\"}'}\n"
SPECS = {
    "weekly": COUNTERS + "slos: [{name: avail, objective: 99.9, period: 7d, sli: {errors: errors, total: requests}}]\n",
    "slow": COUNTERS + "slos: [{name: avail, objective: 99.9, sli: {errors: errors, total: requests}}]\n",
    "lonely": COUNTERS + "slos: [{name: avail, objective: 99.9, sli: {errors: errors, total: requests}}]\n",
    "renamed": COUNTERS + "slos: [{name: avail, objective: 99.9, sli: {errors: errors, total: requests}}]\n",
    "histo": "metrics: {requests: http_request_duration_seconds_count, latency: http_request_duration_seconds}\n"
    + "slos: [{name: fast, objective: 99, sli: {latency: latency, threshold: 300ms}}]\n",
}
PLATFORM = sink_platform()
# (service, alert name) that must be firing; every other SLO alert of these services must be absent.
FIRING = {("histo", "SLODataMissing"), ("renamed", "SLODataMissing"), ("slow", "SLOErrorBudgetBurnFast")}


def _labels(labels: dict[str, str]) -> str:
    return "{" + ",".join(f'{k}="{v}"' for k, v in sorted(labels.items())) + "}"


def _counter(name: str, labels: dict[str, str], per_second: float, start: int, end: int) -> Iterator[str]:
    for i, ts in enumerate(range(start, end + 1, STEP)):
        yield f"{name}{_labels(labels)} {per_second * STEP * i:.6f} {ts}"


def _raw(start: int, end: int) -> Iterator[str]:
    for job in SPECS:
        yield from (f"up{_labels({'job': job, 'instance': job + ':80'})} 1 {ts}" for ts in range(start, end + 1, STEP))
    rps = {"weekly": 5.0, "slow": 0.5, "renamed": 5.0}
    share = {"weekly": 0.0005, "slow": 0.027, "renamed": 0.0005}  # half the budget; 27x a 99.9% budget
    for job, rate in rps.items():
        metric = "http_server_requests_total" if job == "renamed" else "http_requests_total"
        yield from _counter(metric, {"job": job, "code": "200"}, rate * (1 - share[job]), start, end)
        yield from _counter(metric, {"job": job, "code": "500"}, rate * share[job], start, end)
    # one request every 100 s, and one of them failed two minutes ago (inside the 5m short window)
    yield from _counter("http_requests_total", {"job": "lonely", "code": "200"}, 0.01, start, end)
    failed = end - 120
    yield from (
        f'http_requests_total{{code="500",job="lonely"}} {0 if ts < failed else 1} {ts}'
        for ts in range(start, end + 1, STEP)
    )
    # 3 req/s, 30% slower than 0.5s; buckets 0.1/0.25/0.5/1: no 0.3 bucket exists
    for le, share_under in (("0.1", 0.2), ("0.25", 0.5), ("0.5", 0.7), ("1", 0.9), ("+Inf", 1.0)):
        yield from _counter(
            "http_request_duration_seconds_bucket", {"job": "histo", "le": le}, 3 * share_under, start, end
        )
    yield from _counter("http_request_duration_seconds_count", {"job": "histo"}, 3.0, start, end)


def _coarse(fleet: Any, start: int, end: int) -> Iterator[str]:
    """The coarse tier's recorded 5m rates over the history, as a server running all along would have them."""
    steady = {"weekly": (5.0, 0.0025), "slow": (0.5, 0.0135), "renamed": None, "lonely": (0.01, 0.0), "histo": None}
    for service in fleet.services:
        rates = steady[service.name]
        if rates is None:
            continue
        for slo in service.slos:
            labels = {names.LABEL_SERVICE: service.name, names.LABEL_SLO: slo.name, names.LABEL_WINDOW: "5m"}
            for ts in range(start - start % 300, end - 300, 300):
                yield f"{names.SLI_TOTAL_COARSE}{_labels(labels)} {rates[0]} {ts}"
                yield f"{names.SLI_ERRORS_COARSE}{_labels(labels)} {rates[1]} {ts}"


@dataclass
class Run:
    prometheus: str
    fleet: Any


@pytest.fixture(scope="module")
def run(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Run]:
    promtool = require_tool("promtool", "PROMTOOL")
    prometheus_bin = require_tool("prometheus")
    work = tmp_path_factory.mktemp("slo-periods")
    specs = work / "specs"
    specs.mkdir()
    for name, text in SPECS.items():
        (specs / f"{name}.yaml").write_text(BASE.format(name=name) + text)
    (specs / "platform.yaml").write_text(PLATFORM)
    compilation = compile_specs([str(specs)], CompileOptions())
    out = work / "generated"
    writer.write(writer.plan(compilation.bundle, str(out)))
    rules_dir = out / names.PROMETHEUS_DIR / "rules"
    for path in rules_dir.glob("*.yaml"):  # test-only: the coarse group every second (see the module doc)
        data = yaml.safe_load(path.read_text())
        for group in data["groups"]:
            if "interval" in group:
                group["interval"] = "1s"
        path.write_text(yaml.safe_dump(data, sort_keys=False))
    end = int(time.time()) - 60
    start = end - 7 * DAY
    lines = [*_raw(start, end), *_coarse(compilation.fleet, start, end)]
    for service in compilation.fleet.services:
        for alert in service_alerts(service):
            if (service.name, alert.name) in FIRING and (alert.window is None or alert.window.name == "fast"):
                lines.extend(history.for_state({"alertname": alert.name, **alert.labels()}, end - 3600, end))
    source = work / "history.om"
    source.write_text(history.openmetrics(iter(lines)))
    subprocess.run(
        [
            promtool,
            "tsdb",
            "create-blocks-from",
            "openmetrics",
            "--max-block-duration=200h",
            str(source),
            str(work / "tsdb"),
        ],
        check=True,
        capture_output=True,
    )
    config = work / "prometheus.yml"
    config.write_text(
        yaml.safe_dump({"global": {"evaluation_interval": "1s"}, "rule_files": [str(rules_dir / "*.yaml")]})
    )
    with servers.prometheus(
        prometheus_bin, config, work / "tsdb", work, extra=["--rules.alert.for-grace-period=1s"]
    ) as prom:
        yield Run(prom.url, compilation.fleet)


def _alerts(run: Run) -> list[dict[str, Any]]:
    return list(servers.get_json(run.prometheus + "/api/v1/alerts")["data"]["alerts"])


def _settled(run: Run) -> list[dict[str, Any]]:
    """Alerts once every expected one fires (every group has evaluated by then) and two more seconds."""

    def firing() -> set[tuple[str, str]]:
        return {(a["labels"]["service"], a["labels"]["alertname"]) for a in _alerts(run) if a["state"] == "firing"}

    servers.wait_until(lambda: firing() >= FIRING, 60, what=f"{sorted(FIRING)} firing")
    time.sleep(2)
    return _alerts(run)


def _query(run: Run, expr: str) -> float:
    result = servers.get_json(run.prometheus + "/api/v1/query?query=" + urllib.parse.quote(expr, safe=""))["data"][
        "result"
    ]
    assert result, f"no value for {expr}"
    return float(result[0]["value"][1])


def _of(alerts: list[dict[str, Any]], service: str) -> list[str]:
    return sorted(f"{a['labels']['alertname']}/{a['state']}" for a in alerts if a["labels"]["service"] == service)


def test_a_7d_slo_at_half_its_budget_raises_nothing_for_a_week(run: Run) -> None:
    alerts = _settled(run)
    assert _of(alerts, "weekly") == []
    budget = 0.001
    three_days = _query(run, 'slo:sli_error:ratio_rate3d{service="weekly"}')
    assert three_days == pytest.approx(0.5 * budget, rel=0.05), "the 3d window reads the backfilled week"
    assert three_days > 0.233 * budget, "the Workbook's 7d share (3d pair at 0.233) would have ticketed it"
    assert _query(run, 'slo:error_budget_remaining:ratio{service="weekly"}') == pytest.approx(0.5, abs=0.05)


def test_an_off_bucket_threshold_raises_data_missing_not_silence(run: Run) -> None:
    alerts = _settled(run)
    assert _of(alerts, "histo") == ["SLODataMissing/firing"], "no burn alert reads 0% errors off a missing bucket"


def test_a_quiet_service_burning_27x_pages(run: Run) -> None:
    alerts = _settled(run)
    assert "SLOErrorBudgetBurnFast/firing" in _of(alerts, "slow")


def test_one_failure_at_0_01_req_per_s_does_not_page(run: Run) -> None:
    alerts = _settled(run)
    # Pages and the key error-rate alert only: the test's coarse tier, evaluated every second, weighs each
    # second since start like 5 minutes of history, which inflates this one failure in the 1d/3d windows.
    lonely = [a for a in alerts if a["labels"]["service"] == "lonely"]
    assert [a["labels"]["alertname"] for a in lonely if a["labels"]["severity"] == "critical"] == []
    assert not any(a["labels"]["alertname"] == "ServiceHighErrorRate" for a in lonely)
    one_hour = _query(run, 'slo:sli_error:ratio_rate1h{service="lonely"}')
    assert one_hour > 0.0144, "the 1h ratio is far above the page line: only min_bad_events keeps it quiet"


def test_a_renamed_sli_metric_raises_data_missing_and_no_page(run: Run) -> None:
    alerts = _settled(run)
    assert _of(alerts, "renamed") == ["SLODataMissing/firing"]
