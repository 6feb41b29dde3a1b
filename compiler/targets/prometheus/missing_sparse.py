"""A missing-data twin that also fires for an exporter in a crash loop.

The twin's `absent` must hold for its whole hold: an exporter that answers one scrape in less than that (a crash
loop every 12 minutes against a 15m hold) restarted it at each answer, so it stayed pending for good, while the
alert it stands for read each answer only a few minutes and could not complete its own hold: neither fired.
The twin now also holds while the signal was missing at least SPARSE_SHARE of the last SPARSE_FACTOR times the
hold (read at the evaluation interval: a subquery at its default step). An exporter answering once in 4 minutes
or less often is missing 3/4 of the time or more, and the twin fires about twice its hold into the loop; a
healthy one failing a scrape, or an outage shorter than the hold and over, is missing for less than the hold
within that window (3/4 of 4/3) and changes nothing.
"""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction

from compiler.model.units import decimal_text, format_duration

SPARSE_SHARE = Decimal("0.75")  # missing at least this share of the window...
SPARSE_FACTOR = (4, 3)  # ...of a window this many times the hold (4/3): missing for the hold's length in all


def sparse_window_seconds(hold_seconds: int) -> int:
    times, over = SPARSE_FACTOR
    return hold_seconds * times // over


def sparse_branch(missing_now: str, hold_seconds: int) -> str:
    """`missing_now` (one line, an instant vector that is empty while the data is there) held at least
    SPARSE_SHARE of the window's evaluations. Counted, then divided: an exact share (avg_over_time sums as it
    goes, and 15 of 20 could read 0.7499999)."""
    window = format_duration(sparse_window_seconds(hold_seconds))
    missing = f"count_over_time(count({missing_now})[{window}:])"
    return f"{missing} / count_over_time(vector(1)[{window}:]) >= {decimal_text(SPARSE_SHARE)}"


def sparse_text(hold_seconds: int) -> str:
    """The sentence a twin's description adds for its sparse branch."""
    window = format_duration(sparse_window_seconds(hold_seconds))
    share = Fraction(SPARSE_SHARE)
    return (
        f" Or it was missing {share.numerator}/{share.denominator} of the last {window} (an exporter in a crash loop, "
        "answering now and then)."
    )


def with_sparse(lines: list[str], hold_seconds: int) -> str:
    """The whole-signal condition (`lines`, joined by `and on ()`), or its sparse branch."""
    now = "\nand on ()\n".join(lines)
    inline = " and on () ".join(lines)
    return f"{now}\nor on ()\n{sparse_branch(inline, hold_seconds)}"
