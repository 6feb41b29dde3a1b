"""YAML spelling shared by the Alertmanager artifacts: stable, readable, matchers kept intact."""

from __future__ import annotations

import re
from typing import Any

import yaml

_CLOCK = re.compile(r"[0-9]+:[0-9]+")


class _Dumper(yaml.SafeDumper):
    """Block mappings, one-line lists of scalars, and matcher strings always in single quotes."""


def _represent_str(dumper: yaml.SafeDumper, value: str) -> yaml.Node:
    # Matchers keep their double-quoted value visibly intact; clock times never read as numbers.
    quoted = '"' in value or "=" in value or bool(_CLOCK.fullmatch(value))
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style="'" if quoted else None)


def _represent_list(dumper: yaml.SafeDumper, value: list[Any]) -> yaml.Node:
    flow = all(isinstance(item, str | int | float | bool) for item in value)
    return dumper.represent_sequence("tag:yaml.org,2002:seq", value, flow_style=flow)


_Dumper.add_representer(str, _represent_str)
_Dumper.add_representer(list, _represent_list)


def to_yaml(data: Any) -> str:
    text: str = yaml.dump(
        data, Dumper=_Dumper, sort_keys=False, default_flow_style=False, allow_unicode=True, width=1000
    )
    return text
