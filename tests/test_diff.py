"""`obsc diff`: what a spec change does to operations, as a reviewer reads it. Goldens in tests/diff/
(`OBSC_UPDATE_GOLDENS=1` refreshes them; review their git diff)."""

from __future__ import annotations

import json
import os
import re
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from compiler import changes
from compiler.api import CompileOptions, compile_specs
from compiler.output import writer
from tests.cli_helpers import run_obsc
from tests.conftest import ROOT

GOLDENS = ROOT / "tests" / "diff"
BASE = ROOT / "tests" / "golden" / "minimal" / "specs"


def _edit(old: str, new: str) -> Callable[[Path], None]:
    def apply(specs: Path) -> None:
        spec = specs / "api.yaml"
        assert old in spec.read_text()
        spec.write_text(spec.read_text().replace(old, new))

    return apply


def _edits(*edits: Callable[[Path], None]) -> Callable[[Path], None]:
    def apply(specs: Path) -> None:
        for edit in edits:
            edit(specs)

    return apply


def _add_service(specs: Path) -> None:
    text = (specs / "api.yaml").read_text().replace("service: api", "service: search")
    text = text.replace("job: api", "job: search")
    (specs / "search.yaml").write_text(text)


PLATFORM = """apiVersion: obsc/v1
kind: Platform
teams:
  core:
    routing:
      critical: {webhook: {url: "http://relay.example/page"}}
alertmanager:
  global: {resolve_timeout: 5m}
"""


def _with_platform(edit: Callable[[str], str]) -> Callable[[Path], None]:
    """A case whose both sides have a platform file: the change is `edit` applied to it."""

    def apply(specs: Path) -> None:
        platform = specs / "platform.yaml"
        platform.write_text(edit(platform.read_text()))

    apply.platform = True  # type: ignore[attr-defined]
    return apply


def _from_base(before: Callable[[Path], None], change: Callable[[Path], None]) -> Callable[[Path], None]:
    """A case whose both sides first take `before` (a second service, a platform file): the change is `change`."""

    def apply(specs: Path) -> None:
        change(specs)

    apply.before = before  # type: ignore[attr-defined]
    return apply


def _platform(text: str) -> Callable[[Path], None]:
    def write(specs: Path) -> None:
        (specs / "platform.yaml").write_text(text)

    return write


def _replace(name: str, *pairs: tuple[str, str]) -> Callable[[Path], None]:
    def apply(specs: Path) -> None:
        path = specs / name
        text = path.read_text()
        for old, new in pairs:
            assert old in text, (name, old)
            text = text.replace(old, new)
        path.write_text(text)

    return apply


# A platform whose team `core` pages through a receiver named under `receivers:`, and a spec that names it
NAMED = """apiVersion: obsc/v1
kind: Platform
receivers:
  pager: {webhook: {url: "http://relay.example/page"}}
teams:
  core:
    routing:
      critical: pager
"""
_PAGER = _replace(
    "api.yaml", ('  critical: {webhook: {url: "http://alert-relay.core.svc:8080/page"}}\n', "  critical: pager\n")
)


def _hand_edited_alertmanager(out: Path) -> None:
    """The committed alertmanager.yml as an older tree could hold it: one inhibition rule fewer, the service's
    severity routes in another order, another template list. Compiling now restores all three."""
    path = out / "alertmanager" / "alertmanager.yml"
    config = yaml.safe_load(path.read_text())
    config["inhibit_rules"].pop()
    config["templates"] = ["templates/old.tmpl"]
    service = config["route"]["routes"][0]["routes"][0]["routes"]  # critical, warning, info
    service[0], service[1] = service[1], service[0]
    path.write_text(yaml.safe_dump(config, sort_keys=False))


