"""Spec text on dashboards and in markdown (found by a dashboard hunt).

Grafana replaced `${datasource}`, `${__from}`, `${__url}` in a description, a metric title and an SLO
description; a link with `)` broke out of the About panel's markdown link; `\\n# Heading` in a description
added headings to the About panel and every runbook page. Variable syntax and link-ending characters are
refused at their line (tests/errors/grafana_variables, link_ends_markdown); markdown in free text is
escaped, and a CommonMark parser reads it back as the plain text that was written.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from compiler import conventions as names
from compiler.api import compile_specs
from compiler.errors import InputError
from compiler.targets import markdown
from tests.platform_text import sink_platform
from tests.test_grafana_support import all_panels, compile_dir, service_dashboard

markdown_it = pytest.importorskip("markdown_it")

HOSTILE = [
    "Settles payments <img src=x onerror=alert(1)> [x](javascript:alert(1)) | col |\n# Heading",
    "  1. first\n2) second\n- item\n+ item\n* item\n> quote\n    code\n```\nfence\n```",
    "Title\n===\nand\n---\n***\n_ _ _",
    "**bold** _it_ `code` ~~gone~~ back\\slash \\* &amp; &#36; <b>html</b> ![img](x.png) <https://a.example>",
    "p99 > 2s & costs $5; merchants_v2 (EU) #1! | a | b |",
]


def _plain(rendered: list[Any]) -> str:
    """The text of a markdown token stream that is only paragraphs of text; fails on any other markup."""
    out = []
    for token in rendered:
        assert token.type in ("paragraph_open", "paragraph_close", "inline"), token.type
        for child in token.children or ():
            assert child.type in ("text", "softbreak"), (child.type, child.content)
            out.append("\n" if child.type == "softbreak" else child.content)
    return "".join(out)


@pytest.mark.parametrize("source", HOSTILE)
def test_escaped_free_text_renders_as_the_text_written(source: str) -> None:
    parser = markdown_it.MarkdownIt("commonmark").enable("table").enable("strikethrough")
    tokens = parser.parse(markdown.text(source))
    assert _plain(tokens) == "\n".join(line.strip() for line in source.split("\n"))


PLATFORM = sink_platform(
    before="""\
runbook_url: https://wiki.example/{path}
""",
    after="""\
teams:
  shop: {links: {oncall: "https://oncall.example/shop"}, routing: {critical: sink}}
""",
)
SPEC = """\
apiVersion: obsc/v1
service: cart
team: shop
description: "Cart <b>API</b> | col |\\n# Heading\\n- item"
selector: {job: cart}
links: {repo: "https://git.example/cart_(v2)_x"}
metrics: {requests: http_requests_total, errors: 'http_requests_total{code=~"5.."}'}
slos:
  - {name: availability, objective: 99.9, sli: {errors: errors, total: requests}, description: "# Fast\\n> or not"}
