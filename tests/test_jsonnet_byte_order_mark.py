"""A Jsonnet file saved with a UTF-8 byte-order mark (Notepad, some Windows IDEs) reads like its YAML twin.

Before: a spec, platform file or library starting with one failed with "Jsonnet error: Could not lex the
character '\\ufeff'" at 1:1, where the same spec in YAML compiled.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.cli_helpers import run_obsc

BOM = "\ufeff"
PLATFORM = """{
  apiVersion: 'obsc/v1',
  kind: 'Platform',
  defaults: { period: (import 'defaults.json').period },
  teams: { billing: { routing: {
    critical: { webhook: { url: 'https://hooks.example.org/billing' } },
    warning: { webhook: { url: 'https://hooks.example.org/billing-tickets' } },
  } } },
}
"""
LIBRARY = """{
  svc(name):: {
    apiVersion: 'obsc/v1',
    service: name,
    team: 'billing',
    selector: { job: name },
    metrics: { requests: 'rpc_total', errors: 'rpc_total{status="error"}' },
    slos: [{ name: 'availability', objective: 99.9, sli: { errors: 'errors', total: 'requests' } }],
  },
}
"""


@pytest.fixture
def specs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """specs/ledger.jsonnet, specs/platform.jsonnet and the library folder vendor/, every file with a BOM."""
    (tmp_path / "specs").mkdir()
    (tmp_path / "vendor").mkdir()
    files = {
        "specs/platform.jsonnet": PLATFORM,
        "specs/ledger.jsonnet": "local s = import 'svc.libsonnet'; s.svc('ledger')\n",
        "vendor/svc.libsonnet": LIBRARY,
        "vendor/defaults.json": '{"period": "28d"}\n',
    }
    for name, text in files.items():
        (tmp_path / name).write_text(BOM + text, encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    return tmp_path / "specs"


def test_jsonnet_files_with_a_byte_order_mark_compile(specs: Path, capsys: pytest.CaptureFixture[str]) -> None:
    done = run_obsc(capsys, "validate", "specs", "-J", "vendor")
    assert done.code == 0, done.err


def test_a_column_on_the_first_line_does_not_count_the_mark(specs: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (specs / "ledger.jsonnet").write_text(BOM + "local s = import 'svc.libsonnet'; s.svc(ledger)\n", encoding="utf-8")
    done = run_obsc(capsys, "validate", "specs", "-J", "vendor")
    assert done.code == 2, done.err
    assert done.err.splitlines() == [
        "specs/ledger.jsonnet:1:41 $: Jsonnet error: Unknown variable: ledger",
        "obsc: 1 error; nothing was written",
    ]
