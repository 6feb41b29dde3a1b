"""A repository many teams edit: what a contributor of one team can do to another team's output.

Found by a hunt (round 15): a Grafana dashboard UID keeps only 24 characters of the service name and 40 bits
of a hash, and nothing compared UIDs across services. Two services whose names share the first 24
characters could get one UID (by chance, or with another team's name found by trying names): Grafana then
loads only one of the two dashboards, and the other team's alert links open the wrong one.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from compiler import conventions
from tests.cli_helpers import run_obsc

PLATFORM = """\
apiVersion: obsc/v1
kind: Platform
secrets:
  team_root: "/etc/alertmanager/secrets/team-{team}/"
  shared_root: /etc/alertmanager/secrets/platform/
  team_spec_dir: "teams/{team}/"
teams:
  alpha: {routing: {critical: {webhook: {url: "https://hooks.example/alpha"}}, warning: {webhook: {url: "https://hooks.example/alpha"}}}}
  bravo: {routing: {critical: {webhook: {url: "https://hooks.example/bravo"}}, warning: {webhook: {url: "https://hooks.example/bravo"}}}}
"""

SPEC = """\
apiVersion: obsc/v1
service: {service}
team: {team}
description: x
selector: {{job: {service}}}
metrics:
  requests: {metric}_total
  errors: {metric}_total{{code=~"5.."}}
slos:
  - {{name: availability, objective: 99.9, sli: {{errors: errors, total: requests}}}}
