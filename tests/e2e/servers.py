"""Real Prometheus and Alertmanager on loopback for end-to-end tests, and a recording webhook.

Servers bind 127.0.0.1 on free ports with temporary storage (never the 0.0.0.0 defaults), are
waited on through /-/ready, and are always stopped.
"""

from __future__ import annotations

import json
import signal
import socket
import subprocess
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import yaml


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def get_json(url: str) -> Any:
    with urllib.request.urlopen(url, timeout=5) as response:
        return json.loads(response.read())


def api_json(url: str, body: Any = None) -> Any:
    """GET `url`, or POST `body` as JSON when given; the decoded answer, None for an empty one."""
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(url, data=data, headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=5) as response:
        text = response.read()
        return json.loads(text) if text else None


def wait_until(predicate: Any, timeout: float, interval: float = 0.25, what: str = "condition") -> Any:
    deadline = time.monotonic() + timeout
    last: Any = None
    while time.monotonic() < deadline:
        last = predicate()
        if last:
            return last
        time.sleep(interval)
    raise AssertionError(f"timed out after {timeout}s waiting for {what} (last: {last!r})")


@dataclass
class Server:
    name: str
    url: str
    process: subprocess.Popen[bytes]
    log: Path


@contextmanager
def run_server(name: str, argv: list[str], port: int, log: Path) -> Iterator[Server]:
    with open(log, "wb") as sink:
        process = subprocess.Popen(argv, stdout=sink, stderr=subprocess.STDOUT)
    server = Server(name, f"http://127.0.0.1:{port}", process, log)
    try:

        def ready() -> bool:
            if process.poll() is not None:
                raise AssertionError(f"{name} exited with {process.returncode}:\n{log.read_text()[-3000:]}")
            try:
                with urllib.request.urlopen(server.url + "/-/ready", timeout=1) as response:
                    return bool(response.status == 200)
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                return False

        wait_until(ready, 20, 0.1, f"{name} /-/ready")
        yield server
    finally:
        process.terminate()
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@contextmanager
def alertmanager(binary: str, config: Path, workdir: Path) -> Iterator[Server]:
    port = free_port()
    argv = [
        binary,
        f"--config.file={config}",
        f"--storage.path={workdir / 'am-data'}",
        f"--web.listen-address=127.0.0.1:{port}",
        "--cluster.listen-address=",
    ]
    with run_server("alertmanager", argv, port, workdir / "alertmanager.log") as server:
        yield server


@contextmanager
def prometheus(
    binary: str, config: Path, tsdb: Path, workdir: Path, extra: list[str] | None = None, resend_delay: str = "1s"
) -> Iterator[Server]:
    """`resend_delay`: an alert's endsAt is four of it past its last send (at 1s evaluations), the time
    Alertmanager waits before it resolves an alert it stopped hearing of."""
    port = free_port()
    argv = [
        binary,
        f"--config.file={config}",
        f"--storage.tsdb.path={tsdb}",
        f"--web.listen-address=127.0.0.1:{port}",
        f"--rules.alert.resend-delay={resend_delay}",
        *(extra or []),
    ]
    with run_server("prometheus", argv, port, workdir / "prometheus.log") as server:
        yield server


def wait_for_scrapes(server: Server, jobs: int, samples: int) -> None:
    """Wait until each of `jobs` scrape jobs has `samples` samples of `up` in the last `samples` + 5 seconds."""
    query = urllib.parse.quote(f"count_over_time(up[{samples + 5}s]) >= {samples}")
    wait_until(
        lambda: len(get_json(f"{server.url}/api/v1/query?query={query}")["data"]["result"]) >= jobs,
        60 + 10 * samples,
        0.5,
        f"{samples} scrapes of {jobs} jobs",
    )


def reload_rules(server: Server, groups: int) -> None:
    """Make Prometheus read its rule files again (SIGHUP) and wait until it holds `groups` rule groups: a test
    loads its rules once the scrapes have filled the windows they read, as on a server that has run all along."""
    server.process.send_signal(signal.SIGHUP)
    wait_until(
        lambda: len(get_json(server.url + "/api/v1/rules")["data"]["groups"]) == groups, 60, 0.25, "rules loaded"
    )


@dataclass
class Webhook:
    """Records every notification, keyed by the URL path (the receiver name)."""

    url: str
    received: list[tuple[str, dict[str, Any]]] = field(default_factory=list)

    def by_receiver(self) -> dict[str, list[dict[str, Any]]]:
        out: dict[str, list[dict[str, Any]]] = {}
        for path, body in list(self.received):
            out.setdefault(path.strip("/"), []).append(body)
        return out

    def alertnames(self, receiver: str) -> set[str]:
        return {a["labels"]["alertname"] for body in self.by_receiver().get(receiver, []) for a in body["alerts"]}


@contextmanager
def exporter(exposition: Callable[[], str]) -> Iterator[str]:
    """A scrape target on loopback answering every GET with `exposition()` (text format 0.0.4); yields its
    `host:port` for a scrape config's targets."""
    with exporter_by_path(lambda path: exposition()) as target:
        yield target


