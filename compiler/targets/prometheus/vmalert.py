"""The `vmalert` layout: the plain groups, cut to what vmalert 1.79 (Debian's victoria-metrics) accepts.

vmalert 1.79 rejects a rule with `keep_firing_for` ("unknown fields in rule"); it is the only field obsc
writes that it refuses (checked with `vmalert -dryRun`). The setting exists for one thing, the hand-over
from one ticket pair to the next (compiler/model/windows.yaml): without it the ticket can be resolved for
at most the next pair's `for` (5m in the built-in catalogs) and then fire again under the next pair's
`burn_window`. A longer `for` would not close that gap and merging the pairs into one OR'ed rule would
change the ticket's labels, value and text on vmalert alone; one extra notification for a steady burn
is the smaller difference (docs/engines.md). The promtool tests are generated from the same cut rules,
so they test what this layout says (the hand-over case drops out: it needs the setting).
"""

from __future__ import annotations

from dataclasses import replace

from compiler.targets.prometheus.rule_model import Rule, ServiceRules


def for_vmalert(rules: ServiceRules) -> ServiceRules:
    """`rules` without `keep_firing_for`; everything else, names and order included, unchanged."""
    groups = tuple(
        replace(group, rules=tuple(_without_keep_firing(rule) for rule in group.rules)) for group in rules.groups
    )
    return replace(rules, groups=groups)


def _without_keep_firing(rule: Rule) -> Rule:
    return replace(rule, keep_firing_seconds=0) if rule.keep_firing_seconds else rule  # most rules have none
