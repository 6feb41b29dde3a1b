"""Focused promtool runs: each test group of a test file runs against only the rules its assertions can read.

Why: `promtool test rules` loads every rule file again for each test group and evaluates every rule at every
step. A rich service's 119 rules: loading them (their alert templates above all) was ~40% of its promtool CPU; a
group that asserts three alerts still evaluated all 119 at each step of its timeline. Split per group, a rich
service's two test files took 2.41 G instead of 4.39 G instructions (callgrind, 2026-12-01).

What a group gets (the same verdict as the whole file for everything it asserts):
- the alerting rules named by its `alert_rule_test`s, and the series its `promql_expr_test`s read;
- every rule producing a metric name that anything kept reads, again and again (`ALERTS` and
  `ALERTS_FOR_STATE` are produced by every alerting rule, but with one exact `alertname` only by the rules of
  that name: a burn pair reading its own); a selector without a fixed name, an
  expression the parser refuses, or an alert template that runs `query` keeps every rule;
- the rules no group of the family reads at all, with what they read in turn, so that each rule is
  still evaluated somewhere, on the same inputs as in the whole file;
- every group of the original files, in their order (empty when nothing of one is kept), and every other
  key of the test file as it is;
- but none of the rules that no input series of the group can feed (`focus_needs.Live`): a raw-counter rule
  in a group fed the recorded rates is empty at every step, as in the whole file, so it changes nothing
  that is read and cannot fail to evaluate. Rules that produce samples from no data (`absent`, `vector`)
  stay. Four rich services' 68 groups loaded 2,356 rules instead of 4,300 this way, for ~27% less promtool
  CPU. An alert the group asserts but cannot feed goes too (round 34; ~33 rules a rich service): with no rule
  of its name promtool finds it quiet, as the rule is there;
- and none of the input series that no rule kept and no expression check reads (`focus_needs.unread_inputs`):
  the states the generator feeds whole (every window of an SLO) to a group that asserts one pair;
- and the alert rules it expects quiet at every check without their annotations (`focus_quiet`; 7% less CPU).
Rules are evaluated only against the groups that read them: an evaluation error that only another group's data
would provoke is found by the whole-file run (`obsc compile --revalidate-all`, the nightly job), not here.

Files are taken apart as YAML parser events and written back with the same parser's emitter, so every scalar
keeps its value and style. A file this reader is not sure of (anchors, aliases, explicit tags, a second
document, an unexpected shape, duplicate keys, a `<<` merge key) runs whole.
"""

from __future__ import annotations

