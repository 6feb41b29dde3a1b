"""Spec text shown on Grafana dashboards, and links put into markdown: what they may not hold.

Grafana replaces variables in panel titles, descriptions, legends, text panels and dashboard links
(`$datasource`, `${__url}`, `[[name]]`; built-ins such as `$__from` always exist). There is no escape for
them, and a description that showed the data source's name, or the page's own URL, in place of what was
written would mislead: in the fields that reach a dashboard (the service's description, metric titles,
SLO descriptions, links) such a sequence is refused with its location. A `$` before anything else (`$5`)
is kept: Grafana leaves it alone.

Links are written into markdown (`[repo](https://...)` in the About panel, the runbook pages): a space, a
parenthesis, `<`, `>`, a backtick, a quote or a backslash would end the link early or start other markup,
so such a URL is refused, with the percent-encoding that says the same. Markdown in free text is escaped
where it is written (targets/markdown.py), not refused.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from typing import Any

from compiler.errors import Diagnostic
from compiler.spec.document import Document, Path

# Grafana's templateSrv variable syntax: $name, ${...}, [[name]] / [[name:format]]
_VARIABLE = re.compile(r"\$[A-Za-z_]\w*|\$\{[^}\n]*\}?|\[\[\w+(?::\w+)?\]\]")
_SCHEME = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*:")
_LINK_ENDERS = re.compile(r"[\s()<>`\\]")


def problems(doc: Document) -> Iterator[Diagnostic]:
    data = doc.data
    if not isinstance(data, Mapping):
        return
    platform = data.get("kind") == "Platform"
    for path, text in _shown(data, platform):
        message = _variable_problem(text, url=False)
        if message:
            yield Diagnostic(doc.locate(path), path, message)
    for path, text in _links(data, platform):
        relative = path == ("runbook_url",) and _SCHEME.match(text) is None  # a path in the output tree
        if not relative and not text.startswith(("http://", "https://")):
            continue  # not an http(s) URL at all: another message says so
        message = _link_problem(text)
        if message:
            yield Diagnostic(doc.locate(path), path, message)


def _variable_problem(text: str, *, url: bool) -> str:
    found = _VARIABLE.search(text)
    if found is None:
        return ""
    fix = "percent-encode '$' as %24" if url else "write it without '$' (or '[[')"
    return (
        f"{found.group()!r} is Grafana variable syntax: the dashboard would show the variable's value "
        f"(a data source, the page's URL...) in its place; {fix}"
    )


def _link_problem(url: str) -> str:
    found = _LINK_ENDERS.search(url)
    if found is not None:
        char = found.group()
        shown = "white space" if char.isspace() else repr(char)
        return (
            f"{shown} in a link ends it in the markdown it is written into (the dashboard's About panel, the "
            f"runbooks): percent-encode it as %{ord(char):02X}"
        )
    return _variable_problem(url, url=True)


def _shown(data: Mapping[str, Any], platform: bool) -> Iterator[tuple[Path, str]]:
    """(path, text) of the free text a dashboard shows: the description, metric titles, SLO descriptions."""
    if platform:
        defaults = data.get("defaults")
        metrics = defaults.get("metrics") if isinstance(defaults, Mapping) else None
        yield from _titles(metrics, ("defaults", "metrics"))
        return
    description = data.get("description")
    if isinstance(description, str):
        yield ("description",), description
    yield from _titles(data.get("metrics"), ("metrics",))
    slos = data.get("slos")
    for i, slo in enumerate(slos if isinstance(slos, list) else ()):
        if isinstance(slo, Mapping) and isinstance(slo.get("description"), str):
            yield ("slos", i, "description"), slo["description"]


def _titles(metrics: Any, base: Path) -> Iterator[tuple[Path, str]]:
    if not isinstance(metrics, Mapping):
        return
    for name, body in metrics.items():
        if isinstance(body, Mapping) and isinstance(body.get("title"), str):
            yield (*base, name, "title"), body["title"]


def _links(data: Mapping[str, Any], platform: bool) -> Iterator[tuple[Path, str]]:
    """(path, url) of the links written into markdown: service and team links, the runbook pattern."""
    if not platform:
        yield from _named_links(data.get("links"), ("links",))
        return
    for key in ("runbook_url", "grafana_url"):
        if isinstance(data.get(key), str):
            yield (key,), data[key]
    teams = data.get("teams")
    for team, body in teams.items() if isinstance(teams, Mapping) else ():
        if isinstance(body, Mapping):
            yield from _named_links(body.get("links"), ("teams", team, "links"))


def _named_links(links: Any, base: Path) -> Iterator[tuple[Path, str]]:
    if isinstance(links, Mapping):
        for name, url in links.items():
            if isinstance(url, str):
                yield (*base, name), url
