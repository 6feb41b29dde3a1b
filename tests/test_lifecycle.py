"""A fleet's output in git over weeks of edits: what `compile`, `check` and `diff` say after the edits teams
make (a layout kept, renamed services and SLOs, annotations, a moved spec directory)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.cli_helpers import Result, run_obsc

# Two teams, three services, one multi-document file; no platform file (routing in the specs).
LEDGER = """\
apiVersion: obsc/v1
service: billing-api
team: ledger
selector: {job: billing-api}
metrics:
  requests: rpc_calls_total
  errors: rpc_calls_total{status_class="error"}
slos:
  - {name: success, objective: 99.95, sli: {errors: errors, total: requests}}
routing:
  critical: {webhook: {url: "http://relay.example:8080/ledger/page"}}
  warning: {webhook: {url: "http://relay.example:8080/ledger/ticket"}}
---
apiVersion: obsc/v1
service: invoice-render
team: ledger
selector: {job: invoice-render}
metrics:
  requests: render_jobs_total
  errors: render_jobs_failed_total
slos:
  - {name: renders, objective: 99.5, period: 7d, sli: {errors: errors, total: requests}}
routing:
  critical: {webhook: {url: "http://relay.example:8080/ledger/page"}}
  warning: {webhook: {url: "http://relay.example:8080/ledger/ticket"}}
"""
BRIDGE = """\
apiVersion: obsc/v1
service: mq-bridge
team: relay
selector: {job: mq-bridge}
metrics:
  requests: bridge_messages_total
  errors: bridge_messages_total{outcome="dropped"}
slos:
  - {name: delivery, objective: 99.9, sli: {errors: errors, total: requests}}
routing:
  critical: {webhook: {url: "http://relay.example:8080/relay/page"}}
  warning: {webhook: {url: "http://relay.example:8080/relay/ticket"}}
