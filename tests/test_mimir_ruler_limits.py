"""`--format mimir` against the Mimir ruler's default per-tenant limits (layouts hunt, round 29).

Mimir's ruler refuses a group of more than 20 rules (`ruler_max_rules_per_rule_group`) and a tenant of more
than 70 groups (`ruler_max_rule_groups_per_tenant`) by default, with HTTP 400: nothing of such a group is
evaluated. Every obsc SLO group is larger than 20 rules, and the compile said nothing: the first sign was
`mimirtool rules sync` failing, or a ruler without the service's pages. The counts the warning gives are
checked against the files as YAML.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from compiler import conventions as names
from compiler.api import CompileOptions, compile_specs
from compiler.targets.prometheus import ruler_limit_warnings
from tests.cli_helpers import run_obsc
from tests.conftest import ROOT

GROUPED = ROOT / "tests" / "golden" / "grouped" / "specs"  # every SLI kind `by:` labels: the largest groups
SMALL = """\
apiVersion: obsc/v1
service: tiny
team: ops
selector: {job: tiny}
metrics: {requests: tiny_requests_total, errors: 'tiny_requests_total{code=~"5.."}'}
alerts: {traffic_anomaly: false, traffic_milestone: false, error_rate: false, deployment: false}
routing:
  critical: {webhook: {url: "http://relay.ops.svc:8080/page"}}
  warning: {webhook: {url: "http://relay.ops.svc:8080/ticket"}}
"""


def _groups(specs: Path) -> list[Any]:
    bundle = compile_specs([str(specs)], CompileOptions(format="mimir")).bundle
    files = [a for a in bundle.artifacts if a.path.startswith(names.PROMETHEUS_MIMIR_DIR + "/")]
    assert files
    return [group for a in files for group in yaml.safe_load(a.content)["groups"]]


def test_the_warning_gives_the_largest_group_and_the_group_count_the_files_hold() -> None:
    groups = _groups(GROUPED)
    largest = max(groups, key=lambda g: len(g["rules"]))
    assert len(largest["rules"]) > 20  # what a default Mimir refuses
    bundle = compile_specs([str(GROUPED)], CompileOptions(format="mimir")).bundle
    (warning,) = ruler_limit_warnings(bundle.artifacts)
    assert f"{largest['name']}, has {len(largest['rules'])} rules" in warning
    assert f"the files hold {len(groups)} groups" in warning
    assert "ruler_max_rules_per_rule_group" in warning and "ruler_max_rule_groups_per_tenant" in warning


def test_files_within_the_default_limits_say_nothing(tmp_path: Path) -> None:
    (tmp_path / "tiny.yaml").write_text(SMALL)
    groups = _groups(tmp_path)
    assert groups and all(len(g["rules"]) <= 20 for g in groups)  # the negative case has rules to count
    bundle = compile_specs([str(tmp_path)], CompileOptions(format="mimir")).bundle
    assert ruler_limit_warnings(bundle.artifacts) == []


@pytest.mark.parametrize("fmt", ["mimir", "prometheus", "vmalert"])
def test_compile_warns_in_the_mimir_layout_only(
    fmt: str, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    result = run_obsc(capsys, "compile", str(GROUPED), "--out", "out", "--no-validate", "--format", fmt)
    assert result.code == 0, result.err
    warned = [line for line in result.err.splitlines() if "ruler_max_rules_per_rule_group" in line]
    assert len(warned) == (fmt == "mimir"), result.err
    if warned:
        assert warned[0].startswith(f"obsc: warning: {names.PROMETHEUS_MIMIR_DIR}/: Mimir's ruler refuses")
