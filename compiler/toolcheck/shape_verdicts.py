"""Shared verdicts: promtool judges a test shape once, and the shape's other families pass by that verdict.

A shape (`focus_shapes`: a family's files with the service's name cut out) of at least SHARE_FROM families is
judged by three real promtool runs: the first family's focused files, and the shape's proven template named
with each proof token (`a0-k` and a 63-character `zz9-...9`: two lengths, low and high in sort order). Only
when all three pass (every file a clean SUCCESS, as the runs of the families themselves must print) are the
shape's other families recorded as validated, by their shape (`promtool-test-shape` in the validation record),
without a promtool run of their own. Any failure, and any bound below not met, runs every family of the
shape as before. `--revalidate-all` (the nightly job) and OBSC_SHARE_SHAPES=0 judge no shape.

Why the verdict cannot depend on the name, within these bounds. A later family's files are the template
with its name at the cuts, byte for byte (the shape's digest), and its name occurs nowhere else in them,
not even overlapping itself; the tokens too (checked on the named files). So every string promtool reads
holds the name exactly at the template's places, and every string it builds is a concatenation of those:
- equality (label matchers `=` and `!=`, joins, grouping, the sets of alerts and samples promtool compares,
  sorted, with its expectations) compares two such words. Equal under the 4-character token and under the
  63-character one, they hold the name at the same places with the same text between (the token's places
  are exactly its marks, and two lengths rule out a different count), so they are equal under every name;
- regular expressions read the characters of a string: a regex matcher on a label that ever holds the name
  (in a matcher's value, an input series, a rule's or an expected alert's labels; `alertname` and `__name__`
  when a rule's name holds it) keeps the shape in full, and so does a function's string argument naming such
  a label (`label_replace`/`label_join` reading or writing it, `count_values` writing it);
- order: `topk`, `bottomk`, `sort`, `sort_desc` and a template's `first` pick by the order of label sets.
  They keep the shape in full unless the name-holding labels take the name itself and at most one other
  value, a word without the name that sorts between the two tokens: two label sets then order by how the
  name compares with that word (or not by the name at all), and the tokens' runs passed both ways;
- alert templates: every action is a plain print of `$value` (maybe humanized or `printf`ed), of a label, or
  obsc's `with query` of a build version read through `first`; any other function (`title`, `len`,
  `reReplaceAll`, `match`, ...) keeps the shape in full, as does a templated alert label (a string PromQL
  could read that no file spells). The name ([a-z0-9-]) holds no brace, so it never makes an action.
Left: two label sets whose 64-bit hashes collide for one name and not another (promtool groups by hash).
"""

from __future__ import annotations

import logging
import os
import re
import shutil
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from compiler import workers
from compiler.targets import shapes
from compiler.toolcheck.focus_shapes import FocusShapes, quoted_spans
from compiler.toolcheck.promtool_focus import Focused

log = logging.getLogger("obsc")
_LOADER: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
SHARE_FROM = 4  # families of a shape: three runs judge it, so fewer would run promtool more, not less
RULE = ("groups", "*", "rules", "*")
_PROMQL = {
    (*RULE, "expr"),
    ("tests", "*", "input_series", "*", "series"),
    ("tests", "*", "promql_expr_test", "*", "expr"),
    ("tests", "*", "promql_expr_test", "*", "exp_samples", "*", "labels"),
}
_LABELS = {(*RULE, "labels"), ("tests", "*", "alert_rule_test", "*", "exp_alerts", "*", "exp_labels")}
_RULE_NAMES = {(*RULE, "alert"): "alertname", (*RULE, "record"): "__name__"}
_ORDERED = re.compile(r"\b(topk|bottomk|sort|sort_desc)\s*\(")
_MATCHER = re.compile(r"([a-zA-Z_][a-zA-Z0-9_]*)\s*(=~|!~|!=|=)\s*$")
_ACTION = re.compile(r"\{\{-?\s*(.*?)\s*-?\}\}", re.S)
_HUMANIZE = r"(?:humanize|humanize1024|humanizePercentage|humanizeDuration|printf\s+\"%[-+ #0-9.]*[eEfFgGd]\")"
_PLAIN_ACTION = re.compile(
    rf"\$value(?:\s*\|\s*{_HUMANIZE})?|{_HUMANIZE}\s+\$value|\$labels\.[a-zA-Z_][a-zA-Z0-9_]*|end"
    r"|\.\s*\|\s*first\s*\|\s*(?:label\s+\"[a-zA-Z_][a-zA-Z0-9_]*\"|value)"
)
_WITH_QUERY = re.compile(r"with\s+query\s+`([^`]*)`")
# Names a YAML reader may take for a boolean, null or a number where the tokens stay strings.
YAML_WORDS = frozenset({"y", "n", "yes", "no", "true", "false", "on", "off", "null", "nan", "inf"})
TOKENS = (shapes.FIRST_TOKEN, shapes.SECOND_TOKEN)
# A team's proof tokens (`group_verdicts`): legal names, low and high in sort order, 4 and 63 characters like the
# service's, neither holding nor held by a service token.
TEAM_TOKENS = ("a0-t", "zz8-" + "z" * 58 + "8")
JUDGING_THREADS = 8  # shapes judged at once: each waits on its promtools (OBSC_JOBS of them run at a time)
Run = Callable[[list[Focused]], list[str]]  # promtool on focused test files: its findings (none: all passed)


