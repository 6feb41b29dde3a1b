"""Integers a spec may hold: no larger than the largest float, which is what every number becomes in PromQL.

PyYAML turns any run of digits into a Python int. Past 4,300 decimal digits Python refuses to convert it
(a ValueError mid-load: an internal error, exit 70), a long hex or base-60 (`1:2:3`) literal is converted
but then cannot be printed in a message, and converting a 4 MB base-60 literal is quadratic. So the text
is bounded before it is converted and the value after: beyond either bound it is a located error.

YAML 1.1 also reads `1:39` as the base-60 number 99, `0143` as octal 99, `0x63` and `0b1100011` as 99: an
objective written so was 99 without a word, and `period: 1:30` was "90 has no unit. Did you mean 90d?". In
specs (`as_written`) those forms stay the text written, as YAML 1.2 reads base 60 and leading zeros, so the
schema names what the user wrote.
"""

from __future__ import annotations

import re
import sys
from typing import Any

import yaml

INT_TAG = "tag:yaml.org,2002:int"
FLOAT_TAG = "tag:yaml.org,2002:float"
_PLAIN_INT = re.compile(r"[-+]?(?:0|[1-9][0-9_]*)")
# 1.8e308, the largest float, has 309 digits; with sign, underscores or a 0x/0o prefix a usable number is
# shorter than this.
MAX_INT_TEXT = 400
_LARGEST = "1.8e308"


class NumberTooLarge(yaml.constructor.ConstructorError):
    """An integer beyond the largest float; `problem` is the message for the user."""


def bounded_int(loader: Any, node: yaml.ScalarNode) -> int:
    text = str(node.value)
    if len(text) > MAX_INT_TEXT:
        shown = f"{text[:12]}...: an integer of {len(text):,} characters"
        raise NumberTooLarge(None, None, f"{shown}; numbers in a spec stay below {_LARGEST}", node.start_mark)
    value: int = yaml.constructor.SafeConstructor.construct_yaml_int(loader, node)
    if abs(value) > sys.float_info.max:
        shown = f"{text[:12]}..." if len(text) > 15 else text
        problem = f"{shown} is too large: numbers in a spec stay below {_LARGEST}"
        raise NumberTooLarge(None, None, problem, node.start_mark)
    return value


def int_as_written(loader: Any, node: yaml.ScalarNode) -> int | str:
    """A decimal integer; base 60, octal, hex and binary stay the text written."""
    if not _PLAIN_INT.fullmatch(str(node.value)):
        return str(node.value)
    return bounded_int(loader, node)


def float_as_written(loader: Any, node: yaml.ScalarNode) -> float | str:
    """A float; base 60 (`1:30.5`) stays the text written."""
    if ":" in str(node.value):
        return str(node.value)
    value: float = yaml.constructor.SafeConstructor.construct_yaml_float(loader, node)
    return value


def bounded(loader_class: type[yaml.SafeLoader], *, as_written: bool = False) -> type[yaml.SafeLoader]:
    """`loader_class` with integers bounded (a subclass: PyYAML's constructors are per class); with
    `as_written`, numbers in YAML 1.1's other bases are kept as the text written."""
    loader: type[yaml.SafeLoader] = type(f"Bounded{loader_class.__name__}", (loader_class,), {})
    loader.add_constructor(INT_TAG, int_as_written if as_written else bounded_int)
    if as_written:
        loader.add_constructor(FLOAT_TAG, float_as_written)
    return loader
