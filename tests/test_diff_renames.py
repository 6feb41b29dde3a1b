"""`obsc diff` on a renamed service or team (round 44, a fleet's day two): one row when the rules are equal up to
the name; since round 45 also when they differ in more but the service reads the same series (changes.identity).
Goldens of whole cases: tests/diff/service-renamed*, service-replaced, team-renamed, service-moved-team,
receiver-renamed (tests/test_diff.py)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from compiler import changes
from compiler.api import CompileOptions, compile_specs
from compiler.changes.receiver_renames import Alertmanager
from compiler.changes.receiver_renames import renamed as _receivers_renamed
from compiler.changes.summary import Change
from compiler.output import writer
from tests.test_diff import (
    _PAGER,
    BASE,
    CASES,
    NAMED,
    _add_service,
    _edit,
    _edits,
    _from_base,
    _platform,
    _replace,
    _summary,
)

PATH = "prometheus/rules/{}.yaml"


def _rules(service: str, hold: str = "5m", team: str = "core") -> str:
    return (
        "groups:\n- name: g\n  rules:\n"
        f'  - record: up:sum\n    expr: sum(up{{service="{service}"}})\n    labels: {{service: {service}}}\n'
        f'  - alert: Down\n    expr: up:sum{{service="{service}"}} == 0\n    for: {hold}\n'
        f"    labels: {{service: {service}, team: {team}, severity: critical}}\n"
        f"    annotations: {{runbook_url: runbooks/{service}/Down.md}}\n"
    )


def _rows(*files: tuple[str, str | None, str | None]) -> list[tuple[str, str, str]]:
    return [(c.kind, c.action, c.name) for c in changes.summarise(files).changes]


def test_a_service_renamed_is_one_row_only_when_its_rules_are_equal_up_to_the_name() -> None:
    """Found by the round 44 lifecycle hunt: a renamed service read as 37 rows, some rules changed and the rest
    removed and added. Rules equal but for the name are one row; a hold changed with the name stays removed and
    added here (these rules read no series of their own: nothing identifies the service but its rules), and two
    services renamed alike cannot be told apart, so they stay too."""
    gone, came = (PATH.format("a"), _rules("a"), None), (PATH.format("c"), None, _rules("c"))
    assert _rows(gone, came) == [("rename", "renamed", "service a → c")]
    row = changes.summarise([gone, came]).changes[0]
    assert (
        "runbooks move: runbooks/a/ → runbooks/c/ (links to the old pages break; a page edited by hand stays: see"
        in (" ".join(row.details))
    )
    assert 'silences matching {service="a"} stop matching: re-create them for {service="c"}' in row.details
    near = (PATH.format("c"), None, _rules("c", hold="10m"))
    assert ("rename", "renamed", "service a → c") not in _rows(gone, near)
    assert {action for kind, action, _ in _rows(gone, near) if kind == "alert"} == {"removed", "added"}
    twins = [(PATH.format(s), _rules(s), None) for s in "ab"] + [(PATH.format(s), None, _rules(s)) for s in "cd"]
    assert not [row for row in _rows(*twins) if row[0] == "rename"]
    # one service gone and two alike come (a copy beside the rename): which is the rename cannot be told either
    split = [(PATH.format("a"), _rules("a"), None)] + [(PATH.format(s), None, _rules(s)) for s in "cd"]
    assert not [row for row in _rows(*split) if row[0] == "rename"]


def test_only_an_exact_matcher_of_the_name_is_set_aside() -> None:
    """A selector that reads other series under the new name (`=~` over a pattern, another label) is a change."""
    old = _rules("a")
    for edited in ('up:sum{service=~"c|x"}', 'up:sum{job="c"}'):
        new = _rules("c").replace('up:sum{service="c"}', edited)
        rows = _rows((PATH.format("a"), old, None), (PATH.format("c"), None, new))
        assert not [row for row in rows if row[0] == "rename"], edited
    # another label whose name ends in the renamed one's reads other series under the new value: no rename
    # (hand mutants of round 44 passed every test: the pairs one to one, and the matcher's whole label name)
    read = 'up:sum{{exported_service="{}"}}'
    old, new = (_rules(s).replace(f'up:sum{{service="{s}"}}', read.format(s)) for s in "ac")
    rows = _rows((PATH.format("a"), old, None), (PATH.format("c"), None, new))
    assert not [row for row in rows if row[0] == "rename"]


def test_a_rename_with_a_threshold_changed_is_one_row_that_names_the_threshold(tmp_path: Path) -> None:
    """The whole-spec case round 44 left as 46 rows removed and added (its rule: never pair what differs beyond the
    name). The service reads the same series under its new name: one row, whose line names the threshold."""
    summary = _summary(tmp_path, CASES["service-renamed-and-threshold"])
    data = json.loads(summary.to_json())
    (row,) = [c for c in data["changes"] if c["kind"] == "rename"]
    assert not [c for c in data["changes"] if c["kind"] in ("alert", "record", "route")]
    assert "alerts of SLO availability: ServiceHighErrorRate [warning]: thresholds: 0.01 → 0.03" in row["details"]


def test_a_link_moved_beyond_the_name_is_said_on_the_rename_row() -> None:
    """What the rules do not decide is compared once the names are mapped: a runbook link pointed elsewhere in the
    same change as the rename is on the row, not hidden in it (a route's or receiver's settings likewise: goldens)."""
    moved = _rules("c").replace("runbook_url: runbooks/c/Down.md", "runbook_url: https://evil.example/c/Down.md")
    (row,) = changes.summarise([(PATH.format("a"), _rules("a"), None), (PATH.format("c"), None, moved)]).changes
    assert "Down: annotations.runbook_url: runbooks/a/Down.md → https://evil.example/c/Down.md" in row.details
    # the name is compared as a whole path segment: `md` renamed to `x` leaves `Down.md` as it is (matched inside
    # other words, a hand mutant of round 44, the unmoved link was said moved)
    (row,) = changes.summarise([(PATH.format("md"), _rules("md"), None), (PATH.format("x"), None, _rules("x"))]).changes
    assert not [line for line in row.details if "annotations.runbook_url" in line], row.details


# ---- round 45: a rename with a rule change, or with a team move, paired by identity -------------------------


def _sli_rules(service: str, job: str, objective: str = "0.999", team: str = "core", slo: str = "availability") -> str:
    """A service's SLI as obsc writes it: a raw selector over its own job, its objective, one page."""
    return (
        "groups:\n- name: g\n  rules:\n"
        f'  - record: slo:sli_errors:rate5m\n    expr: sum(rate(http_requests_total{{job="{job}",code=~"5.."}}[5m]))\n'
        f"    labels: {{service: {service}, slo: {slo}}}\n"
        f"  - record: slo:objective:ratio\n    expr: {objective}\n    labels: {{service: {service}, slo: {slo}}}\n"
        f'  - alert: Burn\n    expr: slo:sli_errors:rate5m{{service="{service}"}} > (1 - slo:objective:ratio)\n'
        f"    for: 2m\n    labels: {{service: {service}, slo: {slo}, team: {team}, severity: critical}}\n"
    )


