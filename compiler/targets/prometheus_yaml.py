"""A stable YAML emitter for rule and test files: insertion order kept, multi-line strings as blocks.

Key order is chosen by the generators (record/alert, expr, for, labels, annotations reads best), so
`sort_keys` stays off and every mapping is built in a fixed order; label maps are sorted by the caller.
"""

from __future__ import annotations

from typing import Any

import yaml


class _Dumper(yaml.SafeDumper):
    def increase_indent(self, flow: bool = False, indentless: bool = False) -> None:
        # Indent sequences under their key (`rules:\n  - record:`), as Prometheus docs and promtool show.
        super().increase_indent(flow, False)


def _str(dumper: yaml.SafeDumper, value: str) -> yaml.ScalarNode:
    style = "|" if "\n" in value else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


_Dumper.add_representer(str, _str)


def dump(data: Any) -> str:
    return yaml.dump(data, Dumper=_Dumper, sort_keys=False, width=100_000, allow_unicode=True, default_flow_style=False)
