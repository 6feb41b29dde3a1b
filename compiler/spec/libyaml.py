"""Specs are read with libyaml only: PyYAML's pure-Python reader gives other verdicts on the same file.

It refuses a tab after `key:` or inside `{...}` (YAML allows it; libyaml reads it) and reads an unknown `%`
directive or a lone surrogate escape that libyaml refuses. Falling back to it made a spec pass on one machine
and fail on another (CI on a PyYAML built without libyaml), so obsc stops there instead, before reading a spec.
"""

from __future__ import annotations

import yaml

from compiler.errors import ExitCode, ToolError

# None on a PyYAML built without libyaml (a source build without its headers, some interpreters)
SAFE_LOADER: type[yaml.SafeLoader] | None = getattr(yaml, "CSafeLoader", None)

MISSING = (
    "this Python's PyYAML was built without libyaml, and obsc reads specs with libyaml only: PyYAML's own reader "
    "refuses YAML that libyaml reads (a tab after `key:`) and reads some that libyaml refuses, so a spec could "
    "pass here and fail in CI, or the other way round. Install a PyYAML with libyaml: `pip install "
    "--force-reinstall PyYAML` (its wheels bundle it), or install libyaml's headers (Debian: libyaml-dev) and "
    "reinstall PyYAML from source"
)


def require() -> type[yaml.SafeLoader]:
    """libyaml's safe loader, or ToolError (exit 3, as a missing tool) naming the fix."""
    if SAFE_LOADER is None:
        raise ToolError(MISSING, ExitCode.MISSING_TOOL)
    return SAFE_LOADER
