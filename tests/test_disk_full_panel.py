"""ServiceDiskFillingUp opens a panel of what it compares: the time until the disk is full at its 6h trend.

Its link opened the Disk utilisation panel, a share of the disk in use with the 80% saturation line: a page
saying "full in 5 hours" showed a disk at 60% and no line it had crossed. The panel it opens now plots the
rule's own expression (`model.disk_trend.time_to_full`) in seconds, with a line at each tier's horizon; promtool
reads it on a disk filling at a known rate (a value in seconds) and on a flat one (no value: not filling). The
runbook's "what the alert compares" query was the utilisation too: it is the same time to full.
"""

from __future__ import annotations

import json
import re
import urllib.parse
from pathlib import Path
from typing import Any

import yaml

from compiler import conventions as names
from compiler.api import compile_specs
from tests.promtool_helpers import promtool_report

SPEC = """apiVersion: obsc/v1
service: NAME
team: core
selector: {job: NAME}
metrics:
  disk: 1 - sum(node_filesystem_avail_bytes{$selector}) / sum(node_filesystem_size_bytes{$selector})
alerts:
  disk_full: {critical: 4h, warning: 1d}
routing:
  critical: {webhook: {url: "http://relay:8080/page"}}
  warning: {webhook: {url: "http://relay:8080/ticket"}}
"""
HORIZONS = {"critical": (4 * 3600, "red"), "warning": (86400, "orange")}


def _disk_full_alerts(files: dict[str, str], name: str) -> list[dict[str, object]]:
    """The alert's tiers (not its missing-data twin, which may carry its name: saturation_twins)."""
    rules = yaml.safe_load(files[names.prometheus_rules_path(name)])
    return [
        r
        for g in rules["groups"]
        for r in g["rules"]
        if r.get("alert") == "ServiceDiskFillingUp" and "data" not in r["labels"]
    ]


def _compiled(tmp_path: Path, name: str) -> dict[str, str]:
    (tmp_path / f"{name}.yaml").write_text(SPEC.replace("NAME", name))
    return {a.path: a.content for a in compile_specs([str(tmp_path)]).bundle.artifacts}


def _opened_panel(files: dict[str, str], name: str, url: str) -> dict[str, object]:
    board = json.loads(files[names.grafana_dashboard_path("core", name, names.SERVICE_DASHBOARD)])
    parsed = urllib.parse.urlparse(url)
    assert parsed.path == f"/d/{board['uid']}", url
    [panel_id] = urllib.parse.parse_qs(parsed.query)["viewPanel"]
    panels: list[dict[str, object]] = board["panels"]
    return next(p for p in panels if p["id"] == int(panel_id))


def test_the_disk_full_alert_opens_a_panel_of_the_time_to_full_it_compares(tmp_path: Path) -> None:
    files = _compiled(tmp_path, "store")
    alerts: list[dict[str, Any]] = _disk_full_alerts(files, "store")
    assert {a["labels"]["severity"] for a in alerts} == set(HORIZONS)
    for alert in alerts:
        horizon, color = HORIZONS[alert["labels"]["severity"]]
        panel = _opened_panel(files, "store", alert["annotations"]["dashboard_url"])
        compared, line = re.fullmatch(r"(.*)\s+<\s+(\S+)", alert["expr"], re.S).groups()  # type: ignore[union-attr]
        assert float(line) == horizon
        plotted = [t["expr"] for t in panel["targets"]]  # type: ignore[attr-defined]
        assert plotted == [" ".join(compared.split())], (panel["title"], plotted)
        defaults = panel["fieldConfig"]["defaults"]  # type: ignore[index]
        assert defaults["unit"] == "s"
        assert {"value": float(horizon), "color": color} in defaults["thresholds"]["steps"]
        page = files[names.runbook_path("store", "ServiceDiskFillingUp", None)]
        assert f"- Dashboard: {alert['annotations']['dashboard_url']}\n" in page
        # the page's first query, "what the alert compares", is the same time to full (it was the utilisation)
        compares = re.search(r"\(what the alert compares\):\n\n```promql\n(.*)\n```", page)
        assert compares is not None and compares.group(1) == plotted[0], page


def test_the_time_to_full_panel_reads_seconds_while_filling_and_nothing_while_flat(tmp_path: Path) -> None:
    files = {**_compiled(tmp_path, "filling"), **_compiled(tmp_path, "flat")}
    exprs = {}
    for name in ("filling", "flat"):
        alert: dict[str, Any] = _disk_full_alerts(files, name)[0]
        [target] = _opened_panel(files, name, alert["annotations"]["dashboard_url"])["targets"]  # type: ignore[misc]
        exprs[name] = target["expr"]
    # +0.0001 a minute from 50%: at 400m the disk is at 54%, 46% left at 1/600000 a second, 276,000 s
    disk = names.SERVICE_DISK
    series = {f'{disk}{{service="filling"}}': "0.5+0.0001x400", f'{disk}{{service="flat"}}': "0.5x400"}
    checks = [
        {
            "expr": f"abs(({exprs['filling']}) - 276000) < bool 1",
            "eval_time": "400m",
            "exp_samples": [{"labels": '{service="filling"}', "value": 1}],
        },
        {"expr": exprs["flat"], "eval_time": "400m", "exp_samples": []},
    ]
    report = promtool_report(tmp_path, (), series, checks, "1m")
    assert report == "", report[-6000:]
