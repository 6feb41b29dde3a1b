"""amtool on the written bundle: `check-config`, then the routing-test table (amtool_routes).

amtool is found on PATH or through $AMTOOL; when missing, obsc exits 3 with the apt-get line.
Every call is bounded by OBSC_TOOL_TIMEOUT (default 120 s).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Sequence
from pathlib import Path

from compiler import conventions as names
from compiler.errors import ToolError
from compiler.output.bundle import Bundle
from compiler.toolcheck import _run
from compiler.toolcheck.amtool_inputs import template_inputs
from compiler.toolcheck.amtool_routes import (
    Case,
    Report,
    _load_yaml,
    load_cases,
    routing_label_names,
    run_routing_tests,
)
from compiler.toolcheck.grouping_check import grouping_faults, load_groupings
from compiler.toolcheck.record import Record, tool_identity

AMTOOL = _run.Tool(name="amtool", env_var="AMTOOL", debian_package="prometheus-alertmanager")
MAX_REPORTED = 20  # mis-routes listed in full; the rest are counted
log = logging.getLogger("obsc")


def validate(bundle: Bundle, out_dir: str, record: Record | None = None) -> None:
    """Reject the bundle (ToolError) if amtool refuses the config or any alert is mis-routed. The config,
    every template it loads (obsc's and the platform's) and the routing table are one unit: skipped when the
    record has their exact bytes."""
    if bundle.get(names.ALERTMANAGER_CONFIG) is None:
        return
    amtool = _run.find(AMTOOL)
    if record is not None:
        files = [p for p in bundle.paths if p.startswith(names.ALERTMANAGER_DIR + "/")]
        # and the platform's templates, which check-config parses too (not pinned down: no key, it always runs)
        templates = template_inputs(out_dir, names.ALERTMANAGER_CONFIG)
        key = None
        if templates is not None:
            hasher = record.hasher(out_dir)
            key = hasher.key(tool_identity(amtool), "amtool", [*files, *templates.files], templates.listing)
        if not record.pending("amtool", [(names.ALERTMANAGER_CONFIG, key)]):
            log.info("amtool: %s and its routing tests passed before with these exact bytes", names.ALERTMANAGER_CONFIG)
            return
    config = Path(out_dir, names.ALERTMANAGER_CONFIG)
    check_config(amtool, config)
    table = Path(out_dir, names.ROUTING_TESTS)
    if not table.exists():
        return
    start = time.perf_counter()
    text = table.read_text(encoding="utf-8")
    cases = load_cases(text)
    report = run_routing_tests(amtool, config, cases)
    log.info(
        "amtool: %d routing cases replayed with %d calls",
        report.cases,
        report.calls,
        extra={
            "tool": "amtool",
            "cases": report.cases,
            "calls": report.calls,
            "seconds": round(time.perf_counter() - start, 3),
        },
    )
    if report.misroutes:
        raise ToolError(misroute_message(report))
    check_groupings(config, text, cases)


def check_groupings(config: Path, table: str, cases: Sequence[Case]) -> None:
    """Each row's promised grouping, on the route a walk of the tree lands it on (amtool tells receivers only)."""
    groupings = load_groupings(table)
    if not groupings:  # a table written before rows named their grouping
        return
    start = time.perf_counter()
    loaded = _load_yaml(config.read_text(encoding="utf-8"))
    faults = grouping_faults(loaded.get("route") or {}, groupings, cases, routing_label_names(loaded))
    log.info(
        "route walk: %d rows' groupings checked",
        len(cases),
        extra={"tool": "route-walk", "cases": len(cases), "seconds": round(time.perf_counter() - start, 3)},
    )
    if faults:
        shown = [f"  {line}" for line in faults[:MAX_REPORTED]]
        more = [f"  ... and {len(faults) - len(shown)} more"] if len(faults) > len(shown) else []
        head = f"{names.ALERTMANAGER_CONFIG} does not group {len(faults)} routing rows as promised"
        raise ToolError("\n".join([f"{head} ({names.ROUTING_TESTS}):", *shown, *more]))


def check_config(amtool: str, config: Path) -> None:
    result = _run.run([amtool, "check-config", str(config)])
    detail = (result.stdout + result.stderr).strip()
    if result.returncode != 0:
        raise ToolError(f"amtool check-config rejected {names.ALERTMANAGER_CONFIG}:\n{detail}")
    if "SUCCESS" not in result.stdout:  # a silent stand-in for amtool: not a pass, nor recorded as one
        raise ToolError(f"amtool check-config said nothing of {names.ALERTMANAGER_CONFIG}: {detail[:500]!r}")


def misroute_message(report: Report) -> str:
    shown = [str(m) for m in report.misroutes[:MAX_REPORTED]]
    more = len(report.misroutes) - len(shown)
    lines = [
        f"amtool: {len(report.misroutes)} of {report.cases} alerts are not routed as the specs ask "
        f"({names.ROUTING_TESTS}, `amtool config routes test`):",
        *(f"  {line}" for line in shown),
    ]
    if more:
        lines.append(f"  ... and {more} more")
    return "\n".join(lines)
