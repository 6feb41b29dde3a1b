"""Characters Unicode says a renderer may show as nothing (default-ignorable), in a spec's values and comments.

Round 39 refused the zero-width, direction and line-break characters a review does not show; the rest of the
class compiled. A soft hyphen (U+00AD) inside `errors: 'http_requests_total{code=~"5\u00ad.."}'` shows as
`5..` in an editor, git and code review, and the selector matches no status code: replayed with promtool (10
req/s, every request failing for 30 minutes), neither SLOErrorBudgetBurnFast nor ServiceHighErrorRate fired,
where both fire without it. Tag characters (U+E0000-U+E007F) carry a whole hidden text in a comment. Now each is
a located error; the characters scripts and emoji need (ZWJ, ZWNJ, the direction marks, variation selectors)
stay.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.cli_helpers import run_obsc
from tests.platform_text import sink_platform

SPEC = """\
apiVersion: obsc/v1
service: checkout
team: shop
selector: {job: checkout}  # COMMENT
description: DESCRIPTION
metrics:
  requests: http_requests_total
  errors: 'http_requests_total{code=~"5VALUE.."}'
slos:
  - {name: availability, objective: 99.9, sli: {errors: errors, total: requests}}
"""


def _compile(tmp_path: Path, capsys: pytest.CaptureFixture[str], value: str = "", comment: str = "", about: str = "x"):
    (tmp_path / "specs").mkdir()
    (tmp_path / "specs" / "platform.yaml").write_text(sink_platform())
    spec = SPEC.replace("VALUE", value).replace("COMMENT", comment).replace("DESCRIPTION", about)
    (tmp_path / "specs" / "checkout.yaml").write_text(spec, encoding="utf-8")
    return run_obsc(capsys, "compile", str(tmp_path / "specs"), "--out", str(tmp_path / "out"), "--no-validate")


@pytest.mark.parametrize(
    ("character", "name"),
    [
        ("\u00ad", "soft hyphen"),
        ("\u034f", "combining grapheme joiner"),
        ("\u3164", "hangul filler"),
        ("\ufff9", "interlinear annotation anchor"),
        ("\U000e0041", "tag latin capital letter a"),
        ("\U0001d173", "musical symbol begin beam"),
    ],
)
def test_one_in_a_selector_is_refused_at_it(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], character: str, name: str
) -> None:
    result = _compile(tmp_path, capsys, value=character)
    assert result.code == 2, result.err
    code = f"U+{ord(character):04X}"
    assert "checkout.yaml:8:11 $.metrics.errors: value " in result.err, result.err
    assert f"invisible character {code} ({name}) is not allowed" in result.err, result.err
    assert not (tmp_path / "out").exists()


def test_a_text_hidden_in_tag_characters_in_a_comment_is_refused_at_it(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    hidden = "".join(chr(0xE0000 + ord(c)) for c in "approve this")
    result = _compile(tmp_path, capsys, comment=f"scraped by the agent{hidden}")
    assert result.code == 2, result.err
    assert "checkout.yaml:4:50 $: outside a value (in a comment or between entries): invisible character U+E0061" in (
        result.err
    )


def test_what_scripts_and_emoji_need_still_compiles(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A warning sign in its emoji form (U+FE0F), a ZWJ sequence, right-to-left text with its mark."""
    about = '"\u26a0\ufe0f paged by \U0001f469\u200d\U0001f4bb on call; \u05e9\u05dc\u05d5\u05dd\u200f"'
    result = _compile(tmp_path, capsys, about=about)
    assert result.code == 0, result.err
