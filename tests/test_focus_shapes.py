"""Test families of one shape share their focus (compiler/toolcheck/focus_shapes.py).

The oracle is the focus in full (`promtool_focus.focus_family` for every family): every fleet here focuses to
the same bytes, paths and groups with sharing on, including fleets built to trip a renaming (names that are
substrings of each other, of metric names or of label values, names PromQL or YAML reads as words, services
that differ only by a threshold or an SLO), every golden fleet, examples/ and specs/. And sharing does happen
where it should, or the cold validation's figure would quietly fall back to the full focus. A wrong renaming
never writes a wrong focus: each guard is shown needed by a fleet it alone keeps right.
"""

from __future__ import annotations

import dataclasses
import logging
import os
import shutil
from collections.abc import Callable, Sequence
from pathlib import Path
from unittest import mock

import pytest

from compiler import api
from compiler.api import CompileOptions, compile_specs
from compiler.model.types import Fleet, Service
from compiler.output import writer
from compiler.targets import TargetOptions, shapes
from compiler.toolcheck import focus_shapes, promtool, promtool_focus, shape_verdicts
from tests.bench.fleet import write_fleet
from tests.conftest import ROOT
from tests.test_promtool_toolcheck import have_promtool  # noqa: F401 (fixture)
from tests.test_shared_shapes import CASES, HOSTILE, _fleet, _with_clones

# Names that are substrings of each other, of metric names (`http_requests_total`), of label values
# (`availability`, `critical`) or of the files' words, beside the compile's hostile names.
TRICKY = ("api", "api-gateway", "gateway", "http", "availability", "critical", "slo", "query", "query-api", "a1")
CLONES = ("api", "api-gateway", "gateway", "kilo-7", "http", "query-api")  # four of one shape, two apart


def _written(fleet: Fleet, root: Path) -> Path:
    for artifact in api.generate(fleet, TargetOptions(), 1):
        if artifact.path.startswith("prometheus/"):
            (root / artifact.path).parent.mkdir(parents=True, exist_ok=True)
            (root / artifact.path).write_text(artifact.content, encoding="utf-8")
    return root


def _families(root: Path) -> tuple[list[tuple[tuple[str, ...], list[str]]], dict[str, list[str] | None]]:
    tests = sorted(f"prometheus/tests/{f}" for f in os.listdir(root / "prometheus" / "tests"))
    loads = {t: promtool.rule_files_of(str(root), t) for t in tests}
    families: dict[tuple[str, ...], list[str]] = {}
    for test in tests:
        families.setdefault(tuple(loads[test] or ()), []).append(test)
    return list(families.items()), loads


