"""Read spec and platform files (YAML or Jsonnet) into located `Document`s.

This is the only module that reads spec files. It refuses what would hurt the process before
parsing it (oversized files, alias bombs, deep nesting) and turns every parse error into a
located `Diagnostic` instead of an exception.
"""

from __future__ import annotations

import datetime
import itertools
import json
import os
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import yaml

from compiler.errors import Diagnostic, InputError, Location
from compiler.spec import (
    discovery,
    files,
    foreign,
    jsonnet_eval,
    jsonnet_marks,
    jsonnet_sandbox,
    jsonnet_total,
    libyaml,
    unseen_text,
    yaml_budget,
    yaml_events,
    yaml_numbers,
    yaml_syntax_hints,
)
from compiler.spec.document import Document, Path
from compiler.spec.hint_values import decimal_point_advice

# libyaml's parser only (libyaml.py says why); its stand-in on a PyYAML without it is never used to read a spec
_Loader = yaml_numbers.bounded(libyaml.SAFE_LOADER or yaml.SafeLoader, as_written=True)
MAX_FILE_BYTES = files.MAX_FILE_BYTES
MAX_NODES = 200_000  # YAML nodes of a whole file after alias expansion: stops "billion laughs" files
MAX_DEPTH = 64
_NULL_TAG = "tag:yaml.org,2002:null"
_STR_TAG = "tag:yaml.org,2002:str"  # a scalar node's tag when it is (or is written as) a string
_MERGE_TAG = "tag:yaml.org,2002:merge"  # `<<`
SPEC_SUFFIXES = discovery.SPEC_SUFFIXES
PLATFORM_STEMS = discovery.PLATFORM_STEMS
discover = discovery.discover  # which files are specs: compiler/spec/discovery.py


@dataclass(frozen=True)
class JsonnetOptions:
    library_paths: tuple[str, ...] = ()
    # Spec files only: the compile's allowance of evaluation time, shared by them all (spec/jsonnet_total.py)
    spec_time: jsonnet_total.SpecTime | None = field(default=None, compare=False)


def load_file(path: str, jsonnet: JsonnetOptions) -> list[Document]:
    """Load every document of one file, each with the file's real paths; raise InputError with located problems."""
    if discovery.is_jsonnet(path):
        docs = [_load_jsonnet(path, jsonnet)]
    else:
        docs = load_yaml_text(path, _utf8_text(path, files.read_regular(path)))
    real_file, real_folder = os.path.realpath(path), os.path.realpath(os.path.dirname(path) or ".")
    links = files.link_folders(path)
    for doc in docs:
        doc.real_file, doc.real_folder, doc.link_folders = real_file, real_folder, links
    return docs


_WIDE_MARKS = (
    (b"\xff\xfe\x00\x00", "UTF-32"),
    (b"\x00\x00\xfe\xff", "UTF-32"),
    (b"\xff\xfe", "UTF-16"),
    (b"\xfe\xff", "UTF-16"),
)


def _utf8_text(path: str, raw: bytes) -> str:
    """The file's text, or InputError at the line and column of the first byte that is not UTF-8."""
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        # Windows editors and PowerShell's `>` save UTF-16 with a byte-order mark: name it, not a byte.
        wide = next((name for mark, name in _WIDE_MARKS if raw.startswith(mark)), None)
        reason = f"the file is {wide} (it starts with that byte-order mark): save it as UTF-8" if wide else exc.reason
        raise InputError([Diagnostic(_byte_location(path, raw, exc.start), (), f"not UTF-8 text: {reason}")]) from None


def _byte_location(path: str, raw: bytes, at: int) -> Location:
    start = raw.rfind(b"\n", 0, at) + 1
    return Location(path, raw.count(b"\n", 0, at) + 1, len(raw[start:at].decode("utf-8", "replace")) + 1)


