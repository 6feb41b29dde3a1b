"""toolcheck/amtool: amtool 0.25 accepts the output, every alert routes where its spec says, and
mis-routes, rejections, a missing binary and a hanging binary each give a clear result."""

from __future__ import annotations

import logging
import shutil
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml

from compiler import conventions as names
from compiler.api import Compilation, CompileOptions, load_fleet
from compiler.errors import ExitCode, ToolError
from compiler.output import writer
from compiler.output.bundle import assemble
from compiler.targets import alertmanager as alertmanager_target
from compiler.targets.base import TargetOptions
from compiler.toolcheck import _run, amtool, amtool_routes
from compiler.toolcheck.amtool_routes import (
    CROSS_CHECKS,
    Case,
    load_cases,
    prune,
    route_once,
    routing_key,
    routing_label_names,
    run_routing_tests,
    write_slice,
)
from compiler.toolcheck.route_classes import classes
from tests.conftest import ROOT, require_tool
from tests.routing_memo import remembered_routes

EXAMPLES = ROOT / "examples"
MINIMAL = ROOT / "tests" / "golden" / "minimal" / "specs"


def _written(tmp_path: Path, specs: Path = EXAMPLES) -> tuple[Compilation, Path]:
    """This target's files alone, written like `obsc compile` writes them."""
    fleet, _ = load_fleet([str(specs)], CompileOptions(), {})
    files = alertmanager_target.fleet_artifacts(fleet, TargetOptions())
    compilation = Compilation(fleet, assemble(files, "obsc compile"))
    out = tmp_path / "out"
    writer.write(writer.plan(compilation.bundle, str(out)))
    return compilation, out


@pytest.fixture
def amtool_bin() -> str:
    return require_tool("amtool", "AMTOOL")


@pytest.fixture(autouse=True)
def _routes_replayed_once() -> Iterator[None]:
    """The tests below edit one part of the examples' output: amtool answers for bytes it saw are recalled."""
    with remembered_routes():
        yield


