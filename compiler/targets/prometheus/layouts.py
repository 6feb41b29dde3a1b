"""The rule-file layouts: plain Prometheus, Prometheus Operator `PrometheusRule`, Mimir/Cortex ruler, vmalert.

All carry the same groups (vmalert's without `keep_firing_for`, see vmalert.py). Groups use only what
Prometheus 2.42 accepts (`name`, `interval`, `rules`): no group `labels` (3.0) and no `query_offset` (2.53).
"""

from __future__ import annotations

from typing import Any

import yaml

from compiler import conventions as names
from compiler.model.units import format_duration
from compiler.targets.prometheus.rule_model import Group, Rule, ServiceRules
from compiler.targets.prometheus.yaml_emit import dump

FORMATS = ("prometheus", "prometheus-operator", "mimir", "vmalert")
OPERATOR_API = "monitoring.coreos.com/v1"


def rule_dict(rule: Rule) -> dict[str, Any]:
    out: dict[str, Any] = {"alert": rule.alert} if rule.alert else {"record": rule.record}
    out["expr"] = rule.expr
    if rule.for_seconds:
        out["for"] = format_duration(rule.for_seconds)
    if rule.keep_firing_seconds:
        out["keep_firing_for"] = format_duration(rule.keep_firing_seconds)
    if rule.labels:
        out["labels"] = dict(rule.labels)
    if rule.annotations:
        out["annotations"] = dict(rule.annotations)
    return out


def group_dict(group: Group) -> dict[str, Any]:
    out: dict[str, Any] = {"name": group.name}
    if group.interval_seconds:
        out["interval"] = format_duration(group.interval_seconds)
    out["rules"] = [rule_dict(r) for r in group.rules]
    return out


def render(rules: ServiceRules, team: str, fmt: str) -> str:
    groups = [group_dict(g) for g in rules.groups]
    if fmt == "prometheus-operator":
        document: dict[str, Any] = {
            "apiVersion": OPERATOR_API,
            "kind": "PrometheusRule",
            "metadata": {
                "name": names.prometheus_rule_object_name(rules.service),
                "labels": {
                    "app.kubernetes.io/managed-by": "obsc",
                    "app.kubernetes.io/name": rules.service,
                    "obsc.dev/team": team,
                },
            },
            "spec": {"groups": groups},
        }
    elif fmt == "mimir":
        document = {"namespace": rules.service, "groups": groups}
    else:
        document = {"groups": groups}
    return dump(document)


def extract_groups(text: str, fmt: str) -> list[Any]:
    """The rule groups of a written file in any layout, for validators that only read plain files."""
    data = yaml.safe_load(text) or {}
    if fmt == "prometheus-operator":
        data = data.get("spec") or {}
    groups = data.get("groups") or []
    return list(groups)


def layout_of(path: str) -> str | None:
    """Which layout a bundle path holds, from its folder; None for anything that is not a rule file."""
    for fmt in FORMATS:
        folder = names.prometheus_rules_path("x", fmt).rsplit("/", 1)[0] + "/"
        if path.startswith(folder) and path.endswith(".yaml"):
            return fmt
    return None