CASES: dict[str, Callable[[Path], None]] = {
    "objective": _edit("objective: 99.5", "objective: 99.9"),
    "slo-added": _edit(
        "slos:\n",
        "  latency: http_request_duration_seconds\nslos:\n"
        "  - {name: latency, objective: 99, sli: {latency: latency, threshold: 500ms}}\n",
    ),
    "route": _edit("8080/ticket", "8080/tickets-v2"),
    # a label on every page: each alert's labels changed, not one alert removed and another added
    "tier-labels": _edit("routing:\n", "tier_labels: {critical: {pager: primary}}\nrouting:\n"),
    "service-added": _add_service,
    # a team move with a threshold change in one pull request: the error rate's line is shown (it read as one
    # alert removed and another added, neither showing the line); the team's only service moving to a team new in
    # this change, routing that names core no more, is read as the team renamed (round 45), the line on its row
    "team-move-threshold": _edit("team: core\n", "team: storefront\nalerts:\n  error_rate: {warning: 3%}\n"),
    # ... and with what counts as an error: the relabelled alerts also say they read changed recording rules
    "team-move-sli": _edits(_edit("team: core", "team: storefront"), _edit('{code=~"5.."}', '{code=~"5..|429"}')),
    # what an SLO counts as an error lives in recording rules only: their rows, and the alerts that read them
    "sli-selector": _edit('errors: http_requests_total{code=~"5.."}', 'errors: http_requests_total{code=~"5..|429"}'),
    # a second SLO over the same failures: the paging SLO's alerts take `incident`, so an open page ends at the
    # rule reload and pages again in another group (tests/e2e/test_change_day.py); the report says so on top
    "slo-beside": _edit(
        "slos:\n",
        "slos:\n  - {name: availability-strict, objective: 99.9, sli: {errors: errors, total: requests}}\n",
    ),
    # a service renamed: none of its alerts pairs with the old ones (another service's never do), and each new
    # rule of the same name and tier pages again for the trouble the old one had paged
    "service-renamed": _edit("service: api", "service: shop-api"),
    # ... and one threshold changed with it: paired by what identifies the service (the series it reads, its SLOs'
    # names), one row that names the threshold (round 44 kept 46 rows removed and added)
    "service-renamed-and-threshold": _edit(
        "service: api\n", "service: shop-api\nalerts:\n  error_rate: {warning: 3%}\n"
    ),
    # ... and its objective raised with it: one row, "SLO availability: objective 99.5% → 99.9%"
    "service-renamed-and-objective": _edits(
        _edit("service: api", "service: shop-api"), _edit("objective: 99.5", "objective: 99.9")
    ),
    # ... and moved to another team at once: one row, which says who is paged now
    "service-renamed-and-team": _from_base(
        _add_service, _edits(_edit("service: api", "service: shop-api"), _edit("team: core", "team: storefront"))
    ),
    # a near miss: a service removed and another added from the same template over other series (its own job)
    # and another objective: two services, never one renamed
    "service-replaced": _edits(
        _edit("service: api", "service: search"), _edit("job: api", "job: search"), _edit("99.5", "99.9")
    ),
    # ... and its page receiver's URL changed with it: one row, which says so
    "service-renamed-and-receiver": _edits(
        _edit("service: api", "service: shop-api"), _edit("8080/page", "8080/page-v2")
    ),
    # a team renamed in platform.yaml (and in its spec): one row, its routes and receivers as they were
    "team-renamed": _from_base(
        _edits(_platform(NAMED), _PAGER),
        _edits(_replace("platform.yaml", ("  core:", "  infra:")), _edit("team: core", "team: infra")),
    ),
    # ... and an objective raised in the same change: one row (the same services; routing names core no more),
    # which says the objective (round 44: 20 alert rows relabelled, 16 routes removed and added)
    "team-renamed-and-objective": _from_base(
        _edits(_platform(NAMED), _PAGER),
        _edits(
            _replace("platform.yaml", ("  core:", "  infra:")),
            _edit("team: core", "team: infra"),
            _edit("objective: 99.5", "objective: 99.9"),
        ),
    ),
    # a spec moved to another team, its team keeping another service: one row
    "service-moved-team": _from_base(_add_service, _edit("team: core", "team: storefront")),
    # a receiver renamed under `receivers:` and where it is named: one row, the route's receiver changed
    "receiver-renamed": _from_base(
        _edits(_platform(NAMED), _PAGER),
        _edits(
            _replace("platform.yaml", ("pager:", "oncall:"), ("critical: pager", "critical: oncall")),
            _edit("critical: pager", "critical: oncall"),
        ),
    ),
    # the page tier switched off: an open page ends at the reload, with nothing to page again
    "page-tier-off": _edit("sli: {errors", "alerts: {critical: false}, sli: {errors"),
    # route settings beyond the receiver, and the time interval they name
    "business-hours": _with_platform(
        lambda text: text.replace(
            "  core:\n",
            "  core:\n    business_hours: {location: Asia/Tokyo, weekdays: [saturday],"
            ' times: [{start: "03:00", end: "03:15"}]}\n',
        )
    ),
    "alertmanager-global": _with_platform(lambda text: text.replace("resolve_timeout: 5m", "resolve_timeout: 7m")),
    # spec text that would break out of a code span: an image, a team mention
    "markdown-injection": _edit(
        "slos:\n",
        "  cpu: {selector: process_cpu_ratio, type: gauge}\nthreshold_alerts:\n"
        "  - {name: CpuHigh, metric: cpu, above: 0.9, tier: warning,\n"
        '     labels: {note: "x` ![p](https://evil.example/p.png) @acme/security `y"}}\nslos:\n',
    ),
}
OUTPUT_EDITS: dict[str, Callable[[Path], None]] = {"alertmanager-hand-edited": _hand_edited_alertmanager}


