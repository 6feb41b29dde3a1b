"""The secret theft of issue 10, end to end on a real Alertmanager 0.25.

A team's own secret still reaches its own URL as `Authorization: Bearer`, read by Alertmanager
from the file at notification time; the same spec pointed at another team's file never becomes
a config: `obsc compile` refuses it (exit 2) and the output directory is left as it was.
"""

from __future__ import annotations

import json
import threading
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.cli_helpers import run_obsc
from tests.conftest import require_tool, tree
from tests.e2e import servers

SPEC = """\
apiVersion: obsc/v1
service: nightly-export
team: t1
selector: {{job: nightly-export}}
routing:
  critical: {{webhook: {{url: "{hook}/t1", credentials_file: {secret}}}}}
"""


@contextmanager
def _recorder() -> Iterator[tuple[str, list[tuple[str, str]]]]:
    """An HTTP endpoint recording (path, Authorization header) of each POST: what an attacker would see."""
    seen: list[tuple[str, str]] = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            self.rfile.read(int(self.headers.get("Content-Length", "0")))
            seen.append((self.path, self.headers.get("Authorization", "")))
            self.send_response(200)
            self.end_headers()

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", servers.free_port()), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_port}", seen
    finally:
        server.shutdown()
        server.server_close()


def _fast(config_path: Path) -> Path:
    """Test-only: notify at once (the routing itself is untouched)."""
    config = yaml.safe_load(config_path.read_text())

    def shorten(route: dict[str, Any]) -> None:
        route.update(group_wait="0s", group_interval="1s", repeat_interval="1h")
        for child in route.get("routes", []):
            shorten(child)

    shorten(config["route"])
    fast = config_path.with_name("alertmanager.fast.yml")
    fast.write_text(yaml.safe_dump(config))
    return fast


def _post_alert(am_url: str) -> None:
    labels = {"alertname": "ServiceDown", "service": "nightly-export", "severity": "critical", "team": "t1"}
    body = json.dumps([{"labels": labels, "startsAt": datetime.now(UTC).isoformat()}]).encode()
    request = urllib.request.Request(
        am_url + "/api/v2/alerts", body, {"Content-Type": "application/json"}, method="POST"
    )
    with urllib.request.urlopen(request, timeout=5) as response:
        assert response.status == 200


def test_own_secret_is_delivered_and_another_teams_never_leaves_compile(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    require_tool("amtool")  # compile validates the config with it
    binary = require_tool("prometheus-alertmanager")
    secrets = tmp_path / "secrets"
    for team, value in (("t1", "T1-OWN-TOKEN"), ("payments", "PAYMENTS-PAGERDUTY-KEY")):
        (secrets / f"team-{team}").mkdir(parents=True)
        (secrets / f"team-{team}" / "token").write_text(value)
    specs, out = tmp_path / "specs", tmp_path / "out"
    specs.mkdir()
    with _recorder() as (hook, seen):
        (specs / "platform.yaml").write_text(
            "apiVersion: obsc/v1\nkind: Platform\n"
            f'secrets: {{team_root: "{secrets}/team-{{team}}/"}}\n'
            f'receivers: {{fallback: {{webhook: {{url: "{hook}/fallback"}}}}}}\n'
            "alertmanager: {default_receiver: fallback}\n"
        )
        job = specs / "job.yaml"
        job.write_text(SPEC.format(hook=hook, secret=secrets / "team-t1" / "token"))
        compiled = run_obsc(capsys, "compile", str(specs), "--out", str(out))
        assert compiled.code == 0, compiled.err

        with servers.alertmanager(binary, _fast(out / "alertmanager" / "alertmanager.yml"), tmp_path) as am:
            _post_alert(am.url)
            servers.wait_until(lambda: seen, 15, 0.1, "a notification at the recorder")
        time.sleep(0.2)  # nothing else may arrive: one alert, one notification
        assert seen == [("/t1", "Bearer T1-OWN-TOKEN")]

        # The theft: same spec, same URL, another team's file. Refused before Alertmanager sees it.
        before = tree(out)
        job.write_text(SPEC.format(hook=hook, secret=secrets / "team-payments" / "token"))
        stolen = run_obsc(capsys, "compile", str(specs), "--out", str(out))
        assert stolen.code == 2
        assert "belongs to team 'payments': a receiver of team 't1' may only use files below" in stolen.err
        assert "Traceback" not in stolen.err
        assert tree(out) == before
        assert b"team-payments" not in (out / "alertmanager" / "alertmanager.yml").read_bytes()
