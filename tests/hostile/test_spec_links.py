"""Symlinks inside a shared spec tree (round 52, a hostile contributor of team alpha, `team_spec_dir` set).

Before, in a whole-tree compile:
- a link in alpha's folder to bravo's `.draft.yaml` (a dot file, which obsc never reads as a spec) compiled bravo's
  draft as a live service paging bravo (exit 0): the team check judged the file by its real path, bravo's folder,
  and alpha's CODEOWNERS approved the link. The same through a linked folder, or a link in the tree's top folder.
- a link in alpha's folder to bravo's spec read that spec twice: "service 'search' is already defined", located at
  bravo's file, whose team had changed nothing.
A link that bravo's own folder holds to bravo's own file still compiles (bravo's owners chose it).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from compiler.spec.discovery import discover
from tests.cli_helpers import run_obsc

PLATFORM = """\
apiVersion: obsc/v1
kind: Platform
secrets:
  team_root: "/etc/alertmanager/secrets/team-{team}/"
  team_spec_dir: "teams/{team}/"
defaults: {target_labels: []}
alertmanager: {default_receiver: fallback}
receivers: {fallback: {webhook: {url: "https://hooks.example/fallback"}}}
teams:
  alpha: {routing: {critical: {webhook: {url: "https://hooks.example/alpha"}}, warning: fallback}}
  bravo: {routing: {critical: {webhook: {url: "https://hooks.example/bravo"}}, warning: fallback}}
"""
SPEC = """\
apiVersion: obsc/v1
service: {service}
team: {team}
description: x
selector: {{job: {service}}}
metrics: {{requests: x_total, errors: 'x_total{{code=~"5.."}}'}}
slos:
  - {{name: availability, objective: 99.9, sli: {{errors: errors, total: requests}}}}
