"""`--format prometheus-operator` objects against the operator's own CRD schemas (reads
../shared/corpus/prometheus-operator: fails under CI=true when it is missing).

The API server prunes unknown fields silently unless a client asks for strict field validation
(`kubectl apply --validate=strict`), so the schemas are checked strictly: every object schema that
lists properties and does not preserve unknown fields also refuses fields it does not list.
"""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml

from compiler.api import CompileOptions, compile_specs
from tests.conftest import ROOT, require_shared

CASES = sorted(
    [ROOT / "examples", *(p / "specs" for p in (ROOT / "tests" / "golden").iterdir() if (p / "specs").is_dir())]
)
KINDS = {"PrometheusRule": "prometheusrules-crd.json", "AlertmanagerConfig": "alertmanagerconfigs-crd.json"}
# libyaml where available: whole generated rule files are read (~10x faster than pure Python).
_LOADER: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def _strict(schema: Any) -> Any:
    if isinstance(schema, dict):
        out = {k: _strict(v) for k, v in schema.items()}
        if "properties" in out and not out.get("x-kubernetes-preserve-unknown-fields"):
            out.setdefault("additionalProperties", False)
        return out
    if isinstance(schema, list):
        return [_strict(item) for item in schema]
    return schema


def _validator(kind: str) -> jsonschema.protocols.Validator:
    crd = json.loads(require_shared(f"corpus/prometheus-operator/{KINDS[kind]}").read_text())
    (version,) = [v for v in crd["spec"]["versions"] if v.get("served")]
    schema = _strict(version["schema"]["openAPIV3Schema"])
    return jsonschema.Draft7Validator(schema)


def _objects(specs: Path) -> list[tuple[str, dict[str, Any]]]:
    bundle = compile_specs([str(specs)], CompileOptions(format="prometheus-operator")).bundle
    out = []
    for artifact in bundle.artifacts:
        if "/operator/" in artifact.path:
            data = yaml.load(artifact.content, Loader=_LOADER)
            out.append((artifact.path, data))
    return out


@pytest.mark.parametrize("specs", CASES, ids=lambda p: p.parent.name if p.name == "specs" else p.name)
def test_every_object_validates_strictly(specs: Path) -> None:
    objects = _objects(specs)
    assert {data["kind"] for _, data in objects} == set(KINDS), [p for p, _ in objects]
    for path, data in objects:
        errors = sorted(_validator(data["kind"]).iter_errors(data), key=lambda e: list(e.absolute_path))
        assert not errors, f"{path}: " + "; ".join(f"{list(e.absolute_path)}: {e.message}" for e in errors[:5])


def test_the_strict_check_refuses_what_the_operator_would_prune_or_reject() -> None:
    objects = dict(_objects(ROOT / "examples"))
    rule = next(data for data in objects.values() if data["kind"] == "PrometheusRule")
    unknown = copy.deepcopy(rule)
    unknown["spec"]["groups"][0]["rules"][0]["query_offset"] = "1m"
    assert list(_validator("PrometheusRule").iter_errors(unknown))
    wrong_type = copy.deepcopy(rule)
    wrong_type["spec"]["groups"][0]["rules"] = "not a list"
    assert list(_validator("PrometheusRule").iter_errors(wrong_type))
    config = next(data for data in objects.values() if data["kind"] == "AlertmanagerConfig")
    bad_match = copy.deepcopy(config)
    bad_match["spec"]["route"]["matchers"][0]["matchType"] = "~"
    assert list(_validator("AlertmanagerConfig").iter_errors(bad_match))
