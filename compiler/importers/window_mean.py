"""Imported event queries whose long windows obsc reads otherwise than their source (the reader, shared with
obsc's own raw SLIs, is model/window_mean.py). The import keeps the query (the source's own definition) and says
so, located at the query."""

from __future__ import annotations

from compiler.importers.source import Source
from compiler.model.window_mean import not_a_window_mean
from compiler.spec.document import Path


def note_window_means(src: Source, queries: list[tuple[Path, str]], theirs: str) -> None:
    """A note at each query (once per place) whose 1d and 3d values obsc reads otherwise than `theirs` does."""
    noted: set[Path] = set()
    for path, query in queries:
        culprit = not_a_window_mean(query)
        if culprit and path not in noted:
            noted.add(path)
            src.note(path, _note(theirs, culprit))


def _note(theirs: str, culprit: str) -> str:
    return (
        f"{culprit} stands above the window, so obsc's 1d and 3d windows (its tickets) read another number: "
        f"{theirs}, obsc averages the query's 5m values there, the same only for sums of rate, increase, "
        "count_over_time or sum_over_time (count(... > 0) over 3d counts an instance that failed once in three "
        "days, its 5m mean one failing now): imported as written; write the SLI as summed counts to read the "
        "same ratio"
    )
