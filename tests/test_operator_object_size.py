"""`--format prometheus-operator`: a PrometheusRule the operator would refuse as too large (layouts hunt, round 29).

The operator writes each object's `spec` as one rule file into ConfigMaps of at most 512 KiB and fails its whole
reconcile on a larger file ("is too large for a single Kubernetes ConfigMap"): one service with many SLOs froze
every rule of the Prometheus selecting it, and obsc compiled it without a word. It is now a located error,
exit 2, nothing written; the same specs compile in the plain layout, and a service just under the cap compiles.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from compiler import conventions as names
from compiler.api import CompileOptions, compile_specs
from compiler.errors import InputError
from compiler.targets.prometheus.operator_size import RULE_FILE_LIMIT, operator_encoded_size
from tests.cli_helpers import run_obsc

PLATFORM = """\
apiVersion: obsc/v1
kind: Platform
teams:
  storage:
    routing:
      critical: {webhook: {url: "http://relay.storage.svc:8080/page"}}
      warning: {webhook: {url: "http://relay.storage.svc:8080/ticket"}}
"""


def _specs(folder: Path, slos: int) -> Path:
    """One service with `slos` error-ratio SLOs kept per tenant: ~21 KB of operator rule file each (round 42)."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "platform.yaml").write_text(PLATFORM)
    lines = [
        "apiVersion: obsc/v1",
        "service: big-api",
        "team: storage",
        "selector: {job: big}",
        "metrics:",
        "  requests: http_requests_total",
        '  errors: http_requests_total{code=~"5.."}',
        "slos:",
        *(
            f"  - {{name: route{i}, objective: 99.9, by: [tenant], sli: {{errors: errors, total: requests}}}}"
            for i in range(slos)
        ),
    ]
    (folder / "big-api.yaml").write_text("\n".join(lines) + "\n")
    return folder


def _object(specs: Path) -> str:
    bundle = compile_specs([str(specs)], CompileOptions(format="prometheus-operator")).bundle
    path = names.prometheus_rules_path("big-api", "prometheus-operator")
    return next(a.content for a in bundle.artifacts if a.path == path)


def test_a_service_over_the_operators_rule_file_cap_is_a_located_error(tmp_path: Path) -> None:
    specs = _specs(tmp_path / "specs", 35)
    with pytest.raises(InputError) as raised:
        compile_specs([str(specs)], CompileOptions(format="prometheus-operator"))
    (error,) = raised.value.diagnostics
    assert (error.location.file, error.location.line) == (str(specs / "big-api.yaml"), 2)
    assert "512 KiB" in error.message and "35 SLOs" in error.message
    assert compile_specs([str(specs)], CompileOptions()).bundle.artifacts  # the plain layout has no such cap


def test_a_service_under_the_cap_compiles_and_the_measure_is_of_its_spec(tmp_path: Path) -> None:
    # 30 until round 37 (the silent-group watch), 28 until round 42 (the page burst record, a burn pair's start),
    # 24 until round 45 (the 3d/6h ticket's burst record), 23 until round 48 (ServiceDown held into the page pairs),
    # 22 until round 52 (a page pair's lone-failure start read unless a page fired, beside the restart floor: 529,902
    # bytes at 22)
    content = _object(_specs(tmp_path / "specs", 21))
    size = operator_encoded_size(content)
    assert RULE_FILE_LIMIT // 2 < size <= RULE_FILE_LIMIT  # near the cap: the boundary case, re-encoded
    assert size < len(content.encode())
    spec: Any = yaml.safe_load(content)["spec"]
    assert spec["groups"] and all(g["rules"] for g in spec["groups"])


def test_the_cli_exits_2_and_leaves_the_output_as_it_was(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    _specs(tmp_path / "specs", 35)
    result = run_obsc(capsys, "compile", "specs", "--out", "new", "--format", "prometheus-operator", "--no-validate")
    assert result.code == 2, result.err
    assert "specs/big-api.yaml:2:10 $.service: with --format prometheus-operator" in result.err
    assert "Traceback" not in result.err and not (tmp_path / "new").exists()
