"""Re-record tests/verify_recorded/fleet39.json from a real Prometheus 2.42 scraping tests/e2e/fleet39.py's fleet,
as the live test sets it up (14 scrapes of every target): every request `obsc verify` makes passes through a
proxy that asks the server and keeps (path, sorted params, data), in the order first asked; only the runtime
info is trimmed to the retention verify reads. Run after changing a query verify asks:

    python -m tests.e2e.record_fleet39 tests/verify_recorded/fleet39.json
"""

from __future__ import annotations

import json
import shutil
import sys
import tempfile
import urllib.parse
from pathlib import Path
from typing import Any

from compiler.verify import VerifyOptions, verify
from tests.e2e.fleet39 import scrape_config, write_specs
from tests.e2e.servers import get_json, prometheus, wait_until
from tests.fake_prometheus import serving

Key = tuple[str, tuple[tuple[str, str], ...]]


def _ready(url: str) -> bool:
    ready = " and on () ".join(
        f'count(count_over_time(up{{job="{job}"}}[1m]) >= 14)' for job in ("orders", "inventory", "search")
    )
    return bool(get_json(f"{url}/api/v1/query?query={urllib.parse.quote(ready)}")["data"]["result"])


def _kept(path: str, data: Any) -> Any:
    """What the recording keeps of an answer: the runtime info's retention only (the rest names this machine)."""
    return {"storageRetention": data["storageRetention"]} if path == "/api/v1/status/runtimeinfo" else data


def record(work: Path) -> list[dict[str, Any]]:
    binary = shutil.which("prometheus")
    if binary is None:
        raise SystemExit("prometheus is not on PATH")
    specs = work / "specs"
    specs.mkdir()
    write_specs(specs)
    answers: dict[Key, Any] = {}
    with scrape_config(work / "prometheus.yml") as config, prometheus(binary, config, work / "tsdb", work) as prom:
        wait_until(lambda: _ready(prom.url), 60, what="14 scrapes of every target")

        def answer(path: str, query: str) -> Any:
            data = get_json(f"{prom.url}{path}?{query}" if query else f"{prom.url}{path}")["data"]
            key = (path, tuple(sorted(urllib.parse.parse_qsl(query))))
            answers.setdefault(key, _kept(path, data))
            return data

        with serving(answer) as url:
            verify([str(specs)], VerifyOptions(url, retries=0))
    return [
        {"path": path, "params": [list(p) for p in params], "data": data} for (path, params), data in answers.items()
    ]


def main(out: str) -> None:
    with tempfile.TemporaryDirectory() as work:
        entries = record(Path(work))
    text = "[" + ",\n".join(json.dumps(e, sort_keys=True, separators=(",", ":")) for e in entries) + "]\n"
    Path(out).write_text(text)
    print(f"{out}: {len(entries)} answers, {len(text)} bytes")


if __name__ == "__main__":
    main(sys.argv[1])
