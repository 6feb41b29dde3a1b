"""A selector label left out of the guessed scrape targets is said, at the label, on every compile and validate.

node_exporter hosts selected `{job: node, role: edge}`: `role` is relabelled onto the targets, so `up` carries it,
but obsc guesses it is a metric label (as `grpc_service` is) and ServiceDown read `up{job="node"}`. With every
edge host down and a database host of the same job up, nothing paged (promtool, round 27), and only `-v` said
which labels `up` was read with.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.cli_helpers import run_obsc

PLATFORM = """\
apiVersion: obsc/v1
kind: Platform
teams:
  infra:
    routing:
      critical: {webhook: {url: "https://pager.example.com/infra"}}
      warning: {webhook: {url: "https://tickets.example.com/infra"}}
"""
HOSTS = """\
apiVersion: obsc/v1
service: edge-hosts
team: infra
selector: {job: node, role: edge}
metrics:
  fs_free: {selector: node_filesystem_avail_bytes, type: gauge, aggregation: min, unit: bytes}
threshold_alerts:
  - {name: RootFsLow, metric: fs_free, below: 5GiB, by: [instance]}
"""
WARNING = (
    "edge-hosts.yaml:4:23 $.selector.role: warning: 'role' is not a usual scrape-target label, so ServiceDown "
    'and the checks that ask whether the targets are up read up{job="node"} without it'
)


def _specs(tmp_path: Path, spec: str) -> str:
    specs = tmp_path / "specs"
    specs.mkdir()
    (specs / "platform.yaml").write_text(PLATFORM)
    (specs / "edge-hosts.yaml").write_text(spec)
    return str(specs)


@pytest.mark.parametrize("command", ["validate", "compile"])
def test_a_selector_label_left_out_of_up_is_a_located_warning(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], command: str
) -> None:
    specs = _specs(tmp_path, HOSTS)
    args = (
        ["compile", specs, "--out", str(tmp_path / "out"), "--no-validate"]
        if command == "compile"
        else [command, specs]
    )
    result = run_obsc(capsys, *args)
    assert result.code == 0, result.err
    assert WARNING in result.err
    assert "declare targets: {job: node, role: edge} then, or targets: {job: node} if only the metrics carry it" in (
        result.err
    )


@pytest.mark.parametrize(
    "spec",
    [
        HOSTS.replace(
            "selector: {job: node, role: edge}\n", "selector: {job: node, role: edge}\ntargets: {job: node}\n"
        ),
        HOSTS.replace("{job: node, role: edge}", "{job: node, instance: edge-1}"),
        HOSTS.replace("selector: {job: node, role: edge}\n", "selector: {job: node, role: edge}\ntargets: false\n"),
    ],
    ids=["targets-declared", "only-target-labels", "no-targets"],
)
def test_no_warning_when_nothing_is_guessed_away(tmp_path: Path, capsys: pytest.CaptureFixture[str], spec: str) -> None:
    result = run_obsc(capsys, "validate", _specs(tmp_path, spec))
    assert result.code == 0, result.err
    assert "scrape-target label" not in result.err
