"""A read-only Prometheus HTTP API client: GET only, bounded timeouts, bounded retries, bounded replies.

Only the query, label-values, rules and status (runtime info, flags, config) endpoints are called. A server that
cannot be reached after the retries raises `Unreachable` (its own exit code), and so does one that answers
but is not a Prometheus API at that URL (`NotPrometheus`: a 404 for a missing route prefix, an auth proxy's
401/403, an HTML page); a query Prometheus itself rejects (its JSON error reply) raises `QueryRejected`.
"""

from __future__ import annotations

import json
import math
import re
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass
from typing import Any

MAX_REPLY_BYTES = 32 * 1024 * 1024  # a label-values reply of a big server is a few MiB


# The API's path or a UI page at the end of the URL: obsc adds /api/v1/<endpoint> to the base URL itself.
_API_PATH = re.compile(r"/(?:api/v1(?:/[\w/]*)?|graph|-/\w+)/?$")


def url_problem(url: str) -> str | None:
    """Why `url` cannot be the Prometheus to ask: not a plain http(s) URL, or one with a password (which
    every error and log line would then repeat); None when it can."""
    if "://" not in url and "@" not in url and url.strip() and not any(c.isspace() for c in url):  # as curl takes it
        return f"{url!r} has no scheme: write http://{url} (or https://)"
    try:
        parts = urllib.parse.urlsplit(url)
        parts.port  # noqa: B018 - raises ValueError on a malformed port
    except ValueError as exc:
        return f"not a valid URL ({exc})"
    # before the scheme's message, which repeats the URL: `admin:pw@prom:9090` reads as the scheme `admin`
    if "@" in parts.netloc or "@" in url.split("/", 1)[0]:
        return (
            "the URL carries credentials (user:password@), which obsc would repeat in every message; obsc verify "
            "sends none: reach Prometheus without them (a local port-forward or an authenticating proxy)"
        )
    if parts.scheme not in ("http", "https") or not parts.hostname or any(c.isspace() for c in url):
        return f"{url!r} is not an http(s) URL"
    if api := _API_PATH.search(parts.path):  # copied from an API call or the browser's address bar
        base = urllib.parse.urlunsplit((parts.scheme, parts.netloc, parts.path[: api.start()], "", ""))
        return f"{url!r} names {api.group()}, not the server: write its base URL, {base} (obsc adds /api/v1/...)"
    return None


class Unreachable(Exception):
    """The server did not answer (connection refused, timeout, 5xx) within the retries."""


class NotPrometheus(Unreachable):
    """The server answered, but not as the Prometheus HTTP API does at this URL; never retried."""


