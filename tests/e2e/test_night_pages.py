"""Round 31 end to end: a burn pair's "no events is no recovery" branch holds a page, never starts one, on a real
Prometheus 2.42 (backfilled history, rules evaluated every second).

- `night`: 10 requests a minute for 8h, its 4 failures in the last 17 minutes (healthy: under the 0.1% budget),
  then no request for 40 minutes. Its 1h window holds 4 failures among the last 200 requests (2%, over the
  1.44% line) and the 5m and 30m windows none: the old rule's branch started a page here, with nothing served.
- `held`: a real burn (10 failures in the last 25 minutes of traffic) whose traffic stops three minutes before
  the server starts: the pair goes pending on the last failures in its 5m window, the window empties within
  a minute, and the pair holds through it on its own ALERTS series, which the server writes and reads back
  each evaluation, until its `for` fires it.
"""

from __future__ import annotations

import subprocess
import time
import urllib.parse
from collections.abc import Iterator
from typing import Any

import pytest

from compiler import conventions as names
from compiler.api import CompileOptions, compile_specs
from compiler.output import writer
from tests.conftest import require_tool
from tests.e2e import history, servers
from tests.platform_text import sink_platform

STEP = 60
SPEC = """\
apiVersion: obsc/v1
service: {name}
team: t
selector: {{job: {name}}}
alerts: {{traffic_anomaly: false, traffic_milestone: false, new_error_type: false, error_rate: false}}
metrics: {{requests: http_requests_total, errors: 'http_requests_total{{code="500"}}'}}
slos: [{{name: avail, objective: 99.9, sli: {{errors: errors, total: requests}}}}]
"""
PLATFORM = sink_platform()


def _counters(job: str, requests: dict[int, int], failures: dict[int, int], start: int, end: int) -> Iterator[str]:
    """Counters sampled every minute from `start` to `end`; events keyed by the sample they first show in."""
    ok = bad = 0
    for ts in range(start, end + 1, STEP):
        bad += failures.get(ts, 0)
        ok += requests.get(ts, 0) - failures.get(ts, 0)
        yield f'http_requests_total{{code="200",job="{job}"}} {ok} {ts}'
        yield f'http_requests_total{{code="500",job="{job}"}} {bad} {ts}'
        yield f'up{{instance="{job}:80",job="{job}"}} 1 {ts}'


def _history(start: int, end: int) -> Iterator[str]:
    stop = end - 40 * 60  # night: the last request 40 minutes before the end
    night = {ts: 10 for ts in range(stop - 8 * 3600 + STEP, stop + 1, STEP)}
    yield from _counters("night", night, {stop - m * 60: 1 for m in (17, 12, 7, 2)}, start, end)
    last = end - 180  # held: the last requests (and failures) show in the sample three minutes before the end
    held = {ts: 10 for ts in range(last - 2 * 3600 + STEP, last + 1, STEP)}
    yield from _counters("held", held, {last - m * 120: 1 for m in range(10)}, start, end)


@pytest.fixture(scope="module")
def prometheus_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, int]]:
    promtool = require_tool("promtool", "PROMTOOL")
    prometheus_bin = require_tool("prometheus")
    work = tmp_path_factory.mktemp("night-pages")
    specs = work / "specs"
    specs.mkdir()
    for name in ("night", "held"):
        (specs / f"{name}.yaml").write_text(SPEC.format(name=name))
    (specs / "platform.yaml").write_text(PLATFORM)
    out = work / "generated"
    writer.write(writer.plan(compile_specs([str(specs)], CompileOptions()).bundle, str(out)))
    rules_dir = out / names.PROMETHEUS_DIR / "rules"
    end = int(time.time()) - 5  # the held pair's last failures leave its 5m window ~55 s after this
    source = work / "history.om"
    source.write_text(history.openmetrics(_history(end - 10 * 3600, end)))
    tsdb = work / "tsdb"
    argv = [promtool, "tsdb", "create-blocks-from", "openmetrics", "--max-block-duration=20h", str(source), str(tsdb)]
    subprocess.run(argv, check=True, capture_output=True)
    config = servers.prometheus_test_config(work, rules_dir)
    with servers.prometheus(prometheus_bin, config, tsdb, work) as prom:
        yield prom.url, end


def _pages(url: str) -> dict[str, str]:
    """`service/burn_window` → state of each page pending or firing."""
    alerts: list[dict[str, Any]] = servers.get_json(url + "/api/v1/alerts")["data"]["alerts"]
    fast = [a for a in alerts if a["labels"]["alertname"] == names.SLO_BURN_FAST]
    return {f"{a['labels']['service']}/{a['labels']['burn_window']}": a["state"] for a in fast}


def test_a_silent_short_window_holds_a_page_and_never_starts_one(prometheus_url: tuple[str, int]) -> None:
    url, end = prometheus_url
    servers.wait_until(lambda: "held/fast" in _pages(url), 30, what="the held pair pending on its last failures")
    time.sleep(max(0.0, end + 75 - time.time()))  # the held pair's 5m window has no events from ~end + 60
    # (its 6h/30m pair pends too: 10 failures in 6h is 0.83%, over 0.6%, and its 30m window still has events)
    assert _pages(url) == {"held/fast": "pending", "held/medium": "pending"}
    # held through the empty short window by its own ALERTS until its `for: 2m` fires it; night never starts
    servers.wait_until(lambda: _pages(url).get("held/fast") == "firing", 150, what="the held pair firing")
    assert not [page for page in _pages(url) if page.startswith("night/")]


def test_the_history_is_what_the_docstring_says(prometheus_url: tuple[str, int]) -> None:
    """Night's 1h window over the 1.44% line with no events in its 5m and 30m windows (the old rule's branch)."""
    url, _ = prometheus_url

    def value(expr: str) -> list[Any]:
        query = urllib.parse.quote(expr, safe="")
        result: list[Any] = servers.get_json(url + "/api/v1/query?query=" + query)["data"]["result"]
        return result

    ratio = value(names.sli_error_ratio("1h") + '{service="night"}')
    assert ratio and float(ratio[0]["value"][1]) > 0.0144
    assert not value(names.sli_error_ratio("5m") + '{service="night"}')
    assert not value(names.sli_error_ratio("30m") + '{service="night"}')
