"""The Mimir ruler's per-tenant limits, said at compile time for `--format mimir`.

Mimir's ruler refuses, with HTTP 400, a rule group holding more rules than `ruler_max_rules_per_rule_group`
(20 by default) and a tenant holding more groups than `ruler_max_rule_groups_per_tenant` (70 by default):
`mimirtool rules load`/`sync` fails and nothing of that group is evaluated. obsc's groups cannot be cut to
fit: a group's rules read each other within one evaluation (a ratio reads the rates recorded just before
it), so split groups would lag an interval each and page late. An SLO group holds more than 20 rules from
its first SLO on, and each service brings three groups, so a default Mimir refuses every service with an
SLO; the operator must raise both limits for the tenant, and this says by how much (docs/engines.md).
"""

from __future__ import annotations

from collections.abc import Iterable

from compiler import conventions as names
from compiler.output.bundle import Artifact

RULES_PER_GROUP_DEFAULT = 20  # Mimir's ruler_max_rules_per_rule_group
GROUPS_PER_TENANT_DEFAULT = 70  # Mimir's ruler_max_rule_groups_per_tenant
# How render() writes a ruler file (no indent before `groups:`): a group's `name` at 2, a rule at 6. Lines
# of a multi-line expression or annotation are indented deeper, so they never start like these.
_GROUP = "\n  - name: "
_RULES = ("\n      - record: ", "\n      - alert: ")


def ruler_limit_warnings(artifacts: Iterable[Artifact]) -> list[str]:
    """One warning when the Mimir files exceed the ruler's default limits, naming the largest group."""
    folder = names.PROMETHEUS_MIMIR_DIR + "/"
    groups = 0
    largest = (0, "")
    for artifact in artifacts:
        if not (artifact.path.startswith(folder) and artifact.path.endswith(".yaml")):
            continue
        for chunk in artifact.content.split(_GROUP)[1:]:
            groups += 1
            count = sum(chunk.count(rule) for rule in _RULES)
            largest = max(largest, (count, chunk.split("\n", 1)[0].strip()))
    if largest[0] <= RULES_PER_GROUP_DEFAULT and groups <= GROUPS_PER_TENANT_DEFAULT:
        return []
    return [
        f"{folder}: Mimir's ruler refuses a rule group of more than {RULES_PER_GROUP_DEFAULT} rules "
        f"(ruler_max_rules_per_rule_group) and a tenant of more than {GROUPS_PER_TENANT_DEFAULT} groups "
        f"(ruler_max_rule_groups_per_tenant) unless told otherwise; the largest group here, {largest[1]}, has "
        f"{largest[0]} rules and the files hold {groups} groups: raise both limits for the tenant they load into "
        "(docs/engines.md)"
    ]
