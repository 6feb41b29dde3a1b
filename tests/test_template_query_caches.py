"""A fleet made from one template reads each template query once, not once per service (issue 15, round 41).

`kept_labels` and `written_labels` read a query with `$selector` and `$window` stood in for, so a platform
metric or a template's raw SLI is the same text in every service: parsed for each of 1,000 services it was
8,360 parses of a dozen distinct texts in a cold compile. Cached, the count no longer grows with the fleet.
"""

from __future__ import annotations

from pathlib import Path
from unittest import mock

from compiler import api
from compiler.model import promql_groups
from tests.bench.fleet import write_fleet


def _parses(tmp_path: Path, services: int) -> int:
    root = write_fleet(tmp_path / f"f{services}", services, rich=True)
    for cached in (promql_groups.kept_labels, promql_groups.written_labels):
        getattr(cached, "cache_clear", lambda: None)()  # another test's fleet must not answer for this one
    with mock.patch.object(promql_groups, "_parsed", wraps=promql_groups._parsed) as parsed:
        api.load_fleet([str(root)], api.CompileOptions(jobs=1), {})
    return parsed.call_count


def test_template_queries_are_parsed_once_whatever_the_fleet_size(tmp_path: Path) -> None:
    few, more = _parses(tmp_path, 3), _parses(tmp_path, 9)
    assert few > 0
    assert more == few, f"{few} parses for 3 services, {more} for 9: a template query is read again per service"


def test_cached_answers_are_the_uncached_ones() -> None:
    for query in (
        "sum by (route) (rate(http_requests_total{$selector}[$window]))",
        'label_replace(sum(rate(x{$selector}[$window])), "dst", "$1", "src", "(.*)")',
        "rate(x{$selector}[$window])",
        "sum(rate(x[$window]",  # does not parse: keeps none
    ):
        for read in (promql_groups.kept_labels, promql_groups.written_labels):
            assert read(query) == read(query) == getattr(read, "__wrapped__", read)(query)
