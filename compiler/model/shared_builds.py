"""Specs that differ only by their service and team names are built once; the others get that model renamed.

A fleet made from one template spends a third of a cold compile building the same model under another name. A spec's
*shape* is its document with the service's name and (where the platform never mentions it) its team replaced by
tokens, with its positions (every key's and value's line and column) and its folder. The first spec of a shape is
built for real and, when at least PROVE_FOR more of its specs follow in the same piece of work, twice more: once
under the first tokens in its own file, once under the second tokens in a file of another name beside it. The
shape's later specs (in any later piece the same process runs) get the first build renamed (names, and the file in
every location: positions are part of the shape, so each warning keeps its own file:line:col), trusted only when
proven on the spot:
- renamed to the first spec's names and file, the token build equals its real build (every field, types and
  spellings of numbers included);
- renamed to the second tokens and file, it equals that build. The tokens differ in length (4 and 63
  characters) and lie low and high in sort order, so an order, a length or a lookup that depends on the name
  shows up.
Built for real instead: a spec with any problem (errors are found per file, as before), a name or team that
stands in a string other than as a whole word, in a key, inside a regex matcher, or on a label also matched
against anything else (in the spec, in any of PromQL's quotes, or in the platform's queries); a name the platform
mentions; a platform with problems; a shape that fails its proof.
The model is the same either way: the tests compile fleets with sharing on and off (OBSC_SHARE_BUILDS=0).
"""

from __future__ import annotations

import dataclasses
import enum
import functools
import os
import re
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from decimal import Decimal
from typing import Any

from compiler.errors import Diagnostic, Location
from compiler.model.types import Receiver, Service
from compiler.spec.document import Document

# Legal names that no spec is likely to use: the first pair short and low in sort order, the second long and high.
NAME_TOKENS = ("a0-k", "zz9-" + "z" * 58 + "9")
TEAM_TOKENS = ("a0-t", "zy8-" + "y" * 40 + "8")
PROVE_FOR = 3  # specs of a shape still to come that make its proof (two more builds) worth it

# A build: its problems, its service (None: not built) and the receivers its spec defines inline. Only a clean one
# (no problems, a service) is shared.
Built = tuple[list[Diagnostic], Service | None, list[Receiver]]
Clean = tuple[Service, list[Receiver]]


def _clean(built: Built) -> Clean | None:
    diagnostics, service, receivers = built
    return (service, receivers) if service is not None and not diagnostics else None


def enabled() -> bool:
    return os.environ.get("OBSC_SHARE_BUILDS", "1").strip() != "0"


class _Ineligible(Exception):
    """The name or team stands where renaming it could change what the spec means."""


_WORDISH = re.compile(r"[A-Za-z0-9_-]")
# A PromQL string in any of its three quotes (a `'` or backquoted regex escaped these checks: round 47)
_QUOTED = r"""(?:"((?:[^"\\]|\\.)*)"|'((?:[^'\\]|\\.)*)'|`([^`]*)`)"""
_QUOTES = ('"', "'", "`")
_REGEX_MATCHER = re.compile(r"(?:=~|!~)\s*" + _QUOTED)
_TEXT_MATCHER = re.compile(r"(?<![a-zA-Z0-9_])[0-9]*([a-zA-Z_][a-zA-Z0-9_]*)\s*(?:=~|!~|!=|=)\s*" + _QUOTED)
_LEAVES = (int, float, bool, Decimal, type(None))
_NAMED = object()  # in a shape: a string that held a name, followed by its pieces around each place


def strings_in(value: Any) -> Iterable[str]:
    """Every key and string of JSON-shaped data (what a platform could mention a name in)."""
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for key, item in value.items():
            yield str(key)
            yield from strings_in(item)
    elif isinstance(value, list | tuple):
        for item in value:
            yield from strings_in(item)


def text_matchers(text: str) -> list[tuple[str, str]]:
    """(label, value) of each label matcher in PromQL text, whichever quotes hold its value."""
    if not any([q in text for q in _QUOTES]):  # (a list: cheaper than a generator for three quotes)
        return []
    return [(found[0], "".join(found[1:])) for found in _TEXT_MATCHER.findall(text)]


