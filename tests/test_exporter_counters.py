"""Envoy's and ingress-nginx's request counters, named without `_total`, read as the counters they are (round 47).

A newcomer's Envoy spec (`requests: envoy_cluster_upstream_rq_xx`) and ingress-nginx spec (`requests:
nginx_ingress_controller_requests`) were refused as "not named like a counter" until each said `type: counter`;
they now compile to the same bytes as with it. A gauge of the same exporter is still refused."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.cli_helpers import run_obsc
from tests.test_healthy_lines import PLATFORM  # one team, data

SPEC = """apiVersion: obsc/v1
service: edge
team: data
selector: {job: edge}
metrics:
  requests: REQUESTS
  errors: ERRORS
slos:
  - {name: availability, objective: 99.9, sli: {errors: errors, total: requests}}
"""


def _compile(tmp_path: Path, capsys: pytest.CaptureFixture[str], requests: str, errors: str, out: str) -> str:
    specs = tmp_path / "specs"
    specs.mkdir(exist_ok=True)
    (specs / "platform.yaml").write_text(PLATFORM)
    (specs / "edge.yaml").write_text(SPEC.replace("REQUESTS", requests).replace("ERRORS", errors))
    result = run_obsc(capsys, "compile", str(specs), "--out", str(tmp_path / out), "--no-validate")
    assert result.code == 0, result.err
    rules = (tmp_path / out / "prometheus" / "rules" / "edge.yaml").read_text()
    return rules.replace(f"--out {out}\n", "--out OUT\n")  # the header names the folder


@pytest.mark.parametrize(
    ("requests", "errors"),
    [
        ("envoy_cluster_upstream_rq_xx", 'envoy_cluster_upstream_rq_xx{envoy_response_code_class="5"}'),
        ("envoy_cluster_upstream_rq", 'envoy_cluster_upstream_rq{envoy_response_code=~"5.."}'),
        ("envoy_http_downstream_rq_xx", 'envoy_http_downstream_rq_xx{envoy_response_code_class="5"}'),
        ("nginx_ingress_controller_requests", 'nginx_ingress_controller_requests{status=~"5.."}'),
    ],
    ids=["envoy-upstream-class", "envoy-upstream-code", "envoy-downstream", "ingress-nginx"],
)
def test_a_known_exporters_counter_without_total_compiles_as_with_type_counter(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], requests: str, errors: str
) -> None:
    bare = _compile(tmp_path, capsys, requests, f"'{errors}'", "bare")
    typed = _compile(
        tmp_path,
        capsys,
        f"{{selector: {requests}, type: counter}}",
        f"{{selector: '{errors}', type: counter}}",
        "typed",
    )
    assert f"rate({requests}{{" in bare and bare == typed


def test_a_gauge_of_the_same_exporter_is_still_refused(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    specs = tmp_path / "specs"
    specs.mkdir()
    (specs / "platform.yaml").write_text(PLATFORM)
    spec = SPEC.replace("REQUESTS", "envoy_cluster_upstream_rq_active")
    (specs / "edge.yaml").write_text(
        spec.replace("ERRORS", "'envoy_cluster_upstream_rq_xx{envoy_response_code_class=\"5\"}'")
    )
    result = run_obsc(capsys, "validate", str(specs))
    assert (
        result.code == 2
        and "edge.yaml:6:13 $.metrics.requests: envoy_cluster_upstream_rq_active is not named like a counter"
        in result.err
    ), result.err
