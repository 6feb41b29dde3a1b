"""CI-friendly output: JSON on every stderr line, GitHub annotations, global options in either position,
`check` reading the output's format, wording of `check`, `obsc init --platform`."""

from __future__ import annotations

import json
import re
import shlex
import shutil
from pathlib import Path

import pytest
import yaml

from compiler.errors import Diagnostic, Location, ToolError
from compiler.output.bundle import manifest_format
from compiler.ui import render
from tests.cli_helpers import Result, run_obsc
from tests.conftest import ROOT, UPDATE_GOLDENS

GOLDEN = ROOT / "tests" / "cli" / "github_annotations.txt"

# A batch job's spec, unlike examples/: its own team, a 7d period, no platform file beside it.
BATCH = """\
apiVersion: obsc/v1
service: nightly-export
team: data-platform
selector: {job: nightly-export}
metrics:
  runs: export_runs_total
  failed: export_runs_total{result="failed"}
slos:
  - name: success
    objective: 99
    period: 7d
    sli: {errors: failed, total: runs}
routing:
  critical: {webhook: {url: "http://relay.example:8080/data-platform/page"}}
  warning: {webhook: {url: "http://relay.example:8080/data-platform/ticket"}}
"""
# Three independent mistakes in one file, each with a located message.
BROKEN = """\
apiVersion: obsc/v1
service: Nightly
team: data-platform
selector: {job: nightly-export}
slos:
  - name: success
    objective: 100.5
routing:
  critical: {webhook: {url: "http://relay.example:8080/data-platform/page"}}
  warning: {webhook: {url: "http://relay.example:8080/data-platform/ticket"}}
"""


@pytest.fixture(autouse=True)
def _in_tmp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("GITHUB_WORKSPACE", raising=False)


@pytest.fixture
def specs(tmp_path: Path) -> Path:
    folder = tmp_path / "specs"
    folder.mkdir()
    (folder / "nightly-export.yaml").write_text(BATCH)
    return folder


@pytest.fixture
def broken(tmp_path: Path) -> Path:
    folder = tmp_path / "broken"
    folder.mkdir()
    (folder / "nightly.yaml").write_text(BROKEN)
    return folder


def json_lines(text: str) -> list[dict[str, object]]:
    """Every line must be one JSON object (the test fails on the first that is not)."""
    entries = []
    for line in text.splitlines():
        entry = json.loads(line)
        assert isinstance(entry, dict) and "level" in entry and "msg" in entry, line
        entries.append(entry)
    return entries


def obsc(capsys: pytest.CaptureFixture[str], *args: str) -> Result:
    return run_obsc(capsys, *args)


# --log-format json: every stderr line is a JSON object -----------------------------------------------------


@pytest.mark.parametrize("verbosity", [(), ("-v",), ("-vv",), ("-q",)])
def test_every_stderr_line_is_json_on_success(
    capsys: pytest.CaptureFixture[str], specs: Path, verbosity: tuple[str, ...]
) -> None:
    out = "out"
    runs = [
        ("validate", "specs"),
        ("compile", "specs", "--out", out, "--no-validate"),
        ("check", "specs", "--out", out),
        ("diff", "specs", "--out", out),
    ]
    for args in runs:
        result = obsc(capsys, *args, "--log-format", "json", *verbosity)
        assert result.code == 0, result.err
        entries = json_lines(result.err)
        if verbosity != ("-q",):
            assert entries, f"{args}: no summary on stderr"
        if args[0] != "diff":  # diff's stdout is its Markdown report; the others' summaries moved to stderr
            assert result.out == ""
    assert "no operational change" in obsc(capsys, "diff", "specs", "--out", out, "--log-format", "json").out


