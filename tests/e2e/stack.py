"""One e2e set-up shared by the modules that need the whole path: compile a fleet, backfill its history,
then a recording webhook, Alertmanager with the generated routing and Prometheus with the generated rules."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from compiler import conventions as names
from compiler.api import CompileOptions, compile_specs
from compiler.model.types import Fleet
from compiler.output import writer
from tests.conftest import require_tool
from tests.e2e import servers


@dataclass(frozen=True)
class Stack:
    fleet: Fleet
    prometheus_url: str
    alertmanager_url: str
    hook: servers.Webhook


@contextmanager
def compiled_stack(
    work: Path,
    specs: Path,
    backfill: Callable[[str, Fleet, Path, Path], None],
    group_wait: Callable[[dict[str, Any]], str],
) -> Iterator[Stack]:
    """`backfill(promtool, fleet, tsdb, work)` writes the history Prometheus starts on; `group_wait` sets
    each route's wait (see servers.alertmanager_test_config). Alerts fire without a `for` grace period."""
    promtool = require_tool("promtool", "PROMTOOL")
    prometheus_bin = require_tool("prometheus")
    alertmanager_bin = require_tool("prometheus-alertmanager")
    out = work / "generated"
    compilation = compile_specs([str(specs)], CompileOptions())
    writer.write(writer.plan(compilation.bundle, str(out)))
    backfill(promtool, compilation.fleet, work / "tsdb", work)
    with servers.webhook() as hook:
        am_config = servers.alertmanager_test_config(out / names.ALERTMANAGER_CONFIG, group_wait, hook.url)
        with servers.alertmanager(alertmanager_bin, am_config, work) as am:
            prom_config = servers.prometheus_test_config(work, out / names.PROMETHEUS_DIR / "rules", am.url)
            with servers.prometheus(
                prometheus_bin, prom_config, work / "tsdb", work, extra=["--rules.alert.for-grace-period=1s"]
            ) as prom:
                yield Stack(compilation.fleet, prom.url, am.url, hook)
