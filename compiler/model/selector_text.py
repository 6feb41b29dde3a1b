r"""A parsed selector written back as PromQL a server accepts.

The parser's own text (`str(node)`) drops the escapes of its values: a regex's escaped dot comes out bare
(`le=~"0\\.25"` as `le=~"0\.25"`), which Prometheus refuses ("unknown escape sequence"). Every query obsc builds
from a parsed selector writes it here instead, its values quoted by obsc.
"""

from __future__ import annotations

from typing import Any

from compiler.model.promql import Matcher, render_matchers
from compiler.model.units import format_duration

_OPS = {"Equal": "=", "NotEqual": "!=", "Re": "=~", "NotRe": "!~"}


def selector_now(selector: Any) -> str | None:
    """The selector as PromQL; None with an `offset` or `@`, which does not read the series as they are now."""
    if selector.offset is not None or selector.at is not None:
        return None
    return _written(selector)


def selector_alone(selector: Any) -> str:
    """The selector as PromQL without its `offset` or `@`: the same series, read at the evaluation time."""
    return _written(selector)


def selector_with_offset(selector: Any) -> str:
    """The selector as PromQL with its `offset` (a `@` dropped: the same series, read at the evaluation time)."""
    offset = selector.offset
    if offset is None:
        return _written(selector)
    seconds = int(offset.total_seconds())
    spelled = format_duration(abs(seconds))
    return f"{_written(selector)} offset {'-' if seconds < 0 else ''}{spelled}"


def _written(selector: Any) -> str:
    matchers = tuple(
        Matcher(m.name, _OPS[str(m.op).rsplit(".", 1)[-1]], m.value)
        for m in selector.matchers.matchers
        if not (selector.name and m.name == "__name__")
    )
    body = render_matchers(matchers)
    return f"{selector.name or ''}{{{body}}}" if body or not selector.name else selector.name
