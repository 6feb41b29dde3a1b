"""The few parts of a YAML file that the alert cross-check reads, taken from the YAML parser's events.

Why: the cross-check needs alert names and a few flags out of 150 MB of rules and tests (1,000 services),
and a full load builds every input series and expected label as Python objects, most of its time. The
events come from the same parser the full load uses (libyaml's where PyYAML has it), so quoting, flow
style, comments and block scalars read exactly as they do there; what the caller's shape does not name
is passed over without being built. The answer is the full load's on every path the shape names, or
None, and the caller then loads the file whole: anchors, aliases, explicit tags, merge keys, a second
document, and plain scalars that the full load would build into something other than a string, number,
boolean or null (a timestamp, a `=`) all give None.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import yaml
from yaml.constructor import SafeConstructor
from yaml.events import (
    AliasEvent,
    DocumentEndEvent,
    DocumentStartEvent,
    Event,
    MappingEndEvent,
    MappingStartEvent,
    ScalarEvent,
    SequenceEndEvent,
    SequenceStartEvent,
    StreamEndEvent,
    StreamStartEvent,
)
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode
from yaml.resolver import Resolver

# A shape says what to keep: a dict keeps the keys it names (each with its own shape) of a mapping, a
# one-item list describes every item of a sequence, SCALARS keeps the value as the full load builds it,
# TRUTH keeps only whether it is truthy.
SCALARS = "scalars"
TRUTH = "truth"
Shape = Any

_LOADER: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_PLAIN_KINDS = frozenset(f"tag:yaml.org,2002:{kind}" for kind in ("str", "int", "float", "bool", "null"))
_STR = "tag:yaml.org,2002:str"
_ENDS = (SequenceEndEvent, MappingEndEvent)
_NO_TAG = (None, "!")  # no tag, or the non-specific one: the tag comes from the value, as in the full load


class _Unsure(Exception):
    """The file holds something this reader does not answer for."""


def read(text: str, shape: Shape) -> Any | None:
    """The document of `text` with only what `shape` names; None when unsure (or no document)."""
    loader = _LOADER(text)
    try:
        reader = _Reader(loader.get_event)
        if not isinstance(reader.next(), StreamStartEvent) or not isinstance(reader.next(), DocumentStartEvent):
            return None
        kept = reader.keep(reader.next(), shape)
        if not isinstance(reader.next(), DocumentEndEvent) or not isinstance(reader.next(), StreamEndEvent):
            return None  # a second document: the full load refuses the file
    except (_Unsure, yaml.YAMLError):
        return None
    finally:
        loader.dispose()
    return kept


class _Reader:
    def __init__(self, get_event: Callable[[], Any]) -> None:
        self.get_event = get_event
        self.resolver: Any = Resolver()
        self.plain_tags: dict[str, str] = {}  # plain scalars resolved so far (a file repeats its keys above all)

    def next(self) -> Event:
        event: Event = self.get_event()
        if event is None:
            raise _Unsure  # past the end
        _check(event)
        return event

    def keep(self, event: Event, shape: Shape) -> Any:
        """The node that starts with `event`, as much of it as `shape` names."""
        if shape == SCALARS:
            return self.built(event)
        if shape == TRUTH:
            if isinstance(event, ScalarEvent):
                return bool(self.built(event))
            first = self.next()
            if isinstance(first, _ENDS):
                return False  # an empty collection
            self.skip(first)
            self.skip_rest()
            return True
        if isinstance(shape, list) and isinstance(event, SequenceStartEvent):
            items = []
            while not isinstance(item := self.next(), SequenceEndEvent):
                items.append(self.keep(item, shape[0]))
            return items
        if isinstance(shape, dict) and isinstance(event, MappingStartEvent):
            kept: dict[Any, Any] = {}
            while not isinstance(key := self.next(), MappingEndEvent):
                name = self.key(key)
                value = self.next()
                if name in shape:
                    kept[name] = self.keep(value, shape[name])  # a later duplicate wins, as in the full load
                else:
                    self.skip(value)
            return kept
        return self.built(event)  # not the expected kind: as it is

    def built(self, event: Event) -> Any:
        """The node that starts with `event`, whole, as the full load builds it."""
        return SafeConstructor().construct_document(self.node(event))

    def key(self, event: Event) -> str | None:
        """A mapping key's text when it is a string the shape may name; None for any other plain key."""
        if not isinstance(event, ScalarEvent):
            raise _Unsure  # a collection as a key
        tag = self.tag(event)
        return event.value if tag == _STR else None

    def tag(self, event: ScalarEvent) -> str:
        return self.plain_tag(event.value) if event.implicit[0] else _STR

    def plain_tag(self, value: str) -> str:
        """The tag the full load gives a plain scalar; unsure unless a string, number, boolean or null."""
        tag = self.plain_tags.get(value)
        if tag is None:
            tag = str(self.resolver.resolve(ScalarNode, value, (True, False)))
            if tag not in _PLAIN_KINDS:
                raise _Unsure  # a merge key, a timestamp, a `=`: built (or refused) differently by the full load
            self.plain_tags[value] = tag
        return tag

    def skip(self, event: Event) -> None:
        if type(event) is ScalarEvent:
            if event.implicit[0]:
                self.plain_tag(event.value)
        else:
            self.skip_rest()

    def skip_rest(self) -> None:
        """Pass over the rest of the collection just opened, down to its end event (the hot loop: most of
        a test file is input series, passed over here)."""
        depth, get_event, plain_tags, plain_tag = 1, self.get_event, self.plain_tags, self.plain_tag
        while depth:
            event = get_event()
            kind = type(event)
            if kind is ScalarEvent:
                if event.anchor is not None or event.tag not in _NO_TAG:
                    raise _Unsure
                if event.implicit[0] and event.value not in plain_tags:
                    plain_tag(event.value)
            elif kind is MappingStartEvent or kind is SequenceStartEvent:
                _check(event)
                depth += 1
            elif kind is MappingEndEvent or kind is SequenceEndEvent:
                depth -= 1
            else:
                raise _Unsure  # an alias, or the end of the stream

    def node(self, event: Event) -> Node:
        """The node that starts with `event`, for the full load's constructor."""
        if isinstance(event, ScalarEvent):
            return ScalarNode(self.tag(event) if event.implicit[0] else _STR, event.value, style=event.style)
        if isinstance(event, SequenceStartEvent):
            items = []
            while not isinstance(item := self.next(), SequenceEndEvent):
                items.append(self.node(item))
            return SequenceNode("tag:yaml.org,2002:seq", items)
        if isinstance(event, MappingStartEvent):
            pairs = []
            while not isinstance(key := self.next(), MappingEndEvent):
                pairs.append((self.node(key), self.node(self.next())))
            return MappingNode("tag:yaml.org,2002:map", pairs)
        raise _Unsure


def _check(event: Event) -> None:
    if type(event) is AliasEvent or getattr(event, "anchor", None) is not None:
        raise _Unsure
    if getattr(event, "tag", None) not in _NO_TAG:
        raise _Unsure  # an explicit tag: the full load may build another type, or refuse the file


_SAFE_LOADER: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def load_file(path: str, shape: Shape) -> Any:
    """What the full load gives on the paths `shape` names, without building the rest (3x less CPU on
    the generator's files, whose input series are most of their bytes); the full load when unsure."""
    try:
        text = Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return None  # promtool reports the file itself
    kept = read(text, shape)
    if kept is not None:
        return kept
    try:
        return yaml.load(text, Loader=_SAFE_LOADER)
    except yaml.YAMLError:
        return None  # promtool reports the file itself
