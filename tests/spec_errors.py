"""The errors a folder of specs compiles to beside a platform (the minimal sink one unless given), each as
`dotted.path: message`; [] when it compiles."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from compiler.api import CompileOptions, compile_specs
from compiler.errors import InputError
from tests.platform_text import sink_platform


def spec_errors(folder: Path, specs: Mapping[str, str], platform: str | None = None) -> list[str]:
    (folder / "platform.yaml").write_text(sink_platform() if platform is None else platform)
    for name, text in specs.items():
        (folder / name).write_text(text)
    try:
        compile_specs([str(folder)], CompileOptions())
    except InputError as caught:
        return [f"{'.'.join(map(str, d.path))}: {d.message}" for d in caught.diagnostics]
    return []
