"""The layering of compiler/ as a test: import-linter's contracts (pyproject.toml) hold on the tree, and each
contract breaks when a module imports across it; no import cycle anywhere; no module over 450 lines."""

from __future__ import annotations

import ast
import os
import shutil
import subprocess
import sys
from pathlib import Path

import grimp
import pytest

from tests.conftest import ROOT

LINT_IMPORTS = Path(sys.executable).with_name("lint-imports")
MAX_MODULE_LINES = 450


def lint_imports(project: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(project)}
    return subprocess.run(
        [str(LINT_IMPORTS), "--no-cache", "--no-logo", str(project / "pyproject.toml")],
        cwd=project,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_the_tree_keeps_every_contract() -> None:
    result = lint_imports(ROOT)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "0 broken" in result.stdout


@pytest.mark.parametrize(
    ("module", "statement", "contract"),
    [
        ("model/checks.py", "import compiler.targets.links", "One-way pipeline"),
        ("spec/schema.py", "import compiler.output.writer", "never reach up"),
        ("targets/prometheus/slo.py", "import compiler.targets.grafana", "never imports another target"),
        ("api.py", "import compiler.targets.prometheus.slo", "Prometheus target: only its face"),
        ("toolcheck/amtool.py", "import compiler.targets.alertmanager.routes", "Alertmanager target: only its face"),
        ("cli.py", "import compiler.targets.grafana.panels", "Grafana target: only its face"),
        ("model/units.py", "import compiler.model.checks", "No import cycles"),
        ("importers/sloth.py", "import compiler.model.build", "Importers write spec text"),
        ("importers/pyrra.py", "import compiler.verify", "One-way pipeline"),
        ("verify/checks.py", "import compiler.cli", "One-way pipeline"),
    ],
)
def test_a_forbidden_import_breaks_its_contract(tmp_path: Path, module: str, statement: str, contract: str) -> None:
    shutil.copytree(ROOT / "compiler", tmp_path / "compiler", ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    target = tmp_path / "compiler" / module
    target.write_text(target.read_text() + f"\n{statement}  # noqa\n")
    result = lint_imports(tmp_path)
    assert result.returncode == 1, result.stdout + result.stderr
    broken = [line for line in result.stdout.splitlines() if line.endswith(" BROKEN")]
    assert any(contract in line for line in broken), result.stdout


def _cycles(graph: grimp.ImportGraph) -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan, iterative)."""
    modules = sorted(graph.modules)
    edges = {m: sorted(graph.find_modules_directly_imported_by(m) & graph.modules) for m in modules}
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []
    for root in modules:
        if root in index:
            continue
        work = [(root, 0)]
        while work:
            node, i = work.pop()
            if i == 0:
                index[node] = low[node] = len(index)
                stack.append(node)
                on_stack.add(node)
            if i < len(edges[node]):
                work.append((node, i + 1))
                child = edges[node][i]
                if child not in index:
                    work.append((child, 0))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            if work and work[-1][0] != node:
                parent = work[-1][0]
                low[parent] = min(low[parent], low[node])
            if low[node] == index[node]:
                component = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.append(member)
                    if member == node:
                        break
                if len(component) > 1:
                    found.append(sorted(component))
    return found


def test_no_module_imports_itself_through_others() -> None:
    assert _cycles(grimp.build_graph("compiler", cache_dir=None)) == []


def test_the_cycle_finder_sees_a_cycle() -> None:
    graph = grimp.ImportGraph()
    for module in ("a", "b", "c", "d"):
        graph.add_module(module)
    graph.add_import(importer="a", imported="b")
    graph.add_import(importer="b", imported="c")
    graph.add_import(importer="c", imported="a")
    graph.add_import(importer="c", imported="d")
    assert _cycles(graph) == [["a", "b", "c"]]


def test_modules_stay_small() -> None:
    sizes = {str(p.relative_to(ROOT)): len(p.read_text().splitlines()) for p in (ROOT / "compiler").rglob("*.py")}
    assert {p: n for p, n in sizes.items() if n > MAX_MODULE_LINES} == {}


# What the model may not ask of the user's files: it works on what the loader read and recorded (a path the model
# resolved, as team_claims.py did in round 34, is read at another moment than the text, apart from the loader's
# other facts about the file). Its own package data (resources.files(...).read_text) is not the user's.
_FILE_SYSTEM_CALLS = frozenset(
    {"realpath", "resolve", "stat", "lstat", "scandir", "listdir", "exists", "lexists", "isdir", "isfile", "islink"}
    | {"samefile", "getmtime", "open"}
)


def _file_system_calls(source: str) -> list[str]:
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Call):
            name = node.func.attr if isinstance(node.func, ast.Attribute) else getattr(node.func, "id", "")
            if name in _FILE_SYSTEM_CALLS:
                found.append(f"{name} (line {node.lineno})")
    return found


def test_the_model_reads_no_file_system() -> None:
    found = {
        str(p.relative_to(ROOT)): calls
        for p in sorted((ROOT / "compiler" / "model").rglob("*.py"))
        if (calls := _file_system_calls(p.read_text()))
    }
    assert found == {}


def test_the_file_system_check_sees_a_call() -> None:
    found = _file_system_calls("import os\nreal = os.path.realpath(x)\nopen(y)\n")
    assert found == ["realpath (line 2)", "open (line 3)"]


def _parser_calls(source: str) -> list[str]:
    """Calls of the PromQL parser's `parse` (under any name it is imported as), and `from promql_parser import`."""
    tree = ast.parse(source)
    imports = [a for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names]
    aliases = {a.asname or a.name for a in imports if a.name == "promql_parser"}
    found = [f"from promql_parser import (line {n.lineno})" for n in ast.walk(tree)
             if isinstance(n, ast.ImportFrom) and n.module == "promql_parser"]  # fmt: skip
    for node in ast.walk(tree):
        func = node.func if isinstance(node, ast.Call) else None
        if isinstance(func, ast.Attribute) and func.attr == "parse" and getattr(func.value, "id", "") in aliases:
            found.append(f"parse (line {node.lineno})")
    return found


def test_only_the_gate_parses_promql() -> None:
    """Every tree obsc walks is bounded where it is made (model/promql_tree.py): a walker that parsed for itself
    met a metric nested 1,900 deep before the query's checks refused it (RecursionError, exit 70)."""
    found = {
        str(p.relative_to(ROOT)): calls
        for p in sorted((ROOT / "compiler").rglob("*.py"))
        if p.name != "promql_tree.py" and (calls := _parser_calls(p.read_text()))
    }
    assert found == {}


def test_the_parser_check_sees_a_call() -> None:
    found = _parser_calls("import promql_parser as pp\ntree = pp.parse(x)\nfrom promql_parser import parse\n")
    assert found == ["from promql_parser import (line 3)", "parse (line 2)"]
