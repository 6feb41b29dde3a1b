"""state_packing under a restart floor (counted_short.restart_floor, round 51): a page pair up waives the floor
(counted_short.paged_now), so the rows that tell the floor and the start's line must not get a page pair up from
the row packed beside them."""

from __future__ import annotations

from decimal import Decimal

from compiler.targets.prometheus.promtool.slo_state import _State
from compiler.targets.prometheus.promtool.state_packing import pack

HOUR = 3600
FLOORED = {"fast": 300, "medium": 1800}  # the page pairs' names and short windows


def _pair(long: int, short: int, ratio: str, held: frozenset[str] = frozenset(), paged: bool = False) -> _State:
    return _State(ratios={long: Decimal(ratio), short: Decimal(ratio)}, held=held, paged=paged)


def test_a_row_after_a_page_is_not_packed_beside_a_page_pair_up() -> None:
    """intranet's 1h/5m start after a page on 4.25 failures (floor 3) sat beside the 6h/30m pair held: its fed ALERTS
    waived the floor, and the floor raised by half to 4.5 passed every generated test."""
    after_page = _pair(HOUR, 300, "0.9", paged=True)
    medium_up = _pair(6 * HOUR, 1800, "0.9", held=frozenset({"medium"}))
    ticket_up = _pair(6 * HOUR, 1800, "0.9", held=frozenset({"slow"}))  # a ticket waives nothing
    assert pack([after_page, medium_up]) == [[0, 1]]  # no floor: one group
    assert pack([after_page, medium_up], floored=FLOORED) == [[0], [1]]
    assert pack([medium_up, after_page], floored=FLOORED) == [[0], [1]]
    assert pack([after_page, ticket_up], floored=FLOORED) == [[0, 1]]


def test_a_hand_over_row_is_not_packed_beside_the_pair_it_holds() -> None:
    """The 6h/30m hand-over row holds the 1h/5m pair (its page up): beside intranet's 1h/5m at 0.8x the line (0.064
    failures among events for 0.08 at it) that pair was held through its thin-short branch and fired, and its
    `S > L` lowered by 40% passed every generated test."""
    hand_over = _pair(6 * HOUR, 1800, "0.9", held=frozenset({"fast"}), paged=True)
    under = _pair(HOUR, 300, "0.6")
    assert pack([under, hand_over]) == [[0, 1]]
    assert pack([under, hand_over], floored=FLOORED) == [[0], [1]]
    assert pack([hand_over, under], floored=FLOORED) == [[0], [1]]
    # a row holding its own pair beside another pair's rows stays as before
    assert pack([under, _pair(6 * HOUR, 1800, "0.9", held=frozenset({"medium"}))], floored=FLOORED) == [[0, 1]]
