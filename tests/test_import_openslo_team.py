"""`obsc import openslo` reads an SLO's `team` label (`metadata.labels.team`, a value or a one-item list: OpenSLO
label values may be lists) as the owning team, as Sloth's `labels.team` and Pyrra's `pyrra.dev/team` are read.
It was dropped with the rest of the labels and every spec owned by `imported`; two teams' SLOs of one service
merged into one spec, so one team's pager would have rung for the other's objectives once `imported` was
replaced. Now each team's SLOs of a service are a spec of their own (`<service>-<team>`, as for Sloth and
Pyrra), and `--team` still overrides."""

from __future__ import annotations

from pathlib import Path

import pytest

from compiler.errors import ExitCode
from tests.cli_helpers import run_obsc


def _slo(name: str, labels: str) -> str:
    query = 'http_requests_total{job="web",handler="' + name + '"CODE}'
    good = query.replace("CODE", ',code!~"5.."')
    return (
        f"apiVersion: openslo/v1\nkind: SLO\nmetadata:\n  name: {name}\n{labels}spec:\n  service: web\n"
        "  indicator:\n    metadata: {name: " + name + "}\n    spec:\n      ratioMetric:\n        counter: true\n"
        f"        good: {{metricSource: {{type: Prometheus, spec: {{query: '{good}'}}}}}}\n"
        f"        total: {{metricSource: {{type: Prometheus, spec: {{query: '{query.replace('CODE', '')}'}}}}}}\n"
        "  timeWindow: [{duration: 28d, isRolling: true}]\n  budgetingMethod: Occurrences\n"
        "  objectives: [{target: 0.99}]\n"
    )


def _import(tmp_path: Path, capsys: pytest.CaptureFixture[str], docs: list[str], *flags: str) -> tuple[str, Path]:
    source, out = tmp_path / "slos.yaml", tmp_path / "specs"
    source.write_text("---\n".join(docs))
    result = run_obsc(capsys, "import", "openslo", str(source), "--out", str(out), *flags)
    assert result.code == ExitCode.OK, result.err
    return result.err, out


@pytest.mark.parametrize("label", ["team: payments", "team: [payments]", "team: Payments"])
def test_the_team_label_owns_the_spec(tmp_path: Path, capsys: pytest.CaptureFixture[str], label: str) -> None:
    err, out = _import(tmp_path, capsys, [_slo("checkout", f"  labels:\n    {label}\n    tier: one\n")])
    assert "team: payments\n" in (out / "web.yaml").read_text()
    assert "$.metadata.labels.team: team 'payments' taken from metadata.labels.team" in err, err
    assert "$.metadata.labels.tier: not carried over" in err, err  # the other labels are still reported


def test_two_teams_of_one_service_are_two_specs(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    docs = [_slo(name, f"  labels: {{team: {team}}}\n") for name, team in (("pay", "a"), ("cart", "b"), ("list", "b"))]
    err, out = _import(tmp_path, capsys, docs)
    assert sorted(p.name for p in out.iterdir()) == ["platform.yaml", "web-a.yaml", "web-b.yaml"], err
    a, b = (out / "web-a.yaml").read_text(), (out / "web-b.yaml").read_text()
    assert "team: a\n" in a and "- name: pay\n" in a and "- name: cart" not in a
    assert "team: b\n" in b and "- name: cart\n" in b and "- name: list\n" in b and "- name: pay" not in b
    assert "service 'web' is defined by several owners" in err, err


def test_several_teams_in_the_label_or_none_leave_the_placeholder(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    err, out = _import(tmp_path, capsys, [_slo("checkout", "  labels: {team: [identity, rbac]}\n")])
    assert "team: imported\n" in (out / "web.yaml").read_text()
    assert "the team label names several teams (identity, rbac); a spec has one owner: pass --team" in err, err


def test_the_command_line_team_wins(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    docs = [_slo(name, f"  labels: {{team: {team}}}\n") for name, team in (("pay", "a"), ("cart", "b"))]
    err, out = _import(tmp_path, capsys, docs, "--team", "shop")
    assert sorted(p.name for p in out.iterdir()) == ["platform.yaml", "web.yaml"], err
    assert "team: shop\n" in (out / "web.yaml").read_text() and "several teams" not in err


def test_an_empty_team_label_leaves_the_placeholder(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    err, out = _import(tmp_path, capsys, [_slo("checkout", "  labels: {team: ''}\n")])
    assert "team: imported\n" in (out / "web.yaml").read_text(), err
