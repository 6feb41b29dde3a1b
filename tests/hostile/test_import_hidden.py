"""A Jsonnet spec imports no hidden file or folder (round 48, a hostile contributor of team alpha).

A CI checkout keeps the job's token in `.git/config` (`extraheader = AUTHORIZATION: basic ...`). With `-J .` (which
obsc's own hint suggests for a library found from the working directory), alpha's spec `importstr '.git/config'` put
it into its dashboard and 9 runbooks, exit 0; a `.env` beside bravo's specs likewise. Discovery passes dot names over
as tools' and editors'; imports now do too: a located exit 2, nothing written, the file's text in no message.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.cli_helpers import run_obsc

PLATFORM = """\
apiVersion: obsc/v1
kind: Platform
teams:
  alpha:
    routing:
      critical: {webhook: {url: "https://hooks.example/alpha"}}
      warning: {webhook: {url: "https://hooks.example/alpha"}}
"""

ALPHA = """\
{{
  apiVersion: 'obsc/v1',
  service: 'cart',
  team: 'alpha',
  description: {read},
  selector: {{job: 'cart'}},
  metrics: {{requests: 'cart_total', errors: 'cart_total{{code=~"5.."}}'}},
  slos: [{{name: 'availability', objective: 99.9, sli: {{errors: 'errors', total: 'requests'}}}}],
}}
"""

TOKEN = "AUTHORIZATION: basic eC1hY2Nlc3MtdG9rZW46c2VjcmV0"


def _compile(tmp_path: Path, capsys: pytest.CaptureFixture[str], read: str, code: int = 2) -> str:
    """Compile alpha's cart.jsonnet (its description is `read`) in a checkout whose .git/config holds a token, with
    -J on the checkout's top; returns stderr after checking the exit code (2: nothing written)."""
    repo = tmp_path / "repo"
    (repo / ".git").mkdir(parents=True)
    (repo / ".git" / "config").write_text(f'[http "https://github.com/"]\n\textraheader = {TOKEN}\n')
    specs = repo / "specs"
    (specs / "alpha").mkdir(parents=True, exist_ok=True)
    (specs / "bravo").mkdir()
    (specs / "bravo" / ".env").write_text("API_TOKEN=hunter2\n")
    (specs / "alpha" / "notes.txt").write_text("alpha's own words\n")
    (specs / "platform.yaml").write_text(PLATFORM)
    (specs / "alpha" / "cart.jsonnet").write_text(ALPHA.format(read=read))
    out = tmp_path / "out"
    result = run_obsc(capsys, "compile", str(specs), "-J", str(repo), "--out", str(out), "--no-validate")
    assert result.code == code, result.out + result.err
    assert out.exists() == (code == 0)
    assert "Traceback" not in result.err and "hunter2" not in result.err and "basic" not in result.err
    return result.err


@pytest.mark.parametrize(
    ("read", "hidden"),
    [
        ("importstr '.git/config'", ".git"),  # a -J root's tool folder
        ("importstr 'specs/bravo/.env'", ".env"),  # a hidden file in another folder
        ("importstr 'specs/alpha/../bravo/.env'", ".env"),
    ],
)
def test_a_hidden_file_is_not_imported(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], read: str, hidden: str
) -> None:
    err = _compile(tmp_path, capsys, read)
    assert f"cart.jsonnet:5:16 $: Jsonnet error: import '{read.split(chr(39))[1]}' reads '{hidden}'" in err


def test_a_plain_symlink_to_a_hidden_file_is_judged_by_its_target(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "repo" / "specs" / "alpha").mkdir(parents=True)
    (tmp_path / "repo" / "specs" / "alpha" / "readme.txt").symlink_to("../../.git/config")
    err = _compile(tmp_path, capsys, "importstr 'readme.txt'")
    assert "cart.jsonnet:5:16 $: Jsonnet error: import 'readme.txt' reads '.git', a name starting with a dot" in err


def test_files_without_a_dot_name_still_compile(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    _compile(tmp_path, capsys, "(importstr 'notes.txt') + (importstr './notes.txt')", code=0)
    assert "alpha's own words" in (tmp_path / "out" / "runbooks" / "cart" / "ServiceDown.md").read_text()


def test_a_hidden_name_as_written_is_refused_whatever_it_links_to(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # A hand mutant of round 48 reading only the target's path passed every test here: `.notes` is a name a
    # spec's author wrote and discovery passes over, whatever plain file it links to.
    (tmp_path / "repo" / "specs" / "alpha").mkdir(parents=True)
    (tmp_path / "repo" / "specs" / "alpha" / ".notes").symlink_to("notes.txt")
    err = _compile(tmp_path, capsys, "importstr '.notes'")
    assert "cart.jsonnet:5:16 $: Jsonnet error: import '.notes' reads '.notes', a name starting with a dot" in err
