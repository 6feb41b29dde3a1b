"""An error inside a Jsonnet library is located at the library's own line, where it can be fixed.

Before: a library that did not parse was reported at each spec's `import` line (one error per importing spec, and
a GitHub annotation on lines a pull request that changed only the library did not touch), and an `error` raised
inside a library function at the spec's line 1, column 1: the library's line was in Jsonnet's trace and dropped.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from compiler.spec.jsonnet_eval import jsonnet_error
from tests.cli_helpers import run_obsc

PLATFORM = """apiVersion: obsc/v1
kind: Platform
teams:
  billing:
    routing:
      critical: {webhook: {url: "https://hooks.example.org/billing"}}
      warning: {webhook: {url: "https://hooks.example.org/billing-tickets"}}
"""
LIBRARY = """{
  svc(name, job)::
    if std.length(job) == 0 then error 'no job for ' + name
    else {
      apiVersion: 'obsc/v1',
      service: name,
      team: 'billing',
      selector: { job: job },
      metrics: { requests: 'rpc_total', errors: 'rpc_total{status="error"}' },
      slos: [{ name: 'availability', objective: 99.9, sli: { errors: 'errors', total: 'requests' } }],
    },
}
"""


@pytest.fixture
def repository(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """monitoring/specs with two Jsonnet specs built by monitoring/specs/lib/svc.libsonnet; the working directory
    and $GITHUB_WORKSPACE are the repository's top."""
    specs = tmp_path / "monitoring" / "specs"
    (specs / "lib").mkdir(parents=True)
    (specs / "platform.yaml").write_text(PLATFORM)
    (specs / "lib" / "svc.libsonnet").write_text(LIBRARY)
    for name in ("ledger", "payer"):
        spec = f"local s = import 'lib/svc.libsonnet';\ns.svc('{name}', '{name}-api')\n"
        (specs / f"{name}.jsonnet").write_text(spec)
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("GITHUB_WORKSPACE", str(tmp_path))
    return specs


