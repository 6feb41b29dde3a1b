"""Sloth's windows files (`sloth.slok.dev/v1` `AlertWindows`, its `--slo-period-windows-path`) among the sources
of `obsc import sloth`: read, not refused, and compared with obsc's catalog in the note on burn pairs.

Reads ../shared/corpus (Sloth's windows files and getting-started example) at test time. The file's pairs are
written out here from the file (errorBudgetPercent x period / longWindow), not computed by the code under test;
obsc's are read from the rules it generates.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from compiler.errors import InputError
from compiler.importers import ImportOptions, import_specs
from tests.conftest import require_shared
from tests.import_helpers import import_and_compile
from tests.test_import_burn_pairs import burn_notes, compiled_pairs, listed

# custom-30d.yaml: page 1% in 30m (2m), 2% in 3h (15m); ticket 5% in 12h (1h), 5% in 36h (3h); at 30d
CUSTOM_30D = [
    ("critical", "30m", "2m", "14.4"),
    ("critical", "3h", "15m", "4.8"),
    ("warning", "12h", "1h", "3"),
    ("warning", "36h", "3h", "1"),
]


def test_a_sloth_repository_with_a_windows_file_imports_and_says_which_burns_sloth_used(tmp_path: Path) -> None:
    """A Sloth repository keeps its windows files beside its specs. Before, `obsc import sloth repo/` failed on
    the windows file ("not a Sloth resource"), and with the file left out the note said the SLO paged at
    Sloth's built-in 30d burns, which this team had replaced (14.4x over 30m, not 1h)."""
    repo = tmp_path / "repo"
    repo.mkdir()
    for name in ("windows/custom-30d.yaml", "examples/getting-started.yml"):
        shutil.copy(require_shared(f"corpus/sloth/{name}"), repo)  # (a copy at test time, in tmp_path)
    imported, compilation = import_and_compile("sloth", [repo], tmp_path / "out")
    [note] = burn_notes(imported.notes)
    assert note.path == ("slos",)
    ours = compiled_pairs(compilation, "myservice")
    assert f"Sloth's windows file ({repo / 'custom-30d.yaml'}:3:1) {listed(CUSTOM_30D)}; " in note.message
    assert f"obsc's built-in 30d catalog {listed(ours)}:" in note.message
    assert "defaults.slo_alerts.windows for 30d" in note.message


def test_a_windows_file_equal_to_obscs_catalog_says_nothing(tmp_path: Path) -> None:
    """google-30d.yaml is the Workbook's 30d catalog, obsc's too: no note on burn pairs."""
    files = [require_shared(f"corpus/sloth/{name}") for name in ("windows/google-30d.yaml", "testdata/in-base.yaml")]
    imported, _ = import_and_compile("sloth", files, tmp_path / "out")
    assert burn_notes(imported.notes) == []


def test_a_windows_file_for_another_period_is_noted_as_unused(tmp_path: Path) -> None:
    files = [require_shared(f"corpus/sloth/{name}") for name in ("windows/google-28d.yaml", "testdata/in-base.yaml")]
    imported, _ = import_and_compile("sloth", files, tmp_path / "out")
    assert burn_notes(imported.notes) == []
    [unused] = [n for n in imported.notes if n.path == ("spec", "sloPeriod")]
    assert "windows for 28d: the SLOs are imported at --period 30d, so none uses them" in unused.message
    imported, _ = import_and_compile("sloth", files, tmp_path / "out28", period="28d")
    [note] = burn_notes(imported.notes)
    assert "Sloth's windows file (" in note.message and "tickets at 0.9333x over 3d/6h" in note.message


def test_two_windows_files_for_one_period_are_an_error_naming_both() -> None:
    custom = require_shared("corpus/sloth/windows/custom-30d.yaml")
    google = require_shared("corpus/sloth/windows/google-30d.yaml")
    spec = require_shared("corpus/sloth/testdata/in-base.yaml")
    with pytest.raises(InputError) as caught:
        import_specs("sloth", [str(custom), str(google), str(spec)], ImportOptions())
    [error] = caught.value.diagnostics
    assert error.location.file == str(google) and error.path == ("spec", "sloPeriod")
    assert f"a second windows file for 30d (the first: {custom}:3:1)" in error.message
