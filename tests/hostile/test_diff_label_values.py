"""`obsc diff` quotes a label value as PromQL does, so spec text cannot pose as labels of another team's.

Found by a hunt (round 40, a hostile contributor in a shared repository): the pull-request comment wrote each
label as `name="value"` with the value as it was. Team alpha's spec adding `labels: {a: 'x", service="payments",
team="bravo'}` showed every alpha alert gaining `{a="x", service="payments", team="bravo"}`: read by the reviewers
of alpha's file as alpha's alerts now carrying bravo's team (or, spelled the other way, hiding what a label
really says). Two label sets could also spell one key (`{a: 'x", b="y'}` and `{a: x, b: y}`), and the report
keeps one row a key.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from compiler.changes.compare import alert_key, labels_text
from tests.cli_helpers import run_obsc

PLATFORM = """\
apiVersion: obsc/v1
kind: Platform
secrets: {team_root: "/etc/alertmanager/secrets/team-{team}/", team_spec_dir: "teams/{team}/"}
teams:
  alpha: {routing: {critical: {webhook: {url: "https://hooks.example/alpha"}}, warning: {webhook: {url: "https://hooks.example/alpha"}}}}
  bravo: {routing: {critical: {webhook: {url: "https://hooks.example/bravo"}}, warning: {webhook: {url: "https://hooks.example/bravo"}}}}
"""

SPEC = """\
apiVersion: obsc/v1
service: {service}
team: {team}
description: x
selector: {{job: {service}}}
metrics:
  requests: http_requests_total
  errors: http_requests_total{{code=~"5.."}}
slos:
  - {{name: availability, objective: 99.9, sli: {{errors: errors, total: requests}}}}
"""

POSING = 'x", service="payments", team="bravo'


def _write(specs: Path, service: str, team: str, extra: str = "") -> None:
    folder = specs / "teams" / team
    folder.mkdir(parents=True, exist_ok=True)
    (folder / f"{service}.yaml").write_text(SPEC.format(service=service, team=team) + extra)


@pytest.mark.parametrize("shape", ["markdown", "json"])
def test_a_label_value_cannot_pose_as_another_teams_labels(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], shape: str
) -> None:
    specs, out = tmp_path / "specs", tmp_path / "generated"
    specs.mkdir()
    (specs / "platform.yaml").write_text(PLATFORM)
    _write(specs, "payments", "bravo")
    _write(specs, "cart", "alpha")
    assert run_obsc(capsys, "compile", str(specs), "--out", str(out), "--no-validate", "-q").code == 0
    _write(specs, "cart", "alpha", f"labels: {{a: {json.dumps(POSING)}}}\n")
    result = run_obsc(capsys, "diff", str(specs), "--out", str(out), "--as", shape)
    assert result.code == 0, result.err
    shown = result.out if shape == "markdown" else json.dumps(json.loads(result.out)["changes"], ensure_ascii=False)
    if shape == "json":
        shown = shown.replace('\\"', '"').replace("\\\\", "\\")  # the JSON string's own escapes, undone
    assert 'service="payments"' not in shown and 'team="bravo"' not in shown, shown
    assert 'a="x\\", service=\\"payments\\", team=\\"bravo"' in shown, shown


def test_two_label_sets_never_spell_one_key() -> None:
    posing, plain = {"a": 'x", b="y'}, {"a": "x", "b": "y"}
    assert labels_text(posing) != labels_text(plain)
    assert alert_key("QueueDeep", posing | {"severity": "warning"}) != alert_key("QueueDeep", plain)
    assert labels_text({"a": "back\\slash\nline"}) == '{a="back\\\\slash\\nline"}'
    assert labels_text({"service": "cart"}) == '{service="cart"}'  # plain values read as before