def test_a_rename_with_its_objective_raised_is_one_row_that_names_the_objective() -> None:
    """Round 45 (issue 15 item 3): "rename tokens to auth-tokens and raise its objective" read as every rule removed
    and added. The two read the same series (the job kept), so they are one service: one row, the objective first."""
    gone = (PATH.format("tokens"), _sli_rules("tokens", "tokens"), None)
    came = (PATH.format("auth-tokens"), None, _sli_rules("auth-tokens", "tokens", objective="0.9995"))
    (row,) = changes.summarise([gone, came]).changes
    assert (row.kind, row.name) == ("rename", "service tokens → auth-tokens")
    assert row.details[1] == "SLO availability: objective 99.9% → 99.95%", row.details


def test_a_rename_with_a_team_move_is_one_row() -> None:
    """Round 45: a service renamed and moved to another team at once differs in two labels; it is one row."""
    gone = (PATH.format("tokens"), _sli_rules("tokens", "tokens"), None)
    came = (PATH.format("auth-tokens"), None, _sli_rules("auth-tokens", "tokens", team="identity"))
    (row,) = changes.summarise([gone, came]).changes
    assert row.name == "service tokens → auth-tokens, team core → identity"


def test_services_that_merely_look_alike_stay_apart() -> None:
    """Near misses of the identity pairing: another job (other series), a bare selector any service reads, two
    candidates alike (a split: neither is the old one), and an SLO set less than half kept."""

    def renamed(*files: tuple[str, str | None, str | None]) -> list[str]:
        return [c.name for c in changes.summarise(files).changes if c.kind == "rename"]

    gone = (PATH.format("tokens"), _sli_rules("tokens", "tokens"), None)
    assert not renamed(gone, (PATH.format("search"), None, _sli_rules("search", "search", objective="0.99")))
    bare = _sli_rules("tokens", "x").replace('{job="x",code=~"5.."}', "")
    assert not renamed(
        (PATH.format("tokens"), bare, None),
        (PATH.format("search"), None, bare.replace("tokens", "search").replace("0.999", "0.99")),
    )
    split = [(PATH.format(s), None, _sli_rules(s, "tokens", objective="0.99")) for s in ("tokens-a", "tokens-b")]
    assert not renamed(gone, *split)
    three = "".join(_sli_rules("tokens", "tokens", slo=s).split("rules:\n")[1] for s in ("a", "b", "c"))
    other = "".join(_sli_rules("auth", "tokens", slo=s).split("rules:\n")[1] for s in ("a", "x", "y"))
    head = "groups:\n- name: g\n  rules:\n"
    assert not renamed((PATH.format("tokens"), head + three, None), (PATH.format("auth"), None, head + other))