import os
import re
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from yaml.events import (
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

from compiler.toolcheck.focus_needs import Live, Rule, RuleId, Seeds, closure, producers_of, unread_inputs
from compiler.toolcheck.focus_quiet import expected_alerts, fixed_labels, quiet, runs_query
from compiler.toolcheck.promql_reads import ALERT_SERIES, alert_series_of, metric_names, producing

_LOADER: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_DUMPER: Any = getattr(yaml, "CSafeDumper", yaml.SafeDumper)
_NO_TAG = (None, "!")  # no tag, or the non-specific one
_PLAIN_NAME = re.compile(r"[a-zA-Z_:][a-zA-Z0-9_:]*")


class _Unsure(Exception):
    """The file holds something this module does not take apart: it runs whole."""


@dataclass(frozen=True)
class Focused:
    """One focused test file: where it was written (relative to the focus directory), the test file it
    comes from (relative to the tree) and which of its test groups it holds."""

    path: str
    source: str
    group: int  # its index among the source's test groups
    label: str


_Only = Mapping[str, Collection[int]] | None  # per test file, the indexes of the groups to write; None: all


def focus_family(
    workdir: str,
    tests: Sequence[str],
    rule_files: Sequence[str],
    out_dir: str,
    prefix: str,
    only: _Only = None,
    annotated: bool = False,
) -> list[Focused] | None:
    """Write a focused test file per test group of `tests` (which all load exactly `rule_files`, paths
    relative to `workdir`) and the rule files they load under `out_dir`/`prefix`; None when any of the
    files is not taken apart surely (run them whole). Group g of test T is written as `prefix/T.g` (g from
    1, see `source_of`), the rules it loads as `prefix/rules/K-F-NAME` for rule subset K of the F-th of
    `rule_files` (NAME: its file name). `only`: per test file, the groups to write (indexes from 0), each
    still focused over every group of the family; None: all of them. `annotated`: every alert rule keeps its
    annotations (a failing group's second run, focus_rerun.py)."""
    try:
        rules = [_RuleFile.read(os.path.join(workdir, r)) for r in rule_files]
        suites = [_TestFile.read(os.path.join(workdir, t)) for t in tests]
        for test, suite in zip(tests, suites, strict=True):
            if suite.loads(os.path.dirname(test)) != [os.path.normpath(r) for r in rule_files]:
                raise _Unsure  # the YAML names other files than the line reader found
        by_id = {(f, r.group, r.index): r for f, rule_file in enumerate(rules) for r in rule_file.rules}
        producers = producers_of(by_id)
        live = Live(by_id)
        alive = [[live(seeds.inputs) for seeds in suite.seeds] for suite in suites]
        read = [
            [closure(by_id, producers, seeds) & can for seeds, can in zip(suite.seeds, cans, strict=True)]
            for suite, cans in zip(suites, alive, strict=True)
        ]
        unread = set(by_id).difference(*(kept for groups in read for kept in groups))
        # A rule no group reads is evaluated in every group, with everything it reads in turn: as in the
        # whole file, or it would see other inputs than there (found by test_promtool_focus_property.py).
        everywhere = closure(by_id, producers, Seeds(frozenset(), frozenset(), frozenset()), unread)
        pairs = zip(read, alive, strict=True)
        wanted = [[kept | (everywhere & can) for kept, can in zip(*pair, strict=True)] for pair in pairs]
    except _Unsure:
        return None
    try:
        return _write_family(tests, suites, rules, rule_files, wanted, by_id, out_dir, prefix, only, annotated)
    except OSError:  # no room for the focused files: the originals still run, whole
        return None


def _write_family(
    tests: Sequence[str],
    suites: list[_TestFile],
    rules: list[_RuleFile],
    rule_files: Sequence[str],
    wanted: list[list[set[RuleId]]],
    by_id: dict[RuleId, Rule],
    out_dir: str,
    prefix: str,
    only: _Only = None,
    annotated: bool = False,
) -> list[Focused]:
    written: dict[tuple[frozenset[RuleId], frozenset[RuleId]], list[str]] = {}
    out: list[Focused] = []
    made: set[str] = set()  # directories made: a service's ~55 files are written into two
    fixed = {} if annotated else fixed_labels(rules)  # a group's quiet alert rules load bare (focus_quiet.py)
    for t, (test, suite) in enumerate(zip(tests, suites, strict=True)):
        for g, kept in enumerate(wanted[t]):
            if only is not None and g not in only.get(test, ()):
                continue
            keep = frozenset(kept)
            subset = (keep, quiet(fixed, keep, expected_alerts(suite.doc, suite.groups[g])))
            if subset not in written:
                # One flat folder: a folder tree per rule subset (`rK/prometheus/rules/`) made and removed ~75
                # folders a rich service, most of the system CPU of writing its focused files.
                names = [f"{prefix}/rules/{len(written)}-{f}-{os.path.basename(r)}" for f, r in enumerate(rule_files)]
                for name, (f, rule_file) in zip(names, enumerate(rules), strict=True):
                    mine = [{(r, i) for ff, r, i in ids if ff == f} for ids in subset]
                    _write(out_dir, name, rule_file.subset(*mine), made)
                written[subset] = names
            path = f"{prefix}/{test}.{g + 1}"
            loads = [os.path.relpath(name, os.path.dirname(path)) for name in written[subset]]
            read_as = [name for _, name in suite.fed[g]]
            unread = {suite.fed[g][i][0] for i in unread_inputs(by_id, keep, suite.seeds[g], read_as)}
            _write(out_dir, path, suite.group(g, loads, unread), made)
            out.append(Focused(path, test, g, f"test {g + 1} of {len(suite.seeds)}"))
    return out


# ---------------------------------------------------------------- the files, as parser events


class _Events:
    """One document's events and, for each collection start, the index of its end event."""

    def __init__(self, text: str) -> None:
        loader = _LOADER(text)
        events: list[Event] = []
        try:
            get, append = loader.get_event, events.append
            while type(event := get()) is not StreamEndEvent:  # libyaml raises at a malformed end
                append(event)
            append(event)
        except yaml.YAMLError as exc:
            raise _Unsure from exc
        finally:
            loader.dispose()
        shell = (StreamStartEvent, DocumentStartEvent, DocumentEndEvent, StreamEndEvent)
        if len(events) < 5 or tuple(type(e) for e in (*events[:2], *events[-2:])) != shell:
            raise _Unsure  # no document, or more than one
        self.events = events
        self.end = list(range(len(events)))  # a collection's start → its end event; a scalar → itself
        open_at: list[int] = []
        for i in range(2, len(events) - 2):  # the hot loop: a test file is ~60,000 events
            event = events[i]
            kind = type(event)
            if kind is MappingEndEvent or kind is SequenceEndEvent:
                self.end[open_at.pop()] = i
                continue
            if kind is MappingStartEvent or kind is SequenceStartEvent:
                open_at.append(i)
            elif kind is not ScalarEvent:
                raise _Unsure  # an alias, or a second document
            if event.anchor is not None or event.tag not in _NO_TAG:  # type: ignore[attr-defined]
                raise _Unsure  # an anchor or an explicit tag
        self.root = 2

    def pairs(self, at: int) -> dict[str, int]:
        """The mapping starting at `at`: each key's text → where its value starts."""
        if not isinstance(self.events[at], MappingStartEvent):
            raise _Unsure
        out: dict[str, int] = {}
        i = at + 1
        while i < self.end[at]:
            key = self.events[i]
            if not isinstance(key, ScalarEvent) or key.value in out or key.value == "<<":
                raise _Unsure  # a collection as a key, a key given twice, or a merge key (Go's YAML merges it)
            out[key.value] = i + 1
            i = self.end[i + 1] + 1
        return out

    def items(self, at: int) -> list[int]:
        """Where each item of the sequence starting at `at` starts."""
        if not isinstance(self.events[at], SequenceStartEvent):
            raise _Unsure
        out, i = [], at + 1
        while i < self.end[at]:
            out.append(i)
            i = self.end[i] + 1
        return out

    def text(self, at: int) -> str:
        event = self.events[at]
        if not isinstance(event, ScalarEvent):
            raise _Unsure
        return str(event.value)

    def scalars(self, at: int) -> list[str]:
        """Every scalar's text inside the node starting at `at`."""
        return [e.value for e in self.events[at : self.end[at] + 1] if isinstance(e, ScalarEvent)]

    def span(self, at: int) -> list[Event]:
        return self.events[at : self.end[at] + 1]


class _RuleFile:
    def __init__(self, doc: _Events, groups: list[tuple[int, list[int]]], rules: list[Rule]) -> None:
        self.doc, self.groups, self.rules = doc, groups, rules

    @classmethod
    def read(cls, path: str) -> _RuleFile:
        doc = _Events(_read_text(path))
        groups: list[tuple[int, list[int]]] = []  # (where the `rules` sequence starts, where each rule starts)
        rules: list[Rule] = []
        top = doc.pairs(doc.root)
        if "groups" not in top:
            raise _Unsure
        for g, group_at in enumerate(doc.items(top["groups"])):
            rules_at = doc.pairs(group_at).get("rules")
            if rules_at is None:
                raise _Unsure
            starts = doc.items(rules_at)
            groups.append((rules_at, starts))
            rules.extend(_rule(doc, g, i, at) for i, at in enumerate(starts))
        return cls(doc, groups, rules)

    def subset(self, keep: set[tuple[int, int]], bare: Collection[tuple[int, int]] = ()) -> list[Event]:
        """The file's events without the rules not in `keep` ((group, index) pairs), and without the annotations
        of those in `bare` (focus_quiet.py)."""
        events = self.doc.events
        out: list[Event] = []
        position = 0
        for g, (_, starts) in enumerate(self.groups):
            for i, at in enumerate(starts):
                if (g, i) not in keep:
                    out.extend(events[position:at])
                    position = self.doc.end[at] + 1
                elif (g, i) in bare and (value_at := self.doc.pairs(at).get("annotations")) is not None:
                    out.extend(events[position : value_at - 1])  # up to its key
                    position = self.doc.end[value_at] + 1
        out.extend(events[position:])
        return out


def _rule(doc: _Events, group: int, index: int, at: int) -> Rule:
    fields = doc.pairs(at)
    if ("alert" in fields) == ("record" in fields) or "expr" not in fields:
        raise _Unsure  # promtool's own check reports such a rule
    expr = doc.text(fields["expr"])
    reads = metric_names(expr)
    if "alert" in fields:
        templates = [v for key in ("labels", "annotations") if key in fields for v in doc.scalars(fields[key])]
        if any(runs_query(t) for t in templates):
            reads = None
        name = doc.text(fields["alert"])
        produces = (*ALERT_SERIES, *(alert_series_of(series, name) for series in ALERT_SERIES))
        return Rule(group, index, name, produces, reads, producing(expr))
    return Rule(group, index, None, (doc.text(fields["record"]),), reads, producing(expr))


class _TestFile:
    def __init__(self, doc: _Events, top: dict[str, int], groups: list[int], seeds: list[Seeds]) -> None:
        self.doc, self.top, self.groups, self.seeds = doc, top, groups, seeds
        # each group's input series: where each starts, and the name a rule reads it under (None: not sure)
        self.fed = [_fed(doc, at, s.inputs is not None) for at, s in zip(groups, seeds, strict=True)]

    @classmethod
    def read(cls, path: str) -> _TestFile:
        doc = _Events(_read_text(path))
        top = doc.pairs(doc.root)
        if "rule_files" not in top or "tests" not in top:
            raise _Unsure
        groups = doc.items(top["tests"])
        return cls(doc, top, groups, [_seeds(doc, at) for at in groups])

    def loads(self, base: str) -> list[str]:
        """The rule files this file names, relative to the tree (`base`: the test file's directory)."""
        named = [self.doc.text(at) for at in self.doc.items(self.top["rule_files"])]
        return [os.path.normpath(os.path.join(base, name)) for name in named]

    def group(self, g: int, rule_files: list[str], left_out: set[int]) -> list[Event]:
        """The file with only its test group `g`, loading `rule_files`, without the input series starting at
        `left_out`."""
        events = self.doc.events
        out: list[Event] = list(events[: self.doc.root + 1])
        for key, value_at in sorted(self.top.items(), key=lambda pair: pair[1]):
            out.append(events[value_at - 1])  # the key
            if key == "rule_files":
                out.append(SequenceStartEvent(None, None, True, flow_style=False))
                out.extend(ScalarEvent(None, None, (False, True), name, style='"') for name in rule_files)
                out.append(SequenceEndEvent())
            elif key == "tests":
                out.append(events[value_at])
                position = self.groups[g]
                for at in sorted(left_out):
                    out.extend(events[position:at])
                    position = self.doc.end[at] + 1
                out.extend(events[position : self.doc.end[self.groups[g]] + 1])
                out.append(events[self.doc.end[value_at]])
            else:
                out.extend(self.doc.span(value_at))
        out.extend(events[self.doc.end[self.doc.root] :])
        return out


def _seeds(doc: _Events, at: int) -> Seeds:
    fields = doc.pairs(at)
    alerts = {doc.text(doc.pairs(c)["alertname"]) for c in _cases(doc, fields, "alert_rule_test", "alertname")}
    reads: set[str] | None = set()
    for case in _cases(doc, fields, "promql_expr_test", "expr"):
        found = metric_names(doc.text(doc.pairs(case)["expr"]))
        if found is None or reads is None:
            reads = None
        else:
            reads |= found
    return Seeds(frozenset(alerts), None if reads is None else frozenset(reads), _inputs(doc, fields))


def _inputs(doc: _Events, fields: dict[str, int]) -> frozenset[str] | None:
    """The metric names a test group's input series are written under; None when one is not plain."""
    names: set[str] = set()
    for at in doc.items(fields["input_series"]) if "input_series" in fields else ():
        item = doc.pairs(at)
        if "series" not in item:
            return None
        text = doc.text(item["series"])
        name = text.split("{", 1)[0].strip()
        if "__name__" in text or not _PLAIN_NAME.fullmatch(name):
            return None  # `{__name__="x"}`, or not a series promtool would read: prune nothing
        if "\n" in text or ("values" in item and "\n" in doc.text(item["values"])):
            return None  # promtool writes `series values` as a line of a load command: a newline adds series
        names.add(name)
    return frozenset(names)


def _fed(doc: _Events, at: int, plain: bool) -> list[tuple[int, str | None]]:
    """Where each input series of the group at `at` starts, and the one name it is read under (`ALERTS` as
    `ALERTS{alertname="X"}`); None for every one unless all are `plain` (`_inputs`)."""
    fields = doc.pairs(at)
    out: list[tuple[int, str | None]] = []
    for item in doc.items(fields["input_series"]) if "input_series" in fields else ():
        if not plain:
            out.append((item, None))
            continue
        text = doc.text(doc.pairs(item)["series"])
        name: str | None = text.split("{", 1)[0].strip()  # a plain name (`_inputs`): not parsed as PromQL
        if name in ALERT_SERIES:  # its alertname read as PromQL would (a few series a group)
            names = metric_names(text)
            name = next(iter(names)) if names is not None and len(names) == 1 else None
        out.append((item, name))
    return out


def _cases(doc: _Events, fields: dict[str, int], key: str, needs: str) -> list[int]:
    if key not in fields:
        return []
    cases = doc.items(fields[key])
    if any(needs not in doc.pairs(c) for c in cases):
        raise _Unsure
    return cases


# ---------------------------------------------------------------- files


def _read_text(path: str) -> str:
    try:
        return Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise _Unsure from exc


def source_of(focused: str) -> tuple[str, int] | None:
    """The test file and group (from 1) a focused test file's path names; None for any other path."""
    found = _FOCUSED.match(focused)
    return (found.group(1), int(found.group(2))) if found else None


_FOCUSED = re.compile(r"^[^/]+/(.+)\.([1-9][0-9]*)$")


def _write(out_dir: str, name: str, events: list[Event], made: set[str]) -> None:
    text = yaml.emit(events, Dumper=_DUMPER, width=1 << 30, allow_unicode=True)
    folder = os.path.join(out_dir, os.path.dirname(name))
    if folder not in made:
        os.makedirs(folder, exist_ok=True)
        made.add(folder)
    with open(os.path.join(out_dir, name), "w", encoding="utf-8") as fh:
        fh.write(text)
