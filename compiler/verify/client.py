"""A read-only Prometheus HTTP API client: GET only, bounded timeouts, bounded retries, bounded replies.

Only the query, label-values and rules endpoints are called. A server that cannot be reached after the
retries raises `Unreachable` (its own exit code); a query the server rejects raises `QueryRejected`.
"""

from __future__ import annotations

import json
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass
from typing import Any

MAX_REPLY_BYTES = 32 * 1024 * 1024  # a label-values reply of a big server is a few MiB


def url_problem(url: str) -> str | None:
    """Why `url` cannot be the Prometheus to ask: not a plain http(s) URL, or one with a password (which
    every error and log line would then repeat); None when it can."""
    try:
        parts = urllib.parse.urlsplit(url)
        parts.port  # noqa: B018 - raises ValueError on a malformed port
    except ValueError as exc:
        return f"not a valid URL ({exc})"
    if parts.scheme not in ("http", "https") or not parts.hostname or any(c.isspace() for c in url):
        return f"{url!r} is not an http(s) URL"
    if "@" in parts.netloc:
        return (
            "the URL carries credentials (user:password@), which obsc would repeat in every message; obsc verify "
            "sends none: reach Prometheus without them (a local port-forward or an authenticating proxy)"
        )
    return None


class Unreachable(Exception):
    """The server did not answer (connection refused, timeout, 5xx) within the retries."""


class QueryRejected(Exception):
    """The server answered with an error for this request (bad PromQL, bad parameter)."""


@dataclass(frozen=True)
class Prometheus:
    url: str
    timeout: float = 5.0  # seconds per request
    retries: int = 2  # extra attempts after a failure to connect or a 5xx, with a short backoff

    def _get(self, path: str, params: list[tuple[str, str]]) -> Any:
        query = urllib.parse.urlencode(params)
        url = f"{self.url.rstrip('/')}{path}" + (f"?{query}" if query else "")
        request = urllib.request.Request(url, headers={"Accept": "application/json"}, method="GET")
        last, attempts = "", 0
        for attempt in range(self.retries + 1):
            attempts += 1
            if attempt:
                time.sleep(min(0.25 * 2**attempt, 2.0))
            try:
                with urllib.request.urlopen(request, timeout=self.timeout) as response:
                    body = json.loads(response.read(MAX_REPLY_BYTES + 1)[:MAX_REPLY_BYTES])
                return body.get("data")
            except urllib.error.HTTPError as exc:
                if exc.code < 500:
                    raise QueryRejected(_error_text(exc)) from None
                last = f"HTTP {exc.code}"
            except (urllib.error.URLError, OSError, TimeoutError) as exc:
                last = str(getattr(exc, "reason", exc))
            except json.JSONDecodeError:
                last = "the reply is not JSON (is this a Prometheus server?)"
        raise Unreachable(f"{self.url}: {last} (after {attempts} attempts, {self.timeout:g}s timeout each)")

    def query(self, expr: str) -> list[dict[str, Any]]:
        """An instant query at the server's now: the vector's samples."""
        data = self._get("/api/v1/query", [("query", expr)]) or {}
        result = data.get("result") or []
        return result if isinstance(result, list) else []

    def label_values(self, label: str, match: str | None = None, start: float | None = None) -> list[str]:
        params = [("match[]", match)] if match else []
        if start is not None:
            params.append(("start", f"{start:.3f}"))
        values = self._get(f"/api/v1/label/{urllib.parse.quote(label)}/values", params) or []
        return [str(v) for v in values]

    def rule_groups(self) -> list[dict[str, Any]]:
        data = self._get("/api/v1/rules", []) or {}
        groups = data.get("groups") or []
        return groups if isinstance(groups, list) else []


def _error_text(exc: urllib.error.HTTPError) -> str:
    try:
        body = json.loads(exc.read(64 * 1024))
        return str(body.get("error") or f"HTTP {exc.code}")
    except (json.JSONDecodeError, OSError):
        return f"HTTP {exc.code}"
