"""Shared verdicts (compiler/toolcheck/shape_verdicts.py): a shape of test families is judged by three promtool
runs, and its other families pass by that verdict.

Each family here is one service's rule file and test file (`_write`), quick for promtool. The hostile ones are
built so that the first family and both tokens (`a0-k`, `zz9-...9`) pass while a later family named `aq` fails
because of its name: judged by the shape it would pass unseen, so each bound must keep its shape in full and
promtool must report `aq`.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Iterator
from pathlib import Path

import pytest

from compiler import conventions
from compiler.api import CompileOptions, compile_specs
from compiler.output import writer
from compiler.toolcheck import _run, focus_shapes, promtool, shape_verdicts
from compiler.toolcheck.promtool_focus import Focused
from compiler.toolcheck.record import SHAPE, TEST, Record, load
from tests.bench.fleet import write_fleet
from tests.conftest import require_tool

NAMES = ("a1", "a2", "a3", "a4", "a5")
HOSTILE = ("a1", "a2", "a3", "aq")  # the first three and the tokens hold no `q`; the last does
FIRES = 'rate(ready_total{job="NAME"}[5m]) > 0.5'


def _write(root: Path, name: str, expr: str = FIRES, annotations: str = "", expected: str = "") -> None:
    """One service's files: the alert Hot over `expr` (NAME: the service's name), quiet at 0m and firing at 10m
    with the labels {job: NAME} and, if given, the annotations `expected`."""
    (root / "prometheus" / "rules").mkdir(parents=True, exist_ok=True)
    (root / "prometheus" / "tests").mkdir(parents=True, exist_ok=True)
    (root / "prometheus" / "rules" / f"{name}.yaml").write_text(
        "groups:\n  - name: g\n    rules:\n"
        f"      - alert: Hot\n        expr: {expr.replace('NAME', name)}\n"
        + (f"        annotations:\n          summary: '{annotations}'\n" if annotations else "")
    )
    (root / "prometheus" / "tests" / f"{name}.test.yaml").write_text(
        f"rule_files:\n  - ../rules/{name}.yaml\nevaluation_interval: 1m\ntests:\n"
        f"  - interval: 1m\n    input_series:\n      - series: 'ready_total{{job=\"{name}\"}}'\n"
        "        values: 0+60x20\n"
        "    alert_rule_test:\n      - eval_time: 0m\n        alertname: Hot\n"
        "      - eval_time: 10m\n        alertname: Hot\n        exp_alerts:\n"
        f"          - exp_labels: {{job: {name}}}\n"
        + (f"            exp_annotations: {{summary: '{expected}'}}\n" if expected else "")
    )


def _fleet(root: Path, names: tuple[str, ...], expr: str = FIRES, annotations: str = "", expected: str = "") -> None:
    for name in names:
        _write(root, name, expr, annotations, expected)


def _validate(root: Path, record: Record | None = None) -> tuple[list[str], list[str]]:
    """promtool's findings on the tree, and each test file a `promtool test rules` run was handed (focused files
    are named after their source: `pN-M/prometheus/tests/a1.test.yaml.1`)."""
    tests = tuple(sorted(f"prometheus/tests/{p.name}" for p in (root / "prometheus" / "tests").iterdir()))
    rules = tuple(sorted(f"prometheus/rules/{p.name}" for p in (root / "prometheus" / "rules").iterdir()))
    layout = promtool.Layout(str(root), rules, tests, {p: p for p in (*rules, *tests)})
    with _handed() as handed:
        findings = promtool.run_promtool(require_tool("promtool", "PROMTOOL"), layout, record)
    return findings, handed


@contextlib.contextmanager
def _handed() -> Iterator[list[str]]:
    """Each file handed to a `promtool test rules` run while the block runs."""
    handed: list[str] = []
    real = _run.run

    def counting(argv: list[str], *args: object, **kwargs: object) -> _run.Result:
        if argv[1:3] == ["test", "rules"]:
            handed.extend(argv[3:])
        return real(argv, *args, **kwargs)  # type: ignore[arg-type]

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(_run, "run", counting)
        yield handed


def _ran(handed: list[str], name: str) -> bool:
    return any(f"/{name}.test.yaml" in path for path in handed)


def test_a_shape_runs_promtool_for_its_first_family_and_the_two_tokens_only(tmp_path: Path) -> None:
    _fleet(tmp_path, NAMES)
    record = Record()
    findings, handed = _validate(tmp_path, record)
    assert findings == []
    assert [name for name in NAMES if _ran(handed, name)] == ["a1"]
    assert _ran(handed, "a0-k") and any("zz9-" in path for path in handed)
    assert len(handed) == 3  # one test group a run: the first family, then each token's
    kinds = {path: kind for kind, path in record.passed.values() if path.startswith("prometheus/tests/")}
    assert kinds == {f"prometheus/tests/{n}.test.yaml": TEST if n == "a1" else SHAPE for n in NAMES}
    assert record.by_shape == len(NAMES) - 1


def test_fewer_families_than_share_from_are_not_judged_by_their_shape(tmp_path: Path) -> None:
    """Three families of a shape: no family verdict, but their one test group, the same in all three, is judged
    by its group's shape (`group_verdicts`: two token runs, not the first family's); two families each run."""
    names = NAMES[: shape_verdicts.SHARE_FROM - 1]
    _fleet(tmp_path, names)
    findings, handed = _validate(tmp_path)
    assert findings == [] and not any(_ran(handed, name) for name in names) and len(handed) == 2
    _fleet(tmp_path / "two", names[:2])
    findings, handed = _validate(tmp_path / "two")
    assert findings == [] and all(_ran(handed, name) for name in names[:2]) and not _ran(handed, "a0-k")


def test_revalidate_all_and_sharing_off_run_every_family(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _fleet(tmp_path, NAMES)
    findings, handed = _validate(tmp_path, Record(whole_rule_files=True))
    assert findings == [] and sorted(handed) == [f"prometheus/tests/{n}.test.yaml" for n in NAMES]
    monkeypatch.setenv("OBSC_SHARE_SHAPES", "0")
    findings, handed = _validate(tmp_path)
    assert findings == [] and all(_ran(handed, name) for name in NAMES) and not _ran(handed, "a0-k")


def test_a_broken_family_among_a_shape_still_fails(tmp_path: Path) -> None:
    _fleet(tmp_path, NAMES)
    broken = tmp_path / "prometheus" / "tests" / "a4.test.yaml"
    broken.write_text(broken.read_text().replace("eval_time: 0m", "eval_time: 9m"))  # asserted quiet, firing
    findings, handed = _validate(tmp_path)
    assert any(line.startswith("prometheus/tests/a4.test.yaml") for line in findings), findings
    assert _ran(handed, "a4") and not _ran(handed, "a2")  # the rest of the shape still passes by its verdict


# Each passes for a1..a3 and both tokens, and fails for `aq` because of the `q` in its name.
NAME_READ = {
    # a platform rule's regex on the service's label
    "regex matcher": (FIRES + ' unless on() count(ready_total{job=~".*q.*"}) > 0', "", ""),
    # label_replace reading (and writing) the label that holds the name
    "label_replace": ('label_replace(rate(ready_total{job="NAME"}[5m]), "job", "gone", "job", ".*q.*") > 0.5', "", ""),
    # an alert template reading the name's characters
    "template": (FIRES, '{{ if match "q" $labels.job }}q{{ else }}x{{ end }}', "x"),
}


@pytest.mark.parametrize("case", NAME_READ)
def test_a_verdict_that_reads_the_name_validates_the_shape_in_full(
    case: str, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    _fleet(tmp_path, HOSTILE, *NAME_READ[case])
    caplog.set_level(logging.DEBUG, logger="obsc")
    findings, handed = _validate(tmp_path)
    assert all(_ran(handed, name) for name in HOSTILE) and not _ran(handed, "a0-k")
    assert any(line.startswith("prometheus/tests/aq.test.yaml") for line in findings), findings
    assert not any(line.startswith("prometheus/tests/a1.test.yaml") for line in findings), findings
    assert any("the shape of prometheus/tests/a1.test.yaml is validated in full" in m for m in caplog.messages)


def _bounds(tmp_path: Path, expr: str = FIRES, annotations: str = "", alert_label: str = "") -> str | None:
    _write(tmp_path, "svc", expr, annotations)
    if alert_label:
        rules = tmp_path / "prometheus" / "rules" / "svc.yaml"
        rules.write_text(rules.read_text() + f"        labels:\n          owner: '{alert_label}'\n")
    return shape_verdicts.bounds(str(tmp_path), ["prometheus/rules/svc.yaml", "prometheus/tests/svc.test.yaml"], "svc")


@pytest.mark.parametrize(
    ("expr", "annotations", "alert_label", "why"),
    [
        ('rate(ready_total{job=~"svc"}[5m]) > 0.5', "", "", "a regex matcher on job"),
        ('rate(ready_total{job!~"x.*",job="svc"}[5m]) > 0.5', "", "", "a regex matcher on job"),
        ('label_join(rate(ready_total{job="svc"}[5m]), "j", "-", "job") > 0.5', "", "", "label argument job"),
        ('count_values("job", rate(ready_total{job="svc"}[5m])) > 0.5', "", "", "label argument job"),
        ('topk(1, rate(ready_total{job=~"svc|a-b"}[5m]))', "", "", "a regex matcher on job"),
        ('topk(1, rate(ready_total{job="svc"}[5m]) or rate(ready_total{job="-a"}[5m]))', "", "", "an order"),
        ('sort(rate(ready_total{job="svc"}[5m]) or rate(x{job="m"}[5m]) or rate(x{job="n"}[5m]))', "", "", "an order"),
        (FIRES, "{{ $labels.job | title }}", "", "an alert template action"),
        (FIRES, "{{ len $labels.job }}", "", "an alert template action"),
        (FIRES, "", "{{ $labels.job }}", "a templated alert label owner"),
        ("\"rate(ready_total{job='svc'}[5m]) > 0.5 # a comment\"", "", "", "a PromQL comment"),
        # the other value holds the name: "a" sorts before "a0-a", where both tokens sort after theirs
        ('topk(1, rate(ready_total{job="svc"}[5m]) or rate(ready_total{job="a0-svc"}[5m]))', "", "", "an order"),
        # a template's query read through `first`, over the name and two other values
        (
            FIRES,
            '{{ with query `v{job="svc"} or v{job="m"} or v{job="n"}` }}{{ . | first | value }}{{ end }}',
            "",
            "an order",
        ),
    ],
)
def test_each_bound_names_why_the_shape_is_validated_in_full(
    expr: str, annotations: str, alert_label: str, why: str, tmp_path: Path
) -> None:
    assert why in (_bounds(tmp_path, expr, annotations, alert_label) or "")


@pytest.mark.parametrize(
    ("expr", "annotations"),
    [
        (FIRES, ""),
        ('rate(ready_total{job="svc",code=~"5.."}[5m]) > 0.5', ""),  # a regex on a label that never holds the name
        ('label_replace(rate(ready_total{job="svc"}[5m]), "le", "+Inf", "", "") > 0.5', ""),
        ('topk(1, rate(ready_total{job="svc"}[5m]) or rate(ready_total{job="obsc-unrelated"}[5m]))', ""),
        (FIRES, '{{ $labels.job }} at {{ $value | humanizePercentage }}, {{ printf "%.2f" $value }}'),
        (FIRES, '{{ with query `v{job="svc"}` }}{{ . | first | label "version" }}{{ end }}'),
    ],
)
def test_what_obsc_writes_is_within_the_bounds(expr: str, annotations: str, tmp_path: Path) -> None:
    assert _bounds(tmp_path, expr, annotations) is None


def test_a_name_yaml_reads_as_a_word_is_validated_in_full(tmp_path: Path) -> None:
    _write(tmp_path, "on")
    files = ["prometheus/rules/on.yaml", "prometheus/tests/on.test.yaml"]
    assert "YAML" in (shape_verdicts.bounds(str(tmp_path), files, "on") or "")


def test_a_later_family_named_like_a_yaml_word_runs_itself(tmp_path: Path) -> None:
    """`null` written plain in exp_labels reads as an empty job: its own run fails where a1's and the tokens' pass
    (its bytes are the shape's template with its name, so the shape alone would pass it unseen)."""
    _fleet(tmp_path, (*NAMES[:4], "null"))
    findings, handed = _validate(tmp_path)
    assert _ran(handed, "null") and not _ran(handed, "a2")
    assert any(line.startswith("prometheus/tests/null.test.yaml") for line in findings), findings


def test_a_token_run_that_fails_keeps_the_shape_in_full(tmp_path: Path) -> None:
    """The first family passes and a token's run fails: no family passes by the shape (all five judged alone)."""
    _fleet(tmp_path, NAMES)
    families = [(f"prometheus/tests/{name}.test.yaml",) for name in NAMES]
    loads: dict[str, list[str] | None] = {
        f"prometheus/tests/{n}.test.yaml": [f"prometheus/rules/{n}.yaml"] for n in NAMES
    }
    (tmp_path / "focus").mkdir()

    def judged(failing: str) -> shape_verdicts.Judged:
        shapes_ = focus_shapes.FocusShapes(str(tmp_path), families, loads)

        def run(focused: list[Focused]) -> list[str]:
            return [f"{failing}: FAILED"] if failing and any(failing in f.path for f in focused) else []

        return shape_verdicts.judge(shapes_, families, loads, str(tmp_path), str(tmp_path / "focus"), run)

    assert len(judged("").by_shape) == len(NAMES) - 1  # the control: all three runs pass
    for token in ("a0-k", "zz9-"):
        assert judged(token) == shape_verdicts.Judged(set(), [])
    with pytest.MonkeyPatch.context() as patch:  # no token's files (a template not proven): no verdict either
        patch.setattr(focus_shapes.FocusShapes, "write_token", lambda *_: None)
        assert judged("") == shape_verdicts.Judged(set(), [])


def test_a_regex_on_an_alert_name_that_holds_the_name_is_bound(tmp_path: Path) -> None:
    _write(tmp_path, "svc", 'count(ALERTS{alertname=~"Hot.*"}) > 0')
    rules = tmp_path / "prometheus" / "rules" / "svc.yaml"
    rules.write_text(rules.read_text().replace("alert: Hot", "alert: Hot-svc"))
    files = ["prometheus/rules/svc.yaml", "prometheus/tests/svc.test.yaml"]
    assert "a regex matcher on alertname" in (shape_verdicts.bounds(str(tmp_path), files, "svc") or "")


def test_the_bench_fleets_shape_is_judged_by_three_runs(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    """obsc's own rich service is within the bounds: a team of SHARE_FROM runs one service's tests and the tokens'."""
    specs = write_fleet(tmp_path / "specs", services=shape_verdicts.SHARE_FROM, teams=1, rich=True)
    compilation = compile_specs([str(specs)], CompileOptions())
    writer.write(writer.plan(compilation.bundle, str(tmp_path / "out")))
    caplog.set_level(logging.INFO, logger="obsc")
    require_tool("promtool", "PROMTOOL")
    with _handed() as handed:
        promtool.validate(compilation.bundle, str(tmp_path / "out"))
    per_service = len([p for p in compilation.bundle.paths if p.startswith("prometheus/tests/svc-0000.")])
    judged = per_service * (shape_verdicts.SHARE_FROM - 1)
    said = f"promtool: {judged} test file(s) passed by the verdict of their shape"
    assert any(m.startswith(said) for m in caplog.messages), caplog.messages
    assert not any(_ran(handed, f"svc-000{n}") for n in range(1, shape_verdicts.SHARE_FROM)), handed


def test_a_tampered_record_only_causes_extra_work(tmp_path: Path) -> None:
    """Kinds swapped (a real run's line says `by shape`, and back) and a judged file's line dropped: the dropped
    one and a family whose bytes changed run again, and nothing else does."""
    _fleet(tmp_path, NAMES)
    first = Record()
    assert _validate(tmp_path, first)[0] == []
    swapped = first.text().replace(SHAPE, "x-kind").replace(TEST, SHAPE).replace("x-kind", TEST)
    kept = [line for line in swapped.splitlines(keepends=True) if "a4.test.yaml" not in line]
    (tmp_path / conventions.VALIDATION_RECORD).write_text("".join(kept))
    edited = tmp_path / "prometheus" / "tests" / "a5.test.yaml"
    edited.write_text("# edited\n" + edited.read_text())
    findings, handed = _validate(tmp_path, load(str(tmp_path)))
    assert findings == [] and [name for name in NAMES if _ran(handed, name)] == ["a4", "a5"]