def _summary(
    tmp_path: Path, change: Callable[[Path], None], edit_output: Callable[[Path], None] | None = None
) -> changes.Summary:
    specs, out = tmp_path / "specs", tmp_path / "out"
    shutil.copytree(BASE, specs)
    if getattr(change, "platform", False):
        (specs / "platform.yaml").write_text(PLATFORM)
    if getattr(change, "before", None):
        change.before(specs)  # type: ignore[attr-defined]
    writer.write(writer.plan(compile_specs([str(specs)], CompileOptions()).bundle, str(out)))
    change(specs)
    if edit_output:
        edit_output(out)
    plan = writer.plan(compile_specs([str(specs)], CompileOptions()).bundle, str(out))
    return changes.summarise((c.path, c.old, c.new) for c in plan.drift)


def _matches_golden(name: str, text: str) -> None:
    golden = GOLDENS / name
    if os.environ.get("OBSC_UPDATE_GOLDENS"):
        golden.write_text(text)
    assert text == golden.read_text(), f"tests/diff/{name} differs; refresh with `make goldens` and review"


@pytest.mark.parametrize("case", sorted(CASES) + sorted(OUTPUT_EDITS))
def test_summary_matches_its_golden(tmp_path: Path, case: str) -> None:
    if case in CASES:
        summary = _summary(tmp_path, CASES[case])
    else:
        summary = _summary(tmp_path, lambda specs: None, OUTPUT_EDITS[case])
    _matches_golden(f"{case}.md", summary.to_markdown())
    _matches_golden(f"{case}.json", summary.to_json())


def test_the_json_shape_is_the_documented_one(tmp_path: Path) -> None:
    """docs/ci.md documents `--as json` (it did not before round 28): its kinds and actions are the code's, in
    the Markdown's order, and a report holds the documented keys only."""
    doc = (ROOT / "docs" / "ci.md").read_text()
    table = doc.split("### `obsc diff --as json`", 1)[1].split("\n## ", 1)[0]

    def documented(key: str) -> list[str]:
        row = next(line for line in table.splitlines() if line.startswith(f"| `{key}` |"))
        return list(dict.fromkeys(re.findall(r"`([a-z_]+)`", row.split("|")[2])))

    assert documented("kind") == list(changes.summary.HEADINGS)
    assert documented("action") == list(changes.summary.SIGNS)
    keys = re.findall(r"^\| `([a-z_]+)` \|", table, re.MULTILINE)
    data = json.loads(_summary(tmp_path, CASES["route"]).to_json())
    assert set(data) | {"compare_all"} <= set(keys) and data["changes"]
    assert all(set(row) == {"kind", "action", "name", "details"} <= set(keys) for row in data["changes"])


def test_settings_are_spelled_as_in_the_file() -> None:
    """Found by round 28's hunt: a receiver's `send_resolved: false` read `True → False`, Python's spelling."""
    assert changes.compare.flatten({"a": True, "b": [False, None], "c": {"d": None}}) == {
        "a": "true",
        "b": "[false, null]",
        "c.d": "null",
    }


def test_no_change_says_so(tmp_path: Path) -> None:
    summary = _summary(tmp_path, lambda specs: None)
    assert summary.changes == [] and summary.to_markdown() == "**obsc**: no operational change.\n"


