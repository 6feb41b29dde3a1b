"""Platform values that land, as written, in every alert or in alertmanager.yml: the runbook and Grafana link
bases and the template globs. Each one wrong broke every team's links, or the whole file, without a location."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any
from urllib.parse import urlsplit

from compiler.conventions import RUNBOOK_PLACEHOLDERS
from compiler.model.go_glob import glob_problem

_PLACEHOLDER = re.compile(r"\{[^{}/]*\}")
_SCHEME = re.compile(r"^\s*([A-Za-z][A-Za-z0-9+.-]*):")  # a URL scheme (`javascript:`), not a path


def runbook_scheme_problem(url: str) -> str | None:
    """Why the platform's runbook_url may not be used: a scheme other than http(s) (javascript:, data:, file:
    would land in every alert's annotation and every dashboard link), or None."""
    scheme = _SCHEME.match(url)
    if scheme is None or scheme.group(1).lower() in ("http", "https"):
        return None
    where = "an http(s) URL or a path in the output tree (the default, {path})"
    return f"runbook_url is a {scheme.group(1)}: URL; write {where}"


Problems = list[tuple[tuple[str | int, ...], str]]


def platform_value_problems(data: Mapping[str, Any]) -> Problems:
    """(path below the platform document, message) for each such value obsc would write broken."""
    found: Problems = []
    runbook = data.get("runbook_url")
    if isinstance(runbook, str):
        for problem in (runbook_scheme_problem(runbook), _placeholder_problem(runbook)):
            if problem:
                found.append((("runbook_url",), problem))
    grafana = data.get("grafana_url")
    if isinstance(grafana, str) and (problem := _grafana_problem(grafana)):
        found.append((("grafana_url",), problem))
    templates = (data.get("alertmanager") or {}).get("templates") or ()
    for i, pattern in enumerate(templates if isinstance(templates, list) else ()):
        if problem := glob_problem(str(pattern)):
            found.append((("alertmanager", "templates", i), problem))
    return found


def _placeholder_problem(pattern: str) -> str | None:
    """A `{name}` obsc does not fill stayed in every alert's runbook link as written (`{team}`, `{Path}`)."""
    unknown = [p for p in _PLACEHOLDER.findall(pattern) if p not in RUNBOOK_PLACEHOLDERS]
    if not unknown:
        return None
    return (
        f"runbook_url has {unknown[0]}, which obsc does not fill in: it would stay as written in every alert's "
        f"runbook link; use {', '.join(RUNBOOK_PLACEHOLDERS)} (or percent-encode a literal brace as %7B, %7D)"
    )


def _grafana_problem(url: str) -> str | None:
    """obsc appends /d/<uid>?viewPanel=... to grafana_url: a query or fragment there ended up before that path."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return None  # the URL checks report it
    if not parts.query and not parts.fragment:
        return None
    extra = f"?{parts.query}" if parts.query else f"#{parts.fragment}"
    return (
        f"grafana_url is the base obsc appends /d/<uid>?viewPanel=... to, so {extra!r} would sit before that path "
        f"in every dashboard link ({url.rstrip('/')}/d/<uid>); give the base alone, e.g. "
        f"{parts.scheme}://{parts.netloc}{parts.path.rstrip('/')}"
    )