def test_a_library_that_does_not_parse_is_one_error_at_its_own_line(
    repository: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    library = repository / "lib" / "svc.libsonnet"
    library.write_text(LIBRARY.replace("objective: 99.9,", "objective: 99.9 +,"))
    done = run_obsc(capsys, "validate", "monitoring/specs", "--error-format", "github")
    assert done.code == 2, done.err
    assert done.err.splitlines() == [
        "::error file=monitoring/specs/lib/svc.libsonnet,line=10,col=55,title=obsc::"
        'Jsonnet error: Unexpected: "," while parsing terminal',
        "obsc: 1 error; nothing was written",
    ]


def test_an_error_raised_in_a_library_is_at_its_line_and_names_the_spec(
    repository: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (repository / "payer.jsonnet").write_text("local s = import 'lib/svc.libsonnet';\ns.svc('payer', '')\n")
    done = run_obsc(capsys, "validate", "monitoring/specs")
    assert done.code == 2, done.err
    assert done.err.splitlines() == [
        "monitoring/specs/lib/svc.libsonnet:3:34 $: Jsonnet error: no job for payer "
        "(evaluating monitoring/specs/payer.jsonnet)",
        "obsc: 1 error; nothing was written",
    ]


def test_a_library_on_the_library_path_is_named_from_the_working_directory(
    repository: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    vendor = repository.parent / "vendor"
    vendor.mkdir()
    (repository / "lib" / "svc.libsonnet").rename(vendor / "base.libsonnet")
    (vendor / "base.libsonnet").write_text(LIBRARY.replace("team: 'billing',", "team: billing,"))
    for name in ("ledger", "payer"):
        (repository / f"{name}.jsonnet").write_text(f"local s = import 'base.libsonnet';\ns.svc('{name}', 'x')\n")
    done = run_obsc(capsys, "validate", "monitoring/specs", "-J", "monitoring/vendor")
    assert done.code == 2, done.err
    assert done.err.splitlines() == [
        "monitoring/vendor/base.libsonnet:7:13 $: Jsonnet error: Unknown variable: billing",
        "obsc: 1 error; nothing was written",
    ]


def test_an_import_not_found_names_the_folder_to_pass_with_j(
    repository: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Found by the round 43 newcomer hunt: "import 'svc.libsonnet' not found in monitoring/specs" named neither
    -J nor the library folder below the specs that holds it."""
    for name in ("ledger", "payer"):
        (repository / f"{name}.jsonnet").write_text(f"local s = import 'svc.libsonnet';\ns.svc('{name}', 'x')\n")
    done = run_obsc(capsys, "validate", "monitoring/specs")
    assert done.code == 2, done.err
    said = "Jsonnet error: import 'svc.libsonnet' not found beside the spec (monitoring/specs) and no -J path is given"
    assert done.err.splitlines() == [
        f"monitoring/specs/{name}.jsonnet:1:11 $: {said}: monitoring/specs/lib/svc.libsonnet is there: pass "
        "-J monitoring/specs/lib"
        for name in ("ledger", "payer")
    ] + ["obsc: 2 errors; nothing was written"]
    assert run_obsc(capsys, "validate", "monitoring/specs", "-J", "monitoring/specs/lib").code == 0
    (repository / "lib" / "svc.libsonnet").unlink()
    done = run_obsc(capsys, "validate", "monitoring/specs", "-J", "monitoring/specs/lib")
    assert (
        "import 'svc.libsonnet' not found beside the spec (monitoring/specs) nor in the -J library paths "
        "(monitoring/specs/lib): pass the folder that holds it with -J/--jpath DIR"
    ) in done.err


@pytest.mark.parametrize(
    ("imported", "args", "said", "fixed"),
    [
        (
            "../lib/svc.libsonnet",
            (),
            "escapes the allowed library paths (monitoring/specs): monitoring/lib/svc.libsonnet is there: pass -J "
            "monitoring/lib",
            ("../lib/svc.libsonnet", ("-J", "monitoring/lib")),
        ),
        (
            "lib/svc.libsonnet",
            ("-J", "monitoring/lib"),
            "nor in the -J library paths (monitoring/lib): the -J path monitoring/lib holds it as 'svc.libsonnet': "
            "import 'svc.libsonnet'",
            ("svc.libsonnet", ("-J", "monitoring/lib")),
        ),
        (
            "monitoring/lib/svc.libsonnet",
            (),
            "and no -J path is given: monitoring/lib/svc.libsonnet is there from the current directory, but an "
            "import is read from the spec's folder and the -J paths: pass -J .",
            ("monitoring/lib/svc.libsonnet", ("-J", ".")),
        ),
    ],
)
def test_a_library_beside_the_specs_folder_is_told_which_j_or_import_to_write(
    repository: Path,
    capsys: pytest.CaptureFixture[str],
    imported: str,
    args: tuple[str, ...],
    said: str,
    fixed: tuple[str, tuple[str, ...]],
) -> None:
    """Round 45's newcomer kept the library in monitoring/lib/, beside the specs' folder: `../lib/...` was told only
    that it "escapes the allowed library paths", `lib/...` with `-J monitoring/lib` (looked for as
    monitoring/lib/lib/...) to "pass the folder that holds it with -J", which they had. The advice, followed,
    compiles."""
    (repository.parent / "lib").mkdir()
    (repository / "lib" / "svc.libsonnet").rename(repository.parent / "lib" / "svc.libsonnet")
    (repository / "payer.jsonnet").unlink()
    ledger = repository / "ledger.jsonnet"
    ledger.write_text(f"local s = import '{imported}';\ns.svc('ledger', 'x')\n")
    done = run_obsc(capsys, "validate", "monitoring/specs", *args)
    where = f"monitoring/specs/ledger.jsonnet:1:11 $: Jsonnet error: import '{imported}' "
    assert done.code == 2 and done.err.startswith(where) and said in done.err.splitlines()[0], done.err
    ledger.write_text(f"local s = import '{fixed[0]}';\ns.svc('ledger', 'x')\n")
    assert run_obsc(capsys, "validate", "monitoring/specs", *fixed[1]).code == 0


def test_a_place_spanning_lines_is_read() -> None:
    # Jsonnet writes a span over several lines as `file:(3:5)-(4:2)`: it was passed over for line 1, column 1.
    trace = "RUNTIME ERROR: Field does not exist: nope\n\tspec.jsonnet:(3:5)-(4:2)\tobject <anonymous>\n"
    assert jsonnet_error("spec.jsonnet", trace) == ("spec.jsonnet", 3, 5, "Field does not exist: nope", True)


def test_a_column_after_non_ascii_text_counts_characters(repository: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # Jsonnet counts columns in bytes, obsc (YAML errors, a Jsonnet key's place) in characters: after
    # `'Zürich → Köln', ` the error was 4 columns right of `nope`, and 1 after `'équipe'` in a library.
    (repository / "ledger.jsonnet").write_text(
        "local s = import 'lib/svc.libsonnet';\ns.svc('ledger', 'x') + { description: 'Zürich → Köln', team: nope }\n"
    )
    library = repository / "lib" / "svc.libsonnet"
    library.write_text(LIBRARY.replace("team: 'billing',", "team: 'équipe' + billing,"))
    done = run_obsc(capsys, "validate", "monitoring/specs/ledger.jsonnet", "monitoring/specs/payer.jsonnet")
    assert done.code == 2, done.err
    assert done.err.splitlines() == [
        "monitoring/specs/ledger.jsonnet:2:62 $: Jsonnet error: Unknown variable: nope",
        "monitoring/specs/lib/svc.libsonnet:7:24 $: Jsonnet error: Unknown variable: billing",
        "obsc: 2 errors; nothing was written",
    ]


def test_a_message_written_over_several_lines_is_kept_whole(
    repository: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # Only the first line of an `error` or `assert` text was shown: the platform's advice below it was lost.
    library = repository / "lib" / "svc.libsonnet"
    advice = "error 'no job for ' + name + ':\\n  set the job label\\n  (see the platform guide)'"
    library.write_text(LIBRARY.replace("error 'no job for ' + name", advice))
    (repository / "payer.jsonnet").write_text("local s = import 'lib/svc.libsonnet';\ns.svc('payer', '')\n")
    done = run_obsc(capsys, "validate", "monitoring/specs")
    assert done.code == 2, done.err
    assert done.err.splitlines() == [
        "monitoring/specs/lib/svc.libsonnet:3:34 $: Jsonnet error: no job for payer: set the job label "
        "(see the platform guide) (evaluating monitoring/specs/payer.jsonnet)",
        "obsc: 1 error; nothing was written",
    ]
    trace = "RUNTIME ERROR: objective over 100\n\tsee the guide\n\tspec.jsonnet:(1:6)-(2:13)\tobject <anonymous>\n"
    assert jsonnet_error("spec.jsonnet", trace)[3] == "objective over 100 see the guide"


def test_a_librarys_import_of_a_file_in_the_spec_folder_is_told_the_j_that_finds_it(
    repository: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """lib/svc.libsonnet importing 'common.libsonnet', which sits in the spec folder above it: Jsonnet reads a
    library's import beside the library (lib/), so it is not found; obsc said only "pass the folder that holds it
    with -J", though it had looked there (a hand mutant of round 43, the spec folder itself looked into, said more)."""
    (repository / "common.libsonnet").write_text("{ team: 'billing' }\n")
    library = repository / "lib" / "svc.libsonnet"
    library.write_text("local common = import 'common.libsonnet';\n" + LIBRARY.replace("'billing'", "common.team"))
    done = run_obsc(capsys, "validate", "monitoring/specs")
    said = "monitoring/specs/common.libsonnet is there: pass -J monitoring/specs"
    assert done.code == 2 and said in done.err.splitlines()[0], done.err
    assert run_obsc(capsys, "validate", "monitoring/specs", "-J", "monitoring/specs").code == 0