def load_yaml_text(path: str, text: str) -> list[Document]:
    libyaml.require()
    try:
        loader = _Loader(text)
    except yaml.reader.ReaderError as exc:
        raise _reader_error(path, text, exc) from None
    docs: list[Document] = []
    try:
        # First the events alone, with the whole file's budget: nothing is composed, merged or expanded
        # until the file is known to stay within it.
        events = yaml_budget.check(path, loader, MAX_NODES, MAX_DEPTH)
        # libyaml counts offsets from after a byte-order mark; the values' spans, only read when one is found
        unseen_text.refuse(path, text.removeprefix("\ufeff"), _value_spans(events))
        built = yaml_events.documents(path, events, loader, MAX_DEPTH)
        if built is not None:
            return built
        loader.dispose()
        loader = _Loader(text)
        budget = _Budget(path)
        index = 0
        while loader.check_node():
            node = loader.get_node()
            if node is None:
                continue
            doc = Document(file=path, data=None, index=index)
            doc.data = _to_data(loader, node, (), doc, budget, 0)
            if doc.data is not None:
                docs.append(doc)
            index += 1
    except yaml.reader.ReaderError as exc:
        raise _reader_error(path, text, exc) from None
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        loc = Location(path, mark.line + 1, mark.column + 1) if mark else Location(path)
        problem = exc.problem or exc.context or "invalid YAML"
        if exc.context and exc.context_mark and exc.problem:
            ctx_mark = exc.context_mark
            problem = f"{problem} ({exc.context} started at line {ctx_mark.line + 1}, column {ctx_mark.column + 1})"
        better = yaml_syntax_hints.hint(text, loc.line, loc.col, problem) if mark else None
        if better:
            loc, problem = Location(path, better[0], better[1]), f"{problem}: {better[2]}"
        raise InputError([Diagnostic(loc, (), f"YAML syntax error: {problem}")]) from None
    except yaml.YAMLError as exc:
        raise InputError([Diagnostic(Location(path), (), f"YAML error: {exc}")]) from None
    finally:
        loader.dispose()
    return docs


def _value_spans(events: list[yaml.Event]) -> Iterator[tuple[int, int, bool]]:
    for event in events:
        if isinstance(event, yaml.ScalarEvent) and event.start_mark and event.end_mark:
            yield event.start_mark.index, event.end_mark.index, event.style in ("|", ">")


def _reader_error(path: str, text: str, exc: yaml.reader.ReaderError) -> InputError:
    line = text.count("\n", 0, exc.position) + 1
    col = exc.position - (text.rfind("\n", 0, exc.position) + 1) + 1
    message = f"YAML syntax error: character {chr(exc.character)!r} is not allowed in YAML"
    return InputError([Diagnostic(Location(path, line, col), (), message)])


class _Budget:
    def __init__(self, path: str) -> None:
        self.path = path
        self.nodes = 0

    def spend(self, node: yaml.Node) -> None:
        self.nodes += 1
        if self.nodes > MAX_NODES:
            line, col = node.start_mark.line + 1, node.start_mark.column + 1
            raise InputError(
                [
                    Diagnostic(
                        Location(self.path, line, col),
                        (),
                        f"file expands to more than {MAX_NODES:,} nodes "
                        "(YAML aliases nested too deeply? refusing to expand it)",
                    )
                ]
            )


