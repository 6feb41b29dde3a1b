"""Items of a Jsonnet list are looked for only inside the `[...]` written after the list's key: brackets in
text and comments do not close it, and a list a function writes leaves its items' errors at the key."""

from __future__ import annotations

from compiler.errors import Location
from compiler.spec import jsonnet_marks
from compiler.spec.document import Document

SOURCE = """{
  slos: [  // a ] in a comment
    { name: 'a', description: 'x]' },
    { /* ] */ name: 'b', objective: '99' },
  ],
  alerts: [mk('c'), mk('d')],
  threshold_alerts: [{ name: 'C' }, { name: 'D' }],
}
"""


def test_a_list_closes_at_its_own_bracket() -> None:
    lines = SOURCE.splitlines()
    assert jsonnet_marks._list_end(lines, (2, 3)) == (5, 3)
    assert jsonnet_marks._list_end(lines, (6, 3)) == (6, 28)


def test_a_value_that_is_no_list_written_there_has_no_end() -> None:
    assert jsonnet_marks._list_end(["  slos: base.slos + [{ name: 'a' }],"], (1, 3)) is None
    assert jsonnet_marks._list_end(["  slos: |||", "  [", "  |||,"], (1, 3)) is None


def test_a_field_merged_with_plus_colon_is_located() -> None:
    # `key+:` merges into what a library wrote, the usual way to extend it: it was no naming of `key`, so every
    # error under `metrics+:`, `labels+:` or `slos+: [...]` was at the spec's 1:1.
    source = (
        "lib.svc('pay') + {\n  labels+: { 'Bad-Label': 'x' },\n"
        "  slos+: [\n    { name: 'b', objective: 101 },\n  ],\n}\n"
    )
    doc = Document(file="pay.jsonnet", data={"labels": {"Bad-Label": "x"}, "slos": [{"name": "b", "objective": 101}]})
    jsonnet_marks.approximate(doc, source)
    assert doc.locate(("labels",), key=True) == Location("pay.jsonnet", 2, 3)
    assert doc.locate(("labels", "Bad-Label"), key=True) == Location("pay.jsonnet", 2, 14)
    assert doc.locate(("slos", 0, "objective")) == Location("pay.jsonnet", 4, 18)
