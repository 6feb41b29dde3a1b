"""toolcheck/promtool against the real promtool 2.42: passes the examples in every layout, and reports
broken rules, failing generated tests, warnings and untested alerts by file; exit 3 when missing."""

from __future__ import annotations

import re
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
import yaml

from compiler.api import Compilation, CompileOptions, compile_specs
from compiler.errors import ExitCode, ToolError
from compiler.output import writer
from compiler.targets.prometheus import templates as tmpl
from compiler.toolcheck import _run, promtool, promtool_focus, yaml_outline
from compiler.toolcheck.record import Record
from tests.cli_helpers import run_obsc
from tests.conftest import FULL, ROOT, require_tool

# libyaml: the same data and, for these files, the same text as PyYAML's pure-Python reader and writer at a
# tenth of the CPU (a generated test file is ~70 KB)
_LOADER: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_DUMPER: Any = getattr(yaml, "CSafeDumper", yaml.SafeDumper)

EXAMPLES = str(ROOT / "examples")
# Three cheap examples of three SLI kinds (raw ratio, freshness, probe time slices): four promtool test files,
# ~1 CPU-s to run where the whole examples/ tree takes ~12. Enough for tests of how files are handed out.
FEW = tuple(f"{EXAMPLES}/{name}.yaml" for name in ("order-worker", "nightly-backup", "homepage-probe"))


@pytest.fixture
def have_promtool() -> str:
    return require_tool("promtool", "PROMTOOL")


def written(out: Path, fmt: str = "prometheus", everything: bool = False, few: bool = False) -> Compilation:
    """The examples compiled and written to `out`: only order-worker (quick to test) unless `everything` or
    `few` (the FEW examples)."""
    paths = [EXAMPLES] if everything else list(FEW) if few else [f"{EXAMPLES}/order-worker.yaml"]
    compilation = compile_specs(paths, CompileOptions(format=fmt, platform_file=f"{EXAMPLES}/platform.yaml"))
    writer.write(writer.plan(compilation.bundle, str(out)))
    return compilation


def edit(path: Path, old: str, new: str, count: int = 1) -> None:
    text = path.read_text()
    assert old in text, f"{old!r} not in {path}"
    path.write_text(text.replace(old, new, count))


@pytest.mark.parametrize("fmt", ["prometheus", "prometheus-operator", "mimir", "vmalert"])
def test_examples_pass_check_and_test_in_every_layout(have_promtool: str, tmp_path: Path, fmt: str) -> None:
    """Every example in the plain layout; the other layouts hold the same tests (byte for byte but the header in
    operator and mimir, less the keep_firing_for cases in vmalert, test_vmalert_layout.py) around wrapped or moved
    rules, so FEW examples show that their rules are found; all of them in the nightly sweep (OBSC_TEST_FULL)."""
    everything = FULL or fmt == "prometheus"
    promtool.validate(written(tmp_path, fmt, everything=everything, few=not everything).bundle, str(tmp_path))