def test_a_team_renamed_under_the_operator_layout_names_its_alertmanagerconfig(tmp_path: Path) -> None:
    """Round 45: under the prometheus-operator layout a team's routes are its own AlertmanagerConfig object
    (`alertmanager/operator/<team>.yaml`); a team rename left that file removed and another added beside the
    rename's row, with no word that they are the team's routing object moving. Now one line of the row."""
    specs, out = tmp_path / "specs", tmp_path / "out"
    shutil.copytree(BASE, specs)
    _edits(_platform(NAMED), _PAGER)(specs)
    options = CompileOptions(format="prometheus-operator")
    writer.write(writer.plan(compile_specs([str(specs)], options).bundle, str(out)))
    _edits(_replace("platform.yaml", ("  core:", "  infra:")), _edit("team: core", "team: infra"))(specs)
    plan = writer.plan(compile_specs([str(specs)], options).bundle, str(out))
    summary = changes.summarise((c.path, c.old, c.new) for c in plan.drift)
    (row,) = [c for c in summary.changes if c.kind == "rename"]
    assert row.name == "team core → infra"
    assert any(
        d.startswith("AlertmanagerConfig moves: alertmanager/operator/core.yaml → alertmanager/operator/infra.yaml")
        for d in row.details
    )
    assert not [c for c in summary.changes if c.name.startswith("alertmanager/operator/")]


def test_a_team_is_renamed_by_identity_only_with_the_same_services(tmp_path: Path) -> None:
    """Round 45: a team renamed while one of its services' objective changed is one row (golden
    team-renamed-and-objective); the near miss, a team's services going to two teams at once, is no rename."""
    split = _from_base(
        _edits(_platform(NAMED), _PAGER, _add_service),
        _edits(
            _replace("platform.yaml", ("  core:", "  infra:\n    routing: {critical: pager}\n  storefront:")),
            _edit("team: core", "team: infra"),
            _edit("objective: 99.5", "objective: 99.9"),
            _replace("search.yaml", ("team: core", "team: storefront")),
        ),
    )
    summary = _summary(tmp_path, split)
    assert not [c for c in summary.changes if c.kind == "rename" and c.name.startswith("team core")], [
        c.name for c in summary.changes if c.kind == "rename"
    ]


