"""Free queries too big to read, refused before the build reads them (round 43).

`check_promql` refuses an expression nested deeper than MAX_NESTING or chained past MAX_OPERATORS (located,
exit 2), but it runs after the metrics are built, and the build's readers walk a query's tree recursively (the
prober's selector, fading rates, ...): a metric `expr` nested ~1,900 levels deep raised RecursionError there, an
internal error (exit 70). Each reader guarding itself would leave the next one written unguarded, so the size is
checked once here, before any of them, and the service is not built further. The bound every reader relies on
is model/promql_tree.parse's (no tree too deep to walk is ever made, whatever field it came from); this check
says the spec's own, tighter bound at the query's line first, so one mistake is one message.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from compiler.errors import Diagnostic
from compiler.model.build_context import Ctx, Layer
from compiler.model.promql_check import locate
from compiler.model.promql_text import out_of_range, size_problems
from compiler.spec.document import Path


def oversized_queries(data: Mapping[str, Any], defaults: Layer, ctx: Ctx) -> bool:
    """Whether a free query of the service (its raw SLIs, its own and the platform's metric expressions) is too big
    to read; each is reported where it is written, as check_promql words it."""
    found = False
    for text, where, path in _free_queries(data, defaults, ctx):
        for offset, message in size_problems(text) or out_of_range(text):
            where.diagnostics.append(Diagnostic(locate(where, path, text, offset), path, message))
            found = True
    return found


def _free_queries(data: Mapping[str, Any], defaults: Layer, ctx: Ctx) -> Iterator[tuple[str, Ctx, Path]]:
    for i, slo in enumerate(data.get("slos") or []):
        raw = (slo.get("sli") or {}).get("raw") if isinstance(slo, dict) and isinstance(slo.get("sli"), dict) else None
        for role, text in raw.items() if isinstance(raw, dict) else ():
            if isinstance(text, str):
                yield text, ctx, ("slos", i, "sli", "raw", role)
    layers = (
        (defaults.data.get("metrics"), defaults.ctx, (*defaults.base, "metrics")),
        (data.get("metrics"), ctx, ("metrics",)),
    )
    for metrics, where, base in layers:
        for name, value in metrics.items() if isinstance(metrics, dict) else ():
            if isinstance(value, str):  # a metric written as its query alone (`disk: max(...)`), read as its expr
                yield value, where, (*base, name)
            elif isinstance(body := value.get("expr") if isinstance(value, dict) else None, str):
                yield body, where, (*base, name, "expr")