@dataclass
class _Reads:
    """What a family's files do with labels and strings, for `bounds`."""

    name: str
    values: dict[str, set[str]]  # label → the values it takes where a file spells them
    regex_labels: set[str]
    string_args: set[str]  # quoted strings in PromQL that are no matcher's value (a function's arguments)
    ordered: bool = False
    why: str = ""

    def promql(self, text: str) -> None:
        if "#" in text:
            self.why = self.why or "a PromQL comment"
        if _ORDERED.search(_outside_strings(text)):
            self.ordered = True
        for label, op, value in _strings(text):
            if label is None:
                self.string_args.add(value)
                continue
            self.values.setdefault(label, set()).add(value)
            if op in ("=~", "!~"):
                self.regex_labels.add(label)

    def template(self, text: str) -> None:
        for action in _ACTION.finditer(text):
            body = action.group(1)
            query = _WITH_QUERY.fullmatch(body)
            if query is not None:
                self.promql(query.group(1))
                self.ordered = True  # its result is read through `first`
            elif not _PLAIN_ACTION.fullmatch(body):
                self.why = self.why or f"an alert template action `{{{{ {body} }}}}`"


def bounds(
    workdir: str, files: Sequence[str], name: str, team: str | None = None, tokens: Sequence[str] = TOKENS
) -> str | None:
    """Why the verdict of the family's files (paths under `workdir`) could depend on its name `name`; None when
    it cannot (see the module). With a `team` (`group_verdicts`: a second name cut, named with TEAM_TOKENS),
    the same for it, and no order of label sets over a label that holds both names."""
    names = [(name, tokens)] if team is None else [(name, tokens), (team, TEAM_TOKENS)]
    if word := next((n for n, _ in names if n in YAML_WORDS), None):
        return f"a name YAML reads as a word ({word})"
    reads = _Reads(name, {}, set(), set())
    for path in files:
        try:
            root = yaml.compose(Path(workdir, path).read_text(encoding="utf-8"), Loader=_LOADER)
        except (OSError, UnicodeDecodeError, yaml.YAMLError):
            return f"{path} could not be read"
        if root is not None:
            _walk(root, (), reads)
    if reads.why:
        return reads.why
    helds = [{label for label, values in reads.values.items() if any(n in v for v in values)} for n, _ in names]
    if reads.ordered and len(helds) == 2 and (both := sorted(helds[0] & helds[1])):
        return f"an order of label sets (topk, bottomk, sort, first) over {both[0]}, a label that holds both names"
    for (one, (low, high)), held in zip(names, helds, strict=True):
        if why := _name_read(reads, one, held, low, high):
            return why
    return None


def _name_read(reads: _Reads, name: str, held: set[str], low: str, high: str) -> str | None:
    """Why the files' verdict could depend on the characters of `name` (its labels: `held`), or on its order
    against the other values of those labels (the tokens `low` and `high` stand for it in that order)."""
    if read := sorted(held & reads.regex_labels):
        return f"a regex matcher on {read[0]}, a label that holds the name"
    if named := sorted(held & reads.string_args):
        return f"a function's label argument {named[0]}, a label that holds the name"
    others = sorted({value for label in held for value in reads.values[label]} - {name})
    if reads.ordered and (len(others) > 1 or any(name in v or not low < v < high for v in others)):
        return f"an order of label sets (topk, bottomk, sort, first) over the name and {', '.join(others)}"
    return None


def _walk(node: Any, at: tuple[str, ...], reads: _Reads) -> None:
    if isinstance(node, yaml.MappingNode):
        for key, value in node.value:
            if not isinstance(key, yaml.ScalarNode):
                reads.why = reads.why or "a mapping key that is not a scalar"
                continue
            step = str(key.value)
            if at in _LABELS and isinstance(value, yaml.ScalarNode):
                reads.values.setdefault(step, set()).add(str(value.value))
                if at[0] == "groups" and "{{" in str(value.value):
                    reads.why = reads.why or f"a templated alert label {step}"
            _walk(value, (*at, step), reads)
        return
    if isinstance(node, yaml.SequenceNode):
        for item in node.value:
            _walk(item, (*at, "*"), reads)
        return
    text = str(node.value)
    if at in _PROMQL:
        reads.promql(text)
    elif at in _RULE_NAMES:
        reads.values.setdefault(_RULE_NAMES[at], set()).add(text)
    elif len(at) == 6 and at[:4] == RULE and at[4] == "annotations":
        reads.template(text)


