"""Rule groups written straight to YAML lines, in every layout's indent.

The same bytes `yaml_emit.dump` gives for the groups as dicts (`name`, `interval`, `rules`; a rule's
`alert`/`record`, `expr`, `for`, `keep_firing_for`, `labels`, `annotations`), without building those
dicts first: a 1,000-service fleet has ~120,000 rules, and the dicts were half the cost of writing them.
tests/test_direct_yaml.py compares the two writers.
"""

from __future__ import annotations

from collections.abc import Sequence

from compiler.model.units import format_duration
from compiler.targets.prometheus.rule_model import Group
from compiler.targets.prometheus.yaml_emit import pairs, value


def groups_lines(groups: Sequence[Group], base: str, out: list[str]) -> None:
    """Append `groups:` at indent `base` (the key's), its groups and their rules."""
    if not groups:
        out.append(base + "groups: []")
        return
    out.append(base + "groups:")
    group_keys, group_inner = base + "    ", base + "      "
    rule_keys, rule_inner = base + "        ", base + "          "
    for group in groups:
        out.append(base + "  - name:" + value(group.name, group_inner))
        if group.interval_seconds:
            out.append(group_keys + "interval:" + value(format_duration(group.interval_seconds), group_inner))
        if not group.rules:
            out.append(group_keys + "rules: []")
            continue
        out.append(group_keys + "rules:")
        for rule in group.rules:
            if rule.alert:
                out.append(base + "      - alert:" + value(rule.alert, rule_inner))
            else:
                out.append(base + "      - record:" + value(rule.record, rule_inner))
            out.append(rule_keys + "expr:" + value(rule.expr, rule_inner))
            if rule.for_seconds:
                out.append(rule_keys + "for:" + value(format_duration(rule.for_seconds), rule_inner))
            if rule.keep_firing_seconds:
                out.append(
                    rule_keys + "keep_firing_for:" + value(format_duration(rule.keep_firing_seconds), rule_inner)
                )
            if rule.labels:
                out.append(rule_keys + "labels:")
                pairs(dict(rule.labels), rule_inner, rule_inner, out)
            if rule.annotations:
                out.append(rule_keys + "annotations:")
                pairs(dict(rule.annotations), rule_inner, rule_inner, out)
