"""A name written into hand-made YAML text (the `obsc init` starters, the import's platform skeleton) so that it
reads back as the same text: YAML 1.1 reads `yes`, `no`, `on`, `off`, `true`, `false` and `null` as other types,
and `obsc init --team no` wrote `team: no`, which its own next `obsc validate` refused."""

from __future__ import annotations

import yaml


def scalar(text: str) -> str:
    """`text` as a YAML scalar: plain when YAML reads it back as this text, else single-quoted."""
    try:
        plain = yaml.safe_load(text) == text
    except yaml.YAMLError:
        plain = False
    return text if plain else "'" + text.replace("'", "''") + "'"
