"""Services whose promtool files differ only by the service's name are focused once; the others get the same
focused files renamed (see `promtool_focus` for what focusing is; ~0.11 CPU-s of Python a rich service).

A test family's *shape* is its files (paths and bytes) with the service's name (the stem of the one rule file
they load) cut out, and the Grafana UIDs derived from it (`NAME-` and ten hex digits) cut out apart. When at
least PROVE_FOR more families of a shape follow, the first is focused for real and the shape's focused files
are made a template, trusted only when proven on the spot, as the compile's shared shapes are
(`targets/shapes.py`): the family's files renamed to two tokens (4 and 63 characters, low and high in sort
order, other UIDs) are focused for real, and the template renamed to the first service and to the second token
must equal those focuses byte for byte. A later family of the shape gets the template renamed to its name.

Renaming the files cannot change what focusing decides, within these bounds (else the family is focused in
full; the verdicts are the same either way, tested with sharing on and off over several fleets):
- the name's places are exactly the cuts: the name occurs nowhere else in a family's files, not even
  overlapping itself, and no escape (YAML's or PromQL's `\\x`, `\\u`, octal, an escaped line break) could
  spell it, so every scalar read and every string compared keeps its equalities (`NAME` holds [a-z0-9-] only);
- in the shape's PromQL (rule and check expressions, input series) the name is only inside the double-quoted
  value of a label matcher, without escapes, and in a regex matcher outside any class, repetition or group
  flag: it never stands where the parser or the focus reads what a string says (a metric name, a label name
  or regex given to a function, a keyword);
- it is in no mapping key (YAML's emitter and reader treat a long key apart); in an alert template with a `{{`
  it stands between characters that are not a word's, and a name holding the word `query` is not renamed
  (such a template runs PromQL of its own, and then the focus keeps every rule).
OBSC_SHARE_SHAPES=0 turns sharing off here too.
"""

from __future__ import annotations

import dataclasses
import hashlib
import logging
import os
import re
import shutil
import tempfile
import threading
from collections import Counter
from collections.abc import Iterator, Sequence
from pathlib import Path, PurePosixPath
from typing import Any

import yaml

from compiler import conventions
from compiler.targets import shapes
from compiler.toolcheck import promtool_focus
from compiler.toolcheck.promtool_focus import Focused

log = logging.getLogger("obsc")
_LOADER: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_NAME = re.compile(conventions.NAME)
_MARK = "\x00"  # no file obsc hands promtool holds a NUL: marks the name's places (0) and the UIDs' (1..)
_UID = re.compile(r"\x000\x00-([0-9a-f]{10})(?![0-9a-z])")  # a Grafana UID, `conventions.dashboard_uid`
_ESCAPE = re.compile(r"\\[xuU0-7\r\n]")  # an escape that could spell a letter, or join two lines
# Where the focus reads PromQL: rule expressions, the tests' input series and expression checks.
_PROMQL_PATHS = {
    ("groups", "*", "rules", "*", "expr"),
    ("tests", "*", "input_series", "*", "series"),
    ("tests", "*", "promql_expr_test", "*", "expr"),
}
_QUERY_WORD = re.compile(r"\bquery\b")  # a template holding it after `{{` runs PromQL (`promtool_focus`)
_MATCHER_BEFORE = re.compile(r"[a-zA-Z_][a-zA-Z0-9_]*\s*(=~|!~|!=|=)\s*$")  # `label op ` before a string
MAX_TEMPLATES = 64  # a shape's template is ~0.4 MB (a rich service's focused files): a bound on memory
RENAMED = "focus_renamed"  # tallies: families whose focused files were renamed, shapes proven, not proven
PROVEN, UNPROVEN = "focus_shapes_proven", "focus_shapes_unproven"


def mark(n: int) -> str:
    return f"{_MARK}{n}{_MARK}"


@dataclasses.dataclass(frozen=True)
class _Family:
    digest: str  # of the shape: paths and texts with the name and UIDs cut out
    values: tuple[str, ...]  # the name, then each UID's hex digits (marks 1, 2, ...)
    exact: bool  # the name occurs in the files at the cuts only (not overlapping itself either)


@dataclasses.dataclass(frozen=True)
class _Template:
    files: tuple[tuple[str, str], ...]  # each focused file: path under the prefix, text (marked)
    focused: tuple[tuple[str, int, str], ...]  # each focused test: source (marked), group, label

    def named(self, values: Sequence[str]) -> _Output:
        files = tuple(sorted((fill(path, values), fill(text, values)) for path, text in self.files))
        return _Output(files, tuple((fill(source, values), group, label) for source, group, label in self.focused))


