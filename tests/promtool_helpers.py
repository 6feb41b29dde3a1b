"""One promtool unit test of hand-written inputs against a compiled rule file: the harness of the tests that
judge obsc's rules from first principles rather than by obsc's own test generator."""

from __future__ import annotations

import subprocess
from collections.abc import Mapping, Sequence
from pathlib import Path

import yaml

from tests.conftest import require_tool


def promtool_report(
    tmp_path: Path,
    rules: str,
    series: Mapping[str, str],
    exprs: Sequence[Mapping[str, object]],
    evaluation_interval: str = "30s",
    group_eval_order: Sequence[str] = (),
) -> str:
    """promtool's report on `exprs` (expression tests) over `series` (selector → values at 1m steps), with
    the rule file `rules` (a name in `tmp_path`); '' when every check passes."""
    test: dict[str, object] = {"rule_files": [rules], "evaluation_interval": evaluation_interval}
    if group_eval_order:
        test["group_eval_order"] = list(group_eval_order)
    test["tests"] = [
        {
            "interval": "1m",
            "input_series": [{"series": s, "values": v} for s, v in series.items()],
            "promql_expr_test": list(exprs),
        }
    ]
    (tmp_path / "t.yaml").write_text(yaml.safe_dump(test, sort_keys=False))
    done = subprocess.run(
        [require_tool("promtool"), "test", "rules", "t.yaml"], cwd=tmp_path, capture_output=True, text=True
    )
    return "" if done.returncode == 0 else done.stdout + done.stderr
