"""Golden cases: a spec directory in, the whole output tree out, compared with the diff `obsc check` uses.

Cases: tests/golden/<case>/specs → tests/golden/<case>/expected, plus examples/ → tests/golden/examples.
A case with a `format` file compiles with that `--format` (default prometheus).
Refresh with `make goldens` and review the git diff like code.
"""

from __future__ import annotations

import pytest

from compiler.api import CompileOptions, compile_specs
from compiler.output import writer
from tests.conftest import ROOT, UPDATE_GOLDENS

GOLDEN = ROOT / "tests" / "golden"
CASES = {p.name: p / "specs" for p in sorted(GOLDEN.iterdir()) if (p / "specs").is_dir()}
CASES["examples"] = ROOT / "examples"


@pytest.mark.parametrize("case", sorted(CASES))
def test_golden(case: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)
    specs = CASES[case].relative_to(ROOT).as_posix()
    expected = GOLDEN / case / "expected"
    fmt_file = GOLDEN / case / "format"
    fmt = fmt_file.read_text().strip() if fmt_file.exists() else "prometheus"
    flag = "" if fmt == "prometheus" else f" --format {fmt}"
    options = CompileOptions(format=fmt, regenerate_command=f"obsc compile {specs} --out OUT{flag}")
    bundle = compile_specs([specs], options).bundle
    plan = writer.plan(bundle, str(expected))
    if UPDATE_GOLDENS and plan.drift:
        writer.write(plan)
        plan = writer.plan(bundle, str(expected))
    if plan.drift:
        diff = "".join(c.diff() for c in plan.drift)
        summary = "\n".join(f"{c.status.value}: {c.path}" for c in plan.drift)
        pytest.fail(
            f"output of {case} differs from its golden files:\n{summary}\n{diff}\n"
            "If the change is intended, run `make goldens` and review the diff."
        )


def test_every_alert_runbook_url_resolves_to_a_generated_page() -> None:
    from compiler.model.alerts import service_alerts

    compilation = compile_specs([str(ROOT / "examples")])
    paths = set(compilation.bundle.paths)
    for service in compilation.fleet.services:
        for alert in service_alerts(service):
            assert alert.runbook_path in paths, alert