def fill(text: str, values: Sequence[str]) -> str:
    """`text` with each mark n replaced by values[n]."""
    for n in range(1, len(values)):
        text = text.replace(mark(n), values[n])
    return text.replace(mark(0), values[0])


@dataclasses.dataclass(frozen=True)
class _Output(_Template):
    """What one focus wrote: the same form, unmarked."""

    def write(self, out_dir: str, prefix: str) -> list[Focused]:
        made: set[str] = set()
        for path, text in self.files:
            target = os.path.join(out_dir, prefix, path)
            folder = os.path.dirname(target)
            if folder not in made:  # a folder made once, not once a file: its system CPU is most of a rename's
                os.makedirs(folder, exist_ok=True)
                made.add(folder)
            with open(target, "w", encoding="utf-8") as fh:
                fh.write(text)
        return [Focused(f"{prefix}/{source}.{g + 1}", source, g, label) for source, g, label in self.focused]

    def marked(self, values: Sequence[str]) -> _Template:
        def marks(text: str) -> str:
            for n in range(1, len(values)):
                text = text.replace(f"{values[0]}-{values[n]}", f"{mark(0)}-{mark(n)}")
            return text.replace(values[0], mark(0))

        return _Template(
            tuple((marks(path), marks(text)) for path, text in self.files),
            tuple((marks(source), group, label) for source, group, label in self.focused),
        )


class FocusShapes:
    """`focus_family` for the test families of one promtool run, renaming a proven shape's focused files.
    `families`: every family the run will focus (each a tuple of test files), to count the shapes ahead."""

    def __init__(self, workdir: str, families: Sequence[tuple[str, ...]], loads: dict[str, list[str] | None]) -> None:
        self._workdir, self._lock = workdir, threading.Lock()
        self._info: dict[tuple[str, ...], _Family | None] = {}
        if shapes.enabled():
            self._info = {f: _family(workdir, f, loads.get(f[0]) or []) for f in families}
        self._ahead = Counter(i.digest for i in self._info.values() if i is not None and i.exact)
        self._known: dict[str, _Template | None] = {}  # a shape's template; None: not proven
        self._proving: dict[str, threading.Event] = {}  # set when the shape's proof is done
        self.tally: Counter[str] = Counter()

    def focus(
        self, workdir: str, tests: Sequence[str], rule_files: Sequence[str], out_dir: str, prefix: str
    ) -> list[Focused] | None:
        info = self._info.get(tuple(tests)) if workdir == self._workdir else None
        if info is None or not info.exact:
            return promtool_focus.focus_family(workdir, tests, rule_files, out_dir, prefix)
        with self._lock:
            self._ahead[info.digest] -= 1
            proving = self._proving.get(info.digest)
            prove = info.digest not in self._known and proving is None
            prove = prove and self._ahead[info.digest] >= shapes.PROVE_FOR and len(self._known) < MAX_TEMPLATES
            if prove:
                self._proving[info.digest] = threading.Event()
        if proving is not None:
            proving.wait()  # another thread proves the shape: its template is a few ms away, a focus ~0.1 s
        template = self._known.get(info.digest)
        if template is not None:
            try:
                got = template.named(info.values).write(out_dir, prefix)
            except OSError:
                return None
            with self._lock:
                self.tally[RENAMED] += 1
            return got
        if not prove:
            return promtool_focus.focus_family(workdir, tests, rule_files, out_dir, prefix)
        proven = None
        try:
            real = promtool_focus.focus_family(workdir, tests, rule_files, out_dir, prefix)
            if real is not None:
                proven = _proven(workdir, tests, rule_files, info, _read_back(out_dir, prefix, real))
        finally:
            with self._lock:
                self._known[info.digest] = proven
                self.tally[PROVEN if proven is not None else UNPROVEN] += 1
                self._proving.pop(info.digest).set()
        return real

    def shape_of(self, tests: Sequence[str]) -> tuple[str, str] | None:
        """The family's shape digest and service name when its focus can be shared; None when it cannot."""
        info = self._info.get(tuple(tests))
        return (info.digest, info.values[0]) if info is not None and info.exact else None

    def write_token(self, tests: Sequence[str], token: str, out_dir: str, prefix: str) -> list[Focused] | None:
        """The proven template of the family's shape named with a proof token (`shapes.FIRST_TOKEN` or
        `SECOND_TOKEN`) and written under `out_dir`/`prefix`; None without a template, or when the token occurs
        in the named files anywhere but at the name's places (not even overlapping itself)."""
        info = self._info.get(tuple(tests))
        template = None if info is None else self._known.get(info.digest)
        if info is None or template is None:
            return None
        values = token_values(token, len(info.values))
        overlapping = re.compile(f"(?={re.escape(token)})")
        if any(len(overlapping.findall(fill(text, values))) != text.count(mark(0)) for _, text in template.files):
            return None
        try:
            return template.named(values).write(out_dir, prefix)
        except OSError:
            return None

    def report(self, focused: dict[str, int], whole: list[str], whole_asked: bool) -> None:
        """-v: how the test files ran (each group focused on the rules it reads, or whole), and why; how many
        families got their focused files renamed from a proven shape."""
        if focused:
            groups, files = sum(focused.values()), len(focused)
            log.info("promtool: %d test group(s) of %d test file(s) ran focused on the rules they read", groups, files)
        if self.tally:
            counts = (self.tally[RENAMED], self.tally[PROVEN], self.tally[UNPROVEN])
            log.info("promtool: %d test family(ies) renamed from a proven shape (%d proven, %d not)", *counts)
        if whole_asked:
            log.info("promtool: %d test file(s) ran whole (--revalidate-all)", len(whole))
            return
        for path in sorted(whole):  # rare: say which, and why
            log.info("promtool: %s ran whole (it or a rule file it loads could not be taken apart surely)", path)