def _strings(text: str) -> list[tuple[str | None, str, str]]:
    """Each quoted string of PromQL `text`: the label and operator of the matcher it is the value of (None, "" for
    any other string), and its text (escapes left as written: a name never holds a backslash)."""
    out: list[tuple[str | None, str, str]] = []
    for i, j in quoted_spans(text):
        matcher = matcher_before(text, i)
        out.append((*matcher, text[i + 1 : j]) if matcher else (None, "", text[i + 1 : j]))
    return out


_WORD = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_")


def matcher_before(text: str, end: int) -> tuple[str, str] | None:
    """The label and operator of a matcher `label op ` that ends at `end` in `text`: what `_MATCHER` finds
    searching text[:end], read backwards from `end` (the search took time quadratic in a long expression's
    strings: ~80% of a group verdict's Python at 15 rich services)."""
    at = end
    while at > 0 and text[at - 1].isspace():
        at -= 1
    op = text[at - 2 : at] if at >= 2 and text[at - 2 : at] in ("=~", "!~", "!=") else text[at - 1 : at]
    if op not in ("=~", "!~", "!=", "="):
        return None
    at -= len(op)
    while at > 0 and text[at - 1].isspace():
        at -= 1
    start = at
    while start > 0 and text[start - 1] in _WORD:
        start -= 1
    while start < at and text[start].isdigit():
        start += 1
    return (text[start:at], op) if start < at else None


def _outside_strings(text: str) -> str:
    return re.sub(r"\"(?:[^\"\\]|\\.)*\"|'(?:[^'\\]|\\.)*'|`[^`]*`", '""', text)


@dataclass
class Judged:
    """The families a pre-pass validated (each judged shape's first family, for real, and the rest by it) and
    the test files that passed by their shape alone."""

    families: set[tuple[str, ...]]
    by_shape: list[str]


def judge(
    shapes_: FocusShapes,
    families: Sequence[tuple[str, ...]],
    loads: dict[str, list[str] | None],
    workdir: str,
    focus_dir: str,
    run: Run,
) -> Judged:
    """Judge each shape of at least SHARE_FROM of `families` (in their order: the first is proven), three
    promtool runs a shape (`run`), the shapes on `workers`' threads."""
    by_digest: dict[str, list[tuple[str, ...]]] = {}
    for family in families:
        shape = shapes_.shape_of(family)
        if shape is not None and shape[1] not in YAML_WORDS:  # `bounds` reads the first family's name only
            by_digest.setdefault(shape[0], []).append(family)
    judged = [members for members in by_digest.values() if len(members) >= SHARE_FROM]
    if not judged:
        return Judged(set(), [])

    def one(index: int) -> bool:
        return _one(shapes_, judged[index], loads, workdir, focus_dir, f"v{index}", run)

    passed = workers.map_threads(one, range(len(judged)), min(len(judged), JUDGING_THREADS))
    done = [members for members, ok in zip(judged, passed, strict=True) if ok]
    by_shape = sorted(test for members in done for family in members[1:] for test in family)
    if done:
        log.info("promtool: %d test file(s) passed by the verdict of their shape (%d shape(s))", len(by_shape),
                 len(done))  # fmt: skip
    return Judged({family for members in done for family in members}, by_shape)


def _one(
    shapes_: FocusShapes,
    members: list[tuple[str, ...]],
    loads: dict[str, list[str] | None],
    workdir: str,
    focus_dir: str,
    prefix: str,
    run: Run,
) -> bool:
    """Whether the shape of `members` passed its three runs (the first family's focus proves its template)."""
    first = members[0]
    rule_files = loads[first[0]] or []
    shape = shapes_.shape_of(first)
    reason = "no shape" if shape is None else bounds(workdir, [*rule_files, *first], shape[1])
    if reason is not None:
        log.debug("promtool: the shape of %s is validated in full: %s", first[0], reason)
        return False
    prefixes = [f"{prefix}-{n}" for n in range(3)]
    try:
        focused = [shapes_.focus(workdir, first, rule_files, focus_dir, prefixes[0])]
        if focused[0] is None:
            return False
        for token, at in zip((shapes.FIRST_TOKEN, shapes.SECOND_TOKEN), prefixes[1:], strict=True):
            focused.append(shapes_.write_token(first, token, focus_dir, at))
        runs = [f for f in focused if f is not None]
        verdicts = workers.map_threads(run, runs, len(runs)) if len(runs) == 3 else [["no template"]]
    finally:
        for at in prefixes:
            shutil.rmtree(os.path.join(focus_dir, at), ignore_errors=True)
    if any(verdicts):
        log.debug("promtool: the shape of %s is validated in full: its runs did not all pass", first[0])
        return False
    return True