def test_examples_pass_check_config_and_every_routing_case(
    amtool_bin: str, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    compilation, out = _written(tmp_path)
    with caplog.at_level(logging.INFO, logger="obsc"):
        amtool.validate(compilation.bundle, str(out))  # raises on any rejection or mis-route
    (replayed,) = [r for r in caplog.records if "routing cases replayed" in r.getMessage()]
    cases = load_cases((out / names.ROUTING_TESTS).read_text())
    assert replayed.cases == len(cases) > 40  # type: ignore[attr-defined]
    assert replayed.calls < replayed.cases  # type: ignore[attr-defined]  # routes, plus the whole-file cross-checks


def test_a_misrouted_alert_is_reported_as_service_alert_expected_got(amtool_bin: str, tmp_path: Path) -> None:
    compilation, out = _written(tmp_path)
    config = out / names.ALERTMANAGER_CONFIG
    text = config.read_text()
    # the leaves of the team's services (pages group per service: no shared incidents' leaf) and the fallback
    assert text.count("receiver: team-payments-critical") == 2
    services_leaf = """'service!=""']\n      receiver: team-payments-critical"""
    assert text.count(services_leaf) == 1
    config.write_text(text.replace(services_leaf, services_leaf.replace("team-payments-critical", "platform-fallback")))
    with pytest.raises(ToolError) as caught:
        amtool.validate(compilation.bundle, str(out))
    message = str(caught.value)
    assert caught.value.exit_code == ExitCode.DRIFT
    assert "are not routed as the specs ask" in message
    assert "checkout/SLOErrorBudgetBurnFast: expected team-payments-critical, got platform-fallback" in message
    assert "checkout/ServiceDown: expected team-payments-critical, got platform-fallback" in message
    assert "order-worker/" not in message and "search/" not in message


def test_a_wrong_expectation_in_the_table_fails_too(amtool_bin: str, tmp_path: Path) -> None:
    compilation, out = _written(tmp_path)
    table = out / names.ROUTING_TESTS
    lines = table.read_text().splitlines(keepends=True)
    row = next(i for i, line in enumerate(lines) if '"search", "alert": "ServiceDown"' in line)
    lines[row] = lines[row].replace('"receivers": ["search-pager"]', '"receivers": ["team-search-warning"]')
    table.write_text("".join(lines))
    with pytest.raises(ToolError, match=r"search/ServiceDown: expected team-search-warning, got search-pager"):
        amtool.validate(compilation.bundle, str(out))


def test_an_alert_of_no_known_team_is_replayed_too(amtool_bin: str, tmp_path: Path) -> None:
    """The root's receiver (a cluster or mixin alert naming no team) had no row: a tree that sent such alerts
    to a team's pager, or to nobody, passed every routing test."""
    compilation, out = _written(tmp_path)
    config = out / names.ALERTMANAGER_CONFIG
    text = config.read_text()
    assert text.count("route:\n  receiver: platform-fallback\n") == 1
    config.write_text(text.replace("route:\n  receiver: platform-fallback\n", "route:\n  receiver: search-pager\n"))
    with pytest.raises(ToolError, match=r"\(no team\)/severity=critical: expected platform-fallback, got search-pager"):
        amtool.validate(compilation.bundle, str(out))


def test_a_service_leaf_no_generated_alert_reaches_is_replayed_too(amtool_bin: str, tmp_path: Path) -> None:
    """nightly-backup emits no page (`alerts: {critical: false}`), yet a hand-written page of the service lands on
    its team's critical leaf. No row reached it for that service: a tree sending that leaf to the ticket hook
    passed. (Every other search service pages, so a misroute is also theirs: the row checked is nightly-backup's.)"""
    compilation, out = _written(tmp_path)
    config = out / names.ALERTMANAGER_CONFIG
    text = config.read_text()
    leaf = "- matchers: ['severity=\"critical\"', 'service!=\"\"']\n      receiver: search-pager\n"
    assert text.count(leaf) == 1
    config.write_text(text.replace(leaf, leaf.replace("search-pager", "team-search-warning")))
    with pytest.raises(
        ToolError, match=r"\(service nightly-backup\)/severity=critical: expected search-pager, got team-search-warning"
    ):
        amtool.validate(compilation.bundle, str(out))


def test_check_config_rejection_is_reported(amtool_bin: str, tmp_path: Path) -> None:
    compilation, out = _written(tmp_path)
    config = out / names.ALERTMANAGER_CONFIG
    config.write_text(config.read_text().replace("receiver: search-pager", "receiver: nobody"))
    with pytest.raises(ToolError, match=r'(?s)amtool check-config rejected alertmanager/alertmanager.yml.*"nobody"'):
        amtool.validate(compilation.bundle, str(out))


def test_missing_amtool_exits_3_with_the_install_line(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    compilation, out = _written(tmp_path)
    monkeypatch.setenv("AMTOOL", str(tmp_path / "no-such-amtool"))
    with pytest.raises(ToolError) as caught:
        amtool.validate(compilation.bundle, str(out))
    assert caught.value.exit_code == ExitCode.MISSING_TOOL
    assert "apt-get install -y --no-install-recommends prometheus-alertmanager" in str(caught.value)
    monkeypatch.delenv("AMTOOL")
    monkeypatch.setenv("PATH", str(tmp_path))
    with pytest.raises(ToolError, match="amtool was not found on PATH") as caught:
        amtool.validate(compilation.bundle, str(out))
    assert caught.value.exit_code == ExitCode.MISSING_TOOL


def test_a_hanging_amtool_is_cut_by_the_timeout(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    compilation, out = _written(tmp_path)
    fake = tmp_path / "amtool"
    fake.write_text("#!/bin/sh\nsleep 30\n")
    fake.chmod(fake.stat().st_mode | stat.S_IEXEC)
    monkeypatch.setenv("AMTOOL", str(fake))
    monkeypatch.setenv("OBSC_TOOL_TIMEOUT", "0.5")
    with pytest.raises(ToolError, match=r"amtool did not finish within 0.5s \(set OBSC_TOOL_TIMEOUT"):
        amtool.validate(compilation.bundle, str(out))


# ---------------------------------------------------------------- the two reductions are sound

PLATFORM = """\
apiVersion: obsc/v1
kind: Platform
teams:
  red: {routing: {critical: red-pager, warning: {webhook: {url: "https://t.example/red"}}}}
  blue: {routing: {critical: blue-pager}}
receivers:
  red-pager: {pagerduty: {routing_key_file: /etc/am/red}}
  blue-pager: {pagerduty: {routing_key_file: /etc/am/blue}}
  fallback: {webhook: {url: "https://t.example/fallback"}}
defaults:
  routing: {info: {webhook: {url: "https://t.example/digest"}}}
secrets: {shared_root: /etc/am/}
alertmanager: {default_receiver: fallback}
"""

SERVICE = """\
apiVersion: obsc/v1
service: {name}
team: {team}
selector: {{job: {name}}}
metrics: {{requests: http_requests_total, errors: 'http_requests_total{{code=~"5.."}}'}}
slos: [{{name: availability, objective: 99.9, sli: {{errors: errors, total: requests}}}}]
"""


def _mixed_fleet(root: Path) -> Path:
    """Six services over two teams; some override a tier inline or by name."""
    specs = root / "specs"
    specs.mkdir()
    (specs / "platform.yaml").write_text(PLATFORM)
    overrides = {
        "a1": "routing: {critical: blue-pager}\n",
        "b2": 'routing: {warning: {webhook: {url: "https://t.example/b2"}}, info: red-pager}\n',
    }
    for name, team in (("a1", "red"), ("a2", "red"), ("a3", "red"), ("b1", "blue"), ("b2", "blue"), ("b3", "blue")):
        (specs / f"{name}.yaml").write_text(SERVICE.format(name=name, team=team) + overrides.get(name, ""))
    return specs


def test_slices_route_every_case_like_the_whole_file(amtool_bin: str, tmp_path: Path) -> None:
    _, out = _written(tmp_path, _mixed_fleet(tmp_path))
    config_path = out / names.ALERTMANAGER_CONFIG
    config = yaml.safe_load(config_path.read_text())
    cases = load_cases((out / names.ROUTING_TESTS).read_text())
    assert len(cases) > 30
    scratch = tmp_path / "slices"
    scratch.mkdir()
    for case in cases:
        sliced = write_slice(config, dict(case.labels), scratch)
        assert (
            amtool_routes.route_once(amtool_bin, sliced, case)
            == amtool_routes.route_once(amtool_bin, config_path, case)
            == (
                True,
                case.receivers[0],
            )
        ), case.name
    report = run_routing_tests(amtool_bin, config_path, cases)  # the same bytes and rows: answers recalled
    assert report.misroutes == ()
    # per service and tier, per fallback row (teams, root), cross-checks; the shared-incident leaves no alert reaches
    # (a1's and b2's branches, each team's services': round 37); the missing-data leaves, the same four (round 48)
    assert report.calls <= 6 * 3 + 2 * 4 + 1 + 8 + 2 * 2 + 2 * 2 + 2 * 2


def test_a_small_fleet_is_replayed_once_per_route_against_the_whole_file(
    amtool_bin: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """With no more representatives than cross-checks, each was replayed twice, against its slice and then the
    whole file, which decided alone: now once, against the whole file; a mis-route is still reported."""
    _, out = _written(tmp_path, MINIMAL)
    config = out / names.ALERTMANAGER_CONFIG
    cases = load_cases((out / names.ROUTING_TESTS).read_text())
    routes = {routing_key(case, classes(yaml.safe_load(config.read_text()))) for case in cases}
    # rows for the shared-incident (round 37) and missing-data (round 48) leaves no alert reaches: as many
    # cross-checks here
    monkeypatch.setattr(amtool_routes, "CROSS_CHECKS", len(routes))
    assert CROSS_CHECKS < len(routes) < len(cases)
    replayed: list[Path] = []
    real = amtool_routes.route_once

    def spy(amtool: str, path: Path, case: Case) -> tuple[bool, str]:
        replayed.append(path)
        return real(amtool, path, case)

    monkeypatch.setattr(amtool_routes, "route_once", spy)
    report = run_routing_tests(amtool_bin, config, cases)
    assert (report.misroutes, report.calls, replayed) == ((), len(routes), [config] * len(routes))
    text = config.read_text()
    tier_leaf = """['severity="warning"']\n        receiver: api-warning"""  # not its missing-data or incidents' leaf
    assert text.count(tier_leaf) == 1
    config.write_text(text.replace(tier_leaf, tier_leaf.replace("api-warning", "api-info")))
    report = run_routing_tests(amtool_bin, config, cases)
    own_leaf = [c for c in cases if "incident" not in dict(c.labels) and dict(c.labels).get("data") != "missing"]
    warned = [case for case in own_leaf if case.receivers == ("api-warning",)]
    assert len(warned) == 4 and [(m.case, m.got) for m in report.misroutes] == [(c, "api-info") for c in warned]


def test_routing_key_keeps_only_labels_the_tree_reads() -> None:
    config = {
        "route": {
            "receiver": "x",
            "routes": [{"matchers": ['team="a"'], "routes": [{"matchers": ['severity=~"warn.*"'], "receiver": "y"}]}],
        }
    }
    assert routing_label_names(config) == frozenset({"team", "severity"})
    cases = load_cases(
        'cases:\n- {"service": "s", "alert": "A", "labels": {"alertname": "A", "team": "a", "severity": "warning"},'
        ' "receivers": ["y"]}\n'
        '- {"service": "s", "alert": "B", "labels": {"alertname": "B", "team": "a", "severity": "warning"},'
        ' "receivers": ["y"]}\n'
    )
    seen_alike = classes(config)
    assert routing_key(cases[0], seen_alike) == routing_key(cases[1], seen_alike)
    assert routing_key(cases[0], None) != routing_key(cases[1], None)
    unreadable = {"route": {"routes": [{"matchers": ["{weird}"]}]}}
    assert routing_label_names(unreadable) is None and classes(unreadable) is None  # every row replayed alone


def test_prune_drops_only_branches_an_equality_matcher_rules_out() -> None:
    route = {
        "receiver": "root",
        "routes": [
            {"matchers": ['team="a"'], "routes": [{"matchers": ['service="s1"']}, {"matchers": ['service="s2"']}]},
            {"matchers": ['team="b"']},
            {"matchers": ['team=~"a|b"'], "receiver": "regex"},  # not an equality: always kept
            {"matchers": ['team!="c"'], "receiver": "negative"},
            {"match": {"team": "b"}, "receiver": "legacy"},
            {"matchers": ['team="a\\"q"'], "receiver": "escaped"},
        ],
    }
    pruned = prune(route, {"team": "a", "service": "s2"})
    assert pruned["routes"] == [
        {"matchers": ['team="a"'], "routes": [{"matchers": ['service="s2"']}]},
        {"matchers": ['team=~"a|b"'], "receiver": "regex"},
        {"matchers": ['team!="c"'], "receiver": "negative"},
    ]
    assert [r.get("receiver") for r in prune(route, {"team": 'a"q'})["routes"]][-1] == "escaped"
    assert route["routes"][1] == {"matchers": ['team="b"']}  # the input is left alone


def test_amtool_binary_found_through_env(amtool_bin: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    compilation, out = _written(tmp_path, MINIMAL)  # one service: any routing test shows the binary was found
    link = tmp_path / "bin" / "my-amtool"
    link.parent.mkdir()
    shutil.copy(amtool_bin, link)
    monkeypatch.setenv("AMTOOL", str(link))
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))
    amtool.validate(compilation.bundle, str(out))


def test_routing_calls_get_one_go_thread_and_a_lazier_collector(monkeypatch: pytest.MonkeyPatch) -> None:
    seen: list[object] = []

    def fake_run(argv: list[str], **kwargs: object) -> _run.Result:
        seen.append(kwargs.get("defaults"))
        return _run.Result(tuple(argv), 0, "team-x\n", "")

    monkeypatch.setattr(_run, "run", fake_run)
    case = Case("svc", "A", (("team", "x"),), ("team-x",))
    assert route_once("amtool", Path("slice.yml"), case) == (True, "team-x")
    assert seen == [{"GOGC": "400", "GOMAXPROCS": "1"}]
