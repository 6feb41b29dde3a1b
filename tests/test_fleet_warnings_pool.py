"""The warnings a compile prints about its fleet are worked out in the generation pool, not after it in the parent.

In the parent they ran on one core after generation while the other sat idle (issue 15: about 1.8 of the parent's
2.8 CPU-s on the 1,000-service bench fleet, measured at load 30). Said by the parent as before: the same lines, in the
same order, with workers and without.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from compiler import workers
from compiler.ui import reports
from tests.bench.fleet import write_fleet
from tests.cli_helpers import run_obsc

SERVICES = 2 * workers.MIN_ITEMS_PER_WORKER  # enough for two worker processes


@pytest.fixture(scope="module")
def specs(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_fleet(tmp_path_factory.mktemp("fleet"), SERVICES, teams=2, rich=True)


def _said(err: str, out: Path) -> list[str]:
    return [re.sub(re.escape(str(out)), "OUT", line) for line in err.splitlines()]


def _compile(capsys: pytest.CaptureFixture[str], specs: Path, out: Path, *flags: str) -> list[str]:
    result = run_obsc(capsys, "compile", str(specs), "--out", str(out), "--no-validate", *flags)
    assert result.code == 0, result.err
    return _said(result.err, out)


@pytest.mark.skipif(not workers.can_fork(), reason="worker processes need fork (Linux)")
def test_the_parent_does_not_work_out_the_fleet_warnings(
    specs: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    in_parent: list[str] = []  # a worker's calls land in its own copy of this list, which the parent never sees
    real = reports.spec_warnings
    monkeypatch.setattr(reports, "spec_warnings", lambda out, fleet: (in_parent.append("spec"), real(out, fleet)))
    monkeypatch.setenv("OBSC_JOBS", "2")
    pooled = _compile(capsys, specs, tmp_path / "pooled")
    assert in_parent == []
    monkeypatch.setenv("OBSC_JOBS", "1")
    here = _compile(capsys, specs, tmp_path / "here")
    assert in_parent == ["spec"]
    assert pooled == here
    assert any("kube_pod_cpu_limits is kube-state-metrics'" in line for line in pooled)  # spec warnings
    assert any("set alertmanager.default_receiver" in line for line in pooled)  # routing warnings


def test_quiet_compiles_work_out_no_fleet_warnings(
    specs: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    worked: list[str] = []
    real = reports.recorded_fleet_warnings
    monkeypatch.setattr(reports, "recorded_fleet_warnings", lambda *args: (worked.append("x"), real(*args))[1])
    monkeypatch.setenv("OBSC_JOBS", "1")
    assert _compile(capsys, specs, tmp_path / "quiet", "-q") == []
    assert worked == []
    assert any("warning" in line for line in _compile(capsys, specs, tmp_path / "said"))
    assert worked == ["x"]
