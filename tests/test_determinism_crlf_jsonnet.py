"""A Jsonnet spec checked out with CRLF line ends (git's `core.autocrlf=true`, Git for Windows' default) compiles
to the LF checkout's bytes. Jsonnet keeps the `\\r` of a line end inside a text block or a multi-line string, so
before, such a checkout failed with exit 2 ("control character U+000D is not allowed") where the LF one compiled."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from compiler.spec import jsonnet_eval
from tests.cli_helpers import run_obsc
from tests.conftest import ROOT, tree

_SPEC = """\
local lib = import 'lib.libsonnet';
{
  apiVersion: 'obsc/v1',
  service: 'ledger',
  team: 'edge',
  description: |||
    Books every payment.
    Read by finance at month end.
  |||,
  selector: { job: 'ledger' },
  metrics: { requests: 'ledger_requests_total', errors: 'ledger_requests_total{code=~"5.."}' },
  slos: [{ name: 'availability', objective: 99.9, sli: { errors: 'errors', total: 'requests' },
           description: lib.note }],
}
"""
_LIBRARY = "{\n  note: 'Failed writes,\nretried by the client.',\n}\n"


def _commit(repo: Path) -> None:
    git = ["git", "-c", "user.name=t", "-c", "user.email=t@example.com", "-C", str(repo)]
    subprocess.run(["git", "init", "-q", str(repo)], check=True)
    subprocess.run([*git, "add", "-A"], check=True)
    subprocess.run([*git, "commit", "-qm", "specs"], check=True)


def _checkout(tmp_path: Path, autocrlf: str) -> Path:
    repo = tmp_path / "repo"
    if not repo.exists():
        (repo / "specs").mkdir(parents=True)
        (repo / "specs" / "platform.yaml").write_bytes((ROOT / "specs" / "platform.yaml").read_bytes())
        (repo / "specs" / "ledger.jsonnet").write_text(_SPEC)
        (repo / "specs" / "lib.libsonnet").write_text(_LIBRARY)
        _commit(repo)
    checkout = tmp_path / f"autocrlf-{autocrlf}"
    subprocess.run(["git", "-c", f"core.autocrlf={autocrlf}", "clone", "-q", str(repo), str(checkout)], check=True)
    return checkout


def _compiled(capsys: pytest.CaptureFixture[str], checkout: Path) -> dict[str, bytes]:
    result = run_obsc(capsys, "compile", str(checkout / "specs"), "--out", str(checkout / "out"), "--no-validate", "-q")
    assert result.code == 0, result.err
    return tree(checkout / "out")


def test_a_crlf_checkout_of_a_jsonnet_spec_compiles_to_the_same_bytes(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    lf = _checkout(tmp_path, "false")
    crlf = _checkout(tmp_path, "true")
    assert b"\r\n" in (crlf / "specs" / "ledger.jsonnet").read_bytes(), "git did not convert: the test proves nothing"
    assert b"\r\n" in (crlf / "specs" / "lib.libsonnet").read_bytes()

    want, got = _compiled(capsys, lf), _compiled(capsys, crlf)
    assert want.keys() == got.keys()
    assert [path for path in want if want[path] != got[path]] == []
    assert any(b"Read by finance at month end." in data for data in want.values()), "no text block in the output"


def test_a_crlf_checkout_of_a_standard_dashboard_writes_the_same_dashboard(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # the platform's Jsonnet dashboard with a text block: before, the CRLF checkout wrote `\r\n` into the
    # dashboard's description (exit 0, other bytes than the LF checkout's: drift for `obsc check`)
    repo = tmp_path / "repo"
    shutil.copytree(ROOT / "examples", repo / "specs")
    library = repo / "specs" / "lib" / "golden-signals.jsonnet"
    one_line = "description: 'Traffic, errors, latency and saturation of ' + service.name"
    block = "description: |||\n      Golden signals.\n      Two lines.\n    ||| + service.name"
    assert one_line in library.read_text()
    library.write_text(library.read_text().replace(one_line, block))
    _commit(repo)

    want, got = _compiled(capsys, _checkout(tmp_path, "false")), _compiled(capsys, _checkout(tmp_path, "true"))
    dashboard = "grafana/dashboards/teams/payments/checkout.golden-signals.json"
    assert b"Golden signals.\\nTwo lines.\\ncheckout" in want[dashboard]
    assert got[dashboard] == want[dashboard]


def test_a_file_with_a_nul_byte_is_data_and_keeps_its_crlf() -> None:
    # `importbin` reads through the same import callback: a binary file's bytes are not line ends
    assert jsonnet_eval.as_checked_in(b"a\r\nb\r\n") == b"a\nb\n"
    assert jsonnet_eval.as_checked_in(b"\x00\r\n") == b"\x00\r\n"
