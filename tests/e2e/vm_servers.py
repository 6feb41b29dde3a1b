"""VictoriaMetrics single-node and vmalert on loopback for end-to-end tests (Debian's victoria-metrics 1.79).

Same habits as servers.py: 127.0.0.1 on free ports (never the :8428 / :8880 defaults), temporary storage,
waited on through /-/ready, always stopped. History goes in through /api/v1/import/prometheus, Prometheus'
text exposition format, whose timestamps are milliseconds (history.py writes OpenMetrics, in seconds), then
a forced flush so the first query sees it.
"""

from __future__ import annotations

import json
import time
import urllib.parse
import urllib.request
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path

import yaml

from tests.e2e.servers import Server, free_port, run_server, wait_until

# Points newer than this are hidden from queries (VictoriaMetrics' default is 30s, which would delay every
# recorded series that an alert reads by half a minute here, where rules run every second).
LATENCY_OFFSET = "1s"


@contextmanager
def victoria_metrics(binary: str, workdir: Path) -> Iterator[Server]:
    port = free_port()
    argv = [
        binary,
        f"-storageDataPath={workdir / 'vm-data'}",
        f"-httpListenAddr=127.0.0.1:{port}",
        "-retentionPeriod=1y",
        f"-search.latencyOffset={LATENCY_OFFSET}",
        "-search.disableCache",  # backfilled history and live writes meet at "now": no stale cached results
        "-loggerLevel=WARN",
    ]
    with run_server("victoria-metrics", argv, port, workdir / "victoria-metrics.log") as server:
        yield server


def import_history(vm: Server, lines: Iterable[str]) -> int:
    """Import `metric{labels} value unix_seconds` lines (history.py's OpenMetrics samples); returns how many."""
    body: list[str] = []
    for line in lines:
        if not line or line.startswith("#"):
            continue
        sample, _, seconds = line.rpartition(" ")
        body.append(f"{sample} {int(seconds) * 1000}")
    request = urllib.request.Request(
        vm.url + "/api/v1/import/prometheus", data="\n".join(body).encode() + b"\n", method="POST"
    )
    with urllib.request.urlopen(request, timeout=60) as response:
        assert response.status in (200, 204), response.status
    with urllib.request.urlopen(vm.url + "/internal/force_flush", timeout=30) as response:
        assert response.status == 200, response.status
    return len(body)


@contextmanager
def vmalert(
    binary: str,
    rules: str,
    vm: Server,
    notifier: str,
    workdir: Path,
    extra: list[str] | None = None,
    log_name: str = "vmalert.log",
) -> Iterator[Server]:
    """vmalert evaluating `rules` (a glob) against `vm`: recording results and ALERTS written back to it,
    alert `for:` state restored from it at start, alerts sent to the Alertmanager at `notifier`."""
    port = free_port()
    argv = [
        binary,
        f"-rule={rules}",
        f"-httpListenAddr=127.0.0.1:{port}",
        f"-datasource.url={vm.url}",
        f"-remoteWrite.url={vm.url}",
        f"-remoteRead.url={vm.url}",
        "-evaluationInterval=1s",  # as the Prometheus e2e's global evaluation_interval; `interval:` groups keep theirs
        "-remoteWrite.flushInterval=1s",
        # Prometheus adds no `alertgroup` label: without it vmalert's alerts carry exactly Prometheus' labels
        # (and the ALERTS_FOR_STATE history matches both engines).
        "-disableAlertgroupLabel",
        "-loggerLevel=INFO",
        f"-notifier.url={notifier}",
        *(extra or []),
    ]
    with run_server("vmalert", argv, port, workdir / log_name) as server:
        yield server


def recording_only(rule_files: Iterable[Path], folder: Path) -> tuple[str, set[str]]:
    """Copies of `rule_files` with their recording rules only, in `folder`: their glob, and the names recorded
    by the groups at the default interval (a group with its own `interval:` may start minutes later)."""
    folder.mkdir(parents=True, exist_ok=True)
    prompt: set[str] = set()
    for path in rule_files:
        groups = yaml.safe_load(path.read_text())["groups"]
        kept = [{**g, "rules": [r for r in g["rules"] if "record" in r]} for g in groups]
        prompt.update(r["record"] for g in kept if "interval" not in g for r in g["rules"])
        (folder / path.name).write_text(yaml.safe_dump({"groups": [g for g in kept if g["rules"]]}))
    # recorded only while their condition holds (a page's burst is over: round 42), so a steady warm-up never sees them
    return str(folder / "*.yaml"), prompt - {"slo:sli_burst_over:bool"}


def present(vm: Server, names: set[str]) -> set[str]:
    """Which of `names` have a series now."""
    selector = '{__name__=~"' + "|".join(sorted(names)) + '"}'
    query = urllib.parse.urlencode({"query": f"group by (__name__) ({selector})"})
    with urllib.request.urlopen(f"{vm.url}/api/v1/query?{query}", timeout=5) as response:
        result = json.loads(response.read())["data"]["result"]
    return {r["metric"]["__name__"] for r in result}


def warm_up(binary: str, rule_files: list[Path], vm: Server, notifier: str, workdir: Path) -> set[str]:
    """Run the recording rules alone until every name the default-interval groups record has a series.

    vmalert 1.79 restores `for:` state before its first evaluation and drops what that evaluation does
    not return; its alerts read recorded series through the datasource (written back asynchronously,
    unlike Prometheus' in-memory chaining). So a vmalert started on a VictoriaMetrics without those
    recordings restores nothing. A real deployment has been recording all along; this gives the test's
    vmalert the same start."""
    rules, wanted = recording_only(rule_files, workdir / "warm-up")
    with vmalert(binary, rules, vm, notifier, workdir, log_name="vmalert-warm-up.log"):
        wait_until(lambda: present(vm, wanted) == wanted, 60, 0.5, f"recordings of {sorted(wanted)}")
    time.sleep(1)  # the last remote-write flush is visible past -search.latencyOffset
    return wanted
