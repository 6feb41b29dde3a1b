"""What the tool-backed property tests share: one service `batch` of team `payments` routed to a
`fallback` webhook, a platform built around it, and the verdict each drawn fleet must get: refused at
its lines (exit 2), or compiled with promtool, amtool and the Grafana lint passing."""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, Phase, event, settings

from tests.cli_helpers import run_obsc
from tests.conftest import require_tool
from tests.routing_memo import remembered_routes
from tests.test_validate_compile_property import _assert_located

SERVICE: dict[str, Any] = {
    "apiVersion": "obsc/v1",
    "service": "batch",
    "team": "payments",
    "selector": {"job": "batch"},
    "routing": {"critical": "fallback", "warning": "fallback", "info": "fallback"},
}
REQUESTS = {"requests": "http_requests_total", "errors": 'http_requests_total{code=~"5.."}'}


def tool_settings(examples: int) -> settings:
    """`examples` drawn fleets (plus the explicit ones), each one promtool run: no shrinking, shown as drawn."""
    return settings(
        max_examples=examples,
        deadline=None,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
        phases=[Phase.explicit, Phase.reuse, Phase.generate],
    )


def platform(defaults: dict[str, Any] | None = None) -> dict[str, Any]:
    out: dict[str, Any] = {
        "apiVersion": "obsc/v1",
        "kind": "Platform",
        "teams": {"payments": {}},
        "receivers": {"fallback": {"webhook": {"url": "http://127.0.0.1:9/hook"}}},
        "alertmanager": {"default_receiver": "fallback"},
    }
    return {**out, "defaults": {"routing": {"critical": "fallback"}, **(defaults or {})}}  # pages name it


def refused_or_passes(capsys: pytest.CaptureFixture[str], spec: dict[str, Any], platform_doc: dict[str, Any]) -> None:
    """Compile (validated) a fleet of `platform_doc` and `spec`: exit 2 with located lines, or exit 0."""
    require_tool("promtool")
    require_tool("amtool")
    with tempfile.TemporaryDirectory() as tmp:
        specs = Path(tmp) / "specs"
        specs.mkdir()
        (specs / "platform.yaml").write_text(yaml.safe_dump(platform_doc, sort_keys=False))
        (specs / "batch.yaml").write_text(yaml.safe_dump(spec, sort_keys=False, width=1 << 16))
        with remembered_routes():  # most drawn fleets write the same alertmanager.yml
            built = run_obsc(capsys, "compile", str(specs), "--out", str(Path(tmp) / "out"))
        event(f"compile exit {built.code}")
        if built.code == 2:
            _assert_located(built.err)
            return
        shown = yaml.safe_dump({"platform defaults": platform_doc.get("defaults"), "spec": spec}, sort_keys=False)
        assert built.code == 0, f"accepted but failed its own checks:\n{shown}\n{built.err[:4000]}"