"""


def _tree(tmp_path: Path) -> Path:
    specs = tmp_path / "specs"
    for team, service in (("alpha", "shop"), ("bravo", "search")):
        (specs / "teams" / team).mkdir(parents=True)
        (specs / "teams" / team / f"{service}.yaml").write_text(SPEC.format(service=service, team=team))
    (specs / "platform.yaml").write_text(PLATFORM)
    (specs / "teams/bravo/.draft.yaml").write_text(SPEC.format(service="draft", team="bravo"))
    (specs / "teams/bravo/.drafts").mkdir()
    (specs / "teams/bravo/.drafts/draft.yaml").write_text(SPEC.format(service="draft", team="bravo"))
    return specs


def _compile(tmp_path: Path, capsys: pytest.CaptureFixture[str], specs: Path) -> tuple[int, str]:
    out = tmp_path / "out"
    result = run_obsc(capsys, "compile", str(specs), "--out", str(out), "--no-validate")
    assert out.exists() == (result.code == 0), result.err
    return result.code, result.err


@pytest.mark.parametrize(
    ("link", "target", "read_at", "link_folder"),
    [
        ("teams/alpha/draft.yaml", "../bravo/.draft.yaml", "teams/alpha/draft.yaml", "teams/alpha"),
        ("teams/alpha/drafts", "../bravo/.drafts", "teams/alpha/drafts/draft.yaml", "teams/alpha"),
        ("draft.yaml", "teams/bravo/.draft.yaml", "draft.yaml", ""),
    ],
    ids=["file-link", "folder-link", "top-folder-link"],
)
def test_a_link_outside_the_teams_folder_cannot_read_the_teams_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], link: str, target: str, read_at: str, link_folder: str
) -> None:
    specs = _tree(tmp_path)
    (specs / link).symlink_to(target)
    code, err = _compile(tmp_path, capsys, specs)
    assert code == 2, err
    shown = f"{specs}/{link_folder}".rstrip("/")
    assert (
        f"{specs}/{read_at}:3:7 $.team: only specs below {specs}/teams/bravo/ may belong to team 'bravo' "
        f"(secrets.team_spec_dir in {specs}/platform.yaml): this one is read through a symlink in {shown}, outside "
        "that folder, and that folder's owners, not the team's, chose what the link reads; remove the link"
    ) in err
    assert "1 error;" in err


@pytest.mark.parametrize(
    ("link", "target", "read_at"),
    [
        ("teams/alpha/search.yaml", "../bravo/search.yaml", "teams/alpha/search.yaml"),
        ("teams/alpha/bravo", "../bravo", "teams/alpha/bravo/search.yaml"),
    ],
    ids=["file-link", "folder-link"],
)
def test_a_spec_reached_again_through_a_link_is_refused_at_the_link(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], link: str, target: str, read_at: str
) -> None:
    specs = _tree(tmp_path)
    (specs / "teams/bravo/.drafts").rename(tmp_path / "elsewhere")  # the folder link reads search.yaml only
    (specs / link).symlink_to(target)
    code, err = _compile(tmp_path, capsys, specs)
    assert code == 2, err
    assert (
        f"{specs}/{read_at} $: is {specs}/teams/bravo/search.yaml again, reached through a symlink: a file is read "
        "once, at that path; not read here"
    ) in err
    assert "already defined" not in err and f"{specs}/teams/bravo/search.yaml:" not in err


def test_the_teams_own_link_to_its_own_file_compiles(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    specs = _tree(tmp_path)
    (specs / "teams/bravo/draft.yaml").symlink_to(".draft.yaml")
    code, err = _compile(tmp_path, capsys, specs)
    assert code == 0, err
    assert (tmp_path / "out/grafana/dashboards/teams/bravo/draft.json").exists()


def test_a_link_and_its_file_named_one_by_one_are_read_once_at_the_file(tmp_path: Path) -> None:
    """Files named one by one (the API's discover; the CLI drops a repeat before): bravo's own link beside its spec is
    the spec again, read at the spec's path (review53: the named file's link check dropped read it twice)."""
    specs = _tree(tmp_path)
    (specs / "teams/bravo/copy.yaml").symlink_to("search.yaml")
    spec, link = (str(specs / "teams/bravo" / name) for name in ("search.yaml", "copy.yaml"))
    found, _, problems = discover([spec, link])
    assert found == [spec]
    assert [(p.location.file, p.message) for p in problems] == [
        (link, f"is {spec} again, reached through a symlink: a file is read once, at that path; not read here")
    ]


def test_a_platform_file_reached_again_through_a_link_is_read_once_at_its_path(tmp_path: Path) -> None:
    """A link in alpha's folder to the tree's platform.yaml reaches it again: refused at the link, the
    platform read once (review53: the platform left out of the files taken at their own path passed every test)."""
    specs = _tree(tmp_path)
    (specs / "teams/bravo/.drafts").rename(tmp_path / "elsewhere")
    (specs / "teams/alpha/platform.yaml").symlink_to("../../platform.yaml")
    _, platforms, problems = discover([str(specs)])
    assert platforms == [f"{specs}/platform.yaml"]
    assert [(p.location.file, p.message) for p in problems] == [
        (
            f"{specs}/teams/alpha/platform.yaml",
            f"is {specs}/platform.yaml again, reached through a symlink: a file is read once, at that path; not "
            "read here",
        )
    ]


def test_a_linked_draft_with_a_schema_error_is_refused_for_the_link_too(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Every error at once: a draft with a misspelt key, read through alpha's link, is refused for its link beside
    the key (review53: the pruned document, which a spec with schema errors is modelled from, lost its links)."""
    specs = _tree(tmp_path)
    draft = specs / "teams/bravo/.draft.yaml"
    draft.write_text(draft.read_text() + "colour: red\n")
    (specs / "teams/alpha/draft.yaml").symlink_to("../bravo/.draft.yaml")
    code, err = _compile(tmp_path, capsys, specs)
    assert code == 2, err
    assert "colour" in err, err
    assert f"{specs}/teams/alpha/draft.yaml:3:7 $.team: only specs below {specs}/teams/bravo/ may belong" in err, err


def test_a_link_in_a_folder_named_like_the_teams_is_outside_it(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """`teams/bravo-old` is not bravo's folder though its name starts as bravo's does (review53: the link's folder
    compared by prefix without the separator compiled bravo's draft)."""
    specs = _tree(tmp_path)
    (specs / "teams/bravo-old").mkdir()
    (specs / "teams/bravo-old/draft.yaml").symlink_to("../bravo/.draft.yaml")
    code, err = _compile(tmp_path, capsys, specs)
    assert code == 2, err
    assert f"this one is read through a symlink in {specs}/teams/bravo-old, outside that folder" in err, err
