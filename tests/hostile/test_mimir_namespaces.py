"""A service named like a ruler namespace the tenant holds for other rules, under `--format mimir`.

Round 40's known limit, tried again in round 41's hunt: the mimir layout names each service's namespace after
the service, unprefixed. Two teams' services can never share one (a service defined twice is refused), but a
spec of team alpha may name its service `kubernetes-apps`, the namespace a platform's mixin rules live in, and
a `mimirtool rules sync` of obsc's files then replaces that namespace's groups with alpha's. The platform file
may now give the namespace a prefix (`output: {mimir_namespace: "obsc-{service}"}`), which makes that
impossible; the default stays the service's name (renaming moves every deployed group).
"""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from tests.cli_helpers import run_obsc

PLATFORM = """\
apiVersion: obsc/v1
kind: Platform
secrets: {{team_root: "/etc/alertmanager/secrets/team-{{team}}/", team_spec_dir: "teams/{{team}}/"}}
teams:
  alpha: {{routing: {{critical: {{webhook: {{url: "https://hooks.example/alpha"}}}}, warning: {{webhook: {{url: "https://hooks.example/alpha"}}}}}}}}
output: {{format: mimir{namespace}}}
"""

SPEC = """\
apiVersion: obsc/v1
service: kubernetes-apps
team: alpha
description: x
selector: {job: cart}
metrics:
  requests: http_requests_total
  errors: http_requests_total{code=~"5.."}
slos:
  - {name: availability, objective: 99.9, sli: {errors: errors, total: requests}}
"""


def _compile(tmp_path: Path, capsys: pytest.CaptureFixture[str], namespace: str) -> tuple[int, str, Path]:
    specs = tmp_path / "specs"
    (specs / "teams" / "alpha").mkdir(parents=True)
    (specs / "platform.yaml").write_text(PLATFORM.format(namespace=namespace))
    (specs / "teams" / "alpha" / "kubernetes-apps.yaml").write_text(SPEC)
    out = tmp_path / "out"
    result = run_obsc(capsys, "compile", str(specs), "--out", str(out), "--no-validate", "-q")
    return result.code, result.err, out / "prometheus" / "mimir" / "kubernetes-apps.yaml"


def test_a_platform_prefix_keeps_a_service_off_the_tenants_other_namespaces(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, err, rules = _compile(tmp_path, capsys, ', mimir_namespace: "obsc-{service}"')
    assert code == 0, err
    assert yaml.safe_load(rules.read_text())["namespace"] == "obsc-kubernetes-apps"


def test_without_a_prefix_the_namespace_is_the_services_name(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, err, rules = _compile(tmp_path, capsys, "")
    assert code == 0, err
    assert yaml.safe_load(rules.read_text())["namespace"] == "kubernetes-apps"


@pytest.mark.parametrize("pattern", ["obsc", "{service}-{service}", "a/{service}", "{team}-{service}"])
def test_a_pattern_that_is_not_one_service_name_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], pattern: str
) -> None:
    code, err, rules = _compile(tmp_path, capsys, f', mimir_namespace: "{pattern}"')
    assert code == 2, err
    assert "platform.yaml:6:" in err and "$.output.mimir_namespace" in err
    assert not rules.exists()
