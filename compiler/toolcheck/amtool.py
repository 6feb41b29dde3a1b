"""amtool wrapper (placeholder until its issue lands)."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from compiler.api import Compilation


def validate(compilation: Compilation, out_dir: str) -> None:
    del compilation, out_dir