def _tree(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def _both(root: Path, tmp: Path) -> tuple[focus_shapes.FocusShapes, list[object], list[object]]:
    """The focus of every family of `root` in full and shared; the shared one's tally says what it did."""
    families, loads = _families(root)
    full = [promtool_focus.focus_family(str(root), t, list(r), str(tmp / "full"), f"p{i}") for i, (r, t) in
            enumerate(families)]  # fmt: skip
    done = {
        (str(root), tuple(t), tuple(r), f"p{i}"): got
        for i, ((r, t), got) in enumerate(zip(families, full, strict=True))
    }
    shared = focus_shapes.FocusShapes(str(root), [tuple(t) for _, t in families], loads)
    with mock.patch.object(promtool_focus, "focus_family", _recalled(done, tmp / "full")):
        got = [shared.focus(str(root), t, list(r), str(tmp / "shared"), f"p{i}") for i, (r, t) in enumerate(families)]
    return shared, full, got


def _recalled(done: dict[tuple[str, ...], object], full: Path) -> Callable[..., object]:
    """`focus_family`, answering a call the full focus above made with the same arguments (but the folder) from
    its answer and files: the same bytes, without focusing those families twice (the sharing leaves most of a
    hostile fleet's families in full: 17 of 23 took ~9 of a test's 28 CPU-s). Any other call (a proof's tokens,
    other files or prefix) focuses for real."""
    real = promtool_focus.focus_family

    def focus_family(workdir: str, tests: Sequence[str], rule_files: Sequence[str], out_dir: str, prefix: str,
                     only: object = None) -> object:  # fmt: skip
        key = (workdir, tuple(tests), tuple(rule_files), prefix)
        if only is not None or key not in done:
            return real(workdir, tests, rule_files, out_dir, prefix, only)  # type: ignore[arg-type]
        if (full / prefix).exists():
            shutil.copytree(full / prefix, Path(out_dir) / prefix, dirs_exist_ok=True)
        return done[key]

    return focus_family


def _same(root: Path, tmp: Path) -> focus_shapes.FocusShapes:
    shared, full, got = _both(root, tmp)
    assert got == full
    assert _tree(tmp / "shared") == _tree(tmp / "full")
    return shared


def _specs_fleet(specs: Path, names: Sequence[str], cloned: int = 2) -> Fleet:
    """The fleet, and copies under `names` of its first `cloned` services (all of them would cost minutes)."""
    fleet = _fleet(specs)
    clones = _with_clones(dataclasses.replace(fleet, services=fleet.services[:cloned]), names)
    return dataclasses.replace(fleet, services=tuple(sorted({*fleet.services, *clones.services}, key=_name)))


def _name(service: Service) -> str:
    return service.name


@pytest.mark.parametrize("specs", [*CASES, ROOT / "specs"], ids=lambda p: f"{p.parent.name}/{p.name}")
def test_every_golden_fleet_examples_and_specs_with_clones_focus_to_the_same_bytes(specs: Path, tmp_path: Path) -> None:
    shared = _same(_written(_specs_fleet(specs, CLONES), tmp_path / "out"), tmp_path)
    assert shared.tally[focus_shapes.RENAMED] > 0  # each of these fleets has a shape renamed


def test_the_bench_fleet_is_proven_once_a_shape_and_renamed_for_the_rest(tmp_path: Path) -> None:
    """Rich services that differ by name only (their team too: 2 teams, so 2 shapes of 4)."""
    fleet = _fleet(write_fleet(tmp_path / "specs", services=8, teams=2, rich=True))
    shared = _same(_written(fleet, tmp_path / "out"), tmp_path)
    assert shared.tally == {focus_shapes.PROVEN: 2, focus_shapes.RENAMED: 6}


def test_services_differing_by_a_threshold_or_an_slo_are_other_shapes(tmp_path: Path) -> None:
    specs = write_fleet(tmp_path / "specs", services=6, teams=1, rich=True)
    text = (specs / "svc-0004.yaml").read_text()
    (specs / "svc-0004.yaml").write_text(text.replace("threshold: 300ms", "threshold: 301ms", 1))
    text = (specs / "svc-0005.yaml").read_text()
    assert "objective: 99.9," in text
    (specs / "svc-0005.yaml").write_text(text.replace("objective: 99.9,", "objective: 99.95,", 1))
    shared = _same(_written(_fleet(specs), tmp_path / "out"), tmp_path)
    assert shared.tally == {focus_shapes.PROVEN: 1, focus_shapes.RENAMED: 3}  # svc-0000..3; 4 and 5 in full


def test_names_that_are_substrings_of_each_other_and_of_the_files_words(tmp_path: Path) -> None:
    fleet = _fleet(write_fleet(tmp_path / "specs", services=1, teams=1, rich=True))
    names = (*TRICKY, *HOSTILE[:9], *HOSTILE[12:15])  # YAML and PromQL words, the tokens and a name holding one
    shared = _same(_written(_with_clones(fleet, names), tmp_path / "out"), tmp_path)
    assert shared.tally[focus_shapes.RENAMED] >= 5, shared.tally


# ---------------------------------------------------------------- each guard, shown needed


def _family_files(root: Path, name: str, rule: str, group_inputs: str) -> None:
    """One service's rule file and test file, the name standing where `rule` says."""
    (root / "prometheus" / "rules").mkdir(parents=True, exist_ok=True)
    (root / "prometheus" / "tests").mkdir(parents=True, exist_ok=True)
    (root / "prometheus" / "rules" / f"{name}.yaml").write_text(
        "groups:\n  - name: g\n    rules:\n"
        f"      - record: ready:rate5m\n        expr: {rule.replace('NAME', name)}\n"
        f'      - alert: Hot\n        expr: ready:rate5m{{job="{name}"}} > 1\n'
        f"      - record: other:rate5m\n        expr: sum(rate(other_total[5m]))\n"
    )
    (root / "prometheus" / "tests" / f"{name}.test.yaml").write_text(
        f"rule_files:\n  - ../rules/{name}.yaml\nevaluation_interval: 1m\ntests:\n"
        f"  - interval: 1m\n    input_series:\n      - series: '{group_inputs}{{job=\"{name}\"}}'\n"
        "        values: 1+1x10\n    alert_rule_test:\n      - eval_time: 5m\n        alertname: Hot\n"
    )


# A label name only some names make valid: the focus judges label_replace by it (`promql_reads._may_fail`).
LABEL_NAME_RULE = 'label_replace(sum by (job) (rate(raw_total{job="NAME"}[5m])), "NAME", "$1", "job", "(.*)")'
# The name as a metric name: one with a hyphen is no selector at all.
METRIC_RULE = "sum(rate(NAME[5m]))"


@pytest.mark.parametrize("rule", [LABEL_NAME_RULE, METRIC_RULE], ids=["label-name", "metric-name"])
def test_a_name_outside_a_matcher_value_is_focused_in_full(
    rule: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Names with a hyphen first (the tokens have one too, so the proof alone agrees), then names without:
    without the guard, the later ones would get the first one's focus, and it is not theirs."""
    for name in ("ab-c", "ab-d", "abc", "abd", "abf"):  # not `abe`: `label_replace` holds it
        _family_files(tmp_path / "out", name, rule, "other_total")
    assert _same(tmp_path / "out", tmp_path / "guarded").tally == {focus_shapes.UNPROVEN: 1}
    monkeypatch.setattr(focus_shapes, "_fits", lambda *_: True)
    shared, _, _ = _both(tmp_path / "out", tmp_path / "unguarded")
    assert shared.tally == {focus_shapes.PROVEN: 1, focus_shapes.RENAMED: 4}, shared.tally
    assert _tree(tmp_path / "unguarded" / "shared") != _tree(tmp_path / "unguarded" / "full")


def test_a_name_that_overlaps_itself_in_the_files_is_focused_in_full(tmp_path: Path) -> None:
    """`aa` in `aaa`: the cut at the first place hides the second, so the name's places are not the cuts."""
    for name in ("aa", "ab", "ac", "ad", "ae"):
        _family_files(tmp_path / "out", name, METRIC_RULE.replace("NAME", "x_total"), "other_total")
    rule_file = tmp_path / "out" / "prometheus" / "rules" / "aa.yaml"
    rule_file.write_text(rule_file.read_text().replace("name: g\n", "name: g-aaa\n"))
    families, loads = _families(tmp_path / "out")
    shared = focus_shapes.FocusShapes(str(tmp_path / "out"), [tuple(t) for _, t in families], loads)
    assert not shared._info[("prometheus/tests/aa.test.yaml",)].exact  # type: ignore[union-attr]
    assert shared._info[("prometheus/tests/ab.test.yaml",)].exact  # type: ignore[union-attr]
    _same(tmp_path / "out", tmp_path)


@pytest.mark.parametrize("escape", [r"\x61", r"\u0061", r"\141"])
def test_an_escape_that_could_spell_the_name_is_focused_in_full(escape: str, tmp_path: Path) -> None:
    for name in ("ab", "ac", "ad", "ae"):
        _family_files(tmp_path / "out", name, f'sum(rate(x_total{{job="{escape}"}}[5m]))', "other_total")
    assert _same(tmp_path / "out", tmp_path).tally == {}


def test_sharing_off_focuses_every_family_in_full(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OBSC_SHARE_SHAPES", "0")
    fleet = _fleet(write_fleet(tmp_path / "specs", services=4, teams=1, rich=True))
    assert _same(_written(fleet, tmp_path / "out"), tmp_path).tally == {}


def test_a_validated_compile_renames_the_focus_and_promtool_passes_it(
    have_promtool: str,  # noqa: F811
    tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # the fewest services of one shape that share (the first proven, `shapes.PROVE_FOR` renamed): promtool runs all,
    # no shape judged by its verdict alone (test_shape_verdicts.py)
    monkeypatch.setattr(shape_verdicts, "SHARE_FROM", 10**6)
    specs = write_fleet(tmp_path / "specs", services=1 + shapes.PROVE_FOR, teams=1, rich=True)
    compilation = compile_specs([str(specs)], CompileOptions())
    writer.write(writer.plan(compilation.bundle, str(tmp_path / "out")))
    caplog.set_level(logging.INFO, logger="obsc")
    promtool.validate(compilation.bundle, str(tmp_path / "out"))
    said = f"promtool: {shapes.PROVE_FOR} test family(ies) renamed from a proven shape (1 proven, 0 not)"
    assert said in caplog.messages, caplog.messages
