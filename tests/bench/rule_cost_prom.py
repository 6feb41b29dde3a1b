"""Prometheus plumbing for the rule-cost benchmark: binaries, backfill, config, API calls, live exporter,
and the recorded series' history (computed by a real server from the backfilled raw data).
"""

from __future__ import annotations

import json
import shutil
import subprocess
import threading
import time
import urllib.parse
import urllib.request
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import yaml

from tests.bench.rule_cost_data import Fleet, exposition
from tests.bench.rule_cost_rules import HistoryRule
from tests.e2e.servers import Server, free_port, run_server

MAX_POINTS = 10_000  # a range query answers at most 11,000 points per series
RETENTION = "90d"  # the 15d default would delete half of the backfilled month on start


class MissingBinary(Exception):
    pass


def binaries() -> dict[str, str]:
    found = {name: shutil.which(name) for name in ("prometheus", "promtool")}
    missing = [name for name, path in found.items() if path is None]
    if missing:
        raise MissingBinary(
            f"{' and '.join(missing)} not found on PATH: apt-get install -y --no-install-recommends prometheus"
        )
    return {name: path for name, path in found.items() if path}


def backfill(promtool: str, openmetrics: Path, tsdb: Path) -> None:
    """One pass of promtool over the file; one large block per aligned span instead of 2h blocks."""
    argv = [
        promtool,
        "tsdb",
        "create-blocks-from",
        "openmetrics",
        "--max-block-duration=1000h",
        "-q",
        str(openmetrics),
        str(tsdb),
    ]
    done = subprocess.run(argv, capture_output=True, text=True)
    if done.returncode != 0:
        raise RuntimeError(f"promtool backfill failed ({done.returncode}): {done.stderr[-2000:]}")


@contextmanager
def prometheus(binary: str, config: Path, tsdb: Path, workdir: Path, name: str) -> Iterator[Server]:
    port = free_port()
    argv = [
        binary,
        f"--config.file={config}",
        f"--storage.tsdb.path={tsdb}",
        f"--web.listen-address=127.0.0.1:{port}",
        f"--storage.tsdb.retention.time={RETENTION}",
        "--rules.alert.resend-delay=1s",
    ]
    with run_server(name, argv, port, workdir / f"{name}.log") as server:
        yield server


def write_config(path: Path, rule_files: list[Path], exporter: int | None, evaluation: str, scrape: str) -> None:
    config: dict[str, Any] = {
        "global": {"scrape_interval": scrape, "evaluation_interval": evaluation},
        "rule_files": [str(p) for p in rule_files],
    }
    if exporter is not None:
        # honor_labels: the exporter's job/instance labels are the backfilled ones, so history and live meet
        target = {"targets": [f"127.0.0.1:{exporter}"]}
        config["scrape_configs"] = [{"job_name": "bench-exporter", "honor_labels": True, "static_configs": [target]}]
    path.write_text(yaml.safe_dump(config, sort_keys=False))


def api(url: str, path: str, **params: Any) -> Any:
    body = urllib.parse.urlencode(params).encode() if params else None
    with urllib.request.urlopen(url + path, data=body, timeout=120) as response:
        answer = json.loads(response.read())
    if answer.get("status") != "success":
        raise RuntimeError(f"{path}: {answer}")
    return answer["data"]


def instant(url: str, expr: str, at: float | None = None) -> list[dict[str, Any]]:
    params: dict[str, Any] = {"query": expr}
    if at is not None:
        params["time"] = at
    result: list[dict[str, Any]] = api(url, "/api/v1/query", **params)["result"]
    return result


@contextmanager
def exporter(fleet: Fleet) -> Iterator[int]:
    """Serves the fleet's counters at the current wall-clock time, so the raw series go on past the history."""
    port = free_port()

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            body = exposition(fleet, time.time()).encode()
            self.send_response(200)
            self.send_header("Content-Type", "text/plain; version=0.0.4")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield port
    finally:
        server.shutdown()
        server.server_close()


def _series_name(rule: dict[str, Any], labels: dict[str, str]) -> str:
    merged = {k: v for k, v in labels.items() if k != "__name__"} | rule.get("labels", {})
    inner = ",".join(f'{k}="{v}"' for k, v in sorted(merged.items()))
    return f"{rule['record']}{{{inner}}}"


def _one_rule_history(url: str, wanted: HistoryRule, first: float, last: float) -> dict[str, list[str]]:
    step = wanted.interval
    start = first + (wanted.phase - first) % step  # the group's own grid: live evaluations continue it
    samples: dict[str, list[str]] = {}
    chunk = MAX_POINTS * step
    while start <= last:
        end = min(start + chunk - step, last)
        query = {"query": wanted.rule["expr"], "start": f"{start:.3f}", "end": f"{end:.3f}", "step": step}
        for series in api(url, "/api/v1/query_range", **query)["result"]:
            name = _series_name(wanted.rule, series["metric"])
            samples.setdefault(name, []).extend(f"{name} {v} {t}\n" for t, v in series["values"])
        start += chunk
    return samples


def record_history(url: str, rules: list[HistoryRule], first: float, last: float) -> dict[str, list[str]]:
    """What the server would have recorded: each rule's own expression over [first, last] on its group's grid.

    One query per rule and chunk (a union of many rules in one query costs ten times more), two at a time.
    Only for rules over raw series: a rule over recorded series would read history that is not there yet.
    """
    for wanted in rules:
        if "slo:" in wanted.rule["expr"]:
            raise AssertionError(f"history of {wanted.rule['record']} would read recorded series")
    samples: dict[str, list[str]] = {}
    with ThreadPoolExecutor(max_workers=2) as pool:
        for found in pool.map(lambda wanted: _one_rule_history(url, wanted, first, last), rules):
            samples.update(found)
    return samples


def write_history(samples: dict[str, list[str]], sink: Any) -> int:
    """Append each series' samples contiguously (time-ordered within a series); returns the sample count."""
    count = 0
    for lines in samples.values():
        sink.write("".join(lines))
        count += len(lines)
    return count
