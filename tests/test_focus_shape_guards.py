"""Each static guard of a shared focus shape (compiler/toolcheck/focus_shapes.py), shown needed by the later
families of a shape.

The proof re-focuses a shape's first family under two tokens (`a0-k`, a 63-character `zz9-...9`): a guard
matters only where the first family and both tokens agree and a later family does not, which no golden fleet
builds. Each test here builds one: four families of one shape, the last named so that the name changes what
the focus decides (a regex that no longer compiles, a regex flag group that now does, a mapping key short
enough to be a simple key, a template that now holds the word `query`, a metric name behind a PromQL comment).
The oracle is the focus in full: with the guard the shared focus is byte for byte the same; round 39 left 12
of 17 hand mutants of these guards alive, as every byte-identity test passed without them.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from compiler.toolcheck import focus_shapes, promtool_focus
from tests.test_focus_shapes import _both, _families, _same, _tree


def _write(root: Path, name: str, expr: str, alert_extra: str = "", inputs: str = "other_total") -> None:
    """One service's rule file and test file; NAME in `expr` and `alert_extra` (lines under the alert) is the
    service's name. The group feeds `inputs` only, so a rule over anything else is left out of a focus that can
    read the rule, and kept by one that cannot (a parse error, a template running `query`); no rule reads
    `spare_total`, which such a focus keeps too."""
    (root / "prometheus" / "rules").mkdir(parents=True, exist_ok=True)
    (root / "prometheus" / "tests").mkdir(parents=True, exist_ok=True)
    (root / "prometheus" / "rules" / f"{name}.yaml").write_text(
        "groups:\n  - name: g\n    rules:\n"
        f"      - record: ready:rate5m\n        expr: {expr.replace('NAME', name)}\n"
        f'      - alert: Hot\n        expr: ready:rate5m{{job="{name}"}} > 1\n'
        + alert_extra.replace("NAME", name)
        + "      - record: other:rate5m\n        expr: sum(rate(other_total[5m]))\n"
    )
    (root / "prometheus" / "tests" / f"{name}.test.yaml").write_text(
        f"rule_files:\n  - ../rules/{name}.yaml\nevaluation_interval: 1m\ntests:\n"
        f"  - interval: 1m\n    input_series:\n      - series: '{inputs}{{job=\"{name}\"}}'\n"
        f"        values: 1+1x9\n      - series: 'spare_total{{job=\"{name}\"}}'\n        values: 1x9\n"
        "    alert_rule_test:\n      - eval_time: 5m\n        alertname: Hot\n"
    )


def _shared_is_full(root: Path, tmp: Path) -> focus_shapes.FocusShapes:
    """The shared focus equals the full one; the tally says whether a shape was renamed."""
    return _same(root, tmp)


# (expression, alert lines, names): the first three agree with both tokens, the last (last in sort order: the
# families are focused in the order of their test files) does not
CASES = {
    # a regex class: `[x1]` compiles, `[z-a]` does not (a parse error keeps every rule)
    "regex-class": ('sum(rate(raw_total{job=~"x[NAME]"}[5m]))', "", ("x1", "x2", "x3", "z-a")),
    # a flag group: `(?x1)` does not compile, nor do the tokens' flags; `(?xi)` does
    "regex-flags": ('sum(rate(raw_total{job=~"(?NAME)x"}[5m]))', "", ("x1", "x2", "x3", "xi")),
    # the word `query` across the name's place in a template: the last one runs PromQL of its own
    "template-word": (
        "sum(rate(other_total[5m]))",
        "        annotations:\n          text: '{{ $value }} queNAME here'\n",
        ("a1", "a2", "a3", "ry"),
    ),
    # a regex escape before the name: `\\a1` (a bell, then 1) compiles, as do the tokens' `\\a` and `\\z`;
    # `\\c1` does not
    "regex-escape": (r'sum(rate(raw_total{job=~"x\\NAME"}[5m]))', "", ("a1", "a2", "a3", "c1")),
    # a quote in a PromQL comment: the name looks like a matcher's value and is a metric name
    "comment": (
        '|\n          sum(rate(x_total{job="a"}[5m])) # job="\n          + sum(rate(NAME[5m])) # "',
        "",
        ("a-1", "a-2", "a-3", "abc"),
    ),
    # a mapping key of 125 + 4 characters is written `? key` (a YAML emitter's simple keys are 128 at most),
    # of 125 + 2 plain (the alert is fed: its labels are written)
    "mapping-key": (
        "sum(rate(other_total[5m]))",
        "        labels:\n          " + "k" * 125 + "NAME: x\n",
        ("b-ok", "b-ol", "b-om", "c1"),
    ),
}


@pytest.mark.parametrize("case", CASES)
def test_a_later_family_the_name_changes_the_focus_of_is_focused_in_full(case: str, tmp_path: Path) -> None:
    expr, extra, names = CASES[case]
    for name in names:
        _write(tmp_path / "out", name, expr, extra)
    assert _shared_is_full(tmp_path / "out", tmp_path / "shared").tally == {focus_shapes.UNPROVEN: 1}
    # the case is one: the last family's own focus differs from the first one's renamed
    first, last = (tmp_path / "solo" / n for n in (names[0], names[-1]))
    for name, root in ((names[0], first), (names[-1], last)):
        _write(root, name, expr, extra)
        promtool_focus.focus_family(
            str(root), [f"prometheus/tests/{name}.test.yaml"], [f"prometheus/rules/{name}.yaml"], str(root / "f"), "p"
        )
    rename = names[0].encode(), names[-1].encode()
    renamed = {k.replace(names[0], names[-1]): v.replace(*rename) for k, v in _tree(first / "f").items()}
    assert renamed != _tree(last / "f")


def test_a_name_holding_the_word_query_is_focused_in_full(tmp_path: Path) -> None:
    """In a template that runs a query (the word after a `{{`), the name itself can be that word: `query` is a
    service name like another, and its alert's template runs PromQL where the others' do not."""
    names = ("a1", "a2", "a3", "a4", "query")
    for name in names:
        _write(
            tmp_path / "out",
            name,
            "sum(rate(other_total[5m]))",
            "        annotations:\n          text: '{{ $value }} NAME'\n",
        )
    shared = _shared_is_full(tmp_path / "out", tmp_path / "shared")
    assert shared.tally == {focus_shapes.PROVEN: 1, focus_shapes.RENAMED: 3}, shared.tally  # all but `query`


def test_an_escape_that_spells_a_later_name_is_focused_in_full(tmp_path: Path) -> None:
    """`\\x61\\x34` is `a4`: the rule reads the ALERTS of family a4's own alert, which only a4 writes. The
    first family and the tokens agree (nothing writes it); a4's focus keeps the rule and its alert Hot."""
    reads = r'sum(rate(other_total[5m])) and on () count(ALERTS{alertname="\x61\x34"})'
    for name in ("a1", "a2", "a3", "a4"):
        _write(tmp_path / "out", name, reads, "      - alert: NAME\n        expr: other_total > 0\n")
    assert _shared_is_full(tmp_path / "out", tmp_path / "shared").tally == {}


