"""`obsc import` on the command line: writes one spec per service and a platform skeleton only where there
is none, reports each field not carried over on stderr, never overwrites without --force, writes nothing
for a bad source; the written specs compile."""

from __future__ import annotations

import contextlib
import functools
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from compiler.errors import ExitCode
from tests.cli_helpers import run_obsc
from tests.conftest import require_shared


def test_import_writes_specs_and_a_skeleton_that_compile(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    source = require_shared("corpus/sloth/examples/getting-started.yml")
    out = tmp_path / "specs"
    result = run_obsc(capsys, "import", "sloth", str(source), "--out", str(out))
    assert result.code == ExitCode.OK, result.err
    assert sorted(p.name for p in out.iterdir()) == ["myservice.yaml", "platform.yaml"]
    assert f"dropped: {source}:17:7 $.slos[0].alerting.name: not carried over:" in result.err
    assert f"# Imported by `obsc import sloth` from:\n#   {source}" in (out / "myservice.yaml").read_text()
    assert run_obsc(capsys, "validate", str(out)).code == ExitCode.OK

    again = run_obsc(capsys, "import", "sloth", str(source), "--out", str(out))
    assert again.code == ExitCode.BAD_INPUT and "pass --force" in again.err
    (out / "platform.yaml").write_text((out / "platform.yaml").read_text() + "# edited by a human\n")
    forced = run_obsc(capsys, "import", "sloth", str(source), "--out", str(out), "--force", "--team", "myteam")
    assert forced.code == ExitCode.OK, forced.err
    assert (out / "platform.yaml").read_text().endswith("# edited by a human\n"), "an existing platform is kept"
    assert "kept the existing" in forced.err


def test_a_bad_source_writes_nothing(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    source = require_shared("corpus/sloth/validate/bad/bad-aa.yaml")
    out = tmp_path / "specs"
    result = run_obsc(capsys, "import", "sloth", str(source), "--out", str(out))
    assert result.code == ExitCode.BAD_INPUT
    assert "objective 101 must be a percentage" in result.err and "nothing was written" in result.err
    assert not out.exists()


def test_a_spec_obsc_would_reject_is_never_written(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    source = tmp_path / "sloth.yaml"
    # Valid for Sloth, but at 50% the page's pairs need error ratios of 7.2 (14.4x) and 3 (6x), and lowered to
    # obsc's least page factor (2x) still 1: the page can never fire, and obsc refuses a dead alert. The import
    # says so and writes nothing.
    source.write_text(
        "version: prometheus/v1\nservice: low\nslos:\n  - name: x\n    objective: 50\n"
        "    sli: {events: {error_query: 'sum(rate(e[{{.window}}]))', total_query: 'sum(rate(t[{{.window}}]))'}}\n"
        "    alerting: {name: LowBurn}\n"
    )
    out = tmp_path / "out"
    result = run_obsc(capsys, "import", "sloth", str(source), "--out", str(out))
    assert result.code == ExitCode.BAD_INPUT, result.err
    # located in the source (the spec was never written), the would-be spec line quoted
    assert result.err.startswith(f"{source}:5:5 $.slos[0].objective: the imported spec does not compile"), result.err
    assert f"spec not written: {out}/low.yaml line 15 at $.slos[0].objective reads `objective: 50`" in result.err
    assert f"{out}/low.yaml:" not in result.err
    assert not out.exists()


def test_a_page_pair_out_of_reach_is_left_out_and_said_at_the_source(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """At 60% only the 1d ticket pair (3x: 1.2) is out of reach; the 3d pair (0.4) tickets. Round 25 refused
    such an SLO (its advice, `alerts: {critical: false}`, pointed into a spec the user never wrote). (A page pair
    is lowered to a line a total outage reaches since round 41: at 90% the 1h pair pages at 2.5x.)"""
    source = tmp_path / "sloth.yaml"
    source.write_text(
        "version: prometheus/v1\nservice: low\nslos:\n  - name: x\n    objective: 60\n"
        "    sli: {events: {error_query: 'sum(rate(e[{{.window}}]))', total_query: 'sum(rate(t[{{.window}}]))'}}\n"
        "    alerting: {name: LowBurn}\n"
    )
    out = tmp_path / "out"
    result = run_obsc(capsys, "import", "sloth", str(source), "--out", str(out))
    assert result.code == 0, result.err
    assert (
        f"note: {source}:5:5 $.slos[0].objective: the imported spec compiles with a warning: the warning burn pair "
        "over 1d/2h is left out: it needs an error ratio of 1.2 (3x the 40% budget), more than a total outage; "
        "the warning tier alerts on 3d/6h (error ratio 0.4) (spec written: "
        f"{out}/low.yaml line 15 at $.slos[0].objective reads `objective: 60`)"
    ) in result.err
    assert (out / "low.yaml").exists()
    compiled = run_obsc(capsys, "compile", str(out), "--out", str(tmp_path / "generated"))
    assert compiled.code == 0, compiled.err
    assert f"{out}/low.yaml:15:14 $.slos[0].objective: warning: the warning burn pair over 1d/2h" in compiled.err


def test_help_documents_the_unreachable_exit_code_and_both_commands(capsys: pytest.CaptureFixture[str]) -> None:
    result = run_obsc(capsys, "--help")
    assert "5  obsc verify: the Prometheus server cannot be reached" in result.out
    assert "import" in result.out and "verify" in result.out
    assert ExitCode.UNREACHABLE == 5


SLOTH = """\
version: prometheus/v1
service: {name}
labels: {{owner: payments}}
slos:
  - name: requests
    objective: 99.9
    sli: {{events: {{error_query: 'sum(rate(http_errors_total{{job="{name}"}}[{{{{.window}}}}]))',
                    total_query: 'sum(rate(http_requests_total{{job="{name}"}}[{{{{.window}}}}]))'}}}}
    alerting: {{name: {name}HighErrorRate}}
"""


def _peer_repository(root: Path) -> Path:
    """A repository of the kind people import from: specs in folders beside manifests, Helm templates and
    Jsonnet, and a hidden folder."""
    (root / "slos/team-a").mkdir(parents=True)
    (root / "slos/team-a/checkout.yaml").write_text(SLOTH.format(name="checkout"))
    (root / "slos/search.yml").write_text(SLOTH.format(name="search"))
    (root / "slos/deployment.yaml").write_text("apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: x}\n")
    (root / "chart/templates").mkdir(parents=True)
    (root / "chart/templates/slo.yaml").write_text("{{- range .Values.slos }}\nversion: {{ .version }}\n{{- end }}\n")
    (root / "mixin.jsonnet").write_text("{ broken")
    (root / ".git").mkdir()
    (root / ".git/config.yaml").write_text(SLOTH.format(name="hidden"))
    return root


def test_a_directory_imports_every_spec_below_it_and_says_what_it_skipped(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    repo = _peer_repository(tmp_path / "repo")
    out = tmp_path / "specs"
    result = run_obsc(capsys, "import", "sloth", str(repo), "--out", str(out))
    assert result.code == ExitCode.OK, result.err
    assert sorted(p.name for p in out.iterdir()) == ["checkout.yaml", "platform.yaml", "search.yaml"]
    assert f"note: {repo}/slos/deployment.yaml:1:1 $: skipped: not a Sloth document" in result.err
    assert f"note: {repo}/chart/templates/slo.yaml:1:3 $: skipped: not read (YAML syntax error" in result.err
    assert "hidden" not in result.err and "mixin" not in result.err  # hidden folders and Jsonnet are not sources
    assert run_obsc(capsys, "validate", str(out)).code == ExitCode.OK


def test_a_file_named_on_its_own_must_still_be_a_spec(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    repo = _peer_repository(tmp_path / "repo")
    out = tmp_path / "specs"
    result = run_obsc(capsys, "import", "sloth", str(repo / "slos/deployment.yaml"), "--out", str(out))
    assert result.code == ExitCode.BAD_INPUT and "not a Sloth document" in result.err
    assert not out.exists()


def test_a_directory_with_nothing_to_import_or_a_link_out_of_it_writes_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    empty = tmp_path / "empty"
    empty.mkdir()
    out = tmp_path / "specs"
    result = run_obsc(capsys, "import", "pyrra", str(empty), "--out", str(out))
    assert result.code == ExitCode.BAD_INPUT and "no .yaml or .yml files in this directory" in result.err
    repo = _peer_repository(tmp_path / "repo")
    secret = tmp_path / "secret.yaml"
    secret.write_text(SLOTH.format(name="secret"))
    (repo / "slos/link.yaml").symlink_to(secret)
    result = run_obsc(capsys, "import", "sloth", str(repo), "--out", str(out))
    assert result.code == ExitCode.BAD_INPUT and "is a symlink to a file outside" in result.err
    assert "secret" not in result.err.replace(str(repo / "slos/link.yaml"), "")  # never opened
    assert not out.exists()
    skipped_only = run_obsc(capsys, "import", "pyrra", str(repo / "slos"), "--out", str(out))
    assert skipped_only.code == ExitCode.BAD_INPUT  # nothing of that format: every file skipped, nothing written
    assert not out.exists()


def test_import_and_init_never_write_where_they_should_not(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Found by a hunt: `import --out /` and `init --dir /` wrote there, an --out platform.yaml linked to
    /etc/passwd was read and quoted in the error, a dangling --out link crashed, and init wrote through a
    link at its target name. Each is refused, exit 2, nothing written."""
    source = tmp_path / "sloth.yaml"
    source.write_text(SLOTH.format(name="api"))
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    (tmp_path / "home").mkdir()
    for out in ("/", str(tmp_path)):  # the root; a folder holding the home directory
        result = run_obsc(capsys, "import", "sloth", str(source), "--out", out)
        assert result.code == ExitCode.BAD_INPUT and "refusing this directory" in result.err, result.err
    linked = tmp_path / "linked"
    linked.mkdir()
    secret = tmp_path / "secret.txt"
    secret.write_text("root:x:0:0:the secret\n")
    (linked / "platform.yaml").symlink_to(secret)
    result = run_obsc(capsys, "import", "sloth", str(source), "--out", str(linked))
    assert result.code == ExitCode.BAD_INPUT and "is a link or not a regular file; not read" in result.err
    assert "the secret" not in result.err and sorted(p.name for p in linked.iterdir()) == ["platform.yaml"]
    (tmp_path / "dangling").symlink_to(tmp_path / "nowhere")
    result = run_obsc(capsys, "import", "sloth", str(source), "--out", str(tmp_path / "dangling"))
    assert result.code == ExitCode.BAD_INPUT and "link to nothing" in result.err
    specs = tmp_path / "specs"
    specs.mkdir()
    (specs / "api.yaml").symlink_to(tmp_path / "written-through")
    result = run_obsc(capsys, "init", "api", "--team", "payments", "--dir", str(specs))
    assert result.code == ExitCode.BAD_INPUT and not (tmp_path / "written-through").exists()
    assert run_obsc(capsys, "init", "--platform", "--dir", "/").code == ExitCode.BAD_INPUT
    assert not Path("/platform.yaml").exists()


def test_an_objective_of_zero_is_not_called_a_100_percent_objective(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    source = tmp_path / "sloth.yaml"
    source.write_text(
        "version: prometheus/v1\nservice: low\nslos:\n  - name: x\n    objective: 0\n"
        "    sli: {events: {error_query: 'sum(rate(e[{{.window}}]))', total_query: 'sum(rate(t[{{.window}}]))'}}\n"
    )
    result = run_obsc(capsys, "import", "sloth", str(source), "--out", str(tmp_path / "out"))
    assert result.code == ExitCode.BAD_INPUT, result.err
    assert "objective 0 must be a percentage in (0, 100): 0% or less would never alert" in result.err


def test_an_out_holding_the_sources_is_refused(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Found by the round 20 user hunt: `obsc import sloth repo/x.yaml --out repo` wrote the specs beside the
    Sloth file and said `next: obsc validate repo`, which then failed on the Sloth file read as an obsc spec."""
    repo = tmp_path / "repo"
    (repo / "sloth").mkdir(parents=True)
    source = repo / "sloth" / "api.yaml"
    source.write_text(SLOTH.format(name="api"))
    for given, out in ((source, repo / "sloth"), (repo / "sloth", repo), (repo, repo)):
        result = run_obsc(capsys, "import", "sloth", str(given), "--out", str(out))
        assert result.code == ExitCode.BAD_INPUT, result.err
        assert f"it holds the source {given}, which `obsc validate {out}` would read as an obsc spec" in result.err
    assert sorted(p.name for p in repo.rglob("*")) == ["api.yaml", "sloth"]
    beside = run_obsc(capsys, "import", "sloth", str(source), "--out", str(repo / "specs"))
    assert beside.code == ExitCode.OK, beside.err


def test_a_sigterm_from_outside_while_the_specs_are_written_leaves_none_of_them(tmp_path: Path) -> None:
    """A stopped import kept the specs it had written (a README known limit). A real SIGTERM from another
    process, sent as the first spec appears staged in --out: exit 130 and --out as it was (here: not there),
    or every spec (the signal came as they were renamed: that step holds stops, or the run had finished)."""
    source = tmp_path / "many.yaml"
    source.write_text("---\n".join(SLOTH.format(name=f"svc{i}") for i in range(120)))
    # On a loaded machine this loop may not be scheduled while the import stages all its specs: such an attempt
    # tests nothing, so it is tried again in a fresh folder (a few times; at least one must catch the staging).
    for attempt in range(5):
        out = tmp_path / f"specs-{attempt}"
        staged, code, err = _sigterm_when_staged(source, out, tmp_path / f"stderr-{attempt}")
        assert "Traceback" not in err
        if staged:
            break
    assert staged, "every import ended before a spec was staged: nothing was tested"
    assert code in (130, 0), (code, err)  # (0: it had finished)
    written = sorted(p.name for p in out.iterdir()) if out.exists() else []
    assert len(written) == 121 or not out.exists(), f"{len(written)} left: {written[:5]}"


def _sigterm_when_staged(source: Path, out: Path, stderr_path: Path) -> tuple[bool, int, str]:
    """(whether a staged spec was seen before the SIGTERM, the exit code, stderr) of one import."""
    command = [sys.executable, "-m", "compiler", "import", "sloth", str(source), "--out", str(out), "-q"]
    # stderr to a file, not a pipe: the import reports each dropped field (120 KB here), and a pipe nobody read
    # while this loop watched the folder filled at 64 KB; an import that passed its staging between two looks
    # then blocked writing for good, and the loop waited for good (round 26: a 5-minute timeout under load).
    with open(stderr_path, "w+") as stderr:
        run = subprocess.Popen(
            command,
            stderr=stderr,
            text=True,
            preexec_fn=functools.partial(signal.signal, signal.SIGTERM, signal.SIG_DFL),
        )
        staged = False
        while run.poll() is None and not staged:
            with contextlib.suppress(FileNotFoundError):
                staged = any(".tmp-" in name for name in os.listdir(out))
        run.send_signal(signal.SIGTERM)
        run.wait(timeout=120)
        stderr.seek(0)
        return staged, run.returncode, stderr.read()


@pytest.mark.parametrize("forged", ["dashboards: []", "::error::forged"])
def test_a_source_file_name_cannot_write_keys_into_the_spec_or_lines_into_the_report(
    forged: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A file name is the one part of a source its author picks freely: its line breaks ended the spec's
    `# Imported ... from:` comment (a live key: `routing:` sent the pages elsewhere) and printed report lines
    of their own (`::error::`, a workflow command in CI). Round 31 hunt."""
    sources = tmp_path / "src"
    sources.mkdir()
    (sources / f"a\n{forged}\n#.yml").write_text(
        require_shared("corpus/sloth/examples/getting-started.yml").read_text()
    )
    out = tmp_path / "specs"
    result = run_obsc(capsys, "import", "sloth", str(sources), "--out", str(out))
    assert result.code == ExitCode.OK, result.err
    spec = (out / "myservice.yaml").read_text()
    assert "dashboards" not in yaml.safe_load(spec)
    assert f"#   {sources}/a\\n{forged}\\n#.yml (Sloth" in spec
    lines = (result.err + result.out).splitlines()
    assert not [line for line in lines if line.startswith((forged, "#.yml"))]
    assert f"dropped: {sources}/a\\n{forged}\\n#.yml:17:7" in result.err