def _family(workdir: str, tests: tuple[str, ...], rule_files: list[str]) -> _Family | None:
    """The family's shape, or None when it has none (not one rule file named for a service, unreadable)."""
    if len(rule_files) != 1:
        return None
    name = PurePosixPath(rule_files[0]).stem
    if not _NAME.fullmatch(name):
        return None
    texts = _texts(workdir, [*rule_files, *tests])
    if texts is None:
        return None
    marked, values = cut(texts, name)
    digest = hashlib.sha256()
    for text in marked:
        digest.update(f"{len(text)}:".encode())
        digest.update(text.encode("utf-8", "surrogatepass"))
    return _Family(digest.hexdigest(), values, not _QUERY_WORD.search(name) and only_at_cuts(texts, name))


def only_at_cuts(texts: Sequence[str], name: str) -> bool:
    """Whether `cut` of `texts` marks every place of `name`, and no escape could spell it: no text holds a mark
    already or an escape, and the name overlaps itself nowhere (`cut` would hide one place of "aXa" in "aXaXa")."""
    bordered = any(name[:n] == name[-n:] for n in range(1, len(name)))
    overlapping = re.compile(f"(?={re.escape(name)})")
    return not any(_MARK in t or _ESCAPE.search(t) for t in texts) and not (
        bordered and any(len(overlapping.findall(t)) != t.count(name) for t in texts)
    )


def _texts(workdir: str, paths: Sequence[str]) -> list[str] | None:
    """Each file's path, then each file's text; None when one cannot be read."""
    try:
        return [*paths, *(Path(workdir, p).read_text(encoding="utf-8") for p in paths)]
    except (OSError, UnicodeDecodeError):
        return None


def cut(texts: Sequence[str], name: str) -> tuple[list[str], tuple[str, ...]]:
    """The texts with the name (mark 0) and the UIDs after it (marks 1.. in order of first appearance) cut
    out; the values: the name, then each UID's hex digits."""
    uids: dict[str, int] = {}

    def uid(found: re.Match[str]) -> str:
        return f"{mark(0)}-{mark(uids.setdefault(found.group(1), len(uids) + 1))}"

    cut = [_UID.sub(uid, text.replace(name, mark(0))) for text in texts]
    return cut, (name, *uids)


def _read_back(out_dir: str, prefix: str, focused: list[Focused]) -> _Output | None:
    """What a focus wrote under `prefix`; None when its paths are not the ones `_Output.write` makes."""
    if any(f.path != f"{prefix}/{f.source}.{f.group + 1}" for f in focused):
        return None
    root = os.path.join(out_dir, prefix)
    files = []
    try:
        for folder, _, names in os.walk(root):
            for file_name in names:
                path = os.path.join(folder, file_name)
                files.append((os.path.relpath(path, root), Path(path).read_text(encoding="utf-8")))
    except (OSError, UnicodeDecodeError):
        return None
    return _Output(tuple(sorted(files)), tuple((f.source, f.group, f.label) for f in focused))


def token_values(token: str, count: int) -> tuple[str, ...]:
    return (token, *(hashlib.sha256(f"{token}/{n}".encode()).hexdigest()[:10] for n in range(1, count)))