def _to_data(loader: Any, node: yaml.Node, path: Path, doc: Document, budget: _Budget, depth: int) -> Any:
    budget.spend(node)
    doc.value_marks[path] = (node.start_mark.line + 1, node.start_mark.column + 1)
    if depth > MAX_DEPTH:
        raise InputError(
            [Diagnostic(doc.locate(path), path, f"nesting deeper than {MAX_DEPTH} levels (recursive alias?)")]
        )
    if isinstance(node, yaml.MappingNode):
        explicit = {id(k) for k, _ in node.value if k.tag != _MERGE_TAG}
        out: dict[str, Any] = {}
        seen: dict[str, yaml.Node] = {}
        if node.flow_style and (cut := _number_cut_by_comma(node.value)):
            at, key, message = cut
            where = Location(doc.file, at.start_mark.line + 1, at.start_mark.column + 1)
            raise InputError([Diagnostic(where, (*path, key), message)])
        for key_node, value_node in _merged_pairs(node, depth):
            plain = key_node.tag == _STR_TAG and isinstance(key_node, yaml.ScalarNode)
            key = key_node.value if plain else loader.construct_object(key_node, deep=True)
            key_loc = (key_node.start_mark.line + 1, key_node.start_mark.column + 1)
            if not isinstance(key, str):
                # YAML 1.1 turns `on:`/`off:`/`1:` into bool/int keys; specs use string keys only.
                said = _key_not_text(key_node, key)
                if not path and isinstance(key_node, yaml.ScalarNode):
                    siblings = [k.value for k, _ in node.value if isinstance(k, yaml.ScalarNode)]
                    said = foreign.workflow_key(key, key_node.value, siblings) or said
                raise InputError([Diagnostic(Location(doc.file, *key_loc), path, said)])
            if key in seen and id(seen[key]) in explicit and id(key_node) in explicit:
                first = seen[key].start_mark.line + 1
                raise InputError(
                    [
                        Diagnostic(
                            Location(doc.file, *key_loc), (*path, key), f"duplicate key (first defined on line {first})"
                        )
                    ]
                )
            seen[key] = key_node
            doc.key_marks[(*path, key)] = key_loc
            out[key] = _to_data(loader, value_node, (*path, key), doc, budget, depth + 1)
        return out
    if isinstance(node, yaml.SequenceNode):
        return [_to_data(loader, item, (*path, i), doc, budget, depth + 1) for i, item in enumerate(node.value)]
    style = getattr(node, "style", None)  # a scalar: plain (None or ""), "...", '...', | or >
    if node.start_mark.line == node.end_mark.line and style in (None, "", '"', "'"):
        doc.scalar_styles[path] = style or ""
    if node.tag == _STR_TAG:
        return node.value  # what the constructor would return for a string, without its bookkeeping
    try:
        value = loader.construct_object(node, deep=True)
    except yaml_numbers.NumberTooLarge as exc:
        where = Location(doc.file, node.start_mark.line + 1, node.start_mark.column + 1)
        raise InputError([Diagnostic(where, path, str(exc.problem))]) from None
    if isinstance(value, bytes | set) or type(value).__module__ == "datetime":
        # Timestamps and binary are not spec values; keep the text the user wrote.
        return str(node.value)
    if style in (None, "") and yaml_events.shown_otherwise(value, str(node.value)):
        doc.read_otherwise[path] = str(node.value)
    return value


# The digits after a comma: `,000`, `,5`, with decimals (`2,500.5`) or the unit they end with (`92,5%`, `0,5s`,
# `1,5GiB`, `2,5/m`).
_DIGITS = re.compile(r"([0-9]+)(\.[0-9]+)?(%|[A-Za-zµ]+|/[A-Za-z]+)?")
_PLAIN_NUMBER = re.compile(r"[-+]?[0-9]+(\.[0-9]+)?")


def _number_cut_by_comma(pairs: list[tuple[yaml.Node, yaml.Node]]) -> tuple[yaml.Node, str, str] | None:
    """`{objective: 99,5}`, `{above: 20,000}`, `{below: 0,5s}`: in {...} a comma ends a value, so the number was
    cut and its digits after the comma became a key of their own, told "key 5 is read as a number: quote it
    ('5':)" or "unknown key '000'", advice that does not help. (value node, its key, message) of the first such
    cut; a number cut twice or more (`1,000,000`) is said whole."""
    for i, ((key, value), (digits, empty)) in enumerate(itertools.pairwise(pairs)):
        if not (_cut_after(value, digits, empty, key) and _PLAIN_NUMBER.fullmatch(value.value)):
            continue
        groups = [found] if (found := _DIGITS.fullmatch(digits.value)) else []
        for more, more_empty in pairs[i + 2 :]:  # `,000` after `,000`: one number cut twice
            if not groups or groups[-1].group(2) or groups[-1].group(3):
                break  # decimals or a unit end a number
            if not (_cut_after(digits, more, more_empty) and (found := _DIGITS.fullmatch(more.value))):
                break
            groups, digits = [*groups, found], more
        if not groups:
            continue
        cuts = [g.group(0) for g in groups]
        written, whole = ",".join([value.value, *cuts]), value.value.lstrip("+")
        thousands = all(len(g.group(1)) == 3 for g in groups)
        if len(cuts) == 1 and not groups[0].group(2):
            decimal = decimal_point_advice(written)
            grouped = f"{whole}{cuts[0]} (no thousands separator)" if thousands else ""
            meant = ", or ".join(m for m in (grouped, decimal) if m)
            if not meant:
                continue
        elif thousands:  # `1,000,000`, `2,500.5`: only a thousands separator reads so
            meant = f"{whole}{''.join(cuts)} (no thousands separator)"
        elif _lakh_grouped(groups):  # `12,34,567`: groups of two, then three (Indian digit grouping)
            meant = f"{whole}{''.join(cuts)} (no digit grouping)"
        else:
            meant = "the number without commas, a point before its decimals"
        message = (
            f"{written!r}: in {{...}} a comma separates entries, so this read as {value.value} and "
            f"{'keys' if len(cuts) > 1 else 'a key'} {', '.join(map(repr, cuts))}; write {meant}"
        )
        return value, str(key.value), message
    return None


