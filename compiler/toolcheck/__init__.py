"""External validators run on the written bundle (the only subprocess calls in obsc)."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from compiler.api import Compilation


def validate_bundle(compilation: Compilation, out_dir: str) -> None:
    """Run every validator that applies to the written output; raise ToolError on failure."""
    from compiler.toolcheck import amtool, grafana_lint, promtool

    promtool.validate(compilation, out_dir)
    amtool.validate(compilation, out_dir)
    grafana_lint.validate(compilation, out_dir)
