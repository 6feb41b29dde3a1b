"""Prometheus target: per service, one rule file (three groups) and the promtool tests of every alert.

Groups, in evaluation order (generated tests pin the same order with `group_eval_order`):
- `obsc-<service>-slo`: SLO windows up to 6h (raw rates and ratios), SLO metadata, page alerts;
- `obsc-<service>-key`: key-metric signals and their alerts;
- `obsc-<service>-coarse` (`interval: 5m`): SLO windows of 1d, 3d and the period, the remaining error
  budget, ticket and info alerts that read them, and key alerts that look back a day or more.
"""

from __future__ import annotations

import contextlib
from collections.abc import Sequence

from compiler import conventions as names
from compiler.model.types import Fleet, Service
from compiler.output.bundle import Artifact
from compiler.targets.base import TargetOptions
from compiler.targets.prometheus.layouts import extract_groups, layout_of, render
from compiler.targets.prometheus.mimir_limits import ruler_limit_warnings
from compiler.targets.prometheus.operator_size import oversized_objects
from compiler.targets.prometheus.promtool import test_files
from compiler.targets.prometheus.promtool.cases import MAIN_STEP
from compiler.targets.prometheus.promtool.slo_cases import plan_cases
from compiler.targets.prometheus.rule_model import ServiceRules
from compiler.targets.prometheus.rules import service_rules
from compiler.targets.prometheus.vmalert import for_vmalert
from compiler.targets.prometheus.yaml_emit import dump

# The face of the package: the pipeline's two parts, and what toolcheck needs to read a written layout
# back into plain rule groups (promtool tests name the plain layout's file).
# Also the layouts' consumer limits: the operator's rule-file cap (an error), Mimir's ruler limits (a warning).
__all__ = [
    "dump",
    "extract_groups",
    "fleet_artifacts",
    "layout_of",
    "oversized_objects",
    "prepare",
    "ruler_limit_warnings",
    "service_artifacts",
]


def _rules_of(fleet: Fleet, service: Service, options: TargetOptions) -> ServiceRules:
    rules = service_rules(service, fleet.platform)
    return for_vmalert(rules) if options.format == "vmalert" else rules


def service_artifacts(fleet: Fleet, services: Sequence[Service], options: TargetOptions) -> list[Artifact]:
    """The rule file and promtool tests of each of `services` (each service's files depend on it alone)."""
    out: list[Artifact] = []
    for service in services:
        rules = _rules_of(fleet, service, options)
        if not rules.groups:
            continue
        text = render(rules, service.team, options.format, fleet.platform.mimir_namespace)
        out.append(Artifact(names.prometheus_rules_path(service.name, options.format), text))
        out.extend(test_files(service, rules, fleet.platform.evaluation_seconds))
    return out


def prepare(fleet: Fleet, options: TargetOptions) -> Fleet:
    """In the parent, before the fork: the first service's SLO case plans (promtool.slo_plan, cached by their
    shape, which holds no name), which every worker would otherwise work out again. Nothing else: the fleet is
    returned as it is, and a service whose rules fail is left to the generation, which reports it as before."""
    if fleet.services:
        service = fleet.services[0]
        with contextlib.suppress(Exception):  # (the generation raises it again, where it is reported)
            rules = _rules_of(fleet, service, options)
            if rules.groups:
                plan_cases(service, rules, MAIN_STEP)
    return fleet


def fleet_artifacts(fleet: Fleet, options: TargetOptions) -> list[Artifact]:
    """Nothing fleet-wide: every Prometheus file belongs to one service."""
    del fleet, options
    return []
