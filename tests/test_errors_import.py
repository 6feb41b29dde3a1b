"""Error-message goldens of `obsc import`: tests/errors/imports/<format>/<case>.yaml, imported as that format,
gives exactly <case>.txt, exit 2, and writes nothing. Refresh with `make goldens` and review the diff."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.cli_helpers import run_obsc
from tests.conftest import ROOT, UPDATE_GOLDENS

IMPORTS = Path("tests/errors/imports")
CASES = sorted(str(p.relative_to(ROOT / IMPORTS)) for p in (ROOT / IMPORTS).glob("*/*.yaml"))


@pytest.fixture(autouse=True)
def _in_repo_root(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)  # messages name files as the user typed them: relative paths


@pytest.mark.parametrize("case", CASES)
def test_a_bad_import_is_located_in_its_source_and_writes_nothing(
    case: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    source, out = IMPORTS / case, tmp_path / "specs"
    result = run_obsc(capsys, "import", source.parent.name, str(source), "--out", str(out), "--team", "web")
    assert result.code == 2, result.err
    assert not out.exists()
    for line in result.err.splitlines()[:-1]:  # the file-wide "nothing to import" once had no line:col
        assert re.match(rf"{re.escape(str(source))}:\d+:\d+ \$", line), line
    golden = ROOT / source.with_suffix(".txt")
    if UPDATE_GOLDENS:
        golden.write_text(result.err)
    assert golden.exists(), f"missing {golden}; run `make goldens`"
    assert result.err == golden.read_text(), f"message changed; if intended run `make goldens`\n{result.err}"
