"""The routing table's expected groupings are worked out once per team, severity, service, incident and `data`
(round 41; `data` since round 48, when missing-data tickets took a group of their own).

`ExpectedGroupings.of` reads only those five labels; a 1,000-service fleet's table asked it ~36,000 times for
~6,000 distinct answers in every cold compile. Remembered, a row that differs only in other labels (its alert
name, SLO) gets the same grouping object, and a row that differs in one of the five its own.
"""

from __future__ import annotations

from compiler import api
from compiler import conventions as names
from compiler.targets.alertmanager.groupings import ExpectedGroupings
from compiler.targets.alertmanager.routes import teams_in_use
from compiler.targets.alertmanager.routing_tests import grouped_cases
from tests.conftest import ROOT


def test_rows_differing_only_in_unread_labels_share_one_grouping() -> None:
    fleet, _ = api.load_fleet([str(ROOT / "examples")], api.CompileOptions(jobs=1), {})
    expected = ExpectedGroupings(fleet, frozenset(team for team, _ in teams_in_use(fleet)))
    fresh = ExpectedGroupings(fleet, frozenset(team for team, _ in teams_in_use(fleet)))
    rows, _ = grouped_cases(fleet)
    by_key: dict[tuple[str, ...], object] = {}
    for row in rows:
        labels = row["labels"]
        key = tuple(
            labels.get(n, "")
            for n in (
                names.LABEL_TEAM,
                names.LABEL_SEVERITY,
                names.LABEL_SERVICE,
                names.LABEL_INCIDENT,
                names.LABEL_DATA,
            )
        )
        grouping = expected.of(labels)
        assert grouping == getattr(fresh, "_of", fresh.of)(labels)  # the remembered answer is the one worked out afresh
        assert by_key.setdefault(key, grouping) is grouping, f"{row['service']}/{row['alert']}: worked out again"
    assert len(by_key) < len(rows)
