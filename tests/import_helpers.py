"""Helpers for the importer tests: import through the library, then prove the text by compiling it."""

from __future__ import annotations

from pathlib import Path

from compiler.api import Compilation, CompileOptions, compile_specs
from compiler.errors import Diagnostic
from compiler.importers import Imported, ImportOptions, import_specs


def import_and_compile(fmt: str, files: list[Path], out: Path, **options: str) -> tuple[Imported, Compilation]:
    imported = import_specs(fmt, [str(f) for f in files], ImportOptions(**options))  # type: ignore[arg-type]
    out.mkdir(parents=True, exist_ok=True)
    for name, text in imported.specs.items():
        (out / name).write_text(text)
    (out / "platform.yaml").write_text(imported.platform)
    return imported, compile_specs([str(out)], CompileOptions(jobs=1))


def assert_located_at_their_keys(findings: list[Diagnostic]) -> None:
    """Every reported field points at the line and column where its key is written in the source."""
    for finding in findings:
        lines = Path(finding.location.file).read_text().splitlines()
        assert finding.location.line >= 1, finding
        key = finding.path[-1] if finding.path else ""
        text = lines[finding.location.line - 1][finding.location.col - 1 :]
        if isinstance(key, str) and key:
            assert text.startswith(key) or text.startswith(f'"{key}"'), f"{finding} points at {text!r}"
        else:
            assert text.lstrip().startswith("-") or text.strip(), finding