"""


@pytest.fixture(autouse=True)
def _in_tmp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    specs = tmp_path / "specs"
    specs.mkdir()
    (specs / "ledger.yaml").write_text(LEDGER)
    (specs / "mq-bridge.yaml").write_text(BRIDGE)


def obsc(capsys: pytest.CaptureFixture[str], *args: str) -> Result:
    return run_obsc(capsys, *args)


def edit(path: str, old: str, new: str) -> None:
    text = Path(path).read_text()
    assert old in text
    Path(path).write_text(text.replace(old, new))


def rule_files() -> list[str]:
    found = Path("out", "prometheus").rglob("*.yaml")
    return sorted(str(p.relative_to("out")) for p in found if "tests" not in p.parts)


# --format: compile keeps the layout the output was written in ---------------------------------------------------


@pytest.mark.parametrize("fmt", ["mimir", "vmalert", "prometheus-operator"])
def test_compile_without_format_keeps_the_layout_of_the_output(capsys: pytest.CaptureFixture[str], fmt: str) -> None:
    assert obsc(capsys, "compile", "specs", "--out", "out", "--no-validate", "--format", fmt).code == 0
    before = rule_files()
    assert before and all(f"/{fmt.split('-')[-1]}/" in f"/{p}" for p in before)
    edit("specs/mq-bridge.yaml", "{job: mq-bridge}", "{job: mq-bridge, cluster: eu1}")
    # `make generate` (the directory) and one spec file alone: neither moves a rule file to prometheus/rules/
    assert obsc(capsys, "compile", "specs/mq-bridge.yaml", "--out", "out", "--no-validate").code == 0
    assert rule_files() == before
    assert obsc(capsys, "check", "specs", "--out", "out").code == 0
    edit("specs/mq-bridge.yaml", "objective: 99.9", "objective: 99.0")
    assert obsc(capsys, "compile", "specs", "--out", "out", "--no-validate").code == 0
    assert rule_files() == before
    assert f"--format {fmt}" in Path("out", ".obsc-manifest").read_text()
    assert obsc(capsys, "check", "specs", "--out", "out").code == 0


def test_a_spec_file_compile_may_not_change_the_layout(capsys: pytest.CaptureFixture[str]) -> None:
    assert obsc(capsys, "compile", "specs", "--out", "out", "--no-validate", "--format", "mimir").code == 0
    before = {p: p.read_bytes() for p in Path("out").rglob("*") if p.is_file()}
    refused = obsc(capsys, "compile", "specs/mq-bridge.yaml", "--out", "out", "--no-validate", "--format", "vmalert")
    assert refused.code == 2
    assert "was written with --format mimir; spec files named one by one cannot change its layout" in refused.err
    assert {p: p.read_bytes() for p in Path("out").rglob("*") if p.is_file()} == before  # nothing written
    # the whole directory changes it, and so does a subset that owns the output (--prune)
    assert obsc(capsys, "compile", "specs", "--out", "out", "--no-validate", "--format", "vmalert").code == 0
    assert all(p.startswith("prometheus/vmalert/") for p in rule_files())
    one = ("specs/mq-bridge.yaml", "--out", "out", "--no-validate")
    pruned = obsc(capsys, "compile", *one, "--format", "mimir", "--prune")
    assert pruned.code == 0 and rule_files() == ["prometheus/mimir/mq-bridge.yaml"]


def test_a_new_output_is_compiled_in_the_prometheus_layout(capsys: pytest.CaptureFixture[str]) -> None:
    assert obsc(capsys, "compile", "specs/mq-bridge.yaml", "--out", "out", "--no-validate").code == 0
    assert rule_files() == ["prometheus/rules/mq-bridge.yaml"]


# obsc diff: what a notification says and links ------------------------------------------------------------------


def test_diff_reports_annotation_changes(capsys: pytest.CaptureFixture[str]) -> None:
    """Found in a hunt: an SLO's `annotations: {playbook: ...}` (a new link on each of its alerts) read "no
    operational change", and so did a platform runbook_url moving every page's link."""
    assert obsc(capsys, "compile", "specs", "--out", "out", "--no-validate").code == 0
    edit(
        "specs/mq-bridge.yaml",
        "sli: {errors: errors, total: requests}}",
        'sli: {errors: errors, total: requests}, annotations: {playbook: "https://wiki.example/mq"}}',
    )
    rows = json.loads(obsc(capsys, "diff", "specs", "--out", "out", "--as", "json").out)["changes"]
    fast = 'SLOErrorBudgetBurnFast{burn_window="fast", service="mq-bridge"'
    burn = [r for r in rows if r["name"].startswith(fast)]
    assert [r["details"] for r in burn] == [["annotations.playbook: (unset) → https://wiki.example/mq"]]
    assert {r["name"].split("{")[0] for r in rows} >= {"SLODataMissing", "SLOErrorBudgetBurnSlow", "SLOErrorBudgetLow"}
    assert all("mq-bridge" in r["name"] and r["kind"] == "alert" for r in rows)
    # the page's own text, written from numbers the row already shows, is named, not quoted
    edit("specs/mq-bridge.yaml", "objective: 99.9", "objective: 99.95")
    rows = json.loads(obsc(capsys, "diff", "specs", "--out", "out", "--as", "json").out)["changes"]
    (low,) = [r for r in rows if r["name"].startswith("SLOErrorBudgetLow{")]
    assert "annotations changed: description" in low["details"]
    assert not any("annotations.description" in d for r in rows for d in r["details"])


def test_diff_reports_a_moved_runbook_url_whole(capsys: pytest.CaptureFixture[str]) -> None:
    platform = "apiVersion: obsc/v1\nkind: Platform\nrunbook_url: https://git.example/mon/blob/main/out/{path}\n"
    Path("specs", "platform.yaml").write_text(platform)
    assert obsc(capsys, "compile", "specs", "--out", "out", "--no-validate").code == 0
    edit("specs/platform.yaml", "https://git.example/mon/blob/main/out/", "https://wiki.example/rb/")
    out = obsc(capsys, "diff", "specs", "--out", "out").out
    assert (
        "`annotations.runbook_url: https://git.example/mon/blob/main/out/runbooks/mq-bridge/ServiceDown.md → "
        "https://wiki.example/rb/runbooks/mq-bridge/ServiceDown.md`" in out
    )


# runbooks a team edited, across renames ---------------------------------------------------------------------------


def _edit_page(path: str) -> None:
    Path("out", path).write_text(Path("out", path).read_text() + "\n## Team notes\nFail over to eu2 first.\n")


