"""A stand-in Prometheus HTTP API for `obsc verify` tests that need exact answers a real server cannot give
quickly (a retention, a histogram without some series). `answer(path, query)` returns the `data` of a success
envelope, or None for a 404 as a server without that endpoint gives."""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

Answer = Callable[[str, str], Any]


class Rejected(str):
    """An answer that is Prometheus's own refusal (HTTP 400, `bad_data`), e.g. of a query it cannot parse."""


@contextmanager
def serving(answer: Answer) -> Iterator[str]:
    """The base URL of a local server answering every GET with `answer(path, query string)`."""

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            path, _, query = self.path.partition("?")
            data = answer(path, query)
            body = "404 page not found" if data is None else json.dumps({"status": "success", "data": data})
            if isinstance(data, Rejected):
                body = json.dumps({"status": "error", "errorType": "bad_data", "error": str(data)})
            self.send_response(404 if data is None else 400 if isinstance(data, Rejected) else 200)
            self.send_header("Content-Type", "application/json")
            self.end_headers()
            self.wfile.write(body.encode())

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
