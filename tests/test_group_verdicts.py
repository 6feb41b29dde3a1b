"""Shared verdicts by test group (compiler/toolcheck/group_verdicts.py): a focused test group that is the same in
several services up to their names is judged by two promtool runs (its template named with each token), where
the services' families differ elsewhere and no family shape judges them.

Each service here (`_write`) has two alerts and a test group for each: Hot reads the service's name and is the
same in every service; Warm's threshold is the service's own, so every family is a shape of its own.
"""

from __future__ import annotations

import logging
import random
from pathlib import Path

import pytest

from compiler.api import CompileOptions, compile_specs
from compiler.output import writer
from compiler.toolcheck import group_verdicts, promtool, shape_verdicts
from compiler.toolcheck.promtool_focus import Focused
from tests.bench.fleet import write_fleet
from tests.conftest import require_tool
from tests.test_shape_verdicts import NAME_READ, _handed, _validate

NAMES = ("a1", "a2", "a3", "a4")
HOSTILE = ("a1", "a2", "a3", "aq")  # the first three and the tokens hold no `q`; the last does
FIRES = 'rate(ready_total{job="NAME"}[5m]) > 0.5'


def _write(root: Path, name: str, warm: int, hot: str = FIRES, annotations: str = "", expected: str = "") -> None:
    """One service's files: Hot over `hot` (NAME: the service's name, `annotations` its summary) quiet at 0m and
    firing at 10m with {job: NAME} (and the summary `expected`), then Warm over a threshold of `warm`/10."""
    (root / "prometheus" / "rules").mkdir(parents=True, exist_ok=True)
    (root / "prometheus" / "tests").mkdir(parents=True, exist_ok=True)
    summary = f"        annotations:\n          summary: '{annotations}'\n" if annotations else ""
    (root / "prometheus" / "rules" / f"{name}.yaml").write_text(
        "groups:\n  - name: g\n    rules:\n"
        f"      - alert: Hot\n        expr: {hot.replace('NAME', name)}\n{summary}"
        f"      - alert: Warm\n        expr: 'rate(warm_total{{job=\"{name}\"}}[5m]) > {warm / 10}'\n"
    )
    exp = f"            exp_annotations: {{summary: '{expected}'}}\n" if expected else ""
    (root / "prometheus" / "tests" / f"{name}.test.yaml").write_text(
        f"rule_files:\n  - ../rules/{name}.yaml\nevaluation_interval: 1m\ntests:\n"
        f"  - interval: 1m\n    input_series:\n      - series: 'ready_total{{job=\"{name}\"}}'\n"
        "        values: 0+60x20\n"
        "    alert_rule_test:\n      - eval_time: 0m\n        alertname: Hot\n"
        "      - eval_time: 10m\n        alertname: Hot\n        exp_alerts:\n"
        f"          - exp_labels: {{job: {name}}}\n"
        f"{exp}"
        f"  - interval: 1m\n    input_series:\n      - series: 'warm_total{{job=\"{name}\"}}'\n"
        f"        values: 0+{6 * warm + 6}x20\n"
        "    alert_rule_test:\n      - eval_time: 0m\n        alertname: Warm\n"
        "      - eval_time: 10m\n        alertname: Warm\n        exp_alerts:\n"
        f"          - exp_labels: {{job: {name}}}\n"
    )


def _fleet(root: Path, names: tuple[str, ...], hot: str = FIRES, annotations: str = "", expected: str = "") -> None:
    for warm, name in enumerate(names, start=1):
        _write(root, name, warm, hot, annotations, expected)


def _groups(handed: list[str], name: str, group: int) -> bool:
    return any(path.endswith(f"/{name}.test.yaml.{group}") for path in handed)