@pytest.mark.parametrize(
    ("rename", "page", "successor"),
    [
        (
            ("service: billing-api", "service: billing-gateway"),
            "billing-api/ServiceDown.md",
            "billing-gateway/ServiceDown.md",
        ),
        (
            ("name: success,", "name: availability,"),
            "billing-api/SLOErrorBudgetBurnFast-success.md",
            "billing-api/SLOErrorBudgetBurnFast-availability.md",
        ),
    ],
)
def test_a_rename_names_where_an_edited_runbook_text_should_go(
    capsys: pytest.CaptureFixture[str], rename: tuple[str, str], page: str, successor: str
) -> None:
    """Found in a hunt: after a rename the alert linked a fresh stub while the team's page sat unlinked; compile
    said "its alert no longer exists" once and the PR comment (obsc diff) said nothing."""
    assert obsc(capsys, "compile", "specs", "--out", "out", "--no-validate").code == 0
    _edit_page(f"runbooks/{page}")
    edited = Path("out", "runbooks", page).read_text()
    edit("specs/ledger.yaml", *rename)
    rows = json.loads(obsc(capsys, "diff", "specs", "--out", "out", "--as", "json").out)["changes"]
    (row,) = [r for r in rows if r["kind"] == "runbook"]
    assert row["action"] == "kept" and row["name"] == f"runbooks/{page}"
    assert f"it links runbooks/{successor}, a new stub: move the text there" in row["details"][1]
    assert f"| ! | `runbooks/{page}` |" in obsc(capsys, "diff", "specs", "--out", "out").out
    compiled = obsc(capsys, "compile", "specs", "--out", "out", "--no-validate")
    assert f"now links runbooks/{successor}, a new stub: move your text there" in compiled.out
    assert Path("out", "runbooks", page).read_text() == edited  # never lost
    # the team moves its text; obsc keeps it there, and has nothing more to say
    Path("out", "runbooks", page).replace(Path("out", "runbooks", successor))
    again = obsc(capsys, "compile", "specs", "--out", "out", "--no-validate")
    assert "kept 1 human-edited runbook(s)" in again.out and "no longer exists" not in again.out
    assert Path("out", "runbooks", successor).read_text() == edited
    assert obsc(capsys, "check", "specs", "--out", "out").code == 0


def test_a_deleted_service_names_no_successor_page(capsys: pytest.CaptureFixture[str]) -> None:
    assert obsc(capsys, "compile", "specs", "--out", "out", "--no-validate").code == 0
    _edit_page("runbooks/mq-bridge/ServiceDown.md")
    Path("specs", "mq-bridge.yaml").unlink()
    (row,) = [
        r
        for r in json.loads(obsc(capsys, "diff", "specs", "--out", "out", "--as", "json").out)["changes"]
        if r["kind"] == "runbook"
    ]
    assert row["details"] == ["edited by a human; no alert links it after this change (kept as it is)"]
    compiled = obsc(capsys, "compile", "specs", "--out", "out", "--no-validate")
    assert (
        "runbooks/mq-bridge/ServiceDown.md was edited by a human but its alert no longer exists; kept it\n"
        in compiled.out
    )


# a moved spec directory or output: only the generated files' header comment changes ------------------------------


@pytest.mark.parametrize("fmt", ["prometheus", "prometheus-operator"])
def test_diff_of_a_moved_spec_directory_is_no_operational_change(capsys: pytest.CaptureFixture[str], fmt: str) -> None:
    """Found in a hunt: `git mv specs monitoring/specs` read "1 operational change(s)": the Grafana provisioning
    file (and, for the operator, each AlertmanagerConfig) differed only in its `# Regenerate with:` comment."""
    assert obsc(capsys, "compile", "specs", "--out", "out", "--no-validate", "--format", fmt).code == 0
    Path("monitoring").mkdir()
    Path("specs").replace(Path("monitoring", "specs"))
    assert obsc(capsys, "check", "monitoring/specs", "--out", "out").code == 1  # every header names the new path
    assert obsc(capsys, "diff", "monitoring/specs", "--out", "out").out == "**obsc**: no operational change.\n"
    # a real change to such a file still shows
    edit("monitoring/specs/mq-bridge.yaml", "team: relay", "team: ledger")
    out = obsc(capsys, "diff", "monitoring/specs", "--out", "out").out
    assert "| ~ | `grafana/provisioning/dashboards/obsc.yaml` | `Grafana folders removed: relay` |" in out


