"""The files amtool check-config reads through alertmanager.yml's `templates:` (toolcheck/amtool_inputs): what
the validation record's key of the Alertmanager check covers besides obsc's own files."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from compiler.toolcheck.amtool_inputs import template_inputs

CONFIG = "alertmanager/alertmanager.yml"


def tree(tmp_path: Path, templates: str) -> Path:
    (tmp_path / "alertmanager/templates").mkdir(parents=True)
    (tmp_path / CONFIG).write_text(f"templates: {templates}\nroute: {{receiver: r}}\n")
    (tmp_path / "alertmanager/templates/obsc.tmpl").write_text("")
    return tmp_path


def test_a_glob_covers_every_name_in_its_folder_and_a_literal_its_file(tmp_path: Path) -> None:
    root = tree(tmp_path, "[templates/obsc.tmpl, 'custom/*.tmpl', team.tmpl, ../../shared/x.tmpl]")
    (root / "alertmanager/custom/sub").mkdir(parents=True)
    (root / "alertmanager/custom/a.tmpl").write_text("")
    (root / "alertmanager/custom/notes.txt").write_text("")  # not matched by Go, still keyed: more, never less
    found = template_inputs(str(root), CONFIG)
    assert found is not None
    outside = str(tmp_path.parent / "shared/x.tmpl")  # out of the tree: this machine's path
    assert found.files == (
        "alertmanager/templates/obsc.tmpl",
        "alertmanager/custom/a.tmpl",
        "alertmanager/custom/notes.txt",
    )
    assert found.listing == (
        "folder alertmanager/custom: a.tmpl\0notes.txt\0sub/\nmissing alertmanager/team.tmpl\nmissing " + outside
    )


def test_what_cannot_be_pinned_down_has_no_inputs(tmp_path: Path) -> None:
    assert template_inputs(str(tree(tmp_path, "['*/x.tmpl']")), CONFIG) is None  # a wildcard folder
    (tmp_path / CONFIG).write_text("templates: notalist\n")
    assert template_inputs(str(tmp_path), CONFIG) is None
    (tmp_path / CONFIG).write_bytes(b"\xff")
    assert template_inputs(str(tmp_path), CONFIG) is None
    (tmp_path / CONFIG).unlink()
    assert template_inputs(str(tmp_path), CONFIG) is None


def test_no_templates_and_absolute_folders(tmp_path: Path) -> None:
    root = tree(tmp_path, "[]")
    assert template_inputs(str(root), CONFIG) is not None
    (root / CONFIG).write_text("route: {receiver: r}\n")
    assert template_inputs(str(root), CONFIG) == template_inputs(str(root), CONFIG)
    (tmp_path / "abs").mkdir()
    (tmp_path / "abs/t.tmpl").write_text("")
    (root / CONFIG).write_text(f"templates: ['{tmp_path}/abs/*.tmpl']\n")
    found = template_inputs(str(root), CONFIG)
    assert found is not None and found.files == (f"{tmp_path}/abs/t.tmpl",)


def test_any_spelling_of_the_list_reads_the_same(tmp_path: Path) -> None:
    """obsc writes one flow line (read alone: fast on a fleet's config); any other spelling is read whole."""
    root = tree(tmp_path, "[templates/obsc.tmpl, 'custom/*.tmpl']")
    one_line = template_inputs(str(root), CONFIG)
    for text in (
        "route: {receiver: r}\ntemplates:\n- templates/obsc.tmpl\n- custom/*.tmpl\n",
        "'templates': [templates/obsc.tmpl, custom/*.tmpl]\n",
        "templates: [templates/obsc.tmpl, custom/*.tmpl]  # a comment\n",
    ):
        (root / CONFIG).write_text(text)
        assert template_inputs(str(root), CONFIG) == one_line, text


@pytest.mark.parametrize("where", ["alertmanager/custom/x.tmpl", "alertmanager/custom/notes", "alertmanager/team.tmpl"])
@pytest.mark.parametrize("what", ["fifo", "symlink"])
def test_a_fifo_or_symlink_where_a_template_may_be_is_never_opened(tmp_path: Path, where: str, what: str) -> None:
    """A FIFO would block the key's hashing for good (amtool's own read is bounded by OBSC_TOOL_TIMEOUT); a
    symlink's target is not the tree's. The check has no key then: it always runs."""
    root = tree(tmp_path, "[templates/obsc.tmpl, 'custom/*.tmpl', team.tmpl]")
    (root / "alertmanager/custom").mkdir()
    if what == "fifo":
        os.mkfifo(root / where)
    else:
        os.symlink(root / "alertmanager/templates/obsc.tmpl", root / where)
    assert template_inputs(str(root), CONFIG) is None
