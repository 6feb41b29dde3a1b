"""The read-only Prometheus client of `obsc verify`: GET only, retries bounded and only for failures that
may pass (connection, 5xx), a rejected query is not retried, a slow server times out."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from compiler.verify.client import NotPrometheus, Prometheus, QueryRejected, Unreachable
from tests.cli_helpers import run_obsc
from tests.conftest import ROOT

OK = json.dumps({"status": "success", "data": {"resultType": "vector", "result": [{"metric": {}, "value": [0, "1"]}]}})


@contextmanager
def fake(replies: list[tuple[int, str]], delay: float = 0.0) -> Iterator[tuple[str, list[str]]]:
    """A server answering each request with the next (status, body) after `delay` seconds (cut short when the
    server stops, so a slow reply holds no thread past its test); records each method and path."""
    seen: list[str] = []
    stopping = threading.Event()

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            seen.append(f"GET {self.path}")
            stopping.wait(delay)
            status, body = replies[min(len(seen), len(replies)) - 1]
            try:
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.end_headers()
                self.wfile.write(body.encode())
            except (BrokenPipeError, ConnectionResetError):
                pass  # the client timed out and left: that is the point of the slow-server test

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", seen
    finally:
        stopping.set()
        server.shutdown()
        server.server_close()


def test_a_5xx_is_retried_up_to_the_bound_then_unreachable() -> None:
    with fake([(503, "{}")]) as (url, seen):
        with pytest.raises(Unreachable, match=r"HTTP 503 \(after 3 attempts"):
            Prometheus(url, timeout=2, retries=2).query("up")
        assert len(seen) == 3 and all(s.startswith("GET /api/v1/query?query=up") for s in seen)


def test_one_attempt_is_said_as_one() -> None:
    """Found by the round 21 CLI hunt: `--retries 0` read "(after 1 attempts"."""
    with fake([(503, "{}")]) as (url, _), pytest.raises(Unreachable, match=r"HTTP 503 \(after 1 attempt,"):
        Prometheus(url, timeout=2, retries=0).query("up")


def test_a_passing_failure_is_retried_and_then_answers() -> None:
    with fake([(503, "{}"), (200, OK)]) as (url, seen):
        assert Prometheus(url, timeout=2, retries=1).query("up")[0]["value"] == [0, "1"]
        assert len(seen) == 2


def test_a_rejected_query_is_not_retried() -> None:
    body = json.dumps({"status": "error", "errorType": "bad_data", "error": "parse error at char 3"})
    with fake([(400, body)]) as (url, seen):
        with pytest.raises(QueryRejected, match="parse error at char 3"):
            Prometheus(url, timeout=2, retries=2).query("up{")
        assert len(seen) == 1


def test_a_slow_server_times_out_within_the_bound() -> None:
    # The server answers 200 after a minute: a client that did not time out would get that answer and raise
    # nothing. The wall bound only catches a timeout far longer than asked (2 x 0.3 s + one 0.5 s backoff ~ 1.1 s
    # here); it has 10x slack because a loaded CI machine delays every wake-up (round 49: a 1.8 s bound).
    with fake([(200, OK)], delay=60.0) as (url, _):
        start = time.monotonic()
        with pytest.raises(Unreachable, match=r"after 2 attempts, 0\.3s timeout each"):
            Prometheus(url, timeout=0.3, retries=1).query("up")
        assert time.monotonic() - start < 15


@pytest.mark.parametrize(
    ("status", "body", "said"),
    [
        (404, "404 page not found", "answered HTTP 404 to /api/v1/query: is this Prometheus"),
        (401, "", "answered HTTP 401 to /api/v1/query: it wants credentials"),
        (403, json.dumps({"message": "forbidden"}), "answered HTTP 403"),
        (200, json.dumps(["not", "prometheus"]), "not with a Prometheus API reply"),
    ],
)
def test_a_server_that_is_not_the_prometheus_api_is_not_prometheus_at_once(status: int, body: str, said: str) -> None:
    """Found by a hunt: a 404 (route prefix), 401/403 (auth proxy) were QueryRejected and crashed verify."""
    with fake([(status, body)]) as (url, seen):
        with pytest.raises(NotPrometheus, match=said):
            Prometheus(url, timeout=2, retries=2).query("up")
        assert len(seen) == 1


@pytest.mark.parametrize("value", ["nan", "NaN", "-nan"])
def test_a_timeout_that_is_not_a_number_is_a_usage_error(value: str, capsys: pytest.CaptureFixture[str]) -> None:
    """click's FloatRange compares, and NaN passes every comparison: it reached the socket, exit 70 (round 29)."""
    url = "http://127.0.0.1:1"
    done = run_obsc(capsys, "verify", str(ROOT / "examples"), "--prometheus", url, "--timeout", value, "--retries", "0")
    assert done.code == 2, done.err
    assert f"Invalid value for '--timeout': '{value}' is not a number" in done.err
    assert "internal error" not in done.err


@pytest.mark.parametrize(
    ("url", "said"),
    [
        ("localhost:9090", "has no scheme: write http://localhost:9090 (or https://)"),
        ("http://prom.acme.example:9090/api/v1", "not the server: write its base URL, http://prom.acme.example:9090 "),
        ("https://acme.example/prometheus/api/v1/query", "its base URL, https://acme.example/prometheus (obsc adds"),
        ("http://127.0.0.1:9090/graph", "names /graph, not the server: write its base URL, http://127.0.0.1:9090 "),
    ],
)
def test_a_url_without_scheme_or_with_the_api_path_says_the_base_url(
    url: str, said: str, capsys: pytest.CaptureFixture[str]
) -> None:
    """`localhost:9090` was "not an http(s) URL" without the fix, and `.../api/v1` was sent a query at
    /api/v1/api/v1/query: a 404 answered with exit 5 and a question about route prefixes (round 42)."""
    done = run_obsc(capsys, "verify", str(ROOT / "examples"), "--prometheus", url, "--retries", "0")
    assert done.code == 2, done.err
    assert said in done.err
