"""The one JSON encoding of every dashboard: sorted keys, two-space indent, trailing newline.

Byte for byte `json.dumps(model, cls=JSONEncoder, sort_keys=True, indent=2)` (a test holds it to that),
written out by hand because json's indenting encoder is pure Python and was the slowest step of the
target. SDK objects are turned into dicts (`to_json`, what JSONEncoder.default does) as the writer meets
them. Parts that many panels share (see `shared`) are written once per indent and then copied.
"""

from __future__ import annotations

from json.encoder import encode_basestring_ascii as _quote
from typing import Any, TypeVar

Model = TypeVar("Model")


def encode(model: object) -> str:
    out: list[str] = []
    _write(model, out, "\n")
    return "".join(out) + "\n"


def shared(model: Model) -> Model:
    """Declare `model` a part that many dashboards reference and nobody changes any more.

    Its text depends only on its value and its indent, so the writer keeps it per indent. The registry holds
    the model itself, so its id cannot be reused by another object while the entry lives.
    """
    if len(_SHARED) >= _SHARED_KEPT:
        _SHARED.clear()
    _SHARED[id(model)] = (model, {})
    return model


def _shared_text(entry: tuple[object, dict[str, str]], newline: str) -> str:
    model, texts = entry
    text = texts.get(newline)
    if text is None:
        out: list[str] = []
        _write_other(model, out, newline)
        text = texts[newline] = "".join(out)
    return text


def _write(value: Any, out: list[str], newline: str) -> None:
    """Append `value` as indented JSON; `newline` is a newline plus the current indent."""
    kind = type(value)
    if kind is str:  # the builtin types first: they have no to_json, and asking costs an exception each
        out.append(_quote(value))
    elif kind is dict:
        _write_object(value, out, newline)
    elif kind is list:
        _write_array(value, out, newline)
    elif value is None or value is True or value is False:
        out.append(_CONSTANTS[value])
    elif kind is int:
        out.append(int.__repr__(value))
    elif kind is float:
        out.append(float.__repr__(value))
    else:
        _write_other(value, out, newline)


def _write_other(value: Any, out: list[str], newline: str) -> None:
    """SDK objects (through `to_json`), tuples, and subclasses of the JSON types (str enums...)."""
    to_json = getattr(value, "to_json", None)
    if to_json is not None and callable(to_json):
        _MODELS.add(type(value))
        value = to_json()
        if type(value) is dict or type(value) is list:
            _write(value, out, newline)
            return
    if isinstance(value, str):
        if to_json is None:
            _STRINGS.add(type(value))
        out.append(_quote(value))
    elif value is None or value is True or value is False:
        out.append(_CONSTANTS[value])
    elif isinstance(value, int):
        out.append(int.__repr__(value))
    elif isinstance(value, float):
        out.append(float.__repr__(value))
    elif isinstance(value, dict):
        _write_object(value, out, newline)
    elif isinstance(value, list | tuple):
        _write_array(value, out, newline)
    else:
        raise TypeError(f"cannot encode {type(value).__name__} in a dashboard")


def _write_object(value: dict[Any, Any], out: list[str], newline: str) -> None:
    if not value:
        out.append("{}")
        return
    # The text before each value depends only on the keys and the indent: SDK objects of one kind repeat it.
    layout, inner = _LAYOUTS.get((tuple(value), newline)) or _layout(value, newline)
    for key, before in layout:
        item = value[key]
        kind = type(item)
        # The common kinds inline: a call per value was a third of the encoding.
        if kind is str or kind in _STRINGS:
            out += (before, _quote(item))
        elif kind is int:
            out += (before, int.__repr__(item))
        elif kind is bool:
            out += (before, "true" if item else "false")
        elif kind in _MODELS:
            _write_model(item, before, out, inner)
        else:
            out.append(before)
            _write(item, out, inner)
    out += (newline, "}")


def _write_model(item: Any, before: str, out: list[str], inner: str) -> None:
    """An SDK model after `before`: its shared text when it is a shared part, else its JSON written out."""
    entry = _SHARED.get(id(item))
    if entry is not None:
        out += (before, _shared_text(entry, inner))
        return
    converted = item.to_json()
    out.append(before)
    if type(converted) is dict:
        _write_object(converted, out, inner)
    else:
        _write(converted, out, inner)


_Layout = tuple[tuple[tuple[Any, str], ...], str]


def _layout(value: dict[Any, Any], newline: str) -> _Layout:
    """(key, the text before its value) in sorted key order, and the values' newline."""
    inner = newline + "  "
    keys = sorted(value)
    layout = (tuple((key, ("," if i else "{") + inner + _quote(key) + ": ") for i, key in enumerate(keys)), inner)
    if len(_LAYOUTS) >= _LAYOUTS_KEPT:
        _LAYOUTS.clear()
    _LAYOUTS[(tuple(value), newline)] = layout
    return layout


def _write_array(value: list[Any] | tuple[Any, ...], out: list[str], newline: str) -> None:
    if not value:
        out.append("[]")
        return
    inner = newline + "  "
    sep, comma = "[" + inner, "," + inner
    for item in value:
        kind = type(item)
        if kind is str:
            out += (sep, _quote(item))
        elif kind in _MODELS:
            _write_model(item, sep, out, inner)
        else:
            out.append(sep)
            _write(item, out, inner)
        sep = comma
    out += (newline, "]")


_CONSTANTS = {None: "null", True: "true", False: "false"}
# SDK model classes met so far (they have `to_json`): a member of one is converted and written in place,
# without the generic dispatch of `_write`/`_write_other` (half the calls of a dashboard).
_MODELS: set[type] = set()
# str subclasses without `to_json` met so far (the SDK's enums): written like the strings they are.
_STRINGS: set[type] = set()
_LAYOUTS: dict[tuple[tuple[Any, ...], str], _Layout] = {}
_LAYOUTS_KEPT = 4096
_SHARED: dict[int, tuple[object, dict[str, str]]] = {}
_SHARED_KEPT = 4096