def test_every_stderr_line_is_json_on_failure(capsys: pytest.CaptureFixture[str], specs: Path, broken: Path) -> None:
    assert obsc(capsys, "compile", "specs", "--out", "out", "--no-validate").code == 0
    victim = Path("out", "prometheus", "rules", "nightly-export.yaml")
    victim.write_text(victim.read_text() + "# edited\n")
    for args in (
        ("validate", "broken"),
        ("compile", "broken", "--out", "out2", "--no-validate"),
        ("check", "broken", "--out", "out"),
        ("diff", "broken", "--out", "out"),
        ("compile", "specs", "--out", "out", "--bogus"),
        ("nosuch",),
    ):
        result = obsc(capsys, *args, "--log-format", "json")
        assert result.code == 2, (args, result.err)
        entries = json_lines(result.err)
        assert entries[-1]["level"] == "error" and entries[-1]["exit"] == 2
    result = obsc(capsys, "validate", "broken", "--log-format", "json")
    errors = [e for e in json_lines(result.err) if "file" in e]
    assert [(e["line"], e["column"], e["path"]) for e in errors] == [
        (2, 10, "$.service"),
        (6, 5, "$.slos[0]"),
        (7, 16, "$.slos[0].objective"),
    ]
    for entry in errors:
        assert entry["file"] == "broken/nightly.yaml"
        assert entry["severity"] == "error" and entry["code"] == "spec" and entry["message"]
    drift = obsc(capsys, "check", "specs", "--out", "out", "--log-format", "json")
    assert drift.code == 1
    (problem,) = [e for e in json_lines(drift.err) if e.get("code") == "drift" and "file" in e]
    assert problem["file"] == "out/prometheus/rules/nightly-export.yaml" and problem["status"] == "changed"
    assert json_lines(drift.err)[-1]["exit"] == 1
    assert drift.out.startswith("changed: prometheus/rules/nightly-export.yaml\n")  # stdout: the diff, unchanged


