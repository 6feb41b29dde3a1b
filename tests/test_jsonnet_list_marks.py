"""Items of a Jsonnet list are looked for only inside the `[...]` written after the list's key: brackets in
text and comments do not close it, and a list a function writes leaves its items' errors at the key."""

from __future__ import annotations

from compiler.spec import jsonnet_marks

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