def _regexes(text: str) -> list[str]:
    return ["".join(found) for found in _REGEX_MATCHER.findall(text)]


@dataclasses.dataclass(frozen=True)
class _Names:
    """A spec's names that its shape replaces by tokens (the team only where the platform never mentions it)."""

    names: tuple[str, ...]

    def key(self, data: Any, elsewhere: frozenset[str] = frozenset()) -> tuple[object, ...]:
        """The shape of `data`; `elsewhere`: the labels the platform's queries match (against other values)."""
        out: list[object] = []
        matchers: list[tuple[str, str]] = []
        texts: list[str] = []  # every string, and every key (after the first "\x00")
        keys: list[str] = []
        self._flatten(data, out, matchers, texts, keys)
        every, held = "\x00".join(texts) + "\x00" + "\x00".join(keys), "\x00".join(keys)
        if any(t in every for t in (*NAME_TOKENS, *TEAM_TOKENS)) or any(n in held for n in self.names):
            raise _Ineligible  # a token in the spec (renaming back would take it too), a name in a key
        for written in (data.get("selector"), data.get("targets")) if isinstance(data, dict) else ():
            if isinstance(written, dict):  # label: value, matched as label="value"
                matchers.extend((str(label), str(value)) for label, value in written.items())
        named = {label for label, value in matchers if any(n in value for n in self.names)}
        if named & elsewhere or any(
            label in named and not any(n in value for n in self.names) for label, value in matchers
        ):
            raise _Ineligible  # a label matched against the name and against anything else (here or in the platform)
        return tuple(out)

    def _flatten(
        self, value: Any, out: list[object], matchers: list[tuple[str, str]], texts: list[str], keys: list[str]
    ) -> None:
        kind = type(value)
        if kind is str:
            texts.append(value)
            out.append(self._text(value, matchers))
        elif kind is dict:
            out.append(dict)
            for key, item in value.items():
                if type(key) is not str:
                    raise _Ineligible
                keys.append(key)
                out.append(key)
                self._flatten(item, out, matchers, texts, keys)
            out.append(None)
        elif kind is list:
            out.append(list)
            out.append(len(value))
            for item in value:
                self._flatten(item, out, matchers, texts, keys)
        elif kind in _LEAVES:
            out.append(kind)
            out.append(repr(value))  # as written: 1, 1.0 and True are told apart
        else:
            raise _Ineligible

    def _text(self, value: str, matchers: list[tuple[str, str]]) -> object:
        found = text_matchers(value)
        if found:
            matchers.extend(found)
            if any(n in regex for regex in _regexes(value) for n in self.names):
                raise _Ineligible  # the name inside a regex: what it matches depends on its characters
        if not any([n in value for n in self.names]):  # (a list: cheaper than a generator for two names)
            return value
        pieces: list[object] = [value]
        for n, name in enumerate(self.names):
            cut: list[object] = []
            for piece in pieces:
                if not isinstance(piece, str):
                    cut.append(piece)
                    continue
                parts = piece.split(name)
                for i, part in enumerate(parts):
                    if i:
                        if _WORDISH.match(part[:1]) or _WORDISH.match(parts[i - 1][-1:]):
                            raise _Ineligible  # part of a longer word
                        cut.append(n)
                    cut.append(part)
            pieces = cut
        return (_NAMED, *pieces)


def _tokenized(value: Any, names: Sequence[str], tokens: Sequence[str]) -> Any:
    """JSON-shaped data with each name replaced by its token (keys hold none: see _Names)."""
    if isinstance(value, str):
        for name, token in zip(names, tokens, strict=True):
            value = value.replace(name, token)
        return value
    if isinstance(value, dict):
        return {key: _tokenized(item, names, tokens) for key, item in value.items()}
    if isinstance(value, list):
        return [_tokenized(item, names, tokens) for item in value]
    return value