def _proven(
    workdir: str, tests: Sequence[str], rule_files: Sequence[str], info: _Family, real: _Output | None
) -> _Template | None:
    """The shape's template when renaming is proven for it (see the module), else None."""
    try:
        return _proof(workdir, tests, rule_files, info, real)
    except (OSError, UnicodeDecodeError):  # no room for the proof's files: the shape is focused in full
        return None


def _proof(
    workdir: str, tests: Sequence[str], rule_files: Sequence[str], info: _Family, real: _Output | None
) -> _Template | None:
    texts = _texts(workdir, [*rule_files, *tests])
    if real is None or texts is None:
        return None
    count, marked = len(texts) // 2, cut(texts, info.values[0])[0]
    outputs = []
    with tempfile.TemporaryDirectory(prefix="obsc-focus-shape-") as tmp:
        for n, token in enumerate((shapes.FIRST_TOKEN, shapes.SECOND_TOKEN)):
            values = token_values(token, len(info.values))
            if any(token in text for text in marked):
                return None  # a token the files hold already: its places would not be the cuts
            paths = [fill(path, values) for path in marked[:count]]
            sources = [fill(text, values) for text in marked[count:]]
            if n == 0 and not all(_fits(text, token) for text in sources):
                return None
            for path, text in zip(paths, sources, strict=True):
                os.makedirs(os.path.dirname(os.path.join(tmp, "in", path)), exist_ok=True)
                Path(tmp, "in", path).write_text(text, encoding="utf-8")
            rules_here, tests_here = paths[: len(rule_files)], paths[len(rule_files) :]
            into = os.path.join(tmp, "out")
            got = promtool_focus.focus_family(os.path.join(tmp, "in"), tests_here, rules_here, into, f"q{n}")
            outputs.append((values, None if got is None else _read_back(into, f"q{n}", got)))
            shutil.rmtree(os.path.join(tmp, "in"))
    (first_values, first), (second_values, second) = outputs
    if first is None or second is None:
        return None
    template = first.marked(first_values)
    return template if template.named(info.values) == real and template.named(second_values) == second else None


def _fits(text: str, token: str) -> bool:
    """Whether the token stands only where renaming it cannot change what focusing decides (see the module)."""
    if token not in text:
        return True
    try:
        root = yaml.compose(text, Loader=_LOADER)
    except yaml.YAMLError:
        return False
    return root is None or _node_fits(root, (), token)


def _node_fits(node: Any, at: tuple[str, ...], token: str) -> bool:
    if isinstance(node, yaml.MappingNode):
        for key, value in node.value:
            if not isinstance(key, yaml.ScalarNode) or token in str(key.value):
                return False
            if not _node_fits(value, (*at, str(key.value)), token):
                return False
        return True
    if isinstance(node, yaml.SequenceNode):
        return all(_node_fits(item, (*at, "*"), token) for item in node.value)
    text = str(node.value)
    if token not in text:
        return True
    if at in _PROMQL_PATHS:
        return _only_in_matcher_values(text, token)
    in_template = len(at) >= 5 and at[:4] == ("groups", "*", "rules", "*") and at[4] in ("labels", "annotations")
    if in_template and "{{" in text:  # `focus_quiet.runs_query`: the word `query` after a `{{`
        return re.search(rf"\w{re.escape(token)}|{re.escape(token)}\w", text) is None  # no word across a place
    return True


def _only_in_matcher_values(text: str, token: str) -> bool:
    """Whether every place of `token` in PromQL `text` is inside the double-quoted value of a label matcher
    (without escapes; in a regex, outside any class, repetition or group flag)."""
    if "#" in text:
        return False  # a comment could hold a quote: the strings below would be misread
    outside: list[str] = []
    start = 0
    for i, j in quoted_spans(text):
        if j >= len(text):
            return False
        quote, value = text[i], text[i + 1 : j]
        if token in value:
            op = _MATCHER_BEFORE.search(text, 0, i)
            if quote != '"' or "\\" in value or op is None:
                return False
            if op.group(1) in ("=~", "!~") and (any(c in value for c in "[]{}<>") or f"?{token}" in value):
                return False
        outside.append(text[start:i])
        start = j + 1
    outside.append(text[start:])
    return not any(token in part for part in outside)


def quoted_spans(text: str) -> Iterator[tuple[int, int]]:
    """Each quoted string of PromQL `text` as the indexes of its opening and closing quote (the closing one at or
    past the end when unclosed); a backslash escapes the next character except in backquotes, as PromQL reads it."""
    i = 0
    while i < len(text):
        if text[i] not in "\"'`":
            i += 1
            continue
        quote, j = text[i], i + 1
        while j < len(text) and text[j] != quote:
            j += 2 if quote != "`" and text[j] == "\\" else 1
        yield i, j
        i = j + 1