def test_an_edited_runbook_whose_stub_changed_since_is_named(capsys: pytest.CaptureFixture[str]) -> None:
    """Found by the runbook hunt: a team's edited page is never rewritten, so after its alert's objective (or
    lines, team, links) changed it kept quoting the old numbers and receivers, and compile said only "kept 1
    human-edited runbook(s)". The page's marker names the stub it started from: a page whose stub has changed
    since is named, until the team drops the marker line."""
    page = Path("out", "runbooks", "billing-api", "SLOErrorBudgetBurnFast-success.md")
    assert obsc(capsys, "compile", "specs", "--out", "out", "--no-validate").code == 0
    _edit_page(str(page.relative_to("out")))
    same = obsc(capsys, "compile", "specs", "--out", "out", "--no-validate").out
    assert "kept 1 human-edited runbook(s) as they are\n" in same and "changed since" not in same
    edit("specs/ledger.yaml", "objective: 99.95", "objective: 99.9")
    edited = page.read_text()
    moved = obsc(capsys, "compile", "specs", "--out", "out", "--no-validate").out
    assert (
        "obsc: kept 1 human-edited runbook(s) as they are; 1 written from a stub obsc has changed since (its "
        "alert's lines, queries, links or receivers): runbooks/billing-api/SLOErrorBudgetBurnFast-success.md (to "
        "compare, move a page away and compile; once a page is up to date, delete its first line, the obsc:stub "
        "marker)\n"
    ) in moved
    assert page.read_text() == edited  # still never touched
    page.write_text(edited.split("\n", 1)[1])  # the team updated it and dropped the marker
    done = obsc(capsys, "compile", "specs", "--out", "out", "--no-validate").out
    assert "kept 1 human-edited runbook(s) as they are\n" in done and "changed since" not in done


def test_a_page_saved_with_a_byte_order_mark_is_still_read_by_its_marker(capsys: pytest.CaptureFixture[str]) -> None:
    """Found by round 28's runbook hunt: an editor that saves UTF-8 with a byte-order mark (Windows Notepad) hid
    the marker line: an edited page lost its "stub changed since" notice, and a page only opened and saved read
    as edited, so obsc never refreshed it again."""
    page = Path("out", "runbooks", "billing-api", "SLOErrorBudgetBurnFast-success.md")
    stub = Path("out", "runbooks", "billing-api", "ServiceDown.md")
    assert obsc(capsys, "compile", "specs", "--out", "out", "--no-validate").code == 0
    _edit_page(str(page.relative_to("out")))
    page.write_bytes(b"\xef\xbb\xbf" + page.read_bytes())
    stub.write_bytes(b"\xef\xbb\xbf" + stub.read_bytes())  # opened and saved, not edited
    edit("specs/ledger.yaml", "objective: 99.95", "objective: 99.9")
    edit("specs/ledger.yaml", "team: ledger", "team: books")  # ServiceDown's stub changes too (its owner)
    edited = page.read_bytes()
    moved = obsc(capsys, "compile", "specs", "--out", "out", "--no-validate").out
    assert "kept 1 human-edited runbook(s) as they are; 1 written from a stub obsc has changed since" in moved
    assert "runbooks/billing-api/SLOErrorBudgetBurnFast-success.md (to compare" in moved
    assert page.read_bytes() == edited  # never touched
    assert "team **books**" in stub.read_text()  # refreshed, as an unedited stub is


def test_a_service_and_slo_renamed_at_once_name_the_page_of_the_renamed_slo(capsys: pytest.CaptureFixture[str]) -> None:
    """Found by round 28's runbook hunt: a service with two SLOs, renamed together with one of its SLOs, named no
    successor for the renamed SLO's edited page: the same alert's new stubs were two, the other SLO's among them
    (the successor of a page of its own). Only the folder that took the service's pages is looked in, less the
    names its old pages had."""
    edit(
        "specs/ledger.yaml",
        "slos:\n  - {name: success,",
        "slos:\n  - {name: writes, objective: 99, sli: {errors: errors, total: requests}}\n  - {name: success,",
    )
    assert obsc(capsys, "compile", "specs", "--out", "out", "--no-validate").code == 0
    _edit_page("runbooks/billing-api/SLOErrorBudgetBurnFast-success.md")
    edit("specs/ledger.yaml", "service: billing-api", "service: billing-gateway")
    edit("specs/ledger.yaml", "name: success,", "name: availability,")
    compiled = obsc(capsys, "compile", "specs", "--out", "out", "--no-validate")
    assert (
        "now links runbooks/billing-gateway/SLOErrorBudgetBurnFast-availability.md, a new stub: move your text there"
        in compiled.out
    )


