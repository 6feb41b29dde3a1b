"""Services that differ only by their name are generated once; the others get the same files renamed.

A fleet made from one template (the same SLOs, metrics and alerts, the name in the selector) spends most of
a cold compile generating the same files with another name in them. A service's *shape* is its model with
its name replaced by a token where the name stands whole (the service's name, a matcher's value, a quoted
string in PromQL text), without source locations (no target writes them). A shape's first service is
generated for real and, when at least three more of its services follow in the same piece of work, twice
more under two tokens (a fleet without repeats pays nothing more). The shape's later services get the
first token's files renamed, trusted only when proven on the spot:
- renamed to the first service's name, they equal its real files (escaping, lookups by name);
- renamed to the second token, they equal that token's files. The tokens differ in length (4 and 63
  characters) and lie low and high in sort order, so a hash, a truncation, a padding or an order that
  depends on the name shows up.
Generated in full instead: a service whose name appears in its model in any other way (in a description,
as a metric name, in an enum field), a name YAML reads as a word, a label matched against the name and
against anything else (the targets evaluate those matchers on the name), a name equal to a word the
shape's files hold, a service with fleet data kept by its name (a rendered standard dashboard), a shape
that fails a proof. The bytes are the same either way: the tests compile fleets with sharing on and off
(OBSC_SHARE_SHAPES=0 turns it off).

Derived names that are not the name itself (a Grafana UID is a prefix of it plus a hash) are mapped
explicitly; one the proofs do not know makes them fail, never a wrong file.
"""

from __future__ import annotations

import dataclasses
import os
import re
import weakref
from collections import Counter
from collections.abc import Iterable, Sequence
from decimal import Decimal
from typing import Any

from compiler import conventions
from compiler.errors import NOWHERE, Location
from compiler.model.promql import Matcher
from compiler.model.types import Fleet, Service
from compiler.output.bundle import Artifact, Ownership
from compiler.targets.base import ServiceArtifacts, TargetOptions

# Legal service names (conventions.NAME) that no spec is likely to use, each with a letter, a digit and a
# hyphen: the shortest and the longest a name can usefully be (4 and 63 characters), low and high in sort order.
FIRST_TOKEN = "a0-k"
SECOND_TOKEN = "zz9-" + "z" * 58 + "9"
# Names a YAML emitter quotes (YAML 1.1 reads them as booleans, null or numbers) where a token stays plain.
_YAML_WORDS = frozenset({"y", "n", "yes", "no", "true", "false", "on", "off", "null", "nan", "inf"})


def enabled() -> bool:
    return os.environ.get("OBSC_SHARE_SHAPES", "1").strip() != "0"


class _Ineligible(Exception):
    """The name appears in the model where renaming it could change what the model means."""


_MARK = "\x00"  # no generated file holds a NUL (a template that does is not used): marks the name's places


@dataclasses.dataclass(frozen=True)
class _Text:
    """A file's text cut at each place of the name; the few pieces that hold a derived name's mark."""

    pieces: tuple[str, ...]
    marked: tuple[int, ...]  # indices of pieces holding a UID mark
    data: tuple[bytes, ...] | None  # the pieces as UTF-8, None if one does not encode (a lone surrogate)

    @classmethod
    def of(cls, marked_text: str) -> _Text:
        pieces = tuple(marked_text.split(_mark(0)))
        try:
            data: tuple[bytes, ...] | None = tuple(piece.encode() for piece in pieces)
        except UnicodeEncodeError:
            data = None
        return cls(pieces, tuple(i for i, piece in enumerate(pieces) if _MARK in piece), data)

    def named(self, values: Sequence[str]) -> str:
        if not self.marked:
            return values[0].join(self.pieces)
        pieces = list(self.pieces)
        for i in self.marked:
            for n in range(1, len(values)):
                pieces[i] = pieces[i].replace(_mark(n), values[n])
        return values[0].join(pieces)

    def encoded(self, values: Sequence[bytes], prefix: bytes) -> bytes | None:
        """`prefix` + named(values) as UTF-8, joined as bytes in one pass (None: the pieces do not encode)."""
        if self.data is None:
            return None
        pieces = list(self.data)
        for i in self.marked:
            for n in range(1, len(values)):
                pieces[i] = pieces[i].replace(_mark(n).encode(), values[n])
        pieces[0] = prefix + pieces[0]
        return values[0].join(pieces)


