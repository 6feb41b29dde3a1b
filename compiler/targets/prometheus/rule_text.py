"""Rule groups written straight to YAML text, in every layout's indent.

The same bytes `yaml_emit.dump` gives for the groups as dicts (`name`, `interval`, `rules`; a rule's
`alert`/`record`, `expr`, `for`, `keep_firing_for`, `labels`, `annotations`), without building those
dicts first: a 1,000-service fleet has ~120,000 rules, and the dicts were half the cost of writing them.
Each rule is one string (a fraction of the list items to append and join), and a label set or label
repeated within a file (a window's three recording rules share one set) is written once per call.
Expressions and annotations, which name their service, skip the writer's caches: `_fresh` below spells them
as `fresh_value` does, its usual cases (one-line text, a literal block without empty lines) decided by a
few C-level string tests instead of a regular expression and three calls; other text goes to `fresh_value`.
tests/test_direct_yaml.py compares the two writers.
"""

from __future__ import annotations

from collections.abc import Sequence

from compiler.model.units import format_duration
from compiler.targets.prometheus.rule_model import Group
from compiler.targets.prometheus.yaml_emit import fresh_value, key, scalar, value

_Pairs = tuple[tuple[str, str], ...]
_PLAIN_FIRST = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz_")  # what a plain scalar starts with
_RESERVED_LONGEST = 5  # `false`, the longest word YAML 1.1 reads as a boolean or null; shorter text goes the long way


def _pairs_text(items: _Pairs, indent: str, lines: dict[tuple[str, str], str]) -> str:
    """A label map's lines, keys at `indent` (a repeated key keeps its last value, as a dict), as `pairs`
    writes them. `lines` holds the call's lines by label: a file's label sets share most of theirs (its
    service, its SLOs, severities and windows)."""
    inner = indent + "  "
    out = []
    for pair in dict(items).items():
        line = lines.get(pair)
        if line is None:
            line = lines[pair] = indent + key(pair[0]) + value(pair[1], inner)
        out.append(line)
    return "\n".join(out)


def _fresh(text: str, inner: str) -> str:
    """`fresh_value(text, inner)`: ` text` after a key, plain or double-quoted on one line, or a `|-` block
    whose lines start at `inner`."""
    if "\n" in text:
        # A literal block: printable lines (tabs and other cases go the long way), none empty, no leading
        # space or trailing newline to keep.
        if text[-1] != "\n" and text[0] not in " \n" and "\n\n" not in text and text.replace("\n", "").isprintable():
            return " |-\n" + inner + text.replace("\n", "\n" + inner)
    elif text.isprintable() and len(text) > _RESERVED_LONGEST:
        # Printable text longer than any word YAML reads as a boolean or null is plain when it starts with a
        # letter or `_` and holds no comment mark or `: `, and does not end with `:` or a space (the
        # writer's rules); otherwise double-quoted with its backslashes and quotes escaped.
        if text[0] in _PLAIN_FIRST and "#" not in text and ": " not in text and text[-1] not in ": ":
            return " " + text
        return ' "' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'
    return fresh_value(text, inner)


def _annotations_text(items: _Pairs, indent: str, heads: dict[str, str]) -> str:
    """Like `_pairs_text`, for values that name their service (summaries, links): not cached. `heads` holds
    the call's `indent` + `key:` texts."""
    inner = indent + "  "
    lines = []
    for name, item in dict(items).items():
        head = heads.get(name)
        if head is None:
            head = heads[name] = indent + key(name)
        lines.append(head + (_fresh(item, inner) if type(item) is str else " " + scalar(item)))
    return "\n".join(lines)


def groups_lines(groups: Sequence[Group], base: str, out: list[str]) -> None:
    """Append `groups:` at indent `base` (the key's), its groups and their rules (a rule's lines as one item)."""
    if not groups:
        out.append(base + "groups: []")
        return
    out.append(base + "groups:")
    group_keys, group_inner = base + "    ", base + "      "
    rule_keys, rule_inner = base + "        ", base + "          "
    alert_head, record_head = base + "      - alert:", base + "      - record:"
    expr_head, for_head = "\n" + rule_keys + "expr:", "\n" + rule_keys + "for:"
    keep_head = "\n" + rule_keys + "keep_firing_for:"
    labels_head, annotations_head = "\n" + rule_keys + "labels:\n", "\n" + rule_keys + "annotations:\n"
    label_blocks: dict[_Pairs, str] = {}  # this call's label sets, written once each
    label_lines: dict[tuple[str, str], str] = {}  # and their lines
    names: dict[str, str] = {}  # this call's rule names (each SLO repeats its windows' record names)
    heads: dict[str, str] = {}  # annotation keys
    for group in groups:
        out.append(base + "  - name:" + value(group.name, group_inner))
        if group.interval_seconds:
            out.append(group_keys + "interval:" + value(format_duration(group.interval_seconds), group_inner))
        if not group.rules:
            out.append(group_keys + "rules: []")
            continue
        out.append(group_keys + "rules:")
        for rule in group.rules:
            name = rule.alert or rule.record
            shown = names.get(name)
            if shown is None:
                shown = names[name] = value(name, rule_inner)
            text = (alert_head if rule.alert else record_head) + shown + expr_head + _fresh(rule.expr, rule_inner)
            if rule.for_seconds:
                text += for_head + value(format_duration(rule.for_seconds), rule_inner)
            if rule.keep_firing_seconds:
                text += keep_head + value(format_duration(rule.keep_firing_seconds), rule_inner)
            labels = rule.labels
            if labels:
                block = label_blocks.get(labels)
                if block is None:
                    block = label_blocks[labels] = _pairs_text(labels, rule_inner, label_lines)
                text += labels_head + block
            if rule.annotations:
                text += annotations_head + _annotations_text(rule.annotations, rule_inner, heads)
            out.append(text)
