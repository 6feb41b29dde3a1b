"""`obsc import` writes its specs together (compiler/output/file_set.py): an error part-way leaves the folder
as it was. Stops at each line of the write: tests/test_stop_anywhere.py."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from compiler.errors import OutputError
from compiler.output import file_set
from tests.conftest import tree


def _folder(tmp_path: Path) -> Path:
    folder = tmp_path / "specs"
    folder.mkdir()
    (folder / "api.yaml").write_text("old api\n")
    (folder / "web.yaml").write_text("old web\n")
    (folder / "NOTES.md").write_text("ours\n")
    return folder


@pytest.mark.parametrize("links", ["linked aside", "moved aside (links refused)"])
def test_an_error_while_the_names_are_replaced_puts_back_every_file_already_replaced(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, links: str
) -> None:
    """Found by this test: the file kept aside as a hard link was left beside the folder, since a rename
    between two links of one file does nothing."""
    folder = _folder(tmp_path)
    if links != "linked aside":

        def refused(*args: object, **kwargs: object) -> None:
            raise OSError(1, "Operation not permitted")

        monkeypatch.setattr(file_set.os, "link", refused)
    before = tree(folder)
    replace, calls = os.replace, []

    def fails_the_third(src: str, dst: str) -> None:
        calls.append(dst)
        if len(calls) == 3:
            raise OSError(28, "No space left on device")
        replace(src, dst)

    monkeypatch.setattr(file_set.os, "replace", fails_the_third)
    files = {"api.yaml": "new api\n", "billing.yaml": "new billing\n", "web.yaml": "new web\n"}
    with pytest.raises(OutputError, match="No space left on device; nothing was written"):
        file_set.write_files_together(str(folder), files)
    assert tree(folder) == before


def test_a_directory_at_a_name_is_refused_before_anything_is_written(tmp_path: Path) -> None:
    folder = _folder(tmp_path)
    (folder / "web.yaml").unlink()
    (folder / "web.yaml").mkdir()
    before = tree(folder)
    with pytest.raises(OutputError, match=r"web.yaml: it is a directory; nothing was written"):
        file_set.write_files_together(str(folder), {"api.yaml": "new api\n", "web.yaml": "new web\n"})
    assert tree(folder) == before and (folder / "web.yaml").is_dir()


def test_a_failed_write_into_a_new_folder_removes_the_folders_it_made(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "a").mkdir()

    def full(*args: object) -> int:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(file_set.os, "open", full)
    with pytest.raises(OutputError, match="No space left on device; nothing was written"):
        file_set.write_files_together(str(tmp_path / "a" / "b" / "c"), {"api.yaml": "x\n"})
    assert [p.name for p in tmp_path.iterdir()] == ["a"] and not any((tmp_path / "a").iterdir())