@dataclasses.dataclass(frozen=True)
class _Named:
    """A template file's text under a service's name, made when asked (bundle.Artifact.rendered)."""

    text_of: _Text
    values: tuple[str, ...]

    def text(self) -> str:
        return self.text_of.named(self.values)

    def encoded(self, prefix: bytes) -> bytes | None:
        try:
            values = [value.encode() for value in self.values]
        except UnicodeEncodeError:
            return None
        return self.text_of.encoded(values, prefix)


_WORD = re.compile(r"[a-z][a-z0-9-]*")  # what a service name could be, wherever a file writes it


def _mark(n: int) -> str:
    return f"{_MARK}{n}{_MARK}"


@dataclasses.dataclass(frozen=True)
class _Template:
    """A shape's files with the places of the name (mark 0) and of the Grafana UIDs derived from it (marks
    1..) cut out: making a service's files is joining the pieces with its name, fast."""

    files: tuple[tuple[_Text, _Text, Ownership], ...]  # path, content, ownership
    dashboards: tuple[str, ...]  # whose UIDs are marks 1, 2, ...
    # Every name-like word the files hold besides the name: a service named like one (`obsc-other-service`,
    # the series of another service the tests feed) could be told apart from it by the targets.
    fixed: frozenset[str]

    @classmethod
    def of(cls, files: Sequence[Artifact], token: str, dashboards: tuple[str, ...]) -> _Template | None:
        if any(_MARK in a.path or _MARK in a.content for a in files):
            return None
        keys = [token, *(conventions.dashboard_uid(token, d) for d in dashboards)]
        marks = {key: _mark(n) for n, key in enumerate(keys)}
        # One pass, the longest first where they overlap (a UID starts with the name). Marks hold no name
        # and names no NUL, so putting one value in never makes or breaks another mark.
        pattern = re.compile("|".join(re.escape(k) for k in sorted(keys, key=len, reverse=True)))

        lines: set[str] = set()

        def cut(text: str) -> _Text:
            marked = pattern.sub(lambda m: marks[m.group()], text)
            lines.update(marked.split("\n"))
            return _Text.of(marked)

        cuts = tuple((cut(a.path), cut(a.content), a.ownership) for a in files)
        return cls(cuts, dashboards, words_in(lines))

    def named(self, name: str) -> list[Artifact]:
        values = (name, *(conventions.dashboard_uid(name, d) for d in self.dashboards))
        return [
            Artifact.rendered(path.named(values), own, _Named(content, values)) for path, content, own in self.files
        ]


def words_in(lines: Iterable[str]) -> frozenset[str]:
    """Every name-like word (`_WORD`) of `lines`. A word never spans a newline (`_WORD` takes none), so the
    words of a text are those of its distinct lines: a shape's promtool tests repeat most of their lines
    (series, cases per window), and reading each text whole was most of a template's making."""
    return frozenset(_WORD.findall("\n".join(lines)))


def same(left: Sequence[Artifact], right: Sequence[Artifact]) -> bool:
    return len(left) == len(right) and all(
        a.path == b.path and a.ownership == b.ownership and a.content == b.content
        for a, b in zip(left, right, strict=True)
    )


def shape(service: Service, token: str) -> Service:
    """The service under another name, without source locations (see shape_key for when it may be used).
    Kept in the instance, per token (not a field of the frozen model): each target that shares shapes proves
    the same service's shape under the same two tokens, and a walk renames a rich service's ~600 values."""
    made: dict[str, Service] = service.__dict__.setdefault("_shapes", {})
    if token not in made:
        made[token] = _renamed(service, service.name, token)
    return made[token]


def _renamed(value: Any, name: str, token: str) -> Any:
    kind = type(value)
    if kind is str:
        return value.replace(f'"{name}"', f'"{token}"') if name in value else value
    if kind is tuple:
        items = tuple(_renamed(v, name, token) for v in value)
        return value if all(a is b for a, b in zip(items, value, strict=True)) else items
    if kind is Location:
        return NOWHERE
    if kind is Matcher and value.value == name:
        return dataclasses.replace(value, value=token)
    if not dataclasses.is_dataclass(value) or isinstance(value, type):
        return value
    changes = {}
    for field in _fields(kind):
        old = getattr(value, field)
        new = token if kind is Service and field == "name" else _renamed(old, name, token)
        if new is not old:
            changes[field] = new
    return dataclasses.replace(value, **changes) if changes else value