def test_a_team_renamed_with_one_of_its_services_is_two_rows(tmp_path: Path) -> None:
    """Round 45's day-two PRs: a team renamed and one of its services renamed at once read as 22 rows (the other
    service "moved" to the new team, 16 routes removed and added, receivers renamed apart). The team keeps its
    services once the renamed one is read under its new name: one row for the team, one for the service."""
    change = _from_base(
        _edits(_platform(NAMED), _PAGER, _add_service),
        _edits(
            _replace("platform.yaml", ("  core:", "  infra:")),
            _edit("team: core", "team: infra"),
            _edit("service: api", "service: shop-api"),
            _replace("search.yaml", ("team: core", "team: infra")),
        ),
    )
    summary = _summary(tmp_path, change)
    assert sorted(c.name for c in summary.changes if c.kind == "rename") == [
        "service api → shop-api, team core → infra",
        "team core → infra",
    ]
    assert not [c for c in summary.changes if c.kind in ("alert", "record", "route", "receiver")]
    (team,) = [c for c in summary.changes if c.name == "team core → infra"]
    assert any(d.endswith("teams/core/search.json → grafana/dashboards/teams/infra/search.json") for d in team.details)


def test_a_receiver_gone_and_two_alike_come_is_no_rename() -> None:
    """Receivers renamed are paired one to one by their settings: one gone and two with its settings come cannot be
    told apart, so all three rows stay (paired with the first, a hand mutant of round 44, passed every test)."""
    hook = {"webhook_configs": "http://hooks.example/a"}
    rows = [
        Change("receiver", "removed", "old"),
        Change("receiver", "added", "new-1"),
        Change("receiver", "added", "new-2"),
    ]
    configs = (Alertmanager({}, {"old": hook}), Alertmanager({}, {"new-1": hook, "new-2": hook}))
    assert _receivers_renamed(rows, configs) == rows
    one = rows[:2]
    assert [(r.kind, r.action) for r in _receivers_renamed(one, (configs[0], Alertmanager({}, {"new-1": hook})))] == [
        ("receiver", "renamed")
    ]


def test_recorded_series_and_mixed_teams_identify_no_rename() -> None:
    """Two hand mutants of round 45 passed every test: a recorded series (`slo:...{slo="availability"}`, which every
    service with such an SLO reads) counted as identity, pairing two services over other jobs; and a service whose
    alerts carried two teams read as moved from one of them."""

    def with_slo(service: str, job: str, **kw: str) -> str:
        rules = _sli_rules(service, job, **kw)
        return rules.replace(f'rate5m{{service="{service}"}}', f'rate5m{{service="{service}",slo="availability"}}')

    gone = (PATH.format("tokens"), with_slo("tokens", "tokens"), None)
    came = (PATH.format("search"), None, with_slo("search", "search", objective="0.99"))
    assert not [c.name for c in changes.summarise([gone, came]).changes if c.kind == "rename"]
    two_teams = _sli_rules("tokens", "tokens") + _sli_rules("tokens", "tokens", team="db", slo="x").split("rules:\n")[1]
    moved = _sli_rules("auth-tokens", "tokens", team="identity")
    moved += _sli_rules("auth-tokens", "tokens", team="identity", slo="x").split("rules:\n")[1]
    (row,) = changes.summarise(
        [(PATH.format("tokens"), two_teams, None), (PATH.format("auth-tokens"), None, moved)]
    ).changes
    assert row.name == "service tokens → auth-tokens", row.name


def test_a_rename_over_a_rule_written_twice_is_one_row_not_an_internal_error() -> None:
    """A hand-merged rules file holds one recording rule twice (the same name and labels): the rename pairing
    moved the record once per copy and the second found it gone (KeyError, exit 70; review of round 45)."""
    body = _sli_rules("tokens", "tokens").split("rules:\n")[1]
    twice = "groups:\n- name: g\n  rules:\n" + body + body.split("  - alert:")[0]
    came = (PATH.format("auth-tokens"), None, _sli_rules("auth-tokens", "tokens", objective="0.9995"))
    (row,) = changes.summarise([(PATH.format("tokens"), twice, None), came]).changes
    assert row.name == "service tokens → auth-tokens", row.name
