"""`--format vmalert`: the plain groups less `keep_firing_for`, which vmalert 1.79 rejects (issue 17).

The e2e side (vmalert + VictoriaMetrics running these files) is tests/e2e/test_vmalert.py.
"""

from __future__ import annotations

import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml

from compiler import conventions as names
from compiler.api import CompileOptions, compile_specs
from compiler.output import writer
from tests.conftest import ROOT, require_tool

EXAMPLES = str(ROOT / "examples")
SEVEN_DAYS = str(ROOT / "tests" / "golden" / "vmalert-layout" / "specs")  # a 7d period: two ticket pairs
# libyaml where available: whole generated rule files are read (~10x faster than pure Python).
_LOADER: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def _files(specs: str, fmt: str) -> dict[str, str]:
    bundle = compile_specs([specs], CompileOptions(format=fmt)).bundle
    return {a.path: a.content for a in bundle.artifacts}


def _rules(files: dict[str, str], fmt: str) -> dict[str, Any]:
    folder = names.prometheus_rules_path("x", fmt).rsplit("/", 1)[0] + "/"
    return {
        Path(p).stem: yaml.load(c, Loader=_LOADER)
        for p, c in files.items()
        if p.startswith(folder) and p.endswith(".yaml")
    }


@pytest.mark.parametrize("specs", [EXAMPLES, SEVEN_DAYS])
def test_the_vmalert_layout_is_the_plain_one_without_keep_firing_for(specs: str) -> None:
    plain, vm = _rules(_files(specs, "prometheus"), "prometheus"), _rules(_files(specs, "vmalert"), "vmalert")
    assert plain and set(vm) == set(plain)
    dropped = 0
    for service, document in plain.items():
        for group in document["groups"]:
            for rule in group["rules"]:
                dropped += rule.pop("keep_firing_for", None) is not None
        assert vm[service] == document, service
    assert dropped, "the specs have ticket pairs with keep_firing_for: the test would prove nothing"


def test_the_files_go_to_their_own_folder() -> None:
    files = _files(SEVEN_DAYS, "vmalert")
    assert f"{names.PROMETHEUS_VMALERT_DIR}/payments-ledger.yaml" == names.prometheus_rules_path(
        "payments-ledger", "vmalert"
    )
    assert names.prometheus_rules_path("payments-ledger", "vmalert") in files
    assert not any(p.startswith(names.PROMETHEUS_RULES_DIR + "/") for p in files)


def test_the_promtool_tests_match_the_rules_they_test() -> None:
    """The hand-over case needs keep_firing_for: generated for the plain layout, not for vmalert's."""
    plain, vm = _files(SEVEN_DAYS, "prometheus"), _files(SEVEN_DAYS, "vmalert")
    tests = names.promtool_test_path("payments-ledger")
    assert "without a gap" in plain[tests]
    assert "without a gap" not in vm[tests]


def test_vmalert_dry_run_accepts_the_layout_and_rejects_the_plain_one(tmp_path: Path) -> None:
    vmalert = require_tool("vmalert")
    for fmt in ("prometheus", "vmalert"):
        bundle = compile_specs([SEVEN_DAYS], CompileOptions(format=fmt)).bundle
        writer.write(writer.plan(bundle, str(tmp_path / fmt)))
    folder = {"prometheus": names.PROMETHEUS_RULES_DIR, "vmalert": names.PROMETHEUS_VMALERT_DIR}

    def dry_run(fmt: str) -> subprocess.CompletedProcess[str]:
        rules = tmp_path / fmt / folder[fmt] / "*.yaml"
        argv = [vmalert, "-dryRun", f"-rule={rules}", "-loggerLevel=ERROR"]
        return subprocess.run(argv, capture_output=True, text=True, cwd=tmp_path, timeout=60)

    ok, refused = dry_run("vmalert"), dry_run("prometheus")
    assert ok.returncode == 0, ok.stderr
    assert refused.returncode != 0 and "unknown fields in rule: keep_firing_for" in refused.stderr
