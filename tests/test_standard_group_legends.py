"""A standard (Jsonnet) dashboard's query kept per group names the group in its legend.

Found by round 35's dashboard hunt on a fleet unlike examples/: examples/lib/golden-signals.jsonnet drew a
grouped SLO's (`by: [cluster]`) budget as a stat with the legend 'budget left', so the stat showed each
cluster's budget (-3900% and 80% in the hunt's incident) under one name, and a metric kept per label
(`max by (pod)`) as Saturation lines all called 'memory'. The Jsonnet could not do better: the service
argument named no group label. It now carries `by` and `groups_legend` per SLO and per metric.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path

from compiler.api import CompileOptions, compile_specs
from compiler.targets.grafana.standard import service_argument
from tests.conftest import ROOT
from tests.test_grafana_support import all_panels, dashboards

PLATFORM = """\
apiVersion: obsc/v1
kind: Platform
receivers: {sink: {webhook: {url: "http://127.0.0.1:9/"}}}
alertmanager: {default_receiver: sink}
standard_dashboards: {golden-signals: lib/golden-signals.jsonnet}
"""
SERVICE = """\
apiVersion: obsc/v1
service: geo-api
team: maps
selector: {job: geo-api}
metrics:
  requests: geo_requests_total
  errors: geo_requests_total{code=~"5.."}
  memory: {expr: 'max by (pod) (container_memory_share{$selector})', unit: percentunit}
slos:
  - {name: availability, objective: 99.5, period: 90d, by: [cluster, zone], sli: {errors: errors, total: requests}}
  - {name: whole, objective: 99, sli: {errors: errors, total: requests}}
dashboards: [service, golden-signals]
"""


def _compile(tmp_path: Path) -> tuple[dict[str, object], object]:
    (tmp_path / "lib").mkdir()
    shutil.copy(ROOT / "examples" / "lib" / "golden-signals.jsonnet", tmp_path / "lib")
    (tmp_path / "platform.yaml").write_text(PLATFORM)
    (tmp_path / "geo-api.yaml").write_text(SERVICE)
    compilation = compile_specs([str(tmp_path)], CompileOptions())
    return dashboards(compilation)["grafana/dashboards/teams/maps/geo-api.golden-signals.json"], compilation


def _kept(expr: str, labels: set[str]) -> set[str]:
    """The group labels a query keeps: matched as every group (`cluster=~".*"`) or aggregated by."""
    by = {label.strip() for found in re.findall(r"\bby \(([^)]*)\)", expr) for label in found.split(",")}
    return {label for label in labels if f'{label}=~".*"' in expr or f'{label}=~"${label}"' in expr or label in by}


def test_every_standard_target_kept_per_group_names_its_groups(tmp_path: Path) -> None:
    board, _ = _compile(tmp_path)
    groups = {"cluster", "zone", "pod"}
    unnamed = []
    for panel in all_panels(board):  # type: ignore[arg-type]
        for target in panel.get("targets") or []:
            missing = sorted(g for g in _kept(target["expr"], groups) if f"{{{{{g}}}}}" not in target["legendFormat"])
            unnamed += [f"{panel['title']}: {target['legendFormat']!r} names no {missing}"] if missing else []
    assert unnamed == []
    titles = {p["title"] for p in all_panels(board)}  # type: ignore[arg-type]
    assert {"availability budget left", "Saturation"} <= titles  # the panels under test exist


def test_the_service_argument_names_each_querys_groups(tmp_path: Path) -> None:
    _, compilation = _compile(tmp_path)
    fleet = compilation.fleet  # type: ignore[attr-defined]
    argument = service_argument(fleet.services[0], fleet.platform, "golden-signals")
    slos = {s["name"]: (s["by"], s["groups_legend"]) for s in argument["slos"]}
    assert slos == {"availability": (["cluster", "zone"], "{{cluster}} {{zone}}"), "whole": ([], "")}
    assert (argument["metrics"]["memory"]["by"], argument["metrics"]["memory"]["groups_legend"]) == (["pod"], "{{pod}}")
    assert argument["metrics"]["requests"]["by"] == []


def test_a_grouped_slos_standard_panels_show_the_worst_group_of_those_its_variables_select(tmp_path: Path) -> None:
    """Round 36: a standard dashboard had no group variable, so a grouped SLO's stat showed every group. obsc now
    adds the variables its panels read (All: `.*`), and `queries` show the worst group selected, named by its
    labels; `group_queries` keep one series per selected group."""
    board, compilation = _compile(tmp_path)
    variables = {v["name"]: v for v in board["templating"]["list"]}  # type: ignore[index]
    for label in ("cluster", "zone"):
        assert variables[label]["query"] == (
            f'label_values(slo:error_budget_remaining:ratio{{service="geo-api"}}, {label})'
        )
        assert (variables[label]["allValue"], variables[label]["multi"]) == (".*", True)
    stat = next(p for p in all_panels(board) if p["title"] == "availability budget left")  # type: ignore[arg-type]
    own = 'service="geo-api",slo="availability",cluster=~"$cluster",zone=~"$zone"'
    assert stat["targets"][0]["expr"] == (
        f"bottomk(1, (slo:error_budget_remaining:ratio{{{own}}} and on(service, slo, cluster, zone) "
        f"last_over_time(slo:sli_total:coarse_rate5m{{{own}}}[15m])))"
    )
    fleet = compilation.fleet  # type: ignore[attr-defined]
    argument = service_argument(fleet.services[0], fleet.platform, "golden-signals")
    grouped, whole = argument["slos"]
    assert grouped["queries"]["burn_rate"].startswith("topk(1, ")
    assert (
        grouped["group_queries"]["budget_remaining"] == grouped["queries"]["budget_remaining"][len("bottomk(1, ") : -1]
    )
    assert whole["queries"] == whole["group_queries"] and "bottomk" not in str(whole["queries"])
    assert "pod" not in variables  # a metric kept per a label no SLO or threshold alert splits by has no variable
