"""The rule file of one service: three groups, each filled by its own module.

Groups, in evaluation order (generated tests pin the same order with `group_eval_order`):
- `obsc-<service>-slo`: SLO windows up to 6h (raw rates and ratios), SLO metadata, page alerts;
- `obsc-<service>-key`: key-metric signals and their alerts;
- `obsc-<service>-coarse` (`interval: 5m`): SLO windows of 1d, 3d and the period, the remaining error
  budget, ticket and info alerts that read them, and key alerts that look back a day or more.
"""

from __future__ import annotations

from compiler import conventions as names
from compiler.model.burnrate import recording_tiers
from compiler.model.types import Platform, Service
from compiler.targets.prometheus.keyalerts import key_rules
from compiler.targets.prometheus.rule_model import Group, ServiceRules
from compiler.targets.prometheus.slo import slo_rules
from compiler.targets.prometheus.thresholds import threshold_rules


def service_rules(service: Service, platform: Platform) -> ServiceRules:
    slo = slo_rules(service, platform)
    key = key_rules(service, platform)
    coarse_interval = recording_tiers().coarse_interval_seconds
    groups = (
        Group(names.rule_group_name(service.name, names.RULE_GROUP_SLO), slo.fast),
        Group(names.rule_group_name(service.name, names.RULE_GROUP_KEY), key.fast + threshold_rules(service, platform)),
        Group(names.rule_group_name(service.name, names.RULE_GROUP_COARSE), slo.coarse + key.coarse, coarse_interval),
    )
    return ServiceRules(service.name, tuple(g for g in groups if g.rules))