class _Renaming:
    """Replaces tokens in every string of a built model and one file in every location."""

    def __init__(self, tokens: Sequence[str], names: Sequence[str], files: tuple[str, str]) -> None:
        to = dict(zip(tokens, names, strict=True))
        self.pattern = re.compile("|".join(re.escape(t) for t in sorted(tokens, key=len, reverse=True)))
        self.named: Callable[[re.Match[str]], str] = lambda match: to[match.group()]
        self.tokens = tuple(tokens)
        self.files = files
        self.made: dict[int, Any] = {}  # id -> renamed, for objects met twice (kept alive by the model)

    def __call__(self, value: Any) -> Any:
        kind = type(value)
        if kind is str:
            for token in self.tokens:  # (a loop: cheaper than any() over a generator, for one or two tokens)
                if token in value:
                    return self.pattern.sub(self.named, value)
            return value
        if kind in _LEAVES:
            return value
        if kind is Location:
            return dataclasses.replace(value, file=self.files[1]) if value.file == self.files[0] else value
        if kind is tuple:
            items = tuple([self(v) for v in value])
            return value if all(a is b for a, b in zip(items, value, strict=True)) else items
        if kind is list:
            return [self(v) for v in value]
        if kind is frozenset:
            return frozenset(self(v) for v in value)
        names = _fields_of(kind)
        if names is None:  # an enum member
            if _holds_token(value, self.tokens):
                raise _Ineligible
            return value
        if id(value) in self.made:
            return self.made[id(value)]
        changes = {}
        for name in names:
            old = getattr(value, name)
            new = self(old)
            if new is not old:
                changes[name] = new
        made = dataclasses.replace(value, **changes) if changes else value
        self.made[id(value)] = made
        return made


@functools.cache
def _holds_token(member: enum.Enum, tokens: tuple[str, ...]) -> bool:
    """Whether an enum member's value holds a token: a model meets the same few members hundreds of times."""
    return isinstance(member.value, str) and any(t in member.value for t in tokens)


_KINDS: dict[type, tuple[str, ...] | None] = {}  # a model class's field names (None: an enum), found once


def _fields_of(kind: type) -> tuple[str, ...] | None:
    """The field names of a dataclass, None for an enum; any other kind of value is no model's (no sharing).
    Kept per class: `dataclasses.fields` builds its answer anew at each call, and renaming a 1,000-service
    fleet asked it ~40,000 times."""
    if kind not in _KINDS:
        if issubclass(kind, enum.Enum):
            _KINDS[kind] = None
        elif dataclasses.is_dataclass(kind):
            _KINDS[kind] = tuple(field.name for field in dataclasses.fields(kind))
        else:
            raise _Ineligible  # a kind of value this walk does not know (not kept: it fails every time)
    return _KINDS[kind]


def same(left: Any, right: Any) -> bool:
    """Equal value by value, of the same types and spellings (Decimal('0.30') and 0.3 differ; -0.0 and 0.0
    differ), every dataclass field included (those left out of ==, too)."""
    kind = type(left)
    if kind is not type(right):
        return False
    if kind is str:
        return bool(left == right)
    if kind in _LEAVES or isinstance(left, enum.Enum):
        return repr(left) == repr(right)
    if kind is tuple or kind is list:
        return len(left) == len(right) and all(same(a, b) for a, b in zip(left, right, strict=True))
    if kind is frozenset:
        return bool(left == right)
    if dataclasses.is_dataclass(left):
        return all(same(getattr(left, f.name), getattr(right, f.name)) for f in dataclasses.fields(left))
    return False


class _Key:
    """A shape, hashed once: a key is a tuple of hundreds of items, which Python hashes anew at each lookup."""

    __slots__ = ("hash", "items")

    def __init__(self, items: tuple[object, ...]) -> None:
        self.items, self.hash = items, hash(items)

    def __hash__(self) -> int:
        return self.hash

    def __eq__(self, other: object) -> bool:
        return isinstance(other, _Key) and self.hash == other.hash and self.items == other.items


