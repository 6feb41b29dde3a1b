"""model/selector_text: a parsed selector written back as PromQL a server accepts (round 43, verify's HA copies and
fading rates). Round 44's review: dropping the offset, its sign, or the name's own `__name__` matcher passed every
test (the drawn-verify seeds hold no offset; the parser gives the name as a matcher too)."""

from __future__ import annotations

import pytest

from compiler.model import promql_tree
from compiler.model.selector_text import selector_now, selector_with_offset


@pytest.mark.parametrize(
    ("written", "now", "with_offset"),
    [
        ('x{a="b"}', 'x{a="b"}', 'x{a="b"}'),
        ('x{a="b"} offset 5m', None, 'x{a="b"} offset 5m'),
        ("x offset -90m", None, "x offset -1h30m"),
        ("x offset 1d @ 100", None, "x offset 1d"),
        ("x @ 100", None, "x"),
        ('x{le=~"0\\\\.25"}', 'x{le=~"0\\\\.25"}', 'x{le=~"0\\\\.25"}'),
        ('{__name__="x", a!~"c|d"}', '{__name__="x",a!~"c|d"}', '{__name__="x",a!~"c|d"}'),
    ],
)
def test_a_selector_is_written_as_promql_a_server_reads(written: str, now: str | None, with_offset: str) -> None:
    node = promql_tree.parse(written)
    assert selector_now(node) == now
    assert selector_with_offset(node) == with_offset
    assert promql_tree.parse(with_offset) is not None  # the text parses again (escapes kept)