def _lakh_grouped(groups: list[re.Match[str]]) -> bool:
    """Digits grouped by two, the last group by three, no decimals but maybe after the last group."""
    sizes = [len(g.group(1)) for g in groups]
    whole_groups = all(not g.group(3) for g in groups) and all(not g.group(2) for g in groups[:-1])
    return whole_groups and sizes[-1] == 3 and all(n == 2 for n in sizes[:-1])


def _cut_after(before: yaml.Node, digits: yaml.Node, empty: yaml.Node, *plain: yaml.Node) -> bool:
    """Whether `digits` (a key without value, `empty`) follows `before` right after a comma on its line."""
    if not all(isinstance(n, yaml.ScalarNode) and not n.style for n in (before, digits, empty, *plain)):
        return False
    end, start = before.end_mark, digits.start_mark
    return empty.tag == _NULL_TAG and not empty.value and end.line == start.line and 1 <= start.column - end.column <= 2


def _key_not_text(node: yaml.Node, key: Any) -> str:
    """YAML 1.1 turns `on:`, `no:`, `1:`, `~:` into a bool, int or null key; specs use text keys only. Said in
    the words written (`on`), not Python's (`True`)."""
    if isinstance(node, yaml.ScalarNode):
        if key is None or isinstance(key, bool):
            read = json.dumps(key)
        else:
            read = (
                "a number" if isinstance(key, int | float) else "a date" if isinstance(key, datetime.date) else "data"
            )
        return f"key {node.value} is read as {read}, not text: quote it ('{node.value}':)"
    if isinstance(node, yaml.MappingNode) and node.flow_style:  # `service: {{ .Values.name }}` (round 43)
        return (
            "{{ ... }} reads as a mapping inside a mapping here: a template (Helm, Go) that nothing expanded; obsc "
            "reads plain YAML and expands no template: write the value itself (to build specs from one source, "
            "write them in Jsonnet)"
        )
    return f"key {json.dumps(key, default=str)} must be text: keys are plain names"


def _merged_pairs(node: yaml.MappingNode, depth: int) -> list[tuple[yaml.Node, yaml.Node]]:
    """The mapping's pairs with `<<:` merge keys resolved, the winner of each key last.

    Done here, not by PyYAML's flatten_mapping: PyYAML 6.0.4 changed which mapping of `<<: [*a, *b]` wins
    (yaml/pyyaml#953, even by key length), and a spec must not mean something else after a patch release.
    The merge key spec (yaml.org/type/merge.html): the mapping's own keys win over merged ones, and a mapping
    earlier in a `<<:` sequence wins over a later one.
    """
    if depth > MAX_DEPTH:  # merges nested through aliases: the nodes' own depth check cannot see them
        raise yaml.constructor.ConstructorError(None, None, "merge keys nested too deeply", node.start_mark)
    merged: list[tuple[yaml.Node, yaml.Node]] = []
    own: list[tuple[yaml.Node, yaml.Node]] = []
    for key_node, value_node in node.value:
        if key_node.tag != _MERGE_TAG:
            own.append((key_node, value_node))
            continue
        if key_node is not next(k for k, _ in node.value if k.tag == _MERGE_TAG):
            problem = "a second merge key (<<) in one mapping (list the mappings in one: <<: [*a, *b])"
            raise yaml.constructor.ConstructorError(None, None, problem, key_node.start_mark)
        sources = value_node.value if isinstance(value_node, yaml.SequenceNode) else [value_node]
        for source in reversed(sources):  # earlier wins: it comes later
            if not isinstance(source, yaml.MappingNode):
                what = "a sequence of mappings" if isinstance(value_node, yaml.SequenceNode) else "a mapping"
                found = f"found {source.id}"
                raise yaml.constructor.ConstructorError(
                    "while resolving a merge key (<<)",
                    key_node.start_mark,
                    f"expected {what}, {found}",
                    source.start_mark,
                )
            merged.extend(_merged_pairs(source, depth + 1))
    return merged + own