def test_one_invocation_each_for_check_and_test(
    have_promtool: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls: list[tuple[str, ...]] = []
    real = _run.run

    def spy(argv: list[str], **kwargs: object) -> _run.Result:
        calls.append(tuple(argv[1:3]))
        return real(argv, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(_run, "run", spy)
    monkeypatch.setenv("OBSC_JOBS", "1")
    promtool.validate(written(tmp_path).bundle, str(tmp_path))
    assert sorted(c for c in calls if c != ("--version",)) == [("check", "rules"), ("test", "rules")]


def test_files_are_spread_over_one_process_per_job_each_file_once(
    have_promtool: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls: list[tuple[str, ...]] = []
    real = _run.run

    def spy(argv: list[str], **kwargs: object) -> _run.Result:
        calls.append(tuple(argv[1:]))
        return real(argv, **kwargs)  # type: ignore[arg-type]

    compilation = written(tmp_path, few=True)
    monkeypatch.setattr(_run, "run", spy)
    monkeypatch.setenv("OBSC_JOBS", "2")
    promtool.validate(compilation.bundle, str(tmp_path))
    tests = [c for c in calls if c[:2] == ("test", "rules")]
    checks = [c for c in calls if c[:2] == ("check", "rules")]
    assert len(tests) == 2 and len(checks) == 2
    expected = sorted(p for p in compilation.bundle.paths if p.endswith(".test.yaml"))
    ran = [promtool_focus.source_of(f) for c in tests for f in c[2:]]  # each test group of each file, once
    assert sorted(r for r in ran if r) == sorted((t, g + 1) for t in expected for g in range(_groups(tmp_path / t)))
    # a broken file is still found, whichever process had it
    edit(tmp_path / "prometheus/rules/order-worker.yaml", "> 0.05", "> 0.5")
    with pytest.raises(ToolError, match="order-worker"):
        promtool.validate(compilation.bundle, str(tmp_path))


def test_unchanged_tests_that_passed_are_not_run_again(
    have_promtool: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """With the validation record of a run that passed, only files whose bytes changed run again: here a rule
    file, so its check and every test file that loads it (their own bytes did not change)."""
    compilation = written(tmp_path)
    first = Record()
    promtool.validate(compilation.bundle, str(tmp_path), first)
    ran: list[tuple[str, ...]] = []
    real = _run.run

    def spy(argv: list[str], **kwargs: object) -> _run.Result:
        ran.append(tuple(argv[1:]))
        return real(argv, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(_run, "run", spy)
    monkeypatch.setenv("OBSC_JOBS", "1")
    promtool.validate(compilation.bundle, str(tmp_path), Record(known=frozenset(first.passed)))
    assert [a for a in ran if a != ("--version",)] == []  # every file passed before, unchanged
    edit(tmp_path / "prometheus/rules/order-worker.yaml", "> 0.05", "> 0.5")
    ran.clear()
    with pytest.raises(ToolError, match="ServiceHighErrorRate"):
        promtool.validate(compilation.bundle, str(tmp_path), Record(known=frozenset(first.passed)))
    ran = sorted(a for a in ran if a != ("--version",))
    assert ran[0][:2] == ("check", "rules") and len(ran[0]) == 4  # --lint-fatal and the changed file only
    assert ran[1][:2] == ("test", "rules") and len(ran) == 2  # every test file of the changed rules, each group once
    groups = [promtool_focus.source_of(f) for f in ran[1][2:]]
    tests = [f"prometheus/tests/order-worker{part}.test.yaml" for part in (".holds", ".long", ".scrapes", "", ".twins")]
    assert sorted(g for g in groups if g) == [(t, g + 1) for t in tests for g in range(_groups(tmp_path / t))]


def test_a_broken_expression_is_reported_with_its_file_and_position(have_promtool: str, tmp_path: Path) -> None:
    compilation = written(tmp_path)
    edit(tmp_path / "prometheus/rules/order-worker.yaml", "expr: sum(sum(rate(jobs", "expr: sum(sum(rate(jobs[")
    with pytest.raises(ToolError) as caught:
        promtool.validate(compilation.bundle, str(tmp_path))
    message = str(caught.value)
    where = r"prometheus/rules/order-worker\.yaml: \d+:\d+: "
    assert re.search(where + r'group "obsc-order-worker-slo", rule 1, "slo:sli_total:rate5m": could not parse', message)
    assert caught.value.exit_code == ExitCode.DRIFT


def test_a_weakened_alert_fails_its_generated_test(have_promtool: str, tmp_path: Path) -> None:
    compilation = written(tmp_path)
    edit(
        tmp_path / "prometheus/rules/order-worker.yaml",
        'rate5m{service="order-worker"}[5m]) > 0.05',
        'rate5m{service="order-worker"}[5m]) > 0.07',
    )
    with pytest.raises(ToolError) as caught:
        promtool.validate(compilation.bundle, str(tmp_path))
    message = str(caught.value)
    # the file, and which of its test groups failed
    failed = r"prometheus/tests/order-worker\.test\.yaml \(test \d+ of \d+\): alertname: ServiceHighErrorRate"
    assert re.search(failed, message)
    assert "long.test.yaml" not in message  # only the failing file is reported


def test_operator_layout_findings_name_the_written_file(have_promtool: str, tmp_path: Path) -> None:
    compilation = written(tmp_path, "prometheus-operator")
    edit(tmp_path / "prometheus/operator/order-worker.yaml", "> (14.4 * 0.005)", "> (14.4 * 0.005", 1)
    with pytest.raises(ToolError, match=r"prometheus/operator/order-worker\.yaml \(groups extracted\): .*parse error"):
        promtool.validate(compilation.bundle, str(tmp_path))


def test_a_promtool_warning_fails_the_run(have_promtool: str, tmp_path: Path) -> None:
    compilation = written(tmp_path)
    edit(tmp_path / "prometheus/tests/order-worker.test.yaml", "../rules/order-worker.yaml", "../rules/nowhere.yaml")
    with pytest.raises(ToolError, match=r"order-worker\.test\.yaml: WARNING: no file match pattern"):
        promtool.validate(compilation.bundle, str(tmp_path))


def test_alert_names_are_cross_checked_between_rules_and_tests(have_promtool: str, tmp_path: Path) -> None:
    compilation = written(tmp_path)
    # ServiceDown is asserted in the main file and, for its crash-loop branch, in the scrapes file
    for path in sorted((tmp_path / "prometheus/tests").glob("order-worker.*test.yaml")):
        data = yaml.load(path.read_text(), Loader=_LOADER)
        for case in data["tests"]:
            checks = [c for c in case.get("alert_rule_test", []) if c["alertname"] != "ServiceDown"]
            case["alert_rule_test"] = [*checks, {"eval_time": "0m", "alertname": "NoSuchAlert", "exp_alerts": []}]
        path.write_text(yaml.dump(data, Dumper=_DUMPER, sort_keys=False))
    with pytest.raises(ToolError) as caught:
        promtool.validate(compilation.bundle, str(tmp_path))
    message = str(caught.value)
    assert "order-worker.test.yaml: asserts alert NoSuchAlert, which no rule it loads defines" in message
    assert "prometheus/rules/order-worker.yaml: alert ServiceDown is never asserted firing by a test" in message
    assert "prometheus/rules/order-worker.yaml: alert ServiceDown is never asserted quiet by a test" in message


def test_missing_promtool_exits_3_with_the_install_command(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PROMTOOL", str(tmp_path / "no-promtool"))
    with pytest.raises(ToolError) as caught:
        promtool.validate(written(tmp_path).bundle, str(tmp_path))
    assert caught.value.exit_code == ExitCode.MISSING_TOOL
    assert "apt-get install -y --no-install-recommends prometheus" in str(caught.value)


def test_cli_compile_exits_3_without_promtool(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("PROMTOOL", str(tmp_path / "no-promtool"))
    one = str(ROOT / "tests" / "golden" / "minimal" / "specs")  # one service: amtool and the lint still run for it
    result = run_obsc(capsys, "compile", one, "--out", str(tmp_path / "out"))
    assert result.code == 3
    assert "promtool" in result.err and "apt-get install" in result.err


def test_a_slow_promtool_times_out_cleanly(have_promtool: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    compilation = written(tmp_path)
    monkeypatch.setenv("OBSC_TOOL_TIMEOUT", "0.001")
    # the files it was reading named (round 44: whose output was too large to check in time)
    with pytest.raises(
        ToolError, match=r"promtool did not finish within 0\.001s reading \S+\.yaml.* \(set OBSC_TOOL_TIMEOUT"
    ):
        promtool.validate(compilation.bundle, str(tmp_path))


def test_go_template_port_matches_promtool(have_promtool: str, tmp_path: Path) -> None:
    """Annotations the generated tests predict are rendered by promtool itself, for awkward values too."""
    values = [0.0, 0.018, 0.125, -1.0, 2.5, 0.625, 1.0, 59.999, 3600.0, 43200.5, 90061.0, 1234567.0, 0.0012, 1e-7]
    description = f"p={tmpl.PERCENT} d={tmpl.DURATION} n={tmpl.NUMBER}"
    rules = {
        "groups": [
            {
                "name": "g",
                "rules": [
                    {"alert": f"V{i}", "expr": f"vector({v!r})", "annotations": {"description": description}}
                    for i, v in enumerate(values)
                ],
            }
        ]
    }
    tests = {
        "rule_files": ["rules.yaml"],
        "tests": [
            {
                "interval": "1m",
                "input_series": [],
                "alert_rule_test": [
                    {
                        "eval_time": "0m",
                        "alertname": f"V{i}",
                        "exp_alerts": [
                            {"exp_labels": {}, "exp_annotations": {"description": tmpl.render(description, v)}}
                        ],
                    }
                    for i, v in enumerate(values)
                ],
            }
        ],
    }
    (tmp_path / "rules.yaml").write_text(yaml.safe_dump(rules))
    (tmp_path / "t.yaml").write_text(yaml.safe_dump(tests))
    result = _run.run([have_promtool, "test", "rules", "t.yaml"], cwd=str(tmp_path), merge_output=True)
    assert result.returncode == 0, result.stdout


def test_template_port_known_values() -> None:
    assert tmpl.humanize_percentage(0.0125) == "1.25%"
    assert tmpl.humanize_duration(43200.5) == "12h 0m 0s"
    assert tmpl.humanize_duration(90061) == "1d 1h 1m 1s"
    assert tmpl.humanize_duration(0.625) == "625ms"
    assert tmpl.humanize(1234567) == "1.235M"
    with pytest.raises(ValueError, match="cannot predict"):
        tmpl.render("{{ $labels.instance }}", 1.0)


def test_no_promtool_call_gets_more_than_a_few_files(
    have_promtool: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The tool timeout bounds each call: a fleet's tests are cut into calls of FILES_PER_CALL files, even on
    one CPU, each file in exactly one call."""
    compilation = written(tmp_path, few=True)
    calls: list[tuple[str, ...]] = []
    real = _run.run

    def spy(argv: list[str], **kwargs: object) -> _run.Result:
        calls.append(tuple(argv[1:]))
        return real(argv, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(_run, "run", spy)
    monkeypatch.setattr(promtool, "FILES_PER_CALL", 5)  # a service's test files (up to 5) are one unit
    monkeypatch.setenv("OBSC_JOBS", "1")
    promtool.validate(compilation.bundle, str(tmp_path))
    tests = [{_source(f) for f in c[2:]} for c in calls if c[:2] == ("test", "rules")]  # a focused group: its file
    expected = sorted(p for p in compilation.bundle.paths if p.endswith(".test.yaml"))
    assert len(expected) > 5 and len(tests) == -(-len(expected) // 5) and all(len(t) <= 5 for t in tests)
    assert sorted(f for t in tests for f in t) == expected


@pytest.mark.skipif(not getattr(yaml, "__with_libyaml__", False), reason="PyYAML built without libyaml")
def test_the_cross_check_parses_with_libyaml(tmp_path: Path) -> None:
    # A cold fleet's cross-check reads ~150 MB of YAML: the pure-Python loader made it minutes of CPU.
    assert yaml_outline._SAFE_LOADER is yaml.CSafeLoader
    document = tmp_path / "rules.yaml"
    document.write_text("groups:\n- name: g\n  rules:\n  - alert: A\n    expr: up == 0\n")
    assert promtool._alert_names(str(document)) == {"A"}


def _groups(test_file: Path) -> int:
    return len(yaml.load(test_file.read_text(), Loader=_LOADER)["tests"])


def _source(path: str) -> str:
    focused = promtool_focus.source_of(path)
    return focused[0] if focused else path


@pytest.mark.parametrize(
    ("files", "said"),
    [
        (["c.test.yaml", "a.test.yaml", "b.test.yaml"], "a.test.yaml, b.test.yaml, c.test.yaml"),
        (["d.yaml", "c.yaml", "b.yaml", "a.yaml"], "a.yaml, b.yaml, c.yaml and 1 more"),
        (["a.test.yaml (group 1)", "a.test.yaml (group 2)"], "a.test.yaml"),
    ],
)
def test_a_timeout_names_three_files_and_counts_the_rest(files: list[str], said: str) -> None:
    # the count from the fourth file (from the fifth, a hand mutant of round 44, passed every test: a fourth file
    # was left unsaid), a focused file's groups as the file once
    assert promtool._named(files, SimpleNamespace(shown={})) == said  # type: ignore[arg-type]
