"""The fast tier's real-tool check (`make test`): promtool accepts every rule file the examples compile to and
passes one generated test file whole. amtool's routing tests on the examples run in tests/test_amtool.py; the
generated tests of every service and fleet run in the slow tier (tests/test_hold_feed.py and the sweeps)."""

from __future__ import annotations

import subprocess
from pathlib import Path

import yaml

from compiler.api import compile_specs
from tests.conftest import ROOT, require_tool

# The examples' smallest service with a generated test file (~1.7 CPU-s of promtool).
SERVICE = "homepage"


def _examples_prometheus_files(out: Path) -> Path:
    bundle = compile_specs([str(ROOT / "examples")]).bundle
    for artifact in bundle.artifacts:
        if artifact.path.startswith("prometheus/"):
            (out / artifact.path).parent.mkdir(parents=True, exist_ok=True)
            (out / artifact.path).write_text(artifact.content)
    return out / "prometheus"


def test_promtool_checks_the_examples_rules_and_passes_a_generated_test_file(tmp_path: Path) -> None:
    promtool = require_tool("promtool", "PROMTOOL")
    prometheus = _examples_prometheus_files(tmp_path)
    rule_files = sorted(str(p.relative_to(prometheus)) for p in (prometheus / "rules").glob("*.yaml"))
    assert len(rule_files) >= 7  # one a service at least
    checked = subprocess.run(
        [promtool, "check", "rules", "--lint-fatal", *rule_files], cwd=prometheus, capture_output=True, text=True
    )
    assert checked.returncode == 0, checked.stdout[-2000:] + checked.stderr[-2000:]
    assert checked.stdout.count("SUCCESS") == len(rule_files)

    test_file = f"tests/{SERVICE}.test.yaml"
    assert len(yaml.safe_load((prometheus / test_file).read_text())["tests"]) > 1
    tested = subprocess.run(
        [promtool, "test", "rules", test_file], cwd=prometheus, capture_output=True, text=True, timeout=600
    )
    assert tested.returncode == 0, tested.stdout[-2000:] + tested.stderr[-2000:]
    assert "SUCCESS" in tested.stdout