def _load_jsonnet(path: str, options: JsonnetOptions) -> Document:
    roots = [os.path.realpath(os.path.dirname(path) or ".")] + [os.path.realpath(p) for p in options.library_paths]
    source = _jsonnet_source(path)
    read: list[tuple[str, str | None]] = []
    data = _json_value(path, _evaluate_spec(path, source, roots, options.spec_time, read.extend))
    _check_size(path, data)
    doc = Document(file=path, data=data, imports=tuple((real, *_import_mark(source, name)) for real, name in read))
    jsonnet_marks.approximate(doc, source)
    return doc


def _import_mark(source: str, name: str | None) -> tuple[int, int]:
    """Where the spec's text names an import (its first quoted mention), else its first line (a library's import)."""
    found = -1
    for quote in "'\"":
        if name is not None and (at := source.find(quote + name + quote)) >= 0:
            found = at if found < 0 else min(found, at)
    if found < 0:
        return 1, 1
    line = source.count("\n", 0, found) + 1
    return line, found - (source.rfind("\n", 0, found) + 1) + 2  # the name's first character, 1-based


def _evaluate_spec(
    path: str,
    source: str,
    roots: list[str],
    spec_time: jsonnet_total.SpecTime | None,
    read: Callable[[list[tuple[str, str | None]]], None],
) -> str:
    pool = jsonnet_sandbox.shared()
    if spec_time is None:
        return pool.evaluate(path, source, None, roots, read=read)
    return spec_time.evaluate(
        path, lambda seconds, spent: pool.evaluate(path, source, None, roots, seconds, spent, read=read)
    )


def evaluate_jsonnet_function(path: str, arguments: dict[str, Any], options: JsonnetOptions, root: str) -> Any:
    """Evaluate a Jsonnet file holding `function(arg, ...)`; each argument is passed as JSON (a top-level argument).

    Used for platform standard dashboards (`function(service)`). The file and its imports must stay inside
    `root` (the platform file's folder) or the library paths, like a spec's imports. Returns the JSON value;
    raises InputError located in the Jsonnet file. Evaluates in the sandbox (time and memory limits).
    """
    roots = [os.path.realpath(root or ".")] + [os.path.realpath(p) for p in options.library_paths]
    real = os.path.realpath(path)
    if not any(real.startswith(r + os.sep) for r in roots):
        shown = jsonnet_eval.shown(roots)
        raise InputError([Diagnostic(Location(path), (), f"is outside the allowed library paths ({shown})")])
    source = _jsonnet_source(path)
    codes = {name: json.dumps(value, sort_keys=True) for name, value in arguments.items()}
    return _json_value(path, jsonnet_sandbox.shared().evaluate(path, source, codes, roots))


def _jsonnet_source(path: str) -> str:
    """The Jsonnet file's text, located like a YAML file's when it is not UTF-8. A NUL byte is refused here: the
    Jsonnet binding takes C strings and failed with a worker traceback for the message. A UTF-8 byte-order mark
    (Windows editors write one) is dropped, as YAML's reader does: Jsonnet refused it ("Could not lex")."""
    raw = files.read_regular(path)
    text = _utf8_text(path, raw).removeprefix("\ufeff")
    if "\x00" in text:
        at = raw.index(b"\x00")
        raise InputError(
            [Diagnostic(_byte_location(path, raw, at), (), "character '\\x00' (NUL) is not allowed in Jsonnet")]
        )
    unseen_text.refuse(path, text, yaml=False)  # in its strings too: what Jsonnet makes of them is not text here
    return text


def _json_value(path: str, output: str) -> Any:
    try:
        return json.loads(output)
    except RecursionError:  # deeper than Python's parser goes; no spec or dashboard is
        raise InputError([Diagnostic(Location(path, 1, 1), (), "Jsonnet result is nested too deeply")]) from None


def _check_size(path: str, data: Any) -> None:
    """A Jsonnet spec gets the YAML budget: the same node count and depth (iteratively: no recursion)."""
    stack: list[tuple[Any, int]] = [(data, 0)]
    nodes = 0
    while stack:
        value, depth = stack.pop()
        nodes += 1
        if nodes > MAX_NODES or depth > MAX_DEPTH:
            what = f"more than {MAX_NODES:,} nodes" if nodes > MAX_NODES else f"nesting deeper than {MAX_DEPTH} levels"
            raise InputError([Diagnostic(Location(path, 1, 1), (), f"Jsonnet result has {what}")])
        if isinstance(value, dict):
            stack.extend((v, depth + 1) for v in value.values())
        elif isinstance(value, list):
            stack.extend((v, depth + 1) for v in value)