"""

# Two names with the same first 24 characters and the same 10 hex digits of sha256("<name>/service"),
# found by a birthday search over a million names (a 40-bit hash: one given name takes ~2^40 tries).
VICTIM, TWIN = "payments-reconciliation-w172272", "payments-reconciliation-w359332"


def _repository(tmp_path: Path, services: dict[str, str]) -> Path:
    specs = tmp_path / "specs"
    (specs / "teams").mkdir(parents=True)
    (specs / "platform.yaml").write_text(PLATFORM)
    for service, team in services.items():
        folder = specs / "teams" / team
        folder.mkdir(exist_ok=True)
        text = SPEC.format(service=service, team=team, metric=service.replace("-", "_"))
        (folder / f"{service}.yaml").write_text(text)
    return specs


def test_the_twin_names_share_a_dashboard_uid() -> None:
    dashboard = conventions.SERVICE_DASHBOARD
    assert conventions.dashboard_uid(VICTIM, dashboard) == conventions.dashboard_uid(TWIN, dashboard)


@pytest.mark.parametrize("command", ["validate", "compile"])
def test_a_service_taking_another_teams_dashboard_uid_is_a_located_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], command: str
) -> None:
    specs = _repository(tmp_path, {VICTIM: "bravo", TWIN: "alpha"})
    out = ["--out", str(tmp_path / "out"), "--no-validate"] if command == "compile" else []
    result = run_obsc(capsys, command, str(specs), *out)
    assert result.code == 2, result.out + result.err
    uid = conventions.dashboard_uid(VICTIM, conventions.SERVICE_DASHBOARD)
    assert f"$.service: dashboard 'service' of service '{VICTIM}' would have Grafana UID '{uid}'" in result.err
    assert f"service '{TWIN}' ({specs}/teams/alpha/{TWIN}.yaml:2:10)" in result.err
    assert f"{specs}/teams/bravo/{VICTIM}.yaml:2:10" in result.err
    assert not (tmp_path / "out").exists()


def test_names_sharing_only_the_readable_prefix_compile(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    specs = _repository(tmp_path, {VICTIM: "bravo", "payments-reconciliation-w1": "alpha"})
    assert run_obsc(capsys, "validate", str(specs)).code == 0


# Two team names with the same first 22 characters and the same 10 hex digits of sha256(name): a Grafana
# folder UID is built like a dashboard's (round 20), and one million names were enough to find these.
TEAM_VICTIM, TEAM_TWIN = "payments-reconciliation-t241844", "payments-reconciliation-t610191"


def test_two_teams_taking_one_grafana_folder_uid_are_a_located_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # Found by a hunt (round 20): nothing compared folder UIDs, and the provisioning file gave both teams'
    # providers one folderUid. Grafana finds a provider's folder by that UID: both teams' dashboards would
    # share one folder, its title and its permissions. Said at the team, in the platform or in a spec.
    uid = conventions.grafana_folder_uid(TEAM_VICTIM)
    assert uid == conventions.grafana_folder_uid(TEAM_TWIN)
    specs = _repository(tmp_path, {"ledger": TEAM_VICTIM, "feed": TEAM_TWIN})
    platform = specs / "platform.yaml"
    platform.write_text(
        PLATFORM.replace("  team_spec_dir", "  # team_spec_dir")
        .replace("  alpha:", f"  {TEAM_VICTIM}:")
        .replace("  bravo:", f"  {TEAM_TWIN}:")
    )
    result = run_obsc(capsys, "validate", str(specs))
    assert result.code == 2, result.out + result.err
    assert (
        f"{platform}:9:3 $.teams.{TEAM_TWIN}: team '{TEAM_TWIN}' would have Grafana folder UID '{uid}', " in result.err
    )
    assert f"the folder UID of team '{TEAM_VICTIM}' ({platform}:8:3)" in result.err
    platform.write_text(PLATFORM.split("teams:")[0].replace("  team_spec_dir", "  # team_spec_dir"))
    result = run_obsc(capsys, "compile", str(specs), "--out", str(tmp_path / "out"), "--no-validate")
    assert result.code == 2, result.out + result.err
    feed = specs / "teams" / TEAM_TWIN / "feed.yaml"
    assert f"{feed}:2:10 $.service: team '{TEAM_TWIN}' of service 'feed' would have Grafana folder UID" in result.err
    assert not (tmp_path / "out").exists()


def test_a_spec_named_alone_below_the_platform_file_asks_for_it(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    # Found by a hunt (round 15): with `team_spec_dir: "teams/{team}/"` (docs/operations.md), a spec lives two
    # folders below platform.yaml, and `obsc compile specs/teams/alpha/x.yaml --out generated` compiled it with
    # no platform at all: other links, no platform routing, team_spec_dir not applied; the files it wrote
    # differed from the directory compile's, and `check` of the file blamed a missing team definition.
    specs = _repository(tmp_path, {"ledger": "bravo", "feed": "alpha"})
    out = tmp_path / "gen"
    assert run_obsc(capsys, "compile", str(specs), "--out", str(out), "--no-validate").code == 0
    monkeypatch.chdir(tmp_path)
    spec = "specs/teams/alpha/feed.yaml"
    for command, extra in (("check", ()), ("diff", ()), ("compile", ("--no-validate",))):
        result = run_obsc(capsys, command, spec, "--out", "gen", *extra)
        assert result.code == 2, result.err
        assert (
            f"{spec} $: no platform file beside this spec, but specs/platform.yaml is above it (a compile of that "
            "folder reads it): pass --platform specs/platform.yaml"
        ) in result.err
    named = run_obsc(capsys, "check", spec, "--out", "gen", "--platform", "specs/platform.yaml")
    assert named.code == 0, named.out + named.err


def test_a_team_folder_compiled_alone_below_the_platform_file_asks_for_it(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Found by the round 28 paths hunt: the same for a folder. `obsc compile specs/teams/alpha --out x` compiled
    the team's specs with no platform file at all (its routing, secret roots and links dropped without a word:
    exit 0 when the specs route themselves, else a missing-team error that never named the file above)."""
    specs = _repository(tmp_path, {"ledger": "bravo", "feed": "alpha"})
    monkeypatch.chdir(tmp_path)
    folder = "specs/teams/alpha"
    for command, extra in (
        ("validate", ()),
        ("check", ("--out", "gen")),
        ("compile", ("--out", "gen", "--no-validate")),
    ):
        result = run_obsc(capsys, command, folder, *extra)
        assert result.code == 2, result.out + result.err
        assert (
            f"{folder} $: no platform file in this folder, but specs/platform.yaml is above it (a compile of that "
            "folder reads it): pass --platform specs/platform.yaml"
        ) in result.err
    assert not (tmp_path / "gen").exists()
    named = run_obsc(capsys, "validate", folder, "--platform", str(specs / "platform.yaml"))
    assert named.code == 0, named.out + named.err


