"""Two SLOs of one service split by nested target labels (`by: [region]` and `by: [region, cluster]`).

ServiceDown fired per group of each split, so a region of one cluster all down paged twice (down_group "region"
and "cluster, region") for one outage, and the generated case for the finer split, expecting its own page only,
failed: the compile exited 1 ("promtool rejected the generated rules"), so such a spec could not be compiled at all
(round 40's drawn fleets). The coarser split is left out: a region all down is each of its clusters all down.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.cli_helpers import compile_one
from tests.conftest import require_tool
from tests.test_group_down import API, PLATFORM  # one team, service api: an SLO split `by: [BY]`

NESTED = API.replace("by: [BY]", "by: [region]") + (
    "  - {name: regional, objective: 99.5, by: [cluster, region], sli: {errors: errors, total: requests}}\n"
)


def test_nested_splits_compile_and_service_down_pages_once_per_outage(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    require_tool("promtool", "PROMTOOL")
    code, err, rules = compile_one(capsys, tmp_path, PLATFORM, "api", NESTED)  # the compile's own promtool tests
    assert code == 0, err
    assert set(re.findall(r'"down_group", "([^"]*)"', rules)) == {"cluster, region"}
