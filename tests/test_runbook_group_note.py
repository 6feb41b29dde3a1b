"""A grouped SLO's pages tell the on-call where Diagnosis lists the groups, and the queries are there: a burn
page's first query ranks the groups by burn rate, and every page ranks their budget left, lowest first (the
budget pages said "run the first query", which was the unsorted budget left of every group)."""

from __future__ import annotations

import re

from compiler.api import compile_specs
from tests.conftest import ROOT

NOTE = "This SLO is kept **per"


def test_every_page_with_the_group_note_has_the_queries_it_names() -> None:
    bundle = compile_specs([str(ROOT / "tests" / "golden" / "grouped" / "specs")]).bundle
    pages = {a.path: a.content for a in bundle.artifacts if a.path.startswith("runbooks/") and NOTE in a.content}
    assert len(pages) >= 8, sorted(pages)
    for path, text in pages.items():
        queries = re.findall(r"```promql\n(.*?)\n```", text.split("## Diagnosis", 1)[1], re.S)
        assert any(q.startswith("sort(slo:error_budget_remaining:ratio") for q in queries), path
        if "ErrorBudgetBurn" in path:
            assert queries[0].startswith("sort_desc("), path