def test_a_renamed_threshold_alert_names_where_its_edited_runbook_should_go(capsys: pytest.CaptureFixture[str]) -> None:
    """Found by round 28's hunt: a threshold alert renamed (QueueDeep to QueueBacklog) left the team's page
    unlinked and named no successor, since only service and SLO renames were looked for. The one new stub of the
    folder whose one edited page went is named; a second page gone from the folder names none."""
    edit(
        "specs/ledger.yaml",
        "slos:\n  - {name: success,",
        "  queue: {selector: ledger_queue_depth, type: gauge, aggregation: max}\nthreshold_alerts:\n"
        "  - {name: QueueDeep, metric: queue, above: 1000, for: 10m, tier: warning}\n"
        "  - {name: QueueStuck, metric: queue, above: 5000, for: 1h, tier: warning}\nslos:\n  - {name: success,",
    )
    assert obsc(capsys, "compile", "specs", "--out", "out", "--no-validate").code == 0
    _edit_page("runbooks/billing-api/QueueDeep.md")
    edit("specs/ledger.yaml", "name: QueueDeep,", "name: QueueBacklog,")

    def runbook_rows() -> list[dict[str, object]]:
        rows = json.loads(obsc(capsys, "diff", "specs", "--out", "out", "--as", "json").out)["changes"]
        return [r for r in rows if r["kind"] == "runbook"]

    (row,) = runbook_rows()
    assert row["details"] == [
        "edited by a human; no alert links it after this change (kept as it is)",
        "if its alert was renamed, it links runbooks/billing-api/QueueBacklog.md, a new stub: move the text there",
    ]
    _edit_page("runbooks/billing-api/QueueStuck.md")
    edit("specs/ledger.yaml", "name: QueueStuck,", "name: QueueWedged,")
    assert [len(r["details"]) for r in runbook_rows()] == [1, 1]


def test_a_split_service_names_every_part_an_edited_page_may_go_to(capsys: pytest.CaptureFixture[str]) -> None:
    """Found by round 31's hunt: mq-bridge split into mq-bridge-in and mq-bridge-out left the team's edited
    ServiceDown page linked by no alert, and compile and the PR comment said only that its alert no longer
    exists: two new stubs of its name, so no single successor was named. Both parts are now named."""
    assert obsc(capsys, "compile", "specs", "--out", "out", "--no-validate").code == 0
    _edit_page("runbooks/mq-bridge/ServiceDown.md")
    for part in ("in", "out"):
        Path("specs", f"mq-bridge-{part}.yaml").write_text(BRIDGE.replace("mq-bridge", f"mq-bridge-{part}"))
    Path("specs", "mq-bridge.yaml").unlink()
    parts = "runbooks/mq-bridge-in/ServiceDown.md and runbooks/mq-bridge-out/ServiceDown.md, new stubs"
    (row,) = [
        r
        for r in json.loads(obsc(capsys, "diff", "specs", "--out", "out", "--as", "json").out)["changes"]
        if r["kind"] == "runbook" and r["name"] == "runbooks/mq-bridge/ServiceDown.md"
    ]
    assert row["details"][1] == f"if its service was split, its alerts now link {parts}: copy the text to each"
    compiled = obsc(capsys, "compile", "specs", "--out", "out", "--no-validate")
    assert f"kept it; if its service was split, its alerts now link {parts}: copy your text to each\n" in compiled.out


def test_a_merged_service_names_the_page_its_alert_links_now(capsys: pytest.CaptureFixture[str]) -> None:
    """Found by the round 44 lifecycle hunt: a service folded into another (its document deleted, its SLO moved to
    the other) left the team's edited ServiceDown page linked by nothing, and compile and the PR comment said only
    that its alert no longer exists: the page its alert links now was there before, so no new stub named it."""
    assert obsc(capsys, "compile", "specs", "--out", "out", "--no-validate").code == 0
    _edit_page("runbooks/invoice-render/ServiceDown.md")
    edited = Path("out", "runbooks", "invoice-render", "ServiceDown.md").read_text()
    billing, invoice = LEDGER.split("---\n")
    renders = "  - {name: renders, objective: 99.5, period: 7d, sli: {errors: errors, total: requests}}\n"
    Path("specs", "ledger.yaml").write_text(billing.replace("slos:\n", "slos:\n" + renders))
    assert "invoice-render" not in Path("specs", "ledger.yaml").read_text() and invoice
    page = "runbooks/billing-api/ServiceDown.md"
    rows = json.loads(obsc(capsys, "diff", "specs", "--out", "out", "--as", "json").out)["changes"]
    (row,) = [r for r in rows if r["kind"] == "runbook"]
    assert row["details"][1:] == [
        f"if its service was merged into another, its alert now links {page}: move the text there"
    ]
    compiled = obsc(capsys, "compile", "specs", "--out", "out", "--no-validate")
    assert f"kept it; if its service was merged into another, its alert now links {page}: move your text there\n" in (
        compiled.out
    )
    assert Path("out", "runbooks", "invoice-render", "ServiceDown.md").read_text() == edited  # never lost