def test_a_team_folder_compiled_alone_is_told_that_one_mistake_only(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Found by the round 43 newcomer hunt: beside "pass --platform", each spec's secret file was refused as
    well ("the platform file (platform.yaml beside the specs) declares no secrets.team_root"), which it does:
    follow-ons of compiling without it."""
    specs = _repository(tmp_path, {"feed": "alpha"})
    spec = specs / "teams" / "alpha" / "feed.yaml"
    paging = "routing: {critical: {pagerduty: {routing_key_file: /etc/alertmanager/secrets/team-alpha/pd}}}\n"
    spec.write_text(spec.read_text() + paging)
    monkeypatch.chdir(tmp_path)
    assert run_obsc(capsys, "validate", "specs").code == 0
    result = run_obsc(capsys, "validate", "specs/teams/alpha")
    assert result.code == 2, result.out + result.err
    assert result.err.splitlines() == [
        "specs/teams/alpha $: no platform file in this folder, but specs/platform.yaml is above it (a compile of "
        "that folder reads it): pass --platform specs/platform.yaml",
        "obsc: 1 error; nothing was written",
    ]


def test_team_spec_dir_written_from_the_repositorys_top_says_so(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Found by the round 43 newcomer hunt: `team_spec_dir: "specs/teams/{team}/"` beside specs/platform.yaml told
    the spec in specs/teams/alpha/ to move "below specs/teams/alpha/", where it already was from the top."""
    specs = _repository(tmp_path, {"feed": "alpha"})
    platform = specs / "platform.yaml"
    platform.write_text(PLATFORM.replace('"teams/{team}/"', '"specs/teams/{team}/"'))
    monkeypatch.chdir(tmp_path)
    result = run_obsc(capsys, "validate", "specs")
    assert result.code == 2, result.out + result.err
    assert result.err.splitlines() == [
        "specs/teams/alpha/feed.yaml:3:7 $.team: only specs below specs/specs/teams/alpha/ may belong to team "
        "'alpha': secrets.team_spec_dir in specs/platform.yaml is read from that file's folder, not from the "
        "repository's top; write team_spec_dir: 'teams/{team}/', below which this spec lies",
        "obsc: 1 error; nothing was written",
    ]
    (specs / "teams" / "bravo").mkdir()  # a spec in another team's folder keeps the plain message
    (specs / "teams" / "alpha" / "feed.yaml").rename(specs / "teams" / "bravo" / "feed.yaml")
    platform.write_text(PLATFORM)
    assert "may belong to team 'alpha' (secrets.team_spec_dir" in run_obsc(capsys, "validate", "specs").err


def test_a_dashboard_taking_a_team_folders_uid_is_a_located_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    # Found by a hunt (round 31): dashboard UIDs were compared with dashboards' and folder UIDs with folders',
    # never one with the other, though Grafana keeps both in one UID space per organisation. `obsc-` + a
    # 19-character team name is a dashboard UID's 24-character readable prefix, so a service named so meets the
    # folder when the 40-bit hashes meet (a 2^40 search); the hash is made to meet here instead.
    team, service = "payments-settlement", "obsc-payments-settlement-ui"
    real = hashlib.sha256

    def meeting(data: bytes) -> hashlib._Hash:
        return real(f"{service}/service".encode() if data == team.encode() else data)

    monkeypatch.setattr(conventions.hashlib, "sha256", meeting)
    uid = conventions.dashboard_uid(service, conventions.SERVICE_DASHBOARD)
    assert uid == conventions.grafana_folder_uid(team)
    specs = _repository(tmp_path, {service: "alpha", "ledger": team})
    platform = specs / "platform.yaml"
    platform.write_text(PLATFORM.replace("  team_spec_dir", "  # team_spec_dir").replace("  bravo:", f"  {team}:"))
    for command in ("validate", "compile"):
        out = ["--out", str(tmp_path / "out"), "--no-validate"] if command == "compile" else []
        result = run_obsc(capsys, command, str(specs), *out)
        assert result.code == 2, result.out + result.err
        spec = specs / "teams" / "alpha" / f"{service}.yaml"
        assert (
            f"{spec}:2:10 $.service: dashboard 'service' of service '{service}' would have Grafana UID '{uid}', "
            f"the folder UID of team '{team}' ({platform}:9:3)" in result.err
        )
        assert "Traceback" not in result.err
    assert not (tmp_path / "out").exists()


def test_a_symlink_named_like_another_teams_folder_does_not_make_a_spec_theirs(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # Found by the round 34 hunt: bravo has no folder yet; alpha's contributor adds `teams/bravo`, a symlink to a
    # folder of alpha's own (git stores it as a file, which CODEOWNERS' `/specs/teams/bravo/` does not guard),
    # and a spec there claiming bravo, with bravo's secret file behind its own URL. Read as teams/bravo/x.yaml,
    # it compiled (exit 0). Its real path is alpha's folder.
    specs = _repository(tmp_path, {"ledger": "alpha"})
    hidden = specs / "teams" / "alpha" / ".b"
    hidden.mkdir()
    stolen = "/etc/alertmanager/secrets/team-bravo/pagerduty"
    spec = SPEC.format(service="thief", team="bravo", metric="thief")
    (hidden / "thief.yaml").write_text(
        spec + f'routing: {{critical: {{webhook: {{url: "https://hooks.example/x", credentials_file: {stolen}}}}}}}\n'
    )
    (specs / "teams" / "bravo").symlink_to("alpha/.b")
    result = run_obsc(capsys, "validate", str(specs))
    assert result.code == 2, result.out + result.err
    assert (
        f"{specs}/teams/bravo/thief.yaml:3:7 $.team: only specs below {specs}/teams/bravo/ may belong to team 'bravo' "
        f"(secrets.team_spec_dir in {specs}/platform.yaml) (its path goes through a symlink: the file is "
    ) in result.err
    # bravo's own folder, reached through a symlinked checkout, is bravo's
    (specs / "teams" / "bravo").unlink()
    (specs / "teams" / "bravo").mkdir()
    (specs / "teams" / "bravo" / "feed.yaml").write_text(SPEC.format(service="feed", team="bravo", metric="feed"))
    hidden.joinpath("thief.yaml").unlink()
    (tmp_path / "checkout").symlink_to(specs)
    assert run_obsc(capsys, "validate", str(tmp_path / "checkout")).code == 0
    assert (
        run_obsc(
            capsys,
            "validate",
            str(tmp_path / "checkout" / "teams" / "bravo"),
            "--platform",
            str(specs / "platform.yaml"),
        ).code
        == 0
    )


def test_a_spec_claiming_another_team_in_a_folder_named_like_a_team_is_warned_about(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # Found by the round 34 hunt: without team_spec_dir, `team: bravoo` (a defined team a letter from bravo) in
    # bravo's folder compiled without a word, and bravo never heard of that service's outages.
    specs = _repository(tmp_path, {"feed": "bravo", "ledger": "alpha"})
    bravoo = next(line for line in PLATFORM.splitlines() if line.startswith("  bravo:")).replace("bravo", "bravoo")
    platform = PLATFORM.replace("  team_spec_dir", "  # team_spec_dir") + bravoo + "\n"
    (specs / "platform.yaml").write_text(platform)
    stray = specs / "teams" / "bravo" / "stray.yaml"
    stray.write_text(SPEC.format(service="stray", team="bravoo", metric="stray"))
    out = str(tmp_path / "out")
    result = run_obsc(capsys, "compile", str(specs), "--out", out, "--no-validate")
    assert result.code == 0, result.err
    assert (
        f"service 'stray' ({stray}:2:10) belongs to team 'bravoo' but lives in folder 'bravo', named like team "
        "'bravo' (a letter or two from it): its alerts go to the receivers of team bravoo; fix team: or move the spec"
    ) in result.err
    assert result.err.count("lives in folder") == 1, result.err  # feed and ledger live in their own team's folder
    with_dir = platform.replace("  # team_spec_dir", "  team_spec_dir")
    (specs / "platform.yaml").write_text(with_dir)
    result = run_obsc(capsys, "compile", str(specs), "--out", out, "--no-validate")
    assert result.code == 2 and "only specs below" in result.err and "lives in folder" not in result.err, result.err


def test_team_folders_are_read_beside_the_platform_file_where_it_is_found(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """teams/{team}/ is relative to the folder the platform file is found in (the one CODEOWNERS guards), also
    when that file is a symlink to one kept in another folder; a spec reached through a symlinked checkout is read
    at its real path. (The loader records both real paths: the model compares strings.)"""
    specs = _repository(tmp_path, {"feed": "bravo", "ledger": "alpha"})
    kept = specs / ".platform"  # (a hidden folder: no spec is read there)
    kept.mkdir()
    (specs / "platform.yaml").rename(kept / "platform.yaml")
    (specs / "platform.yaml").symlink_to(".platform/platform.yaml")
    (tmp_path / "checkout").symlink_to(specs)
    for given in (specs, tmp_path / "checkout"):
        result = run_obsc(capsys, "validate", str(given))
        assert result.code == 0, result.err
    # a spec whose text lives in teams/bravo/ beside the platform file's real one is not below the folder it is
    # found in: not bravo's
    (kept / "teams" / "bravo").mkdir(parents=True)
    (kept / "teams" / "bravo" / "x.yaml").write_text(SPEC.format(service="x", team="bravo", metric="x"))
    (specs / "teams" / "alpha" / "x.yaml").symlink_to("../../.platform/teams/bravo/x.yaml")
    result = run_obsc(capsys, "validate", str(specs))
    assert result.code == 2 and f"{specs}/teams/alpha/x.yaml:3:7 $.team: only specs below" in result.err, result.err


def test_the_nearest_team_folder_is_the_one_a_spec_is_warned_about(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Without team_spec_dir, a spec of alpha's in `teams/alpha/bravo/` lives in bravo's folder (the nearest one
    named like a team), and alpha is no letter or two from bravo; with team_spec_dir the folder is alpha's and the
    spec says nothing. (Round 35 review: mutants reading the farthest folder, or warning with team_spec_dir, survived;
    one loosening the "letter or two" cutoff to 0.3 still does: alpha and bravo are farther apart than that.)"""
    specs = _repository(tmp_path, {"ledger": "alpha"})
    (specs / "platform.yaml").write_text(PLATFORM.replace("  team_spec_dir", "  # team_spec_dir"))
    nested = specs / "teams" / "alpha" / "bravo" / "nested.yaml"
    nested.parent.mkdir()
    nested.write_text(SPEC.format(service="nested", team="alpha", metric="nested"))
    result = run_obsc(capsys, "compile", str(specs), "--out", str(tmp_path / "out"), "--no-validate")
    assert result.code == 0, result.err
    assert (
        f"service 'nested' ({nested}:2:10) belongs to team 'alpha' but lives in folder 'bravo', named like team "
        "'bravo': its alerts go to the receivers of team alpha; fix team: or move the spec"
    ) in result.err
    assert result.err.count("lives in folder") == 1, result.err
    (specs / "platform.yaml").write_text(PLATFORM)  # with team_spec_dir it is alpha's, below teams/alpha/: no word
    result = run_obsc(capsys, "compile", str(specs), "--out", str(tmp_path / "out"), "--no-validate")
    assert result.code == 0 and "lives in folder" not in result.err, result.err


def _tree(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def test_a_team_folder_compiled_alone_cannot_write_over_another_teams_service(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Round 46: a subset compile reads only the specs it is given, so it could not see that alpha's spec names
    bravo's service `search`: it replaced bravo's rules, tests, dashboard and runbook stubs with alpha's, exit 0."""
    specs = _repository(tmp_path, {"payapi": "alpha", "search": "bravo"})
    out = str(tmp_path / "out")
    assert run_obsc(capsys, "compile", str(specs), "--out", out, "--no-validate").code == 0
    before = _tree(tmp_path / "out")
    alpha = specs / "teams" / "alpha" / "payapi.yaml"
    alpha.write_text(alpha.read_text().replace("service: payapi", "service: search"))
    platform = ("--platform", str(specs / "platform.yaml"))
    # bravo's spec out of the tree (another branch): only the output shows its service (with the spec in the tree,
    # the subset compile refuses the name there first: tests/hostile/test_subset_tree_names.py)
    bravo = specs / "teams" / "bravo" / "search.yaml"
    bravo_text = bravo.read_text()
    bravo.unlink()
    for named in (str(specs / "teams" / "alpha"), str(alpha)):
        result = run_obsc(capsys, "compile", named, *platform, "--out", out, "--no-validate")
        assert result.code == 2, result.out + result.err
        assert (
            f"{alpha}:2:10 $.service: service 'search' in {out} belongs to team 'bravo' "
            "(grafana/dashboards/teams/bravo/search.json), not to 'alpha': compiling some spec files would write "
            "over its rules, tests, dashboard and runbooks without reading team 'bravo''s specs."
        ) in result.err
        assert _tree(tmp_path / "out") == before
    bravo.write_text(bravo_text)
    assert run_obsc(capsys, "validate", str(specs)).code == 2  # the whole directory: `search` defined twice