class QueryRejected(Exception):
    """Prometheus answered with its own error for this request (bad PromQL, bad parameter)."""


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
            except urllib.error.HTTPError as exc:
                if exc.code < 500:
                    error = _prometheus_error(exc)
                    if error is None:
                        raise NotPrometheus(_not_prometheus(self.url, path, exc.code)) from None
                    raise QueryRejected(error) from None
                last = f"HTTP {exc.code}"
            except (urllib.error.URLError, OSError, TimeoutError) as exc:
                last = str(getattr(exc, "reason", exc))
            except json.JSONDecodeError:
                last = "the reply is not JSON (is this a Prometheus server?)"
            else:
                if not isinstance(body, dict) or body.get("status") != "success":
                    raise NotPrometheus(f"{self.url}: {path} answered, but not with a Prometheus API reply")
                return body.get("data")
        tried = f"{attempts} attempt{'s' if attempts != 1 else ''}"
        raise Unreachable(f"{self.url}: {last} (after {tried}, {self.timeout:g}s timeout each)")

    def query(self, expr: str) -> list[dict[str, Any]]:
        """An instant query at the server's now: the vector's samples."""
        data = self._get("/api/v1/query", [("query", expr)])
        result = data.get("result") if isinstance(data, dict) else None
        if data is not None and not isinstance(result, list):
            raise NotPrometheus(f"{self.url}: /api/v1/query answered without a result list")
        return [sample for sample in result or [] if isinstance(sample, dict)]

    def label_values(self, label: str, match: str | None = None, start: float | None = None) -> list[str]:
        params = [("match[]", match)] if match else []
        if start is not None:
            params.append(("start", f"{start:.3f}"))
        values = self._get(f"/api/v1/label/{urllib.parse.quote(label)}/values", params) or []
        return [str(v) for v in values] if isinstance(values, list) else []

    def label_names(self) -> list[str]:
        """Every label name the server holds (/api/v1/labels)."""
        names = self._get("/api/v1/labels", []) or []
        return [str(n) for n in names] if isinstance(names, list) else []

    def metadata(self, metric: str) -> list[dict[str, Any]]:
        """/api/v1/metadata of one metric: the TYPE (and HELP) each target exposes it with; [] when unknown."""
        data = self._get("/api/v1/metadata", [("metric", metric)])
        entries = data.get(metric) if isinstance(data, dict) else None
        return [e for e in entries if isinstance(e, dict)] if isinstance(entries, list) else []

    def runtime_info(self) -> dict[str, Any]:
        """/api/v1/status/runtimeinfo (its `storageRetention`: the retention in force, defaults included)."""
        data = self._get("/api/v1/status/runtimeinfo", [])
        return data if isinstance(data, dict) else {}

    def flags(self) -> dict[str, Any]:
        """/api/v1/status/flags: the server's command-line flags (`query.lookback-delta`), defaults included."""
        data = self._get("/api/v1/status/flags", [])
        return data if isinstance(data, dict) else {}

    def config(self) -> str:
        """/api/v1/status/config: the loaded configuration as YAML, defaults filled in (each job's interval)."""
        data = self._get("/api/v1/status/config", [])
        yaml_text = data.get("yaml") if isinstance(data, dict) else None
        return yaml_text if isinstance(yaml_text, str) else ""

    def alerts(self) -> list[dict[str, Any]]:
        """/api/v1/alerts: every pending or firing alert of the server's alerting rules, with its labels and state."""
        data = self._get("/api/v1/alerts", [])
        alerts = data.get("alerts") if isinstance(data, dict) else None
        return [a for a in alerts if isinstance(a, dict)] if isinstance(alerts, list) else []

    def targets(self) -> list[dict[str, Any]]:
        """/api/v1/targets' active targets: each one's labels and `scrapeInterval` (the interval it is scraped at)."""
        data = self._get("/api/v1/targets", [("state", "active")])
        found = data.get("activeTargets") if isinstance(data, dict) else None
        return [t for t in found if isinstance(t, dict)] if isinstance(found, list) else []

    def rule_groups(self) -> list[dict[str, Any]]:
        data = self._get("/api/v1/rules", [])
        groups = data.get("groups") if isinstance(data, dict) else None
        return [g for g in groups if isinstance(g, dict)] if isinstance(groups, list) else []


def _prometheus_error(exc: urllib.error.HTTPError) -> str | None:
    """Prometheus's own error text for a 4xx (`{"status": "error", "error": ...}`), None when the reply is
    not one: then the server is not Prometheus's API at that URL."""
    try:
        body = json.loads(exc.read(64 * 1024))
    except (ValueError, OSError):
        return None
    if not isinstance(body, dict) or body.get("status") != "error":
        return None
    return str(body.get("error") or f"HTTP {exc.code}")


def _not_prometheus(url: str, path: str, code: int) -> str:
    if code in (401, 403, 407):
        why = "it wants credentials (an authenticating proxy?), and obsc verify sends none"
    else:
        why = "is this Prometheus, and is a route prefix (--web.route-prefix) missing from the URL or one too many?"
    return f"{url} answered HTTP {code} to {path}: {why}"


def sample_value(sample: Any) -> float | None:
    """A query result sample's value (`{"value": [time, "text"]}`) as a finite float; None when it is missing,
    malformed, NaN or infinite (verify's checks judge only numbers the server gave)."""
    try:
        value = float(sample["value"][1])
    except (KeyError, IndexError, TypeError, ValueError):
        return None
    return value if math.isfinite(value) else None
