"""A compile of one team's folder sees the destinations the other teams' specs write (round 49).

With `secrets.team_spec_dir`, a webhook URL or address written in specs of two teams is an error at both; it was
judged on the compile's own specs only, so `obsc compile specs/teams/alpha --platform specs/platform.yaml` (alpha's
CI) sent alpha's pages to bravo's on-call address, exit 0, which the compile of `specs` refused.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.cli_helpers import run_obsc
from tests.hostile.test_spec_destinations import _repository

JSONNET_BRAVO = """\
{
  apiVersion: 'obsc/v1', service: 'payments', team: 'bravo', selector: {job: 'payments'},
  metrics: {requests: 'http_requests_total', errors: 'http_requests_total{code=~"5.."}'},
  slos: [{name: 'availability', objective: 99.9, sli: {errors: 'errors', total: 'requests'}}],
  routing: {critical: {email: {to: 'payments-oncall@example.com'}}},
}
"""


@pytest.mark.parametrize(
    ("named", "jsonnet"),
    [("specs/teams/alpha", False), ("specs/teams/alpha/cart.yaml", False), ("specs/teams/alpha", True)],
)
def test_one_teams_compile_refuses_another_teams_destination(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, named: str, jsonnet: bool
) -> None:
    monkeypatch.chdir(tmp_path)
    specs = _repository(tmp_path, "{email: {to: Payments-Oncall+cart@EXAMPLE.com}}")
    if jsonnet:
        (specs / "teams" / "bravo" / "payments.yaml").unlink()
        (specs / "teams" / "bravo" / "payments.jsonnet").write_text(JSONNET_BRAVO)
    platform = ["--platform", "specs/platform.yaml"]
    result = run_obsc(capsys, "compile", named, *platform, "--out", "out", "--no-validate")
    assert result.code == 2, result.out + result.err
    assert "specs/teams/alpha/cart.yaml:11:11 $.routing.critical.email.to: 'Payments-Oncall+cart@EXAMPLE.com' is " in (
        result.err
    )
    assert "of a spec of team 'bravo' (routing.critical.email.to at specs/teams/bravo/payments." in result.err
    assert "specs/teams/bravo/payments" not in result.err.split(" $.")[0]  # said at alpha's spec only
    assert result.err.count(" $.") == 1 and not (tmp_path / "out").exists()


def test_own_destinations_and_a_folder_without_spec_dir_still_compile(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    _repository(tmp_path, "{email: {to: cart-oncall@example.com}}")
    platform = ["--platform", "specs/platform.yaml"]
    result = run_obsc(capsys, "compile", "specs/teams/alpha", *platform, "--out", "out", "--no-validate")
    assert result.code == 0, result.err
    _repository(tmp_path, "{email: {to: payments-oncall@example.com}}", spec_dir=False)  # no folder, no owner
    result = run_obsc(capsys, "compile", "specs/teams/alpha", *platform, "--out", "out2", "--no-validate")
    assert result.code == 0, result.err