def shape_key(service: Service) -> tuple[object, ...]:
    """What services of one shape have in common: the model with its name as a token, flattened, without
    source locations. Raises _Ineligible where the name appears other than as a whole: the service's name,
    a matcher's value, a quoted string in PromQL text (in a description, a metric name or a keyword,
    renaming it could change what the model means)."""
    out: list[object] = []
    matchers: list[tuple[str, str | None]] = []
    _flatten(service, service.name, f'"{service.name}"', out, matchers)
    # A label matched against the name and against anything else: the targets evaluate the other matchers
    # on the name (a series made for `job=~"NAME"` must pass `job!~".*-canary"`), and what they decide then
    # depends on what the name says, which no proof on other names shows.
    named = {label for label, value in matchers if value is None or value == service.name}
    if any(label in named and value is not None and value != service.name for label, value in matchers):
        raise _Ineligible
    return tuple(out)


def _cached_shape_key(service: Service) -> _Interned | None:
    """shape_key, or None when the service has none; kept in the instance (every target asks), and one object
    for every service of a shape: a key is a tuple of hundreds of items, which Python hashes anew at each
    lookup (no cache) and compares item by item against an equal key, five lookups per service and target."""
    if "_shape_key" not in service.__dict__:  # not a field of the frozen model
        try:
            key = shape_key(service)
        except _Ineligible:
            service.__dict__["_shape_key"] = None
        else:
            interned = _INTERNED.get(key)
            if interned is None:
                interned = _INTERNED[key] = _Interned(key)
            service.__dict__["_shape_key"] = interned
    found: _Interned | None = service.__dict__["_shape_key"]
    return found


class _Interned:
    """A shape key as one object per shape (`_INTERNED`): hashed and compared by identity."""

    __slots__ = ("__weakref__", "items")

    def __init__(self, items: tuple[object, ...]) -> None:
        self.items = items


_INTERNED: weakref.WeakValueDictionary[tuple[object, ...], _Interned] = weakref.WeakValueDictionary()


_NAMED = object()  # in a shape key: a string that held the name (a plain string cannot equal it)
_LEAVES = frozenset({int, float, bool, Decimal, type(None)})
_FIELD_NAMES: dict[type, tuple[str, ...]] = {}


def _fields(kind: type) -> tuple[str, ...]:
    names = _FIELD_NAMES.get(kind)
    if names is None:
        names = _FIELD_NAMES[kind] = tuple(f.name for f in dataclasses.fields(kind))
    return names


# A label matcher in PromQL text: label, operator, the quoted value's body.
# The label starts at the first letter of its run (after any digits), tried once per run: a long word of spec
# text was read from each of its letters (quadratic).
_TEXT_MATCHER = re.compile(r'(?<![a-zA-Z0-9_])[0-9]*([a-zA-Z_][a-zA-Z0-9_]*)\s*(?:=~|!~|!=|=)\s*"((?:[^"\\]|\\.)*)"')


def _flatten(value: Any, name: str, quoted: str, out: list[object], matchers: list[tuple[str, str | None]]) -> None:
    """Append `value`'s shape to `out`, and to `matchers` each (label, value) matched anywhere (None: the
    name, in a matcher the walk renames)."""
    kind = type(value)
    if kind is str:
        if '"' in value:
            matchers.extend(_TEXT_MATCHER.findall(value))
        if name in value:
            parts = tuple(value.split(quoted))  # the text around each place of the name
            if any(name in part for part in parts):
                raise _Ineligible
            out.append(_NAMED)
            out.append(parts)
        else:
            out.append(value)
    elif kind is tuple:
        out.append(tuple)
        out.append(len(value))
        for item in value:
            _flatten(item, name, quoted, out, matchers)
    elif kind in _LEAVES:
        out.append(kind)
        # As written, not by value: Decimal("0.300") == Decimal("0.3") and -0.0 == 0.0 print apart.
        out.append(repr(value))
    elif kind is Location:
        out.append(Location)
    elif isinstance(value, str):  # an enum member: a keyword, never renamed
        if name in value:
            raise _Ineligible
        out.append(kind)
        out.append(value)
    elif kind is Matcher:
        whole = value.value == name
        matchers.append((value.label, None if whole else value.value))
        out.append(Matcher)
        out.append(value.label)
        out.append(value.op)
        if whole:
            out.append(None)  # the name
        else:
            _flatten(value.value, name, quoted, out, matchers)
    elif dataclasses.is_dataclass(value):
        out.append(kind)
        for field in _fields(kind):
            if kind is Service and field == "name":
                out.append(None)
            else:
                _flatten(getattr(value, field), name, quoted, out, matchers)
    else:
        raise _Ineligible  # a kind of value this walk does not know


