"""What one spec file may make, across its documents (found by a hunt): the schema caps a spec at 100 SLOs and
100 threshold alerts, and 40 documents of 100 SLOs in one 233 KB file made 312 MB of output."""

from __future__ import annotations

from pathlib import Path

import pytest

from compiler.api import compile_specs
from compiler.errors import InputError

ROUTING = 'routing: {critical: {webhook: {url: "http://relay:9/p"}}, warning: {webhook: {url: "http://relay:9/t"}}}\n'


def _document(n: int, slos: int) -> str:
    head = f"apiVersion: obsc/v1\nservice: gen-{n}\nteam: core\nselector: {{job: gen-{n}}}\n" + ROUTING
    head += "metrics: {requests: rq_total, errors: 'rq_total{code=\"5\"}'}\nslos:\n"
    return head + "".join(
        f"  - {{name: s{i}, objective: 99, sli: {{errors: errors, total: requests}}}}\n" for i in range(slos)
    )


def test_documents_of_one_file_share_the_cap_of_one_spec(tmp_path: Path) -> None:
    (tmp_path / "many.yaml").write_text("---\n".join(_document(n, 40) for n in range(4)))
    with pytest.raises(InputError) as raised:
        compile_specs([str(tmp_path)])
    text = str(raised.value)
    assert "many.yaml:" in text and "more than 100 slos in all" in text
    assert text.count("more than 100 slos") == 1  # said once, at the third document, not again at the fourth


def test_a_file_within_the_cap_compiles(tmp_path: Path) -> None:
    (tmp_path / "few.yaml").write_text("---\n".join(_document(n, 30) for n in range(3)))
    assert len(compile_specs([str(tmp_path)]).fleet.services) == 3


def _bare(n: int) -> str:
    return f"apiVersion: obsc/v1\nservice: gen-{n}\nteam: core\nselector: {{job: gen-{n}}}\n" + ROUTING


def test_a_file_holds_at_most_100_documents(tmp_path: Path) -> None:
    # Round 48: documents with no SLO passed every per-file cap; 2,000 of them (146 KB) made 2,000 services and
    # 10,022 files, and the YAML node budget let a 1.4 MB file hold 20,000. Refused at the 101st, which is not built.
    (tmp_path / "many.yaml").write_text("---\n".join(_bare(n) for n in range(150)))
    with pytest.raises(InputError) as raised:
        compile_specs([str(tmp_path)])
    (problem,) = raised.value.diagnostics
    line = 1 + 100 * _bare(0).count("\n") + 100  # after 100 documents and their `---` lines
    assert str(problem.location) == f"{tmp_path}/many.yaml:{line}:1"
    assert "this file holds 150 spec documents; the limit is 100" in problem.message


def test_100_documents_compile(tmp_path: Path) -> None:
    (tmp_path / "many.yaml").write_text("---\n".join(_bare(n) for n in range(100)))
    assert len(compile_specs([str(tmp_path)]).fleet.services) == 100


def test_the_101st_document_is_refused(tmp_path: Path) -> None:
    (tmp_path / "many.yaml").write_text("---\n".join(_bare(n) for n in range(101)))
    with pytest.raises(InputError) as raised:
        compile_specs([str(tmp_path)])
    (problem,) = raised.value.diagnostics
    assert "this file holds 101 spec documents; the limit is 100" in problem.message


def test_documents_past_the_101st_are_not_read_for_the_other_caps(tmp_path: Path) -> None:
    """Only the document cap is said: 120 SLOs in documents 121 and 122 make no second problem (a file of
    20,000 documents is not walked for its SLOs)."""
    slos = ", ".join(f"{{name: s{i}, objective: 99, sli: {{errors: e, total: t}}}}" for i in range(60))
    docs = [_bare(n) for n in range(150)]
    for n in (120, 121):
        docs[n] += "metrics: {e: 'x_total{code=\"500\"}', t: x_total}\nslos: [" + slos + "]\n"
    (tmp_path / "many.yaml").write_text("---\n".join(docs))
    with pytest.raises(InputError) as raised:
        compile_specs([str(tmp_path)])
    (problem,) = raised.value.diagnostics
    assert "this file holds 150 spec documents" in problem.message
