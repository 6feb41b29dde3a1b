"""README's `obsc verify` paragraph says what verify checks, as compiler/verify/checks.py does.

Round 30's p99 `+Inf` reading was reverted in the code, but the README kept its claim that verify allows a p99
line at the largest bucket because "a p99 past it reads +Inf" and pages: the reverse of what the check finds and
the alerts do. The paragraph was also cut by a blank line before its `+Inf` bucket clause, which left "obsc's rule
groups" dangling (found by the round 30 review)."""

from __future__ import annotations

import re

from compiler.verify import checks
from tests.conftest import ROOT


def _verify_paragraph() -> str:
    """The paragraph that opens README's "Checking against Prometheus", its lines joined by spaces."""
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    section = text.split("## Checking against Prometheus\n", 1)[1].lstrip("\n")
    return " ".join(section.split("\n\n", 1)[0].split())


def _checks_bullet(start: str) -> str:
    """The bullet of checks.py's module docstring that starts with `start`, up to its first parenthesis."""
    doc = " ".join((checks.__doc__ or "").split())
    found = re.search(re.escape(start) + r"[^(;]*", doc)
    assert found is not None, f"checks.py no longer says {start!r}"
    return found.group(0).strip()


def test_the_p99_clause_says_what_the_check_finds() -> None:
    paragraph = _verify_paragraph()
    assert _checks_bullet("every p99 alert line is") in paragraph
    assert "reads +Inf" not in paragraph  # the reverted reading: the p99 stops at the largest finite bucket


def test_the_paragraph_is_whole() -> None:
    # one paragraph from the command to the rule groups it compares, the `+Inf` bucket clause inside it
    paragraph = _verify_paragraph()
    assert 'every histogram has an `le="+Inf"` bucket' in paragraph
    assert "obsc's rule groups (`obsc-<service>-*`)" in paragraph
