"""A service named like a ruler namespace the tenant holds for other rules, under `--format mimir`.

Round 40's known limit, tried again in round 41's hunt: the mimir layout names each service's namespace after
the service, unprefixed. Two teams' services can never share one (a service defined twice is refused), but a
spec of team alpha may name its service `kubernetes-apps`, the namespace a platform's mixin rules live in, and
a `mimirtool rules sync` of obsc's files then replaces that namespace's groups with alpha's. The platform file
may now give the namespace a prefix (`output: {mimir_namespace: "obsc-{service}"}`), which makes that
impossible; the default stays the service's name (renaming moves every deployed group).

Round 41's known limit: without the prefix, nothing kept a service off those namespaces. Round 42: the platform
lists the namespaces it holds (`output: {mimir_reserved_namespaces: [kubernetes-apps, kube-*]}`), and a service
whose namespace would be one of them is a located error at its `service:`, nothing written.
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


@pytest.mark.parametrize(
    ("settings", "held"),
    [
        (", mimir_reserved_namespaces: [node-exporter, kubernetes-apps]", "'kubernetes-apps'"),
        (", mimir_reserved_namespaces: [kubernetes-*]", "'kubernetes-*'"),
        (', mimir_namespace: "{service}-rules", mimir_reserved_namespaces: [kubernetes-apps-rules]', None),
    ],
)
def test_a_service_named_like_a_namespace_the_platform_holds_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], settings: str, held: str | None
) -> None:
    code, err, rules = _compile(tmp_path, capsys, settings)
    assert code == 2, err
    namespace = "kubernetes-apps-rules" if held is None else "kubernetes-apps"
    assert "kubernetes-apps.yaml:2:10 $.service: service 'kubernetes-apps' would have the Mimir ruler " in err
    assert f"namespace {namespace!r}, which the platform holds for other rules" in err
    assert f"(output.mimir_reserved_namespaces: {held or repr(namespace)}," in err
    assert not rules.parent.parent.parent.exists()


def test_a_namespace_the_platform_does_not_hold_compiles(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # (Mimir's namespaces are case-sensitive: KUBERNETES-* holds none of obsc's lowercase names)
    settings = ", mimir_reserved_namespaces: [kubernetes-apps-*, kube-*, node, KUBERNETES-*]"
    code, err, rules = _compile(tmp_path, capsys, settings)
    assert code == 0, err
    assert yaml.safe_load(rules.read_text())["namespace"] == "kubernetes-apps"


@pytest.mark.parametrize("name", ["a/b", "kube-[ab]", "kube-?", ""])
def test_a_reserved_name_that_is_not_a_namespace_or_a_star_pattern_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], name: str
) -> None:
    code, err, rules = _compile(tmp_path, capsys, f', mimir_reserved_namespaces: ["{name}"]')
    assert code == 2, err
    assert "platform.yaml:6:" in err and "$.output.mimir_reserved_namespaces[0]" in err
    assert not rules.exists()
