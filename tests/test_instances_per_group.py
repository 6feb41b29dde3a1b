"""The Instances panel of a service whose ServiceDown also fires per group (an SLO split `by:` a target label).

Found by the round-28 dashboard hunt: `ServiceDown` with `region="eu"` (every eu target down, us healthy) opened
the Instances panel, which plotted `sum(up)` and `count(up)` of the whole service: "1 up of 2 scraped", and
nowhere which group the page was about, nor that us was fine. The panel now also plots `up` per group of each
split, the sum the alert's group branch compares with 0, and a real Prometheus shows eu at 0 beside us at 1.
"""

from __future__ import annotations

import json
import re
import subprocess
import time
import urllib.parse
from pathlib import Path

import yaml

from compiler import conventions as names
from compiler.api import CompileOptions, compile_specs
from tests.conftest import require_tool
from tests.e2e import servers
from tests.test_grafana_support import all_panels

PLATFORM = """\
apiVersion: obsc/v1
kind: Platform
defaults:
  routing: {critical: {webhook: {url: "http://127.0.0.1:9/x"}}, warning: {webhook: {url: "http://127.0.0.1:9/x"}},
            info: {webhook: {url: "http://127.0.0.1:9/x"}}}
"""
GEO = """\
apiVersion: obsc/v1
service: geo-api
team: maps
selector: {job: geo-api}
metrics: {requests: http_requests_total, errors: 'http_requests_total{code=~"5.."}'}
slos:
  - {name: availability, objective: 99.9, period: 7d, by: [region], sli: {errors: errors, total: requests}}
  - {name: zonal, objective: 99, by: [zone], sli: {errors: errors, total: requests}}
"""


def _compile(tmp_path: Path) -> dict[str, str]:
    (tmp_path / "platform.yaml").write_text(PLATFORM)
    (tmp_path / "geo-api.yaml").write_text(GEO)
    return {a.path: a.content for a in compile_specs([str(tmp_path)], CompileOptions()).bundle.artifacts}


def _instances(files: dict[str, str]) -> dict[str, str]:
    board = json.loads(files[names.grafana_dashboard_path("maps", "geo-api", names.SERVICE_DASHBOARD)])
    panel = next(p for p in all_panels(board) if p["title"] == "Instances")
    return {t["legendFormat"]: t["expr"] for t in panel["targets"]}


def _group_branches(files: dict[str, str]) -> list[str]:
    """What ServiceDown's group branches compare with 0, read from the rule."""
    rules = yaml.safe_load(files[names.prometheus_rules_path("geo-api")])
    exprs = [r["expr"] for g in rules["groups"] for r in g["rules"] if r.get("alert") == "ServiceDown"]
    found = [m for e in exprs for m in re.findall(r"(sum by \([^)]*\) \(up\{[^}]*\}\)) == 0", e)]
    return list(dict.fromkeys(found))  # a branch under a hold compares it twice (now, and over its window)


def test_the_instances_panel_plots_up_per_group_as_service_down_compares_it(tmp_path: Path) -> None:
    files = _compile(tmp_path)
    branches = _group_branches(files)
    assert len(branches) == 2, branches  # by region, by zone (a split nested in another is one: round 40)
    shown = _instances(files)
    assert sorted(e for e in shown.values() if e in branches) == sorted(branches), shown
    assert shown["up {{region}}"] == 'sum by (region) (up{job="geo-api",region!=""})'
    assert shown["up {{zone}}"] == 'sum by (zone) (up{job="geo-api",zone!=""})'


def test_an_ungrouped_service_keeps_its_two_lines(tmp_path: Path) -> None:
    (tmp_path / "platform.yaml").write_text(PLATFORM)
    (tmp_path / "geo-api.yaml").write_text(GEO.replace(", by: [region]", "").replace(", by: [zone]", ""))
    files = {a.path: a.content for a in compile_specs([str(tmp_path)], CompileOptions()).bundle.artifacts}
    assert list(_instances(files)) == ["up", "scraped"]


def test_on_a_real_prometheus_the_down_region_reads_0_beside_the_healthy_one(tmp_path: Path) -> None:
    prometheus = require_tool("prometheus")
    promtool = require_tool("promtool", "PROMTOOL")
    files = _compile(tmp_path)
    expr = _instances(files)["up {{region}}"]
    start = int(time.time()) - 1800
    lines = []
    for region, value in (("eu", 0), ("us", 1)):
        for instance in ("a", "b"):
            labels = f'{{job="geo-api",region="{region}",instance="{instance}"}}'
            lines += [f"up{labels} {value} {start + 60 * i}" for i in range(10)]
    (tmp_path / "up.om").write_text("\n".join(lines) + "\n# EOF\n")
    subprocess.run(
        [promtool, "tsdb", "create-blocks-from", "openmetrics", str(tmp_path / "up.om"), str(tmp_path / "tsdb")],
        check=True,
        capture_output=True,
    )
    (tmp_path / "prometheus.yml").write_text("global: {}\n")
    with servers.prometheus(prometheus, tmp_path / "prometheus.yml", tmp_path / "tsdb", tmp_path) as prom:
        query = urllib.parse.urlencode({"query": expr, "time": start + 540})
        result = servers.get_json(f"{prom.url}/api/v1/query?{query}")["data"]["result"]
    assert {r["metric"]["region"]: r["value"][1] for r in result} == {"eu": "0", "us": "2"}
