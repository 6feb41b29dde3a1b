"""The rule-file layouts: plain Prometheus, Prometheus Operator `PrometheusRule`, Mimir/Cortex ruler, vmalert.

All carry the same groups (vmalert's without `keep_firing_for`, see vmalert.py). Groups use only what
Prometheus 2.42 accepts (`name`, `interval`, `rules`): no group `labels` (3.0) and no `query_offset` (2.53).
"""

from __future__ import annotations

from typing import Any

import yaml

from compiler import conventions as names
from compiler.targets.prometheus.rule_model import ServiceRules
from compiler.targets.prometheus.rule_text import groups_lines
from compiler.targets.prometheus.yaml_emit import dump

# libyaml where available: a whole rule file is read back (~10x faster than pure Python).
_LOADER: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

FORMATS = ("prometheus", "prometheus-operator", "mimir", "vmalert")
OPERATOR_API = "monitoring.coreos.com/v1"


def render(rules: ServiceRules, team: str, fmt: str, mimir_namespace: str = "{service}") -> str:
    out: list[str] = []
    if fmt == "prometheus-operator":
        head = dump(
            {
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
            }
        )
        out.append("spec:")
        groups_lines(rules.groups, "  ", out)
    elif fmt == "mimir":
        head = dump({"namespace": names.mimir_namespace(rules.service, mimir_namespace)})
        groups_lines(rules.groups, "", out)
    else:
        head = ""
        groups_lines(rules.groups, "", out)
    return head + "\n".join(out) + "\n"


def extract_groups(text: str, fmt: str) -> list[Any]:
    """The rule groups of a written file in any layout, for validators that only read plain files."""
    data = yaml.load(text, Loader=_LOADER) or {}
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