@contextmanager
def exporter_by_path(exposition: Callable[[str], str | None]) -> Iterator[str]:
    """`exporter` answering a GET of `/<name>` with `exposition(name)`, or 503 (a failed scrape: `up` 0) where
    that is None; a scrape config sets each job's `metrics_path`."""

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            text = exposition(self.path.strip("/"))
            body = (text if text is not None else "down\n").encode()
            self.send_response(200 if text is not None else 503)
            self.send_header("Content-Type", "text/plain; version=0.0.4")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: Any) -> None:
            pass

    port = free_port()
    server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"127.0.0.1:{port}"
    finally:
        server.shutdown()
        server.server_close()


@contextmanager
def webhook() -> Iterator[Webhook]:
    port = free_port()
    hook = Webhook(f"http://127.0.0.1:{port}")

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length", "0"))
            hook.received.append((self.path, json.loads(self.rfile.read(length) or b"{}")))
            self.send_response(200)
            self.end_headers()

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield hook
    finally:
        server.shutdown()
        server.server_close()


def alertmanager_test_config(
    generated: Path, wait: Callable[[dict[str, Any]], str], hook_url: str | None = None, send_resolved: bool = False
) -> Path:
    """The generated alertmanager.yml for a test, beside it: routing and inhibitions untouched, tier timings
    scaled down (`wait(route)` is a route's group_wait; group_interval 1s, repeat_interval 1h) and, with
    `hook_url`, every receiver pointed at the recording webhook as `<hook_url>/<receiver name>` (telling it of
    resolved alerts with `send_resolved`)."""
    config = yaml.safe_load(generated.read_text())
    if hook_url is not None:
        for receiver in config["receivers"]:
            for key in [k for k in receiver if k.endswith("_configs")]:
                del receiver[key]
            receiver["webhook_configs"] = [{"url": f"{hook_url}/{receiver['name']}", "send_resolved": send_resolved}]
        config.get("global", {}).pop("slack_api_url_file", None)

    def scale(route: dict[str, Any]) -> None:
        for key, value in (("group_wait", wait(route)), ("group_interval", "1s"), ("repeat_interval", "1h")):
            if key in route or route is config["route"]:
                route[key] = value
        for child in route.get("routes", []):
            scale(child)

    scale(config["route"])
    path = generated.with_name("alertmanager.test.yml")
    path.write_text(yaml.safe_dump(config))
    return path


def prometheus_test_config(
    workdir: Path, rules_dir: Path, alertmanager_url: str | None = None, scrapes: dict[str, str] | None = None
) -> Path:
    """prometheus.yml for a test: every rule file of `rules_dir`, evaluated each second (backfilled history
    stands in for the scrapes), alerts sent to `alertmanager_url` when given; `scrapes` (job → `host:port`)
    scraped each second instead."""
    config: dict[str, Any] = {
        "global": {"evaluation_interval": "1s", "scrape_interval": "1s" if scrapes else "1m"},
        "rule_files": [str(rules_dir / "*.yaml")],
    }
    if scrapes:
        config["scrape_configs"] = [
            {"job_name": job, "static_configs": [{"targets": [target]}]} for job, target in sorted(scrapes.items())
        ]
    if alertmanager_url is not None:
        targets = [alertmanager_url.removeprefix("http://")]
        config["alerting"] = {"alertmanagers": [{"static_configs": [{"targets": targets}]}]}
    path = workdir / "prometheus.yml"
    path.write_text(yaml.safe_dump(config))
    return path


def prometheus_config_by_path(
    workdir: Path,
    rules_dir: Path,
    target: str,
    alertmanager_url: str,
    paths: dict[str, str],
    scrape_interval: str = "1s",
    honor_labels: frozenset[str] = frozenset(),
) -> Path:
    """prometheus.yml for a scaled live test: every rule file of `rules_dir` evaluated each second, alerts sent to
    `alertmanager_url`, and each job of `paths` (job → path on `target`, an `exporter_by_path`) scraped every
    `scrape_interval`. A job of `honor_labels` keeps the `job` and `instance` its target exposes: a feed of other
    jobs' series, as a federation scrape writes them (a series gone from it is marked stale)."""
    scrape_configs: list[dict[str, Any]] = []
    for job, metrics_path in paths.items():
        scrape: dict[str, Any] = {
            "job_name": job,
            "metrics_path": metrics_path,
            "static_configs": [{"targets": [target]}],
        }
        scrape_configs.append(scrape | ({"honor_labels": True} if job in honor_labels else {}))
    config = {
        "global": {"evaluation_interval": "1s", "scrape_interval": scrape_interval},
        "rule_files": [str(rules_dir / "*.yaml")],
        "scrape_configs": scrape_configs,
        "alerting": {"alertmanagers": [{"static_configs": [{"targets": [alertmanager_url.removeprefix("http://")]}]}]},
    }
    path = workdir / "prometheus.yml"
    path.write_text(yaml.safe_dump(config))
    return path
