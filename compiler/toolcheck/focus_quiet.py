"""Which alert rules a focused test group loads without their annotations: those it expects quiet throughout.

Why: promtool checks each rule's annotation templates when it loads a group's rules and expands them for every
pending or firing alert at every step. In a rich service's focused groups about two thirds of the alert rules
loaded are there to stay quiet (a burn pair beside the pair a case drives); without their annotations the
service's main test file took 7% less promtool CPU (36 groups, 10 copies each, 3 runs in turn, 2026-12-06).

Why the verdict stays the same: promtool compares an `alert_rule_test`'s expected alerts with every firing alert of
that name, labels and annotations both. A rule that no expected alert of the group matches (its name and each of
its fixed labels) passes a check only while it does not fire there; then its annotations are never compared. If
it fires (a broken expression, a hold cut short), the alert is one too many with or without annotations, so the
check fails as before. What is kept whole: a rule whose labels are templates (an expected alert may match the
expansion), a rule whose label or annotation templates run a query (reads: promtool_focus keeps every rule then),
and anything not read surely (a rule or an expected alert that is not a plain mapping). A template that promtool
would refuse to parse is still refused: `promtool check rules` reads the whole rule file before any test runs.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from typing import Protocol

from compiler.toolcheck.focus_needs import Rule, RuleId

_QUERY_WORD = re.compile(r"\bquery\b")  # after a template's first `{{`: it runs PromQL of its own
Expected = tuple[str, dict[str, str]]  # an expected alert: its alert name and its expected labels


class _Doc(Protocol):
    """What this module reads of a parsed YAML document (promtool_focus._Events)."""

    def pairs(self, at: int) -> dict[str, int]: ...

    def items(self, at: int) -> list[int]: ...

    def text(self, at: int) -> str: ...


class _RuleDoc(Protocol):
    """What this module reads of a rule file (promtool_focus._RuleFile)."""

    @property
    def doc(self) -> _Doc: ...

    @property
    def groups(self) -> list[tuple[int, list[int]]]: ...  # per group: where its rules start, and where each rule starts

    @property
    def rules(self) -> list[Rule]: ...


def expected_alerts(doc: _Doc, group_at: int) -> list[Expected] | None:
    """Every alert the test group starting at `group_at` expects to fire at some check; None when not sure."""
    try:
        fields = doc.pairs(group_at)
        out: list[Expected] = []
        for case in doc.items(fields["alert_rule_test"]) if "alert_rule_test" in fields else ():
            check = doc.pairs(case)
            name = doc.text(check["alertname"])
            for alert in doc.items(check["exp_alerts"]) if "exp_alerts" in check else ():
                labels_at = doc.pairs(alert).get("exp_labels")
                out.append((name, _mapping(doc, labels_at) if labels_at is not None else {}))
        return out
    except Exception:  # an unexpected shape (promtool_focus's reader raises its own _Unsure): keep everything
        return None


def fixed_labels(rule_files: Sequence[_RuleDoc]) -> dict[RuleId, Expected | None]:
    """Each alert rule's name and labels (None: keep it whole), by its id (rule file, group, index)."""
    return {
        (f, rule.group, rule.index): _fixed(rule_file.doc, rule_file.groups[rule.group][1][rule.index])
        for f, rule_file in enumerate(rule_files)
        for rule in rule_file.rules
        if rule.alert is not None and rule.reads is not None  # no reads: its templates may run a query
    }


def _fixed(doc: _Doc, rule_at: int) -> Expected | None:
    """An alert rule's name and its labels, when none of them is a template; None otherwise or when not sure."""
    try:
        fields = doc.pairs(rule_at)
        if "alert" not in fields or "annotations" not in fields:
            return None
        labels = _mapping(doc, fields["labels"]) if "labels" in fields else {}
    except Exception:
        return None
    if any("{{" in value for value in labels.values()):
        return None
    return doc.text(fields["alert"]), labels


def quiet(
    rules: Mapping[RuleId, Expected | None], kept: Iterable[RuleId], expected: list[Expected] | None
) -> frozenset[RuleId]:
    """The `kept` alert rules (`rules`: their fixed labels, None to keep them whole) that no `expected` alert
    matches: loaded without annotations. Nothing when the group's expectations were not read surely."""
    if expected is None:
        return frozenset()
    by_name: dict[str, list[dict[str, str]]] = {}
    for name, labels in expected:
        by_name.setdefault(name, []).append(labels)
    out: set[RuleId] = set()
    for rule_id in kept:
        fixed = rules.get(rule_id)
        if fixed is None:
            continue
        name, labels = fixed
        if not any(all(exp.get(k) == v for k, v in labels.items()) for exp in by_name.get(name, ())):
            out.add(rule_id)
    return frozenset(out)


def _mapping(doc: _Doc, at: int) -> dict[str, str]:
    return {key: doc.text(value_at) for key, value_at in doc.pairs(at).items()}


def runs_query(template: str) -> bool:
    """Whether the word `query` follows a `{{`: from the first one only (a pattern from every `{{` of a long run of
    them read the rest of the text again each time: quadratic)."""
    start = template.find("{{")
    return start >= 0 and _QUERY_WORD.search(template, start + 2) is not None