"""


def test_about_panel_and_runbooks_show_the_description_as_text(tmp_path: Path) -> None:
    (tmp_path / "platform.yaml").write_text(PLATFORM)
    (tmp_path / "cart.yaml").write_text(SPEC.replace("_(v2)_x", ""))
    compilation = compile_dir(tmp_path)
    dashboard = service_dashboard(compilation, "cart")
    about = next(p for p in all_panels(dashboard) if p.get("id") == 2)["options"]["content"]
    parser = markdown_it.MarkdownIt("commonmark").enable("table")
    tokens = parser.parse(about)
    assert not [t for t in tokens if t.type in ("heading_open", "bullet_list_open", "html_block")]
    inline = [c for t in tokens for c in t.children or () if c.type in ("html_inline", "link_open")]
    assert [c.attrs.get("href") for c in inline if c.type == "link_open"][:2] == [
        "https://git.example/cart",
        "https://oncall.example/shop",
    ]
    assert not [c for c in inline if c.type == "html_inline"]
    sli = next(p for p in all_panels(dashboard) if p.get("title") == "SLI vs objective")
    assert sli["description"].endswith(r"\# Fast" + "\n" + r"\> or not")
    for artifact in compilation.bundle.artifacts:
        if artifact.path.startswith(names.RUNBOOK_DIR + "/"):
            headings = [t for t in parser.parse(artifact.content) if t.type == "heading_open"]
            texts = [line for line in artifact.content.splitlines() if line.startswith("#")]
            assert "# Heading" not in texts and "# Fast" not in texts, artifact.path
            assert len(headings) == len(texts), artifact.path  # only obsc's own headings


@pytest.mark.parametrize(
    ("platform_extra", "spec_edit", "path", "said"),
    [
        ("", ('description: "Cart', 'description: "Cart $datasource'), "$.description", "'$datasource'"),
        ("", ("_(v2)_x", ""), "", ""),  # the fixture itself is fine once its link is
        ("", ("", ""), "$.links.repo", "'(' in a link"),  # parentheses end a markdown link: %28, %29
        ('  shop2: {links: {a: "https://a.example/${__url}"}}\n', ("_(v2)_x", ""), "$.teams.shop2.links.a", "%24"),
        (
            'defaults: {metrics: {queue: {selector: q, type: gauge, title: "q ${__to}"}}}\n',
            ("_(v2)_x", ""),
            "$.defaults.metrics.queue.title",
            "'${__to}'",
        ),
    ],
)
def test_display_text_problems_are_located(
    tmp_path: Path, platform_extra: str, spec_edit: tuple[str, str], path: str, said: str
) -> None:
    platform = PLATFORM
    if platform_extra.startswith("  "):
        platform += platform_extra
    else:
        platform = platform.replace("teams:", platform_extra + "teams:")
    (tmp_path / "platform.yaml").write_text(platform)
    (tmp_path / "cart.yaml").write_text(SPEC.replace(*spec_edit))
    if not path:
        compile_specs([str(tmp_path)])
        return
    with pytest.raises(InputError) as raised:
        compile_specs([str(tmp_path)])
    message = next(line for line in str(raised.value).splitlines() if f" {path}: " in line)
    assert said in message, message
    assert json.dumps(message).count(":") >= 3  # file:line:col


def test_a_runbook_pattern_that_ends_a_markdown_link_is_refused(tmp_path: Path) -> None:
    (tmp_path / "platform.yaml").write_text(PLATFORM.replace("wiki.example/{path}", "wiki.example/x)y/{path}"))
    (tmp_path / "cart.yaml").write_text(SPEC.replace("_(v2)_x", ""))
    with pytest.raises(InputError) as raised:
        compile_specs([str(tmp_path)])
    assert "$.runbook_url: ')' in a link ends it" in str(raised.value)


@pytest.mark.parametrize(
    "source",
    ['x{job="a` [moved](https://evil.example) <b>x</b> `"}', "sum(a)\n- sum(b)\n> 0", "`a`", "a``b```c", "x"],
)
def test_a_code_span_shows_its_text_whatever_it_holds(source: str) -> None:
    tokens = markdown_it.MarkdownIt("commonmark").parse(markdown.code(source))
    assert [t.type for t in tokens] == ["paragraph_open", "inline", "paragraph_close"]
    assert [(c.type, c.content) for c in tokens[1].children or ()] == [("code_inline", " ".join(source.split("\n")))]


def test_a_threshold_runbook_quotes_a_hostile_selector_and_expression_as_code(tmp_path: Path) -> None:
    """A selector value's backtick closed the runbook's inline code around the metric (a link and HTML
    followed); a line break in a metric's PromQL started a list inside it (round 31 hunt)."""
    (tmp_path / "platform.yaml").write_text(PLATFORM)
    job = "a` [Runbook moved](https://evil.example/steal) <b>x</b> `"
    (tmp_path / "q.yaml").write_text(
        "apiVersion: obsc/v1\nservice: q\nteam: shop\nselector: " + json.dumps({"job": job}) + "\nmetrics:\n"
        '  requests: http_requests_total\n  errors: http_requests_total{code=~"5.."}\n'
        "  depth: {expr: 'sum(outbox_pending{$selector})\n\n    - sum(outbox_failed{$selector})'}\n"
        "slos: [{name: availability, objective: 99.9, sli: {errors: errors, total: requests}}]\n"
        "threshold_alerts:\n  - {name: QueueDeep, metric: depth, above: 100}\n"
        "  - {name: QueueStuck, metric: requests, above: 5/s}\n"
    )
    compilation = compile_dir(tmp_path)
    parser = markdown_it.MarkdownIt("commonmark")
    pages = [a for a in compilation.bundle.artifacts if a.path.rsplit("/", 1)[-1].startswith("Queue")]
    assert len(pages) == 2
    for page in pages:
        inline = [c for t in parser.parse(page.content) for c in t.children or ()]
        assert not [c for c in inline if c.type in ("html_inline", "link_open")], page.path
        shown = " ".join(c.content for c in inline if c.type == "text")  # outside code spans and fences
        assert "evil.example" not in shown and "outbox_failed" not in shown, page.path
        codes = [c.content for c in inline if c.type == "code_inline"]
        assert any(job in code for code in codes), page.path
