"""External validators run on the written bundle (the only subprocess calls in obsc)."""

from __future__ import annotations

from compiler.output.bundle import Bundle


def validate_bundle(bundle: Bundle, out_dir: str) -> None:
    """Run every validator that applies to the written output; raise ToolError on failure."""
    from compiler.toolcheck import amtool, grafana_lint, promtool

    promtool.validate(bundle, out_dir)
    amtool.validate(bundle, out_dir)
    grafana_lint.validate(bundle, out_dir)
