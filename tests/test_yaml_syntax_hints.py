"""YAML syntax errors a newcomer meets say what to do, at the line of the mistake (the goldens yaml_colon_in_value,
yaml_key_without_space and yaml_tab_indent hold three; these are the others, each a file that stops at its first)."""

from __future__ import annotations

import pytest

from compiler.errors import InputError
from compiler.spec.loader import load_yaml_text

HEAD = "apiVersion: obsc/v1\nservice: checkout\n"


@pytest.mark.parametrize(
    ("text", "where", "says"),
    [
        (HEAD + "team: @payments\n", "3:7", "'@' cannot start a plain value in YAML: quote it, '@payments'"),
        (HEAD + "team: `payments`\n", "3:7", "'`' cannot start a plain value in YAML: quote it, '`payments`'"),
        (
            HEAD + "metrics:\n  errors: *errors\n",
            "4:11",
            "names an anchor (&name) in YAML: quote it if it is text, '*errors'",
        ),
        (HEAD + "slos:\n  -name: a\n    objective: 99\n", "4:3", "a `-` needs a space after it: write - name: a"),
        (HEAD + "slos:\n  - name: a\n      objective: 99\n", "5:7", "indented deeper than the keys around it"),
        (HEAD + "slos:\n  - name: a\n   objective: 99\n", "5:4", "does not line up with the keys above it"),
        (HEAD + "description: it's: fine\n", "3:18", "quote the whole value, description: 'it''s: fine'"),
    ],
)
def test_a_syntax_error_says_what_to_write(text: str, where: str, says: str) -> None:
    with pytest.raises(InputError) as raised:
        load_yaml_text("spec.yaml", text)
    (found,) = raised.value.diagnostics
    assert f"spec.yaml:{where} " in str(found)
    assert says in found.message


@pytest.mark.parametrize(
    ("text", "advice"),
    [
        # a comment after the value stays a comment: quoted, it became part of the description
        (HEAD + "description: Note: the public API # owner: payments\n", "description: 'Note: the public API'"),
        # inside {...} the value ends at its `}` or `,`: '@payments}' was a new value
        (HEAD + "labels: {component: @payments}\n", "quote it, '@payments'"),
        (HEAD + "labels: {component: *payments, tier: web}\n", "quote it if it is text, '*payments'"),
        # a quote inside the value is doubled, or the advice would not parse
        (HEAD + "labels:\n  component: @bob's # the owner\n", "quote it, '@bob''s'"),
    ],
)
def test_the_quoted_value_advised_is_the_value_written(text: str, advice: str) -> None:
    with pytest.raises(InputError) as raised:
        load_yaml_text("spec.yaml", text)
    (found,) = raised.value.diagnostics
    assert found.message.endswith(advice), found.message


@pytest.mark.parametrize(
    ("keys", "bad", "columns"),
    [
        ("metrics:\n  requests: r_total\n", " errors: e_total\n", (3, 1)),
        ("metrics:\n  lag:\n    selector: lag\n    type: gauge\n", "   aggregation: max\n", (5, 3)),
    ],
)
def test_a_key_between_two_columns_is_told_both_and_either_parses(
    keys: str, bad: str, columns: tuple[int, int]
) -> None:
    # libyaml says only "did not find expected key"; each column advised must give a file that parses.
    with pytest.raises(InputError) as raised:
        load_yaml_text("spec.yaml", HEAD + keys + bad)
    (found,) = raised.value.diagnostics
    inner, outer = columns
    assert f"move it to column {inner}, beside" in found.message and f"or to column {outer}, beside" in found.message
    for column in columns:
        load_yaml_text("spec.yaml", HEAD + keys + " " * (column - 1) + bad.lstrip(" "))


def test_a_brace_inside_a_value_in_braces_is_told_the_quoted_value_which_parses() -> None:
    line = "secrets: {team_root: /s/team-{team}/, shared_root: /s/platform/}\n"
    with pytest.raises(InputError) as raised:
        load_yaml_text("platform.yaml", line)
    (found,) = raised.value.diagnostics
    assert "platform.yaml:1:30 " in str(found)
    assert found.message.endswith("quote the value, team_root: '/s/team-{team}/'")
    (doc,) = load_yaml_text("platform.yaml", line.replace("/s/team-{team}/", "'/s/team-{team}/'"))
    assert doc.data == {"secrets": {"team_root": "/s/team-{team}/", "shared_root": "/s/platform/"}}