def test_tool_and_internal_errors_are_json_too(
    capsys: pytest.CaptureFixture[str], specs: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def rejected(*_: object) -> None:
        raise ToolError("promtool rejected prometheus/rules/x.yaml:\n  line 3: bad\n  line 9: worse")

    monkeypatch.setattr("compiler.toolcheck.validate_bundle", rejected)
    result = obsc(capsys, "compile", "specs", "--out", "out", "--log-format", "json")
    assert result.code == 1
    (entry,) = [e for e in json_lines(result.err) if e.get("code") == "tool"]
    assert "line 9: worse" in str(entry["msg"])
    github = obsc(capsys, "compile", "specs", "--out", "out", "--error-format", "github")
    errors = [line for line in github.err.splitlines() if not line.startswith("::warning title=obsc%3A ")]
    assert errors == [
        "::error title=obsc%3A tool::promtool rejected prometheus/rules/x.yaml:%0A  line 3: bad%0A  line 9: worse"
    ]
    assert "::warning title=obsc%3A links::warning: the platform sets no grafana_url" in github.err

    def boom(*_: object, **__: object) -> None:
        raise RuntimeError("a bug")

    monkeypatch.setattr("compiler.cli.validate_specs", boom)
    monkeypatch.setattr("tempfile.tempdir", str(Path.cwd()))  # (the report it keeps goes there)
    result = obsc(capsys, "validate", "specs", "--log-format", "json")
    assert result.code == 70
    (entry,) = json_lines(result.err)
    assert entry["code"] == "internal" and "Traceback" not in result.err


def test_errors_are_capped_with_a_count(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    many = tmp_path / "many"
    many.mkdir()
    for i in range(60):
        (many / f"s{i:02}.yaml").write_text("apiVersion: obsc/v1\n")  # each: required keys missing
    text = obsc(capsys, "validate", "many")
    located = [line for line in text.err.splitlines() if line.startswith("many/")]
    assert len(located) == render.ERROR_CAP
    total = int(re.search(r"obsc: (\d+) errors", text.err).group(1))  # type: ignore[union-attr]
    assert f"... and {total - render.ERROR_CAP} more error(s) not shown" in text.err
    entries = json_lines(obsc(capsys, "validate", "many", "--log-format", "json").err)
    assert sum("file" in e for e in entries) == render.ERROR_CAP
    assert any(e.get("omitted") == total - render.ERROR_CAP for e in entries)


# --error-format github ---------------------------------------------------------------------------------------


def test_github_escaping_follows_the_workflow_command_rules() -> None:
    assert render.escape_data("100% of a\r\nb: c, d") == "100%25 of a%0D%0Ab: c, d"
    assert render.escape_property("a:b,c%\n") == "a%3Ab%2Cc%25%0A"


def test_github_annotations_golden(tmp_path: Path) -> None:
    """Fabricated diagnostics (the messages themselves belong to other tests), every escape exercised."""
    diagnostics = [
        Diagnostic(Location("specs/checkout.yaml", 14, 5), ("slos", 1, "objective"), "100.5 is more than 100%"),
        Diagnostic(Location("specs/a,b:c.yaml", 3, 0), ("metrics",), "first line\nsecond line\r"),
        Diagnostic(Location("specs/platform.yaml"), (), "more than one platform file: a, b"),
        Diagnostic(Location(""), (), "no spec files found"),
        Diagnostic(Location(str(tmp_path / "outside.yaml"), 1, 1), (), "absolute path outside the workspace"),
    ]
    lines = [render.github(d) for d in diagnostics[:-1]]
    lines.append(render.github(diagnostics[-1]).replace(str(tmp_path), "TMP"))
    lines.append(render.github(diagnostics[0], "warning"))
    text = "\n".join(lines) + "\n"
    if UPDATE_GOLDENS:
        GOLDEN.parent.mkdir(exist_ok=True)
        GOLDEN.write_text(text)
    assert text == GOLDEN.read_text(), "refresh with `make goldens` and review the diff"


def test_github_annotations_from_a_run_match_the_text_errors(
    capsys: pytest.CaptureFixture[str], broken: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    text = obsc(capsys, "validate", "broken").err.splitlines()
    github = obsc(capsys, "validate", "broken", "--error-format", "github")
    assert github.code == 2
    annotations = [line for line in github.err.splitlines() if line.startswith("::")]
    assert len(annotations) == len(text) - 1 == 3  # the count line stays plain text
    for annotation, plain in zip(annotations, text, strict=False):
        match = re.fullmatch(r"::error file=([^,]+),line=(\d+),col=(\d+),title=obsc%3A ([^:]+)::(.*)", annotation)
        assert match, annotation
        file, line, col, path, message = match.groups()
        assert plain == f"{file}:{line}:{col} {path}: {message}"
    # From the repository root ($GITHUB_WORKSPACE) while obsc runs in a subfolder: paths relative to the root.
    monkeypatch.setenv("GITHUB_WORKSPACE", str(tmp_path.parent))
    nested = obsc(capsys, "validate", str(broken.resolve()), "--error-format", "github")
    assert f"file={tmp_path.name}/broken/nightly.yaml," in nested.err


def test_github_annotations_for_drift_name_the_file(capsys: pytest.CaptureFixture[str], specs: Path) -> None:
    assert obsc(capsys, "compile", "specs", "--out", "out", "--no-validate").code == 0
    Path("out", "prometheus", "rules", "nightly-export.yaml").unlink()
    result = obsc(capsys, "check", "specs", "--out", "out", "--error-format", "github")
    assert result.code == 1
    (annotation,) = [line for line in result.err.splitlines() if line.startswith("::error")]
    assert annotation.startswith("::error file=out/prometheus/rules/nightly-export.yaml,title=obsc%3A drift::")
    assert "deleted from the output" in annotation


# Global options before or after the subcommand ----------------------------------------------------------------


@pytest.mark.parametrize(
    "args",
    [
        ("-v", "compile", "specs", "--out", "out", "--no-validate"),
        ("compile", "specs", "--out", "out", "--no-validate", "-v"),
        ("compile", "-v", "specs", "--out", "out", "--no-validate"),
    ],
)
def test_verbose_works_before_or_after_the_subcommand(
    capsys: pytest.CaptureFixture[str], specs: Path, args: tuple[str, ...]
) -> None:
    result = obsc(capsys, *args)
    assert result.code == 0, result.err
    assert "obsc: info: stage load done" in result.err


def test_global_options_combine_across_positions(capsys: pytest.CaptureFixture[str], specs: Path) -> None:
    both = obsc(capsys, "-v", "compile", "specs", "--out", "out", "--no-validate", "-v")
    assert "obsc: debug: target " in both.err  # -v twice = -vv
    once = obsc(capsys, "-v", "compile", "specs", "--out", "out", "--no-validate")
    assert "obsc: debug:" not in once.err
    quiet = obsc(capsys, "-q", "validate", "specs")
    assert quiet.code == 0 and quiet.out == quiet.err == ""
    before = obsc(capsys, "--log-format", "json", "validate", "specs")
    assert json_lines(before.err) and before.out == ""
    later_wins = obsc(capsys, "--log-format", "json", "validate", "specs", "--log-format", "text")
    assert later_wins.out.startswith("obsc validate: 1 service(s)")
    for position in (
        ("--error-format", "github", "validate", "broken"),
        ("validate", "broken", "--error-format=github"),
    ):
        Path("broken").mkdir(exist_ok=True)
        Path("broken", "nightly.yaml").write_text(BROKEN)
        assert obsc(capsys, *position).err.startswith("::error file=broken/nightly.yaml,line=2,col=10,")


def test_every_subcommand_takes_the_global_options(capsys: pytest.CaptureFixture[str]) -> None:
    for command in ("compile", "check", "diff", "validate", "schema", "init", "import", "verify"):
        help_text = obsc(capsys, command, "--help").out
        for option in ("--verbose", "--quiet", "--log-format", "--error-format"):
            assert option in help_text, (command, option)
    assert "--error-format" in obsc(capsys, "--help").out


# check: the output's format, wording ---------------------------------------------------------------------------


@pytest.mark.parametrize("fmt", ["mimir", "prometheus-operator"])
def test_check_compares_in_the_format_the_output_was_written_in(
    capsys: pytest.CaptureFixture[str], specs: Path, fmt: str
) -> None:
    assert obsc(capsys, "compile", "specs", "--out", "out", "--no-validate", "--format", fmt).code == 0
    assert manifest_format(Path("out", ".obsc-manifest").read_text()) == fmt
    assert obsc(capsys, "check", "specs", "--out", "out").code == 0
    assert obsc(capsys, "check", "specs", "--out", "out", "--format", fmt).code == 0
    assert obsc(capsys, "diff", "specs", "--out", "out").code == 0
    wrong = obsc(capsys, "check", "specs", "--out", "out", "--format", "prometheus")
    assert wrong.code == 1 and wrong.out == ""  # one line, not a diff of every file
    assert wrong.err == (
        f"obsc: out was written with --format {fmt}; pass --format {fmt} or recompile with --format prometheus\n"
    )
    assert obsc(capsys, "diff", "specs", "--out", "out", "--format", "prometheus").code == 2
    (entry,) = json_lines(
        obsc(capsys, "check", "specs", "--out", "out", "--format", "prometheus", "--log-format", "json").err
    )
    assert entry["code"] == "format" and entry["exit"] == 1 and entry["recorded"] == fmt


def test_manifest_format_reads_the_regenerate_line() -> None:
    assert manifest_format("# Code generated by obsc. DO NOT EDIT.\n# Regenerate with: obsc compile s --out o\n") == (
        "prometheus"
    )
    assert manifest_format("# Regenerate with: obsc compile a b --out o --format mimir\nx.yaml\n") == "mimir"
    assert manifest_format("x.yaml\n") is None  # not written by obsc: compare in the requested format


def test_an_output_path_with_a_space_or_a_format_flag_is_quoted_in_the_headers(
    capsys: pytest.CaptureFixture[str], specs: Path
) -> None:
    """Found by the round 28 paths hunt (a known limit since round 15): `--out 'gen --format mimir'` wrote
    `obsc compile specs --out gen --format mimir` into every header (two paths and a flag to a shell), and the next
    compile read the output's format back as mimir and moved its rule files into mimir's layout."""
    out = "gen --format mimir"
    assert obsc(capsys, "compile", "specs", "--out", out, "--no-validate").code == 0
    line = Path(out, ".obsc-manifest").read_text().splitlines()[1]
    assert line == "# Regenerate with: obsc compile specs --out 'gen --format mimir'"
    assert manifest_format(line) == "prometheus"
    again = obsc(
        capsys, "compile", *shlex.split(line.removeprefix("# Regenerate with: obsc compile ")), "--no-validate"
    )
    assert again.code == 0 and " 0 added, 0 changed, 0 removed," in again.out, again.out + again.err


def test_check_says_a_deleted_file_is_missing(capsys: pytest.CaptureFixture[str], specs: Path) -> None:
    assert obsc(capsys, "compile", "specs", "--out", "out", "--no-validate").code == 0
    Path("out", "prometheus", "rules", "nightly-export.yaml").unlink()
    result = obsc(capsys, "check", "specs", "--out", "out")
    assert result.code == 1
    assert result.out.splitlines()[0] == "missing: prometheus/rules/nightly-export.yaml"
    shutil.rmtree("out")
    Path("out").mkdir()
    fresh = obsc(capsys, "check", "specs", "--out", "out")  # never compiled: nothing is "missing", all is new
    assert (
        fresh.code == 1 and "missing:" not in fresh.out and "added: prometheus/rules/nightly-export.yaml" in fresh.out
    )


def test_help_texts_say_what_each_command_does(capsys: pytest.CaptureFixture[str]) -> None:
    for command in ("check", "diff"):
        text = " ".join(obsc(capsys, command, "--help").out.split())
        assert "replaced atomically" not in text and "read only: nothing is written" in text
        assert "the one --out was compiled with" in text
    assert "replaced atomically" in " ".join(obsc(capsys, "compile", "--help").out.split())


# init --platform ------------------------------------------------------------------------------------------------


def test_init_platform_writes_a_platform_file_that_validates(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    repo = tmp_path / "monitoring"
    assert obsc(capsys, "init", "--platform", "--team", "data-platform", "--dir", str(repo)).code == 0
    platform = repo / "platform.yaml"
    assert "kind: Platform" in platform.read_text() and "  data-platform:" in platform.read_text()
    assert obsc(capsys, "init", "nightly-export", "--team", "data-platform", "--dir", str(repo)).code == 0
    result = obsc(capsys, "validate", str(repo))
    assert result.code == 0, result.err
    result = obsc(capsys, "validate", str(repo / "nightly-export.yaml"), "--platform", str(platform))
    assert result.code == 0, result.err
    again = obsc(capsys, "init", "--platform", "--dir", str(repo))
    assert again.code == 2 and "already exists" in again.err


def test_init_platform_is_read_as_the_platform(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    """The starter's team routing reaches the service: a broken platform starter would show up here."""
    repo = tmp_path / "monitoring"
    assert obsc(capsys, "init", "--platform", "--team", "search", "--dir", str(repo)).code == 0
    assert obsc(capsys, "init", "query", "--team", "search", "--dir", str(repo)).code == 0
    assert obsc(capsys, "compile", str(repo), "--out", "out", "--no-validate").code == 0
    alertmanager = Path("out", "alertmanager", "alertmanager.yml").read_text()
    assert "platform-fallback" in alertmanager and "alert-relay.example:8080/search/page" in alertmanager


def test_init_needs_a_service_or_platform(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    for args in (("init",), ("init", "billing", "--platform"), ("init", "platform")):
        result = obsc(capsys, *args, "--dir", str(tmp_path))
        assert result.code == 2, args
    assert "obsc init --platform" in obsc(capsys, "init", "platform", "--dir", str(tmp_path)).err
    assert not list(tmp_path.iterdir())
    init_json = obsc(capsys, "init", "--platform", "--dir", str(tmp_path / "p"), "--log-format", "json")
    assert init_json.out == "" and json_lines(init_json.err)[0]["file"] == str(tmp_path / "p" / "platform.yaml")


def test_a_hostile_file_name_cannot_forge_a_workflow_command(capsys: pytest.CaptureFixture[str]) -> None:
    """A contributor's spec named to break out of the annotation (newline, ',', ':') stays one escaped line."""
    Path("specs").mkdir()
    Path("specs", "x,line=1:y\n::warning::forged.yaml").write_text(BROKEN)
    result = obsc(capsys, "validate", "specs", "--error-format", "github")
    assert result.code == 2
    annotations = result.err.splitlines()[:-1]
    assert len(annotations) == 3 and not any(line.startswith("::warning") for line in result.err.splitlines())
    for line in annotations:
        assert line.startswith("::error file=specs/x%2Cline=1%3Ay%0A%3A%3Awarning%3A%3Aforged.yaml,line=")


def test_links_a_notification_cannot_open_are_warned_about(capsys: pytest.CaptureFixture[str], specs: Path) -> None:
    """No platform file: dashboards linked as /d/<uid>, runbooks as output paths. Both warned, once each, with
    what to set; a platform with both URLs compiles without them."""
    bare = obsc(capsys, "compile", "specs", "--out", "out", "--no-validate")
    assert bare.code == 0
    assert bare.err.count("obsc: warning: ") == 4  # and two: no default receiver, so alerts no spec routes reach nobody
    assert "sets no grafana_url" in bare.err and "runbook_url ('{path}') is not a URL" in bare.err
    (specs / "platform.yaml").write_text(
        "apiVersion: obsc/v1\nkind: Platform\ngrafana_url: https://grafana.example.com\n"
        "runbook_url: https://git.example.com/ops/blob/main/out/{path}\n"
        'receivers: {sre-fallback: {webhook: {url: "https://tickets.example/sre"}}}\n'
        "alertmanager: {default_receiver: sre-fallback}\n"
    )
    linked = obsc(capsys, "compile", "specs", "--out", "linked", "--no-validate")
    assert linked.code == 0 and "warning" not in linked.err, linked.err


def test_pages_left_to_the_catch_all_receiver_are_a_located_error(
    capsys: pytest.CaptureFixture[str], specs: Path
) -> None:
    """Found by a routing hunt: a team listed without routing (and no defaults.routing) had its pages go to
    the platform's catch-all default receiver, said only with -v; then a warning nobody had to act
    on, and the pages still landed in another team's channel. Now a located error at the spec's team, and
    naming the receiver for the team's pages (the catch-all too, on purpose) compiles without a word."""
    (specs / "nightly-export.yaml").write_text(BATCH.split("routing:")[0])
    platform = (
        "apiVersion: obsc/v1\nkind: Platform\ngrafana_url: https://grafana.example.com\n"
        "runbook_url: https://git.example.com/ops/blob/main/out/{path}\nteams: {data-platform: {}}\n"
        'receivers: {sre-fallback: {webhook: {url: "https://tickets.example/sre"}}}\n'
        "alertmanager: {default_receiver: sre-fallback}\n"
    )
    (specs / "platform.yaml").write_text(platform)
    result = obsc(capsys, "compile", "specs", "--out", "out", "--no-validate")
    assert result.code == 2 and not Path("out").exists()
    team_line = BATCH.splitlines().index("team: data-platform") + 1
    assert result.err.splitlines()[0] == (
        f"specs/nightly-export.yaml:{team_line}:7 $.team: pages of team 'data-platform' would go to the catch-all "
        "default receiver 'sre-fallback' of alertmanager.default_receiver (specs/platform.yaml), which no routing "
        "names for them: no routing.critical here, in teams.data-platform or in platform defaults.routing; name "
        "the receiver that pages this team's on-call in one of them (routing.critical: sre-fallback there sends "
        "its pages to the catch-all on purpose)"
    )
    (specs / "platform.yaml").write_text(
        platform.replace("teams: {data-platform: {}}", "teams: {data-platform: {routing: {critical: sre-fallback}}}")
    )
    named = obsc(capsys, "compile", "specs", "--out", "out", "--no-validate")
    assert named.code == 0 and "catch-all" not in named.err, named.err
    # and the routing tests (amtool) assert that the team's pages reach it
    cases = yaml.safe_load(Path("out/alertmanager/routing-tests.yaml").read_text())["cases"]
    pages = [c["receivers"] for c in cases if c["labels"].get("severity") == "critical"]
    assert pages and all(r == ["sre-fallback"] for r in pages), pages


def test_control_characters_never_reach_the_terminal_raw(capsys: pytest.CaptureFixture[str]) -> None:
    """Found by a hunt: a Jsonnet `error` holding an escape sequence retitled the terminal, a key holding a
    carriage return rewrote the line. Text output shows them escaped; JSON and GitHub formats escape as before."""
    Path("specs").mkdir()
    Path("specs", "s.jsonnet").write_text('error "\\u001b]0;pwned title\\u0007done"\n')
    Path("specs", "k.yaml").write_text('apiVersion: obsc/v1\nservice: k\nteam: t\nselector: {job: k}\n"x\\ry": 1\n')
    result = obsc(capsys, "validate", "specs")
    assert result.code == 2
    assert "\x1b" not in result.err and "\x07" not in result.err and "\r" not in result.err
    # (a key a dot would misread is quoted, its carriage return escaped as JSON does)
    assert "\\x1b]0;pwned title\\x07done" in result.err and '$["x\\ry"]' in result.err


@pytest.mark.parametrize(
    ("url", "said"),
    [
        ("http://[::1", "not a valid URL"),
        ("http://127.0.0.1:99999", "not a valid URL"),
        ("ftp://prometheus", "is not an http(s) URL"),
        ("http://user:hunter2@127.0.0.1:1", "carries credentials"),
    ],
)
def test_verify_refuses_a_bad_prometheus_url_as_a_flag_error(
    capsys: pytest.CaptureFixture[str], specs: Path, url: str, said: str
) -> None:
    """Found by a hunt: a malformed URL was an internal error (exit 70), a password was repeated in the error."""
    result = obsc(capsys, "verify", "specs", "--prometheus", url)
    assert result.code == 2 and said in result.err and "hunter2" not in result.err, result.err
