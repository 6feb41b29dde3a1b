"""Selectors in free PromQL that select nothing: what reads them never fires.

Round 36 refused a metric `selector:` whose matchers on one label no value passes (`code=~"5..",code!~"5.."`), but a
metric's free `expr:` and a raw SLI's queries were not read: `sum(rate(x{$selector,code=~"5..",code!~"5.."}[$window]))`
as an errors query counted no failure, ever, and `x{$selector,job="other"}` repeats the service's `job="pay"` with
another value. Each selector of the expression, with the service's matchers filled in for `$selector` as the rules
will have them, is read label by label with model/empty_matchers.py, which claims "nothing" only when proved.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterator, Mapping
from typing import Any

from compiler.model import promql_text, promql_tree
from compiler.model.empty_matchers import Budget, selects_nothing
from compiler.model.promql import Matcher, expand
from compiler.model.promql_check import SAMPLE_WINDOW, selectors
from compiler.model.promql_cost import subquery_problems
from compiler.spec.document import Path

_OPS = {"Equal": "=", "NotEqual": "!=", "Re": "=~", "NotRe": "!~"}


@functools.lru_cache(maxsize=1024)
def empty_selector_problems(expr: str) -> tuple[str, ...]:
    """One message per selector of `expr` (`$selector` filled, `$window` maybe not) that no series passes. An
    expression past obsc's bounds or that does not parse gives none: promql_check says why (parsing one that
    nests deeper than the bounds could cost gigabytes, and walking it overflows the stack)."""
    if not _may_select_nothing(expr):
        return ()
    if promql_text.bracket_problems(expr) or promql_text.size_problems(expr) or subquery_problems(expr):
        return ()
    try:
        tree = promql_tree.parse_filled(expr, window=SAMPLE_WINDOW)
    except ValueError:
        return ()
    found: list[str] = []
    budget = Budget()  # one for the whole expression: its cost is bounded whatever selectors it holds
    for selector in selectors(tree):
        by_label: dict[str, list[tuple[str, str]]] = {}
        if selector.name:
            by_label["__name__"] = [("=", selector.name)]
        for m in selector.matchers.matchers:
            by_label.setdefault(m.name, []).append((_OPS[str(m.op).rsplit(".", 1)[-1]], m.value))
        for label, own in by_label.items():
            if selects_nothing(own, budget):
                shown = ",".join(Matcher(label, op, value).render() for op, value in own)
                found.append(
                    f"no value of label {label!r} passes {shown}: {str(selector)!r} (as the rules read it, "
                    "$selector filled in) selects no series, so the query reads nothing there (an errors query so "
                    "written counts no failure, an alert on it never fires); fix the matchers"
                )
                break
    return tuple(dict.fromkeys(found))


_BODY = re.compile(r"\{([^{}]*)\}")  # a selector's matchers, in the text with its strings blanked
_MATCHER = re.compile(r"([A-Za-z_][A-Za-z0-9_]*)\s*(=~|!~|!=|=)")


def _may_select_nothing(expr: str) -> bool:
    """False when every selector's matchers are `=` on distinct labels, which some series always passes: most
    queries, left unparsed (parsing each service's took ~0.4 ms a service of a fleet's validate)."""
    for body in _BODY.findall(promql_text.mask(expr)):
        found = _MATCHER.findall(body)
        if any(op != "=" for _, op in found) or len({label for label, _ in found}) < len(found):
            return True
    return False


def raw_sli_problems(data: Mapping[str, Any], selector: tuple[Matcher, ...]) -> Iterator[tuple[Path, str]]:
    """(path, message) for each raw SLI query of the spec whose selectors select nothing once `$selector` is the
    service's matchers (raw queries always take the whole service selector)."""
    for i, slo in enumerate(data.get("slos") or []):
        raw = (slo.get("sli") or {}).get("raw") if isinstance(slo, dict) and isinstance(slo.get("sli"), dict) else None
        if not isinstance(raw, dict):
            continue
        for role in ("errors", "total", "error_ratio"):
            if isinstance(raw.get(role), str):
                for message in empty_selector_problems(expand(raw[role], selector)):
                    yield ("slos", i, "sli", "raw", role), message
