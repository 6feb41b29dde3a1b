"""Characters a review does not show, in a spec's text around its values (round 39, a hunt).

Keys and values were checked for them (strings.py); comments and line breaks were not. YAML reads U+0085,
U+2028 and U+2029 as line breaks that editors and code review show as none: a spec whose selector line ended in
`# scraped by the shared agent<U+2028>targets: false` compiled with ServiceDown switched off by a key that a
reviewer reads as part of a comment. A direction override in a comment (Trojan Source) compiled too.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from compiler.errors import InputError
from compiler.spec import strings, unseen_text
from compiler.spec.loader import JsonnetOptions, load_file, load_yaml_text
from tests.cli_helpers import run_obsc
from tests.conftest import ROOT

SPEC = """\
apiVersion: obsc/v1
service: checkout
team: payments
selector: {{job: checkout}}  # scraped by the shared agent{hidden}
metrics:
  requests: http_requests_total
  errors: http_requests_total{{code=~"5.."}}
slos:
  - {{name: a, objective: 99.9, sli: {{errors: errors, total: requests}}}}
"""
BREAKS = {"carriage return": "\r", "next line": "\x85", "line separator": "\u2028", "paragraph separator": "\u2029"}


def _messages(path: str, text: str) -> list[str]:
    with pytest.raises(InputError) as caught:
        load_yaml_text(path, text)
    return [f"{d.location} {d.message}" for d in caught.value.diagnostics]


@pytest.mark.parametrize("name", BREAKS)
def test_a_yaml_line_break_in_a_comment_is_refused_where_an_editor_shows_it(name: str) -> None:
    text = SPEC.format(hidden=BREAKS[name] + "targets: false")
    (shown,) = _messages("s.yaml", text)
    # line 4 as an editor counts lines (by newline), column 57: right after the comment's last word
    assert shown.startswith(f"s.yaml:4:57 character U+{ord(BREAKS[name]):04X} ({name}): YAML reads it as a line")


@pytest.mark.parametrize("name", BREAKS)
@pytest.mark.parametrize(
    "written",
    [
        "description: |\n  text{b}targets: false\n",  # the value ended at the break, the next line a key
        "description: >\n  text\n  {b}targets: false\n",
        "description: |  # note{b}targets: false\n",  # a block scalar's header line is no value
        'description: "a{b}b"\n',  # a value kept the character (strings.py refused it) or made it a newline
        "description: a\n  b{b}targets: false\n",
    ],
)
def test_a_yaml_line_break_is_refused_in_and_around_values_too(name: str, written: str) -> None:
    text = SPEC.format(hidden="").replace("team: payments\n", "team: payments\n" + written.format(b=BREAKS[name]))
    shown = _messages("s.yaml", text)
    assert len(shown) == 1 and f"character U+{ord(BREAKS[name]):04X} ({name}): YAML reads" in shown[0]


def test_the_hidden_key_compiles_nothing(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "checkout.yaml").write_text(SPEC.format(hidden="\u2028targets: false"))
    out = tmp_path / "out"
    platform = str(ROOT / "tests" / "errors" / "platform.yaml")
    result = run_obsc(capsys, "compile", str(tmp_path / "checkout.yaml"), "--platform", platform, "--out", str(out))
    assert result.code == 2, result.err
    assert f"{tmp_path}/checkout.yaml:4:57 $: character U+2028 (line separator)" in result.err
    assert "Traceback" not in result.err and not out.exists()


@pytest.mark.parametrize(
    ("hidden", "kind"),
    [
        ("\u202e ;eslaf :stegrat", "direction control U+202E (right-to-left override)"),
        ("\u2066", "direction control U+2066 (left-to-right isolate)"),
        ("\u200b", "invisible character U+200B (zero width space)"),
        ("\ufeff", "invisible separator U+FEFF"),
    ],
)
def test_other_unseen_characters_in_a_comment_are_refused(hidden: str, kind: str) -> None:
    (shown,) = _messages("s.yaml", SPEC.format(hidden=hidden))
    assert shown.startswith(f"s.yaml:4:57 outside a value (in a comment or between entries): {kind} is not allowed")


def test_a_block_scalars_header_comment_is_read_as_a_comment() -> None:
    text = SPEC.format(hidden="").replace("team: payments\n", "team: payments\ndescription: |  # x\u202e\n  text\n")
    (shown,) = _messages("s.yaml", text)
    assert shown.startswith("s.yaml:4:20 outside a value (in a comment or between entries): direction control U+202E")


def test_many_are_shown_ten_at_a_time() -> None:
    text = SPEC.format(hidden="") + "".join(f"# {i}\u200b\n" for i in range(40))
    assert len(_messages("s.yaml", text)) == unseen_text.MAX_SHOWN


def test_values_keep_their_own_located_message_and_crlf_and_a_first_byte_order_mark_load() -> None:
    # in a value, strings.py names its path later: the loader leaves it
    quoted = SPEC.format(hidden="").replace("team: payments", 'team: payments\ndescription: "a\u200bb \u202ec"')
    assert load_yaml_text("s.yaml", quoted)[0].data["description"] == "a\u200bb \u202ec"
    block = SPEC.format(hidden="").replace("team: payments", "team: payments\ndescription: |-  # x\n  a\u202eb")
    assert load_yaml_text("s.yaml", block)[0].data["description"] == "a\u202eb"
    crlf = "\ufeff" + SPEC.format(hidden=" é 日本 𝔘").replace("\n", "\r\n")
    assert load_yaml_text("s.yaml", crlf)[0].data["selector"] == {"job": "checkout"}


def test_jsonnet_specs_and_their_imports_are_read_the_same_way(tmp_path: Path) -> None:
    (tmp_path / "lib.libsonnet").write_text('{\n  // owner: payments \u202e\n  description: "x",\n}\n')
    spec = '{apiVersion: "obsc/v1", service: "checkout", team: "payments", selector: {job: "checkout"}}'
    (tmp_path / "a.jsonnet").write_text(f"// fine\u200b\n{spec}\n")
    (tmp_path / "b.jsonnet").write_text(f'local lib = import "lib.libsonnet";\n{spec} + lib\n')
    with pytest.raises(InputError, match=r"a.jsonnet:1:8 \$: in Jsonnet text \(a comment too\): invisible character"):
        load_file(str(tmp_path / "a.jsonnet"), JsonnetOptions())
    with pytest.raises(InputError, match=r"import 'lib.libsonnet', line 2 column 22: in Jsonnet text .* U\+202E"):
        load_file(str(tmp_path / "b.jsonnet"), JsonnetOptions())


def test_the_file_refuses_what_a_value_refuses_but_a_carriage_return_before_a_newline() -> None:
    # one list of characters, kept apart in two patterns (a CRLF checkout's line ends are not in any value)
    refused_in_values = {chr(c) for c in range(0x10000) if strings._FORBIDDEN.match(chr(c))}
    refused_in_files = {chr(c) for c in range(0x10000) if unseen_text.UNSEEN.match(chr(c) + "x")}
    assert refused_in_files == refused_in_values
    assert not unseen_text.UNSEEN.match("\r\n")
    assert not re.search(unseen_text.UNSEEN, "\t\r\n é 日本 \u200e\u200f\u061c")  # marks RTL text needs stay


@pytest.mark.parametrize("header", ["|", ">", "|-", ">+"])
def test_every_block_scalars_header_comment_is_read_as_a_comment(header: str) -> None:
    """Round 39's review: a folded block (`>`) has a header line as a literal one does."""
    block = f"team: payments\ndescription: {header}  # x\u202e\n  t\n"
    text = SPEC.format(hidden="").replace("team: payments\n", block)
    (shown,) = _messages("s.yaml", text)
    assert "outside a value (in a comment or between entries): direction control U+202E" in shown


def test_a_value_that_starts_or_ends_with_one_keeps_its_own_message_after_a_byte_order_mark_too() -> None:
    """The first and the last character of a plain value are the value's (strings.py names its path later),
    with the offsets counted after a byte-order mark as the parser counts them."""
    for bom in ("", "\ufeff"):
        for value in ("\u200bab", "ab\u200b"):
            text = bom + SPEC.format(hidden="").replace("team: payments", f"team: payments\ndescription: {value}")
            assert load_yaml_text("s.yaml", text)[0].data["description"] == value


def test_a_yaml_line_break_in_jsonnet_is_said_as_jsonnet_text(tmp_path: Path) -> None:
    spec = '{apiVersion: "obsc/v1", service: "checkout", team: "payments", selector: {job: "checkout"}}'
    (tmp_path / "a.jsonnet").write_text(f"// fine\u2028\n{spec}\n")
    with pytest.raises(InputError, match=r"a.jsonnet:1:8 \$: in Jsonnet text \(a comment too\): invisible separator"):
        load_file(str(tmp_path / "a.jsonnet"), JsonnetOptions())