def test_a_group_the_same_in_every_service_runs_for_the_two_tokens_only(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    _fleet(tmp_path, NAMES)
    caplog.set_level(logging.INFO, logger="obsc")
    findings, handed = _validate(tmp_path)
    assert findings == []
    assert not any(_groups(handed, name, 1) for name in NAMES), handed  # Hot's group: by its shape
    assert all(_groups(handed, name, 2) for name in NAMES), handed  # Warm's: each its own
    assert _groups(handed, "a0-k", 1) and any("/zz9-" in path and path.endswith(".yaml.1") for path in handed)
    assert len(handed) == len(NAMES) + 2
    said = "promtool: 4 test group(s) passed by the verdict of their group's shape (1 shape(s), 2 runs)"
    assert said in caplog.messages


def test_a_group_broken_in_one_service_still_fails(tmp_path: Path) -> None:
    _fleet(tmp_path, NAMES)
    broken = tmp_path / "prometheus" / "tests" / "a3.test.yaml"
    broken.write_text(
        broken.read_text().replace("eval_time: 0m\n        alertname: Hot", "eval_time: 9m\n        alertname: Hot")
    )
    findings, handed = _validate(tmp_path)
    assert any(line.startswith("prometheus/tests/a3.test.yaml (") for line in findings), findings
    assert _groups(handed, "a3", 1) and not _groups(handed, "a1", 1), handed


@pytest.mark.parametrize("case", NAME_READ)
def test_a_group_that_reads_the_name_runs_in_every_service(case: str, tmp_path: Path) -> None:
    """Hot passes for a1..a3 and both tokens and fails for `aq` because of its name: each bound keeps its group
    shape in full, so `aq`'s own run reports it."""
    _fleet(tmp_path, HOSTILE, *NAME_READ[case])
    findings, handed = _validate(tmp_path)
    assert all(_groups(handed, name, 1) for name in HOSTILE) and not _groups(handed, "a0-k", 1), handed
    assert any(line.startswith("prometheus/tests/aq.test.yaml (") for line in findings), findings
    assert not any(line.startswith("prometheus/tests/a1.test.yaml") for line in findings), findings


def test_a_later_service_named_like_a_yaml_word_runs_its_group(tmp_path: Path) -> None:
    """`null` written plain in exp_labels reads as an empty job: its own run fails where the others' pass."""
    _fleet(tmp_path, (*NAMES[:3], "null"))
    findings, handed = _validate(tmp_path)
    assert _groups(handed, "null", 1) and not _groups(handed, "a2", 1), handed
    assert any(line.startswith("prometheus/tests/null.test.yaml (") for line in findings), findings


def test_sharing_off_runs_every_group(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _fleet(tmp_path, NAMES)
    monkeypatch.setenv("OBSC_SHARE_SHAPES", "0")
    findings, handed = _validate(tmp_path)
    assert findings == [] and all(_groups(handed, name, g) for name in NAMES for g in (1, 2))
    assert not any("a0-k" in path for path in handed)


@pytest.mark.parametrize("failing", ["a0-k", "zz9-", "promtool: a line no file explains"])
def test_a_token_run_that_fails_judges_nothing(failing: str, tmp_path: Path) -> None:
    """Either token's run failing, or a finding of the run no file explains: every group runs itself."""
    _fleet(tmp_path, NAMES)
    families = [(f"prometheus/tests/{name}.test.yaml",) for name in NAMES]
    loads: dict[str, list[str] | None] = {
        f[0]: [f"prometheus/rules/{n}.yaml"] for f, n in zip(families, NAMES, strict=True)
    }
    runner = promtool._Runner(require_tool("promtool", "PROMTOOL"), promtool.Layout(str(tmp_path), (), (), {}),
                              loads, str(tmp_path))  # fmt: skip

    def run(focused: list[Focused]) -> list[str]:
        found = runner.run_focused(focused)
        if failing.startswith("promtool:"):
            return [*found, failing]
        return [*found, *(f"{f.source} ({f.label}): FAILED" for f in focused if failing in f.source)]

    focus = promtool.focus_shapes.FocusShapes(str(tmp_path), families, loads).focus
    control = group_verdicts.focus_ahead(focus, families, loads, str(tmp_path), str(tmp_path), runner.run_focused)
    assert control.judged == len(NAMES) and all(len(control.to_run[f]) == 1 for f in families)
    ahead = group_verdicts.focus_ahead(focus, families, loads, str(tmp_path), str(tmp_path), run)
    assert ahead.judged == 0 and all(len(ahead.to_run[f]) == 2 for f in families)


def test_the_distinct_bench_fleets_groups_are_judged_by_their_shapes(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """obsc's own rich service is within the bounds: three services of one team, each with its own latency
    threshold (no family shape), pass most of their focused groups by their groups' shapes."""
    specs = write_fleet(tmp_path / "specs", services=group_verdicts.SHARE_FROM, teams=1, rich=True, distinct=True)
    compilation = compile_specs([str(specs)], CompileOptions())
    writer.write(writer.plan(compilation.bundle, str(tmp_path / "out")))
    caplog.set_level(logging.INFO, logger="obsc")
    require_tool("promtool", "PROMTOOL")
    with _handed() as handed:
        promtool.validate(compilation.bundle, str(tmp_path / "out"))
    said = [m for m in caplog.messages if "passed by the verdict of their group's shape" in m]
    assert said, caplog.messages
    judged = int(said[0].split("promtool: ", 1)[1].split(" ", 1)[0])
    ran = [path for path in handed if "/svc-" in path]
    assert judged >= 30 * group_verdicts.SHARE_FROM and len(ran) < judged, (said, len(ran))


def test_the_matcher_read_backwards_finds_what_the_regex_search_found() -> None:
    """`shape_verdicts.matcher_before` stands in for `_MATCHER.search(text, 0, end)` (quadratic over a long
    expression): the same label and operator on 20,000 drawn strings (seed 50) and the hand-picked edges."""
    rng = random.Random(50)
    alphabet = 'ab9_ =~!"\t\n{},x'
    texts = ["".join(rng.choice(alphabet) for _ in range(rng.randint(0, 14))) for _ in range(20_000)]
    texts += ['job="', "job =~ ", "9ab!=", "a==", "=", "!=", "x!~\n", "_=", "99=", "a=\u00a0", "a b="]
    for text in texts:
        found = shape_verdicts._MATCHER.search(text, 0, len(text))
        expected = (found.group(1), found.group(2)) if found else None
        assert shape_verdicts.matcher_before(text, len(text)) == expected, repr(text)
