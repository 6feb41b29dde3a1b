"""A service whose scrape targets pin one `instance` (a database on one host, found by the round 25 input hunt):
the generated ServiceDown tests told their two targets apart by overriding `instance`, so they fed series the
rule never reads and the compile failed its own promtool tests (exit 1) on a valid spec."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.cli_helpers import run_obsc
from tests.conftest import require_tool
from tests.platform_text import sink_platform

PLATFORM = sink_platform()
SPEC = """apiVersion: obsc/v1
service: ledger-db
team: core
selector: {job: postgres, instance: "db-1:9187"}
metrics:
  requests: pg_stat_database_xact_commit_total
"""


def test_servicedown_cases_keep_the_pinned_instance(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    require_tool("promtool")
    (tmp_path / "specs").mkdir()
    (tmp_path / "specs" / "platform.yaml").write_text(PLATFORM)
    (tmp_path / "specs" / "ledger-db.yaml").write_text(SPEC)  # targets: the selector's instance and job
    result = run_obsc(capsys, "compile", str(tmp_path / "specs"), "--out", str(tmp_path / "out"))
    assert result.code == 0, result.err
    tests = (tmp_path / "out" / "prometheus" / "tests" / "ledger-db.test.yaml").read_text()
    assert 'up{instance="db-1:9187",job="postgres",obsc_target="a"}' in tests