_NAME = re.compile(conventions.NAME)
PROVE_FOR = 3  # services of a shape still to come that make its proof (two generations) worth it
# What SharedShapes.piece tallies: services whose files were renamed from a proven shape, shapes proven,
# shapes whose proof failed (their services are generated in full).
RENAMED, PROVEN, UNPROVEN = "renamed", "shapes_proven", "shapes_unproven"


class SharedShapes:
    """A target's `service_artifacts` for lists of services, renaming the files of a shape already proven.

    One instance per generate() call: the shapes it knows belong to that fleet, platform and options."""

    def __init__(self, part: ServiceArtifacts, fleet: Fleet, options: TargetOptions, enabled: bool = True) -> None:
        self._part, self._fleet, self._options, self._enabled = part, fleet, options, enabled
        self._known: dict[_Interned, _Template | None] = {}
        self._ahead: Counter[_Interned] = Counter()  # services of each shape still to come
        self._tally: Counter[str] = Counter()  # the current piece's TALLY counts
        # Fleet data kept by service name (a platform standard dashboard rendered for it) that a token
        # would not find: those services are generated in full.
        self._named_in_fleet = frozenset(r.service for r in fleet.rendered_dashboards)

    def piece(self, services: Sequence[Service]) -> tuple[list[list[Artifact]], Counter[str]]:
        """Each service's files, and how they were made (TALLY keys: -v reports them). A shape is proven only
        where at least PROVE_FOR more of its services follow in `services`: a proof costs two generations, so
        a shape of two or three never pays for one."""
        self._ahead = Counter(key for key in map(self._key, services) if key is not None)
        self._tally = Counter()
        return [self(service) for service in services], self._tally

    def _key(self, service: Service) -> _Interned | None:
        if not self._enabled or not _NAME.fullmatch(service.name) or service.name in _YAML_WORDS:
            return None
        if service.name in self._named_in_fleet:
            return None
        return _cached_shape_key(service)

    def __call__(self, service: Service) -> list[Artifact]:
        """The service's files, renamed from its shape's when that is proven."""
        key = self._key(service)
        if key is None:
            return self.in_full(service)
        self._ahead[key] -= 1
        if key in self._known:
            template = self._known[key]
            if template is None or service.name in template.fixed:
                return self.in_full(service)
            self._tally[RENAMED] += 1
            return template.named(service.name)
        real = self.in_full(service)
        if self._ahead[key] >= PROVE_FOR:
            self._known[key] = self._proven(service, real)
            self._tally[PROVEN if self._known[key] is not None else UNPROVEN] += 1
        return real

    def in_full(self, service: Service) -> list[Artifact]:
        """The service's files, generated."""
        return self._part(self._fleet, [service], self._options)

    def _proven(self, service: Service, real: list[Artifact]) -> _Template | None:
        """The shape's template when renaming is proven for it (see the module), else None."""
        dashboards = tuple(sorted({conventions.SERVICE_DASHBOARD, *service.dashboards}))
        try:
            template = _Template.of(self.in_full(shape(service, FIRST_TOKEN)), FIRST_TOKEN, dashboards)
            second = self.in_full(shape(service, SECOND_TOKEN))
        except Exception:  # a token the target refuses: this shape is generated in full
            return None
        if template is None or not same(template.named(service.name), real):
            return None
        return template if same(template.named(SECOND_TOKEN), second) else None