def test_threshold_changes_name_the_numbers(tmp_path: Path) -> None:
    summary = _summary(tmp_path, CASES["objective"])
    # (the SLO's burn alerts: at 99.5% the error-rate page stays, its 1h pair too slow at 10%; at 99.9% the SLO
    # takes it, a change of its own)
    alerts = [c for c in summary.changes if c.kind == "alert" and c.name.startswith("SLOErrorBudgetBurn")]
    assert alerts and all(c.action == "changed" for c in alerts)
    assert all(any(d.startswith("thresholds: 0.005 → 0.001") for d in c.details) for c in alerts), alerts


def test_cli_prints_json(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    specs, out = tmp_path / "specs", tmp_path / "out"
    shutil.copytree(BASE, specs)
    assert run_obsc(capsys, "compile", str(specs), "--out", str(out), "--no-validate").code == 0
    _add_service(specs)
    result = run_obsc(capsys, "diff", str(specs), "--out", str(out), "--as", "json")
    assert result.code == 0, result.err
    data = json.loads(result.out)
    added = {(c["kind"], c["name"]) for c in data["changes"] if c["action"] == "added"}
    assert ("dashboard", "grafana/dashboards/teams/core/search.json") in added
    assert any(kind == "alert" and 'service="search"' in name for kind, name in added)


def test_an_output_that_does_not_exist_is_said_on_stderr(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Found by the round 43 newcomer hunt: `obsc diff specs --out generated` before the first compile listed every
    alert as added with no word that there was nothing to compare with; the comment itself is unchanged."""
    result = run_obsc(capsys, "diff", str(BASE), "--out", str(tmp_path / "generated"))
    assert result.code == 0, result.err
    assert result.out.startswith("**obsc**: ") and "does not exist" not in result.out
    assert f"obsc diff: {tmp_path / 'generated'} does not exist (a relative --out is read" in result.err
    assert not (tmp_path / "generated").exists()


def test_a_removed_page_tier_is_shown(tmp_path: Path) -> None:
    """Found by a hunt: the critical and warning rules of a key alert shared one key, so turning the page off
    (`critical: false`) showed no alert change at all."""
    specs, out = tmp_path / "specs", tmp_path / "out"
    shutil.copytree(BASE, specs)
    spec = specs / "api.yaml"
    both = "  cpu: {selector: process_cpu_ratio, type: gauge}\nalerts: {cpu: {critical: 95%, warning: 80%}}\nslos:\n"
    spec.write_text(spec.read_text().replace("slos:\n", both))
    writer.write(writer.plan(compile_specs([str(specs)], CompileOptions()).bundle, str(out)))
    spec.write_text(spec.read_text().replace("critical: 95%", "critical: false"))
    plan = writer.plan(compile_specs([str(specs)], CompileOptions()).bundle, str(out))
    summary = changes.summarise((c.path, c.old, c.new) for c in plan.drift)
    alerts = [(c.action, c.name) for c in summary.changes if c.kind == "alert"]
    # the missing-data twin stands for the most urgent tier reading the signal: it moves to the ticket
    twin = ("changed", 'ServiceCPUSaturation{data="missing", service="api", team="core"} [critical]')
    assert alerts == [twin, ("removed", 'ServiceCPUSaturation{service="api", team="core"} [critical]')], alerts


def test_a_subset_diff_names_the_fleet_wide_files_it_did_not_compare(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Found by a hunt: `obsc diff specs/api.yaml` said "no operational change" when api's own receiver
    moved, because a subset keeps alertmanager.yml as it is. It now says what it did not compare, and how."""
    monkeypatch.chdir(tmp_path)
    shutil.copytree(BASE, "specs")
    assert run_obsc(capsys, "compile", "specs", "--out", "out", "--no-validate").code == 0
    _edit("8080/ticket", "8080/tickets-v2")(Path("specs"))
    for shape, suffix in (("markdown", "md"), ("json", "json")):
        result = run_obsc(capsys, "diff", "specs/api.yaml", "--out", "out", "--as", shape)
        assert result.code == 0, result.err
        _matches_golden(f"subset.{suffix}", result.out)
    whole = json.loads(run_obsc(capsys, "diff", "specs", "--out", "out", "--as", "json").out)
    assert whole["not_compared"] == [] and "compare_all" not in whole
    assert [c["name"] for c in whole["changes"]] == ["api-warning"]


def _outside_code_spans(line: str) -> str:
    """The text of a Markdown line that is not inside a code span (CommonMark: a run of N backticks opens
    one that the next run of exactly N backticks closes)."""
    out, i = [], 0
    while i < len(line):
        run = re.match(r"`+", line[i:])
        if run:
            closing = re.search(rf"(?<!`){run.group()}(?!`)", line[i + len(run.group()) :])
            if closing:
                i += len(run.group()) + closing.end()
                continue
        out.append(line[i])
        i += 1
    return "".join(out)


@pytest.mark.parametrize(
    "text",
    [
        "x` ![p](https://evil.example/p.png) @acme/security `y",
        "``@a``",
        "`",
        " @a ",
        "<img src=x>",
        "a|b\n@c",
        "[l](u)",
    ],
)
def test_spec_text_stays_inside_code_spans(text: str) -> None:
    """Found by a hunt: a label value with a backtick closed the name's code span, so the PR comment showed a
    remote image and pinged a team. Names and details are now code spans no text can close, on one line."""
    summary = changes.Summary([changes.Change("receiver", "changed", text, (f"to: {text} → b", text))])
    rows = [line for line in summary.to_markdown().splitlines() if line.startswith("| ~ |")]
    assert len(rows) == 1
    outside = _outside_code_spans(rows[0])
    assert re.fullmatch(r"\| ~ \|  \| ;  \|", outside), outside  # only the table's own text is left


def test_open_alert_lines_keep_committed_text_inside_code_spans() -> None:
    """The open-alerts lines (round 38) name the base side's alert name and severity, text a hand edit of the
    committed rule file may hold: an image and a mention stay inside code spans there too."""
    hostile = "![p](https://evil.example/p.png) @acme/security"
    old = f"groups:\n- name: g\n  rules:\n  - alert: A\n    expr: up == 0\n    labels: {{severity: '{hostile}'}}\n"
    summary = changes.summarise([("prometheus/rules/api.yaml", old, None)])
    lines = [line for line in summary.to_markdown().splitlines() if line.startswith("> - ")]
    assert len(lines) == 1 and "resolves" in lines[0]
    outside = _outside_code_spans(lines[0])
    assert "![" not in outside and "@acme" not in outside, outside


def test_text_that_reorders_or_hides_what_follows_is_shown_escaped() -> None:
    """Found by round 28's hunt: a label value holding U+202E (right-to-left override) showed the rest of its
    table cell reversed, a threshold change included; zero-width and control characters hid text."""
    row = changes.Summary([changes.Change("alert", "changed", "A\u202eb", ('labels: {} → {n="\u202e1 → 5"}',))])
    markdown = row.to_markdown()
    assert not re.search("[\u202a-\u202e\u2066-\u2069\u200b\x00-\x08]", markdown)
    assert "`A\\u202eb`" in markdown and '`labels: {} → {n="\\u202e1 → 5"}`' in markdown
    assert changes.summary.code("a\u200bb\x1bc\td") == "`a\\u200bb\\u001bc\td`"


_CHANGES = st.builds(
    changes.Change,
    kind=st.sampled_from(sorted(changes.summary.HEADINGS)),
    action=st.sampled_from(["added", "removed", "changed"]),
    name=st.text(min_size=1, max_size=80),
    details=st.lists(st.text(max_size=300), max_size=3).map(tuple),
)


@settings(max_examples=60)
@given(rows=st.lists(_CHANGES, min_size=1, max_size=80), max_chars=st.integers(2_000, 30_000))
def test_a_cut_report_fits_and_accounts_for_every_row(rows: list[changes.Change], max_chars: int) -> None:
    """`--max-chars`: never longer than asked (the frame of ten sections fits in 2,000), every section that has
    rows keeps its heading and count, and rows shown plus rows said to be left out are all the rows; a report
    that fits is the uncut one."""
    summary = changes.Summary(rows)
    whole, cut = summary.to_markdown(), summary.to_markdown(max_chars)
    assert len(cut) <= max_chars
    for kind, heading in changes.summary.HEADINGS.items():
        count = sum(c.kind == kind for c in rows)
        assert (f"### {heading} ({count})\n" in cut) == (count > 0)
    shown = len(re.findall(r"^\| [+−~] \|", cut, re.MULTILINE))
    left_out = sum(int(n) for n in re.findall(r"^\| \| … (\d+) more \| \|$", cut, re.MULTILINE))
    assert shown + left_out == len(rows)
    if len(whole) <= max_chars:
        assert cut == whole


def test_a_labels_only_change_is_paired_only_where_it_is_unambiguous() -> None:
    """Two alerts that share name, expression, hold and tier, both relabelled: which old one became which new
    one cannot be told, so they stay removed and added; a single one is paired as its labels changed."""

    def alert(labels: str) -> dict[str, str]:
        return {
            "severity": "critical",
            "for": "5m",
            "keep_firing_for": "",
            "expr": "up == 0",
            "labels": labels,
            "evaluation": "",
        }

    old = {'Down{a="1"} [critical]': alert('{a="1"}'), 'Down{a="2"} [critical]': alert('{a="2"}')}
    new = {'Down{a="3"} [critical]': alert('{a="3"}'), 'Down{a="4"} [critical]': alert('{a="4"}')}
    assert changes.rules.same_tier(old, new) == new
    one_old = {'Down{a="1"} [critical]': alert('{a="1"}')}
    one_new = {'Down{a="3"} [critical]': alert('{a="3"}')}
    assert changes.rules.same_tier(one_old, one_new) == {'Down{a="1"} [critical]': alert('{a="3"}')}


def test_an_alert_whose_labels_and_rule_both_moved_is_paired_within_its_service() -> None:
    """Found by round 28's hunt: a team move with a threshold change read as one alert removed and another
    added, and neither row shows a threshold. Each is now paired with the one of the same name and service
    whose labels are closest, when that is mutual and unique; another service's alert never is."""

    def alert(severity: str, expr: str, **labels: str) -> dict[str, object]:
        labels = {"severity": severity, **labels}
        return {
            "severity": severity,
            "for": "5m",
            "keep_firing_for": "",
            "expr": expr,
            "labels": changes.compare.labels_text(labels),
            "label_set": labels,
            "evaluation": "",
        }

    old = {
        'P99{service="a", team="x"} [critical]': alert("critical", "p99 > 2", service="a", team="x"),
        'P99{service="a", team="x"} [warning]': alert("warning", "p99 > 1", service="a", team="x"),
        'P99{service="b", team="x"} [warning]': alert("warning", "p99 > 1", service="b", team="x"),
    }
    new = {
        'P99{service="a", team="y"} [critical]': alert("critical", "p99 > 1.5", service="a", team="y"),
        'P99{service="a", team="y"} [warning]': alert("warning", "p99 > 0.5", service="a", team="y"),
        'P99{service="c", team="x"} [warning]': alert("warning", "p99 > 0.5", service="c", team="x"),
    }
    aligned = changes.rules.same_tier(old, new)
    assert aligned == {
        'P99{service="a", team="x"} [critical]': new['P99{service="a", team="y"} [critical]'],
        'P99{service="a", team="x"} [warning]': new['P99{service="a", team="y"} [warning]'],
        'P99{service="c", team="x"} [warning]': new['P99{service="c", team="x"} [warning]'],
    }
    rows = changes.compare.compare("alert", old, aligned, changes.rules.ALERT_FIELDS)
    assert [(r.action, r.details[0]) for r in rows] == [
        ("changed", "thresholds: 2 → 1.5"),
        ("changed", "thresholds: 1 → 0.5"),
        ("removed", "severity: warning"),
        ("added", "severity: warning"),
    ]


@pytest.mark.parametrize(
    ("old", "new", "details"),
    [
        ({"title": "t", "time": {"from": "now-6h"}}, {"title": "t", "time": {"from": "now-1d"}}, ["settings changed"]),
        (  # a collapsed row's panels count as panels
            {"title": "t", "panels": [{"id": 1, "type": "row", "panels": [{"id": 2, "title": "p", "x": 1}]}]},
            {"title": "t", "panels": [{"id": 1, "type": "row", "panels": [{"id": 2, "title": "p", "x": 2}]}]},
            ["panels changed: id 1, p"],
        ),
        ({"title": "t", "panels": "junk"}, {"title": "t", "panels": [{"id": 3, "title": "q"}]}, ["panels added: q"]),
        ("not json", {"title": "t", "panels": [{"title": "q"}]}, ["panels added: q", "settings changed"]),
        (  # found by a hunt: a team's links change the links and the About panel; the links went unsaid
            {"title": "t", "links": [], "panels": [{"id": 1, "title": "About", "text": "a"}]},
            {"title": "t", "links": [{"url": "u"}], "panels": [{"id": 1, "title": "About", "text": "b"}]},
            ["panels changed: About", "settings changed"],
        ),
        (  # round 45's day-two PRs: a threshold alert's tier changed renumbered its panel; one titled alike was
            # read as added, removed and changed ("panels added: queue; panels removed: queue; panels changed: queue")
            {"title": "t", "panels": [{"id": 7, "title": "queue", "x": 1}, {"id": 8, "title": "queue", "y": 1}]},
            {"title": "t", "panels": [{"id": 9, "title": "queue", "x": 2}, {"id": 8, "title": "queue", "y": 2}]},
            ["panels changed: queue ×2"],
        ),
    ],
)
def test_a_changed_dashboard_says_which_panels_changed(old: object, new: object, details: list[str]) -> None:
    """Found trying `obsc diff` on the examples: a changed dashboard said only its title, which had not changed."""
    before = old if isinstance(old, str) else json.dumps(old)
    (row,) = changes.summarise([("grafana/dashboards/teams/x/y.json", before, json.dumps(new))]).changes
    assert [d.split(" (")[0] for d in row.details[1:]] == details


def test_a_changed_dashboard_names_the_settings_that_moved() -> None:
    before = {"title": "t", "links": [], "time": {"from": "now-6h"}, "panels": [{"id": 1, "title": "p"}]}
    after = {**before, "links": [{"url": "u"}], "panels": [{"id": 1, "title": "p", "x": 1}]}
    (row,) = changes.summarise([("grafana/dashboards/teams/x/y.json", json.dumps(before), json.dumps(after))]).changes
    assert row.details[1:] == ("panels changed: p", "settings changed (links)")


def _rules(expr: str) -> str:
    return yaml.safe_dump({"groups": [{"name": "g", "rules": [{"record": "x:errors:rate5m", "expr": expr}]}]})


def test_spaces_inside_a_quoted_matcher_are_a_change_and_layout_is_not() -> None:
    """Found by a hunt: every run of spaces was folded to one, inside quotes too, so a selector value going
    from `rate  limited` to `rate limited` (other series matched) read as no operational change."""
    path = "prometheus/rules/api.yaml"
    spaced = 'sum(rate(x{reason="rate  limited"}[5m]))'
    (row,) = changes.summarise([(path, _rules(spaced), _rules(spaced.replace("  ", " ")))]).changes
    assert (row.kind, row.action) == ("record", "changed") and "rate  limited" in row.details[0]
    assert changes.summarise([(path, _rules(spaced + " / 2"), _rules(spaced + "\n  /\n    2\n"))]).changes == []


def test_a_rule_group_evaluated_at_another_interval_is_a_change() -> None:
    """Found by a hunt: only rules were compared, not their group, so an obsc upgrade (or a hand edit) that
    evaluates a group every 5m instead of every 1m, and fires its alerts minutes later, read as no change."""

    def rule_file(interval: str | None) -> str:
        group = {"name": "g", "rules": [{"record": "x:rate1d", "expr": "1"}, {"alert": "A", "expr": "x:rate1d > 1"}]}
        return yaml.safe_dump({"groups": [{**group, **({"interval": interval} if interval else {})}]})

    summary = changes.summarise([("prometheus/rules/api.yaml", rule_file("1m"), rule_file("5m"))])
    assert [(c.kind, c.details) for c in summary.changes] == [
        ("alert", ("evaluation: interval: 1m → interval: 5m",)),
        ("record", ("evaluation: interval: 1m → interval: 5m",)),
    ]
    summary = changes.summarise([("prometheus/rules/api.yaml", rule_file(None), rule_file("5m"))])
    assert summary.changes[0].details == ("evaluation: every global evaluation_interval → interval: 5m",)


def test_a_renamed_alert_reads_as_renamed() -> None:
    """Found by round 31's hunt: a threshold alert renamed in its spec (QueueDeep → QueueBacklog), rule and
    labels kept, read as one alert removed and another added, with no word that they are the same page. It is
    now one changed row naming both; two rules of one shape renamed at once stay removed and added."""

    def alert(name: str, expr: str = "queue > 100", service: str = "billing") -> dict[str, object]:
        labels = {"service": service, "severity": "warning"}
        return {"alert": name, "expr": expr, "for": "10m", "labels": labels, "annotations": {"runbook_url": name}}

    def rule_file(*alerts: dict[str, object]) -> str:
        return yaml.safe_dump({"groups": [{"name": "g", "rules": list(alerts)}]})

    path = "prometheus/rules/billing.yaml"
    (row,) = changes.summarise([(path, rule_file(alert("QueueDeep")), rule_file(alert("QueueBacklog")))]).changes
    assert (row.action, row.name) == ("changed", 'QueueDeep{service="billing"} [warning]')
    assert row.details == ("alertname: QueueDeep → QueueBacklog", "annotations.runbook_url: QueueDeep → QueueBacklog")
    # another rule or another service is another alert
    for other in (alert("QueueBacklog", expr="queue > 50"), alert("QueueBacklog", service="cart")):
        rows = changes.summarise([(path, rule_file(alert("QueueDeep")), rule_file(other))]).changes
        assert [r.action for r in rows] == ["added", "removed"]
    twins = rule_file(alert("A"), alert("B")), rule_file(alert("C"), alert("D"))
    assert sorted(r.action for r in changes.summarise([(path, *twins)]).changes) == ["added"] * 2 + ["removed"] * 2


def test_a_team_move_names_the_receivers_that_page_now(tmp_path: Path) -> None:
    """Found by round 31's hunt: a service routed as its team, moved to another team that has routes of its
    own, changes no route at all; the alert rows said only `labels: {team="core"} → {team="storefront"}`, not
    that another team's pager now answers. Each row now names the receivers on both sides (from the routing
    table obsc writes beside alertmanager.yml)."""
    specs, out = tmp_path / "specs", tmp_path / "out"
    specs.mkdir()
    teams = "".join(
        f"  {team}:\n    routing:\n"
        f'      critical: {{webhook: {{url: "http://relay.example/{team}/page"}}}}\n'
        f'      warning: {{webhook: {{url: "http://relay.example/{team}/ticket"}}}}\n'
        for team in ("core", "storefront")
    )
    (specs / "platform.yaml").write_text(PLATFORM.split("teams:\n")[0] + "teams:\n" + teams)
    (specs / "api.yaml").write_text((BASE / "api.yaml").read_text().split("routing:\n")[0])
    writer.write(writer.plan(compile_specs([str(specs)], CompileOptions()).bundle, str(out)))
    _edit("team: core", "team: storefront")(specs)
    plan = writer.plan(compile_specs([str(specs)], CompileOptions()).bundle, str(out))
    summary = changes.summarise((c.path, c.old, c.new) for c in plan.drift)
    assert not [c for c in summary.changes if c.kind == "route"]  # both teams' routes were there before
    # (round 44: the move is one row, which says who pages now for how many of its alert rules)
    (row,) = [c for c in summary.changes if c.kind == "rename"]
    assert row.name == "service api: team core → storefront" and not [c for c in summary.changes if c.kind == "alert"]
    assert "receivers: team-core-critical → team-storefront-critical (4 alert rule(s))" in row.details, row.details
    assert any(d.startswith("receivers: team-core-warning → team-storefront-warning (") for d in row.details)


@pytest.mark.parametrize(
    ("was", "now", "said"), [("0.3", "0.25", "0.3 → 0.25"), ("1", "0.5", "1 → 0.5"), ("2", "10", "2 → 10")]
)
def test_a_latency_bound_moved_reads_as_its_numbers(was: str, now: str, said: str) -> None:
    """Found by round 45's day-two PRs: a latency SLO's threshold 300ms → 250ms showed as two cut regexes of every
    spelling of the bucket bound (`le=~"0\\\\.30*|3(\\\\.0+)?[eE]-0*1|…`); a reviewer could not tell the number."""
    from decimal import Decimal

    from compiler.model.le_spellings import le_matcher

    def expr(bound: str) -> str:
        return f'sum(rate(http_request_duration_seconds_bucket{{job="a",{le_matcher(Decimal(bound)).render()}}}[5m]))'

    assert changes.compare.changed("expr", expr(was), expr(now)) == f"thresholds: {said}"
