"""Which SLO cases may not share a test group's state with a state firing another page pair (round 54).

Two kinds of case read another page pair's ALERTS through the restart floor's page-up waiver (slo_plan marks
them): a floored page pair held by its `for` (`shy`: index -> its pair's name, the step it fires at), which a page
fired at an earlier step beside it would stop once that page's instant ALERTS is past the lookback (drawn settings
seed 1098); and a stray row after a page that the floor stops (`up_shy`: index -> its pair's name, its last
check), which another page up by then would waive the floor for and start (seed 1136). `page_clash` builds
state_packing.pack's `clash` test for one plan.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Sequence
from typing import Protocol

from compiler.targets.prometheus.promtool.cases import steps_after
from compiler.targets.prometheus.promtool.slo_lines import AlertKind, Lines, alert_value
from compiler.targets.prometheus.promtool.slo_state import _State

Marks = dict[int, tuple[str, int]]


class PageRule(AlertKind, Protocol):
    @property
    def for_seconds(self) -> int: ...


def page_clash(
    rules: Sequence[PageRule],
    paging: Collection[str],
    step: int,
    lines: Lines,
    marks: tuple[Marks, Marks],
    calm: Callable[[list[int]], _State],
) -> Callable[[list[int]], bool]:
    """Whether packing `members` together lets a page pair (of `paging`) fire beside a marked case of another pair:
    before a `shy` case's pair fires, or by an `up_shy` case's last check (`marks`: shy, up_shy). `calm(members)`:
    their joined state as the plan feeds it."""
    shy, up_shy = marks
    pages = [
        (r.window.name, steps_after(r.for_seconds, step), r) for r in rules if r.window and r.window.name in paging
    ]

    def early_pages(state: _State) -> list[tuple[str, int]]:
        return [(name, at) for name, at, rule in pages if alert_value(rule, lines, state) is not None]

    def clash(members: list[int]) -> bool:
        shies, ups = [shy[m] for m in members if m in shy], [up_shy[m] for m in members if m in up_shy]
        if not shies and not ups:
            return False
        fired = early_pages(calm(members))
        early = any(name != own and at < due for own, due in shies for name, at in fired)
        return early or any(name != own and at <= last for own, last in ups for name, at in fired)

    return clash