def _uid(name: str, n: int) -> str:
    return hashlib.sha256(f"{name}/{n}".encode()).hexdigest()[:10]


def test_two_dashboard_uids_are_each_renamed_to_their_own(tmp_path: Path) -> None:
    """A family's files link two of its dashboards (`NAME-` and ten hex digits each): each is a mark of its own."""
    for name in ("x1", "x2", "x3", "x4"):
        extra = (
            "        annotations:\n"
            f"          dashboard: 'https://grafana/d/NAME-{_uid(name, 1)}/x'\n"
            f"          slo: 'https://grafana/d/NAME-{_uid(name, 2)}/y'\n"
        )
        _write(tmp_path / "out", name, "sum(rate(other_total[5m]))", extra)
    shared = _shared_is_full(tmp_path / "out", tmp_path / "shared")
    assert shared.tally == {focus_shapes.PROVEN: 1, focus_shapes.RENAMED: 3}, shared.tally


def test_another_workdir_with_the_same_paths_is_focused_in_full(tmp_path: Path) -> None:
    """A FocusShapes knows the families of its own workdir only: files at the same paths elsewhere are others."""
    for name in ("x1", "x2", "x3", "x4"):
        _write(tmp_path / "a", name, "sum(rate(other_total[5m]))")
        _write(tmp_path / "b", name, "sum(rate(raw_total[5m]))", inputs="raw_total")
    families, loads = _families(tmp_path / "a")
    shared = focus_shapes.FocusShapes(str(tmp_path / "a"), [tuple(t) for _, t in families], loads)
    for i, (rules, tests) in enumerate(families):
        shared.focus(str(tmp_path / "a"), tests, list(rules), str(tmp_path / "sa"), f"p{i}")
    for i, (rules, tests) in enumerate(families):
        shared.focus(str(tmp_path / "b"), tests, list(rules), str(tmp_path / "sb"), f"p{i}")
        promtool_focus.focus_family(str(tmp_path / "b"), tests, list(rules), str(tmp_path / "fb"), f"p{i}")
    assert shared.tally[focus_shapes.RENAMED] > 0
    assert _tree(tmp_path / "sb") == _tree(tmp_path / "fb")


# A label name some names make valid (`promql_reads._may_fail`): the tokens' hyphens make it invalid.
LABEL_NAME_RULE = 'label_replace(sum by (job) (rate(raw_total{job="NAME"}[5m])), "NAME", "$1", "job", "(.*)")'


@pytest.mark.parametrize(
    ("names", "which"),
    [
        (("abc", "abd", "abf", "abg"), "the first family against the first token"),
        (("x1", "x2", "x3", "x" + "a" * 58 + "9"), "the second token, 63 characters, against the first"),
    ],
    ids=["first", "second"],
)
def test_the_proof_alone_keeps_a_shape_it_cannot_prove_in_full(
    names: tuple[str, ...], which: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Without the static guards (`_fits`), each byte comparison of the proof is what keeps the focus right:
    `which` differs, so the shape is not proven."""
    monkeypatch.setattr(focus_shapes, "_fits", lambda *_: True)
    long_key = "        labels:\n          " + "k" * 66 + "NAME: x\n"  # a simple key up to 61 characters of name
    for name in names:
        if which.startswith("the first"):
            _write(tmp_path / "out", name, LABEL_NAME_RULE)
        else:
            _write(tmp_path / "out", name, "sum(rate(other_total[5m]))", long_key)
    shared, full, got = _both(tmp_path / "out", tmp_path)
    assert shared.tally == {focus_shapes.UNPROVEN: 1}, shared.tally
    assert got == full and _tree(tmp_path / "shared") == _tree(tmp_path / "full")
