"""Generated promtool unit tests for every alert a service emits (see render.py for what each case proves)."""

from compiler.targets.prometheus.promtool.render import test_files

__all__ = ["test_files"]
