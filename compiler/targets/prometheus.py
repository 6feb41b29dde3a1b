"""Prometheus target: per service, one rule file (three groups) and the promtool tests of every alert.

Groups, in evaluation order (generated tests pin the same order with `group_eval_order`):
- `obsc-<service>-slo`: SLO windows up to 6h (raw rates and ratios), SLO metadata, page alerts;
- `obsc-<service>-key`: key-metric signals and their alerts;
- `obsc-<service>-coarse` (`interval: 5m`): SLO windows of 1d, 3d and the period, the remaining error
  budget, ticket and info alerts that read them, and key alerts that look back a day or more.
"""

from __future__ import annotations

from collections.abc import Sequence

from compiler import conventions as names
from compiler.model.burnrate import recording_tiers
from compiler.model.types import Fleet, Platform, Service
from compiler.output.bundle import Artifact
from compiler.targets import TargetOptions
from compiler.targets.prometheus_keyalerts import key_rules
from compiler.targets.prometheus_layouts import render
from compiler.targets.prometheus_model import Group, ServiceRules
from compiler.targets.prometheus_slo import slo_rules
from compiler.targets.promtool_tests import test_files


def service_rules(service: Service, platform: Platform) -> ServiceRules:
    slo = slo_rules(service, platform)
    key = key_rules(service, platform)
    coarse_interval = recording_tiers().coarse_interval_seconds
    groups = (
        Group(names.rule_group_name(service.name, names.RULE_GROUP_SLO), slo.fast),
        Group(names.rule_group_name(service.name, names.RULE_GROUP_KEY), key.fast),
        Group(names.rule_group_name(service.name, names.RULE_GROUP_COARSE), slo.coarse + key.coarse, coarse_interval),
    )
    return ServiceRules(service.name, tuple(g for g in groups if g.rules))


def generate(fleet: Fleet, options: TargetOptions) -> list[Artifact]:
    return service_artifacts(fleet, fleet.services, options) + fleet_artifacts(fleet, options)


def service_artifacts(fleet: Fleet, services: Sequence[Service], options: TargetOptions) -> list[Artifact]:
    """The rule file and promtool tests of each of `services` (each service's files depend on it alone)."""
    out: list[Artifact] = []
    for service in services:
        rules = service_rules(service, fleet.platform)
        if not rules.groups:
            continue
        out.append(
            Artifact(
                names.prometheus_rules_path(service.name, options.format), render(rules, service.team, options.format)
            )
        )
        out.extend(test_files(service, rules))
    return out


def fleet_artifacts(fleet: Fleet, options: TargetOptions) -> list[Artifact]:
    """Nothing fleet-wide: every Prometheus file belongs to one service."""
    del fleet, options
    return []
