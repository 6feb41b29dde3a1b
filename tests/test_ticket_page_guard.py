"""What the tickets' page guard reads (page_covered.py, round 47), on the 3d/6h ticket alone, its records fed (1m
steps) as in tests/test_ticket_hold_edge.py, and its SLO's page ALERTS series fed: 6 failures among the 6h
window's 432 requests (99%/30d at 0.02 req/s, over the 1% line), so the ticket alone fires from minute 5. Each
case is a mutant of the guard the generated cases cannot see (their inputs are constant): a pending page, a page
of other series, a page long gone from a short range, a ticket already up. <1 CPU-s each."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import require_tool
from tests.promtool_helpers import pairs_firing
from tests.test_ticket_hold_edge import _six_hour_failures, _ticket_alone

PAGE = (
    'ALERTS{{alertname="SLOErrorBudgetBurnFast",{state}burn_window="fast",'
    'service="svc",severity="critical",slo="avail",team="t"{extra}}}'
)
MINUTES = 70


def _fired(tmp_path: Path, page: str, values: str) -> list[int]:
    series = {**_six_hour_failures([(MINUTES, 6)]), page: values}
    rules = _ticket_alone(tmp_path)
    return pairs_firing(tmp_path, rules, series, "avail", ("slowest",), range(MINUTES))["slowest"]


@pytest.mark.parametrize(
    ("state", "extra", "values", "expected"),
    [
        # a page only pending (it may never fire) covers nothing
        ('alertstate="pending",', "", f"1x{MINUTES - 1}", range(5, MINUTES)),
        # a page firing covers the ticket
        ('alertstate="firing",', "", f"1x{MINUTES - 1}", range(0)),
        # a page of other series (a label the ticket's series do not carry: another group, another lane) does not
        ('alertstate="firing",', ',cluster="b"', f"1x{MINUTES - 1}", range(5, MINUTES)),
        # a page that fired in minutes 0-9 still covers it an hour later: its 6h short window holds that burn
        ('alertstate="firing",', "", f"1x9 _x{MINUTES - 10}", range(0)),
        # a ticket already up when its page fires (minute 20) stays up
        ('alertstate="firing",', "", f"_x19 1x{MINUTES - 20}", range(5, MINUTES)),
    ],
    ids=["pending-page", "firing-page", "other-series", "page-gone", "ticket-first"],
)
def test_the_page_guard(tmp_path: Path, state: str, extra: str, values: str, expected: range) -> None:
    require_tool("promtool")
    assert _fired(tmp_path, PAGE.format(state=state, extra=extra), values) == list(expected)
