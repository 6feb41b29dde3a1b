"""The holds groups of the scrapes tests never feed a series that a rule of the same file also writes.

Found by the clean-clone suite after the holds groups landed: each case passed alone (focused), but promtool
run on the whole file failed "duplicate sample for timestamp" where a rule still gave a sample from the fed
recorded series (a raw ratio's total `0 * errors + 1`; a 1d SLO's budget record beside a 30d SLO over the same
counters). A user's validated compile of such a spec exited 1, and `--revalidate-all` runs every file whole."""

from __future__ import annotations

import subprocess
from copy import deepcopy
from pathlib import Path

import pytest
import yaml

from tests.cli_helpers import run_obsc
from tests.conftest import ROOT, require_tool
from tests.promtool_helpers import RUN_BY_HOLD_FEED
from tests.tool_property_helpers import REQUESTS, SERVICE, platform

GOLDENS = sorted(p for p in (ROOT / "tests" / "golden").iterdir() if p.is_dir() and p.name != "vmalert-layout")


def test_two_slos_over_one_sli_compile_validated(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """s0's budget record (1d) gave a sample from what s1's burn holds fed: the compile exited 1."""
    spec = deepcopy(SERVICE)
    sli = {"errors": "errors", "total": "requests"}
    spec["metrics"] = dict(REQUESTS)
    spec["slos"] = [
        {"name": "s0", "objective": 99.9, "period": "1d", "sli": sli},
        {"name": "s1", "objective": 99, "period": "30d", "sli": sli, "min_bad_events": 5},
    ]
    spec["targets"] = False
    require_tool("promtool", "PROMTOOL")
    require_tool("amtool")
    specs = tmp_path / "specs"
    specs.mkdir()
    (specs / "platform.yaml").write_text(yaml.safe_dump(platform(), sort_keys=False))
    (specs / "batch.yaml").write_text(yaml.safe_dump(spec, sort_keys=False))
    built = run_obsc(capsys, "compile", str(specs), "--out", str(tmp_path / "out"))
    assert built.code == 0, built.err


@pytest.mark.parametrize("golden", GOLDENS, ids=lambda p: p.name)
def test_every_golden_scrapes_and_holds_file_passes_promtool_whole(golden: Path) -> None:
    """Whole files, as the nightly `--revalidate-all` runs them (invoice-run's raw-ratio SLO failed); the holds
    files (round 31: the holds a coarser grid pins) feed the same kind of series, and so do the twins files
    (round 35: the missing-data twins' timelines at 2m, out of the scrapes files)."""
    promtool = require_tool("promtool", "PROMTOOL")
    tests = ROOT / "tests" / "golden" / golden.name / "expected" / "prometheus" / "tests"
    files = sorted(f for part in RUN_BY_HOLD_FEED for f in tests.glob(f"*.{part}.test.yaml"))
    if not files:
        pytest.skip("no scrapes or holds file")
    result = subprocess.run([promtool, "test", "rules", *map(str, files)], capture_output=True, text=True)
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-2000:]
    # as test_slo_kinds asked of the slo-kinds and examples files it runs (its holds files are run here alone now)
    assert "WARNING" not in result.stdout + result.stderr, result.stdout[-4000:] + result.stderr[-2000:]
