"""The fast tier's rule holds: every module tests/tiers.py names exists, the mark follows the rule, `make test`
leaves out the slow tier only, and `make test-all` (what CI runs) selects nothing away."""

from __future__ import annotations

import re

import pytest

from tests import conftest
from tests.conftest import ROOT
from tests.tier_collection import partition_problems
from tests.tiers import SLOW_FOLDERS, SLOW_MODULES, is_slow


def makefile_variables(lines: list[str]) -> dict[str, str]:
    """The Makefile's one-line variables (`NAME = value`, `?=`, `:=`)."""
    found = (re.match(r"([A-Z_]+) *[?:]?= *(.*)$", line) for line in lines)
    return {m.group(1): m.group(2) for m in found if m}


def pytest_call(target: str) -> str:
    """The target's one pytest run (not the bytecode-filling collection), its variables expanded."""
    lines = (ROOT / "Makefile").read_text().splitlines()
    variables = makefile_variables(lines)
    start = next(n for n, line in enumerate(lines) if line.startswith(f"{target}:"))
    recipe = []
    for line in lines[start + 1 :]:
        if not line.startswith("\t"):
            break
        text = line.strip()
        while (name := re.search(r"\$\(([A-Z_]+)\)", text)) and name.group(1) in variables:
            text = text.replace(name.group(0), variables[name.group(1)])
        recipe.append(text)
    calls = [line for line in recipe if "/pytest" in line and "--collect-only" not in line]
    assert len(calls) == 1, recipe
    return calls[0]


def test_every_listed_module_exists() -> None:
    # A renamed slow module would leave its old name here and its tests in the fast tier: that fails here.
    missing = sorted(m for m in SLOW_MODULES if not (ROOT / m).is_file())
    assert missing == []
    assert all(re.fullmatch(r"tests/(\w+/)*test_\w+\.py", m) for m in SLOW_MODULES)


def test_every_slow_folder_exists_and_holds_tests() -> None:
    for folder in SLOW_FOLDERS:
        assert folder.endswith("/")
        assert sorted((ROOT / folder).glob("test_*.py")), folder


def test_no_module_is_listed_twice_over() -> None:
    assert list(SLOW_MODULES) == sorted(set(SLOW_MODULES))
    assert [m for m in SLOW_MODULES if m.startswith(SLOW_FOLDERS)] == []


def test_each_test_module_is_in_exactly_one_tier() -> None:
    modules = [p.relative_to(ROOT).as_posix() for p in (ROOT / "tests").rglob("test_*.py")]
    fast = [m for m in modules if not is_slow(m)]
    slow = [m for m in modules if is_slow(m)]
    assert sorted(fast + slow) == sorted(modules)
    assert set(SLOW_MODULES) <= set(slow)
    assert fast and slow
    # What the fast tier must hold (README: `make test`): goldens, error goldens, the CLI, and real
    # promtool/amtool runs on the examples' output.
    for module in ("test_golden", "test_errors", "test_cli_output", "test_amtool", "test_examples_tools"):
        assert f"tests/{module}.py" in fast


def test_the_mark_follows_the_rule_in_this_session(request: pytest.FixtureRequest) -> None:
    # Under `make test` only fast tests are here; under `make test-all` every test is, slow ones marked.
    wrong = [
        item.nodeid
        for item in request.session.items
        if (item.get_closest_marker("slow") is not None) != is_slow(item.path.relative_to(ROOT).as_posix())
    ]
    assert wrong == []


class _Item:
    """What the conftest hook reads of a collected test: its path, and the marks it is given."""

    def __init__(self, module: str) -> None:
        self.path = ROOT / module
        self.marks: list[str] = []

    def add_marker(self, mark: pytest.MarkDecorator) -> None:
        self.marks.append(mark.name)


def test_the_conftest_hook_marks_exactly_the_slow_tier() -> None:
    modules = ["tests/e2e/test_one_page.py", "tests/test_hold_feed.py", "tests/test_golden.py", "tests/test_tiers.py"]
    items = [_Item(m) for m in modules]
    conftest.pytest_collection_modifyitems(items)  # type: ignore[arg-type]
    assert {str(i.path.relative_to(ROOT)): i.marks for i in items} == {
        "tests/e2e/test_one_page.py": ["slow"],
        "tests/test_hold_feed.py": ["slow"],
        "tests/test_golden.py": [],
        "tests/test_tiers.py": [],
    }


def test_make_test_leaves_out_the_slow_tier_and_nothing_else() -> None:
    call = pytest_call("test")
    assert "-m 'not slow'" in call or '-m "not slow"' in call
    assert not re.search(r"\s(-k|--deselect|--ignore|--ignore-glob)\b|\stests/", call)


def test_make_test_all_selects_every_test() -> None:
    call = pytest_call("test-all")
    assert not re.search(r"\s(-m|-k|--deselect|--ignore|--ignore-glob|-x|--exitfirst)\b|\stests/", call), call


def test_ci_runs_make_test_all() -> None:
    ci = (ROOT / ".ci" / "run").read_text()
    runs = [line for line in ci.splitlines() if re.search(r"\bmake test", line) and not line.lstrip().startswith("#")]
    assert runs and all(re.search(r"\bmake test-all\b", line) for line in runs), runs
    assert "TEST_ARGS" not in ci


def test_partition_problems_names_overlap_and_gaps() -> None:
    whole = {"a::1", "a::2", "b::1"}
    assert partition_problems(whole, {"a::1", "a::2"}, {"b::1"}) == []
    assert partition_problems(whole, {"a::1", "a::2"}, {"a::2", "b::1"}) == ["in both tiers: a::2"]
    assert partition_problems(whole, {"a::1"}, {"b::1"}) == ["in no tier: a::2"]
    assert partition_problems(whole, {"a::1", "a::2", "c::1"}, {"b::1"}) == ["in a tier, not in the whole suite: c::1"]