class SharedBuilds:
    """`build` (a spec document's build) for the specs of the pieces of work one process runs, renaming the clean
    build of a shape already proven. One instance per load: it knows one platform."""

    def __init__(self, build: Callable[[Document], Built], platform_words: str, on: bool = True) -> None:
        self._build, self._words, self._on = build, platform_words, on
        # `job!~"s.*"` in a platform default refuses the service `shop` but not `alpha` or either token: a label the
        # platform matches holds no name of a shared build (its words hold no name, so any such value is another)
        self._matched = frozenset(label for label, _ in text_matchers(platform_words))
        self._known: dict[_Key, tuple[Clean, str] | None] = {}  # the token build, and its file
        self._ahead: Counter[_Key] = Counter()
        self._keys: dict[int, tuple[_Key, _Names] | None] = {}
        self.renamed = 0

    def plan(self, docs: Sequence[Document]) -> None:
        """A piece's documents, before any is built: a shape is proven only when enough of it follows."""
        for doc in docs:
            found = self._key(doc)
            self._keys[id(doc)] = found
            if found is not None:
                self._ahead[found[0]] += 1

    def __call__(self, doc: Document) -> Built:
        found = self._keys.pop(id(doc), None)  # (an id is unique only while its document lives: dropped once used)
        if found is None:
            return self._build(doc)
        key, names = found
        self._ahead[key] -= 1
        if key in self._known:
            known = self._known[key]
            if known is not None:
                shared = self._renamed(known, names, doc)
                if shared is not None:
                    self.renamed += 1
                    return shared
            return self._build(doc)
        real = self._build(doc)
        clean = _clean(real)
        if clean is not None and self._ahead[key] >= PROVE_FOR:
            self._known[key] = self._proven(doc, names, clean)
        return real

    def _key(self, doc: Document) -> tuple[_Key, _Names] | None:
        data = doc.data
        if not self._on or not isinstance(data, dict):
            return None
        name, team = data.get("service"), data.get("team")
        if not isinstance(name, str) or not isinstance(team, str) or not name or not team:
            return None
        if name in team or team in name or name in self._words:
            return None
        if any(n in t for n in (name, team) for t in (*NAME_TOKENS, *TEAM_TOKENS)):
            return None  # the tokens are written in one after the other: none may hold a name
        if any(t in self._words for t in (*NAME_TOKENS, *TEAM_TOKENS)):
            return None
        names = _Names((name,) if team in self._words else (name, team))
        try:
            shape = names.key(data, self._matched)
        except _Ineligible:
            return None
        layout = (doc.value_marks, doc.key_marks, doc.scalar_styles, doc.read_otherwise, doc.hidden_keys)
        where = (os.path.dirname(doc.file), os.path.dirname(doc.real_file), doc.real_folder, doc.index)
        literal = () if len(names.names) == 2 else (team,)
        return _Key((shape, literal, where, doc.link_folders, *(tuple(marks.items()) for marks in layout))), names

    def _token_doc(self, doc: Document, names: _Names, tokens: Sequence[str], file: str, real_file: str) -> Document:
        data = _tokenized(doc.data, names.names, tokens)
        return dataclasses.replace(doc, file=file, real_file=real_file, data=data)

    def _proven(self, doc: Document, names: _Names, real: Clean) -> tuple[Clean, str] | None:
        """The token build when renaming is proven for this shape (see the module), else None."""
        count = len(names.names)
        first = (NAME_TOKENS[0], TEAM_TOKENS[0])[:count]
        second = (NAME_TOKENS[1], TEAM_TOKENS[1])[:count]
        other = os.path.join(os.path.dirname(doc.file), second[0] + ".yaml")
        other_real = os.path.join(os.path.dirname(doc.real_file), second[0] + ".yaml") if doc.real_file else ""
        try:
            template = _clean(self._build(self._token_doc(doc, names, first, doc.file, doc.real_file)))
            proof = _clean(self._build(self._token_doc(doc, names, second, other, other_real)))
            if template is None or proof is None:
                return None
            own = _Renaming(first, names.names, (doc.file, doc.file))(template)
            moved = _Renaming(first, second, (doc.file, other))(template)
        except _Ineligible:
            return None
        except Exception:  # a token the build refuses: this shape is built per spec
            return None
        if same(own, real) and same(moved, proof):
            return template, doc.file
        return None

    def _renamed(self, known: tuple[Clean, str], names: _Names, doc: Document) -> Built | None:
        template, file = known
        tokens = (NAME_TOKENS[0], TEAM_TOKENS[0])[: len(names.names)]  # names of one shape: as many as its first's
        try:
            service, receivers = _Renaming(tokens, names.names, (file, doc.file))(template)
        except _Ineligible:
            return None
        return [], service, list(receivers)
