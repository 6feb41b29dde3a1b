"""The SLO case plans of a fleet's first service are worked out in the parent, before the generation forks.

A plan (promtool/slo_plan.py) is cached by its shape, which holds no name: in a fleet made from one template every
service asks the same few plans, and each forked worker worked them out again (~0.1 CPU-s per rich SLO and worker).
The Prometheus target's prepare step now asks them for the fleet's first service, so the workers inherit them.
"""

from __future__ import annotations

import dataclasses

import pytest

from compiler import api
from compiler.generation import prepare
from compiler.model.types import Fleet
from compiler.targets import TargetOptions, prometheus
from compiler.targets.prometheus.promtool import slo_plan
from tests.bench.fleet import write_fleet


@pytest.fixture(scope="module")
def fleet(tmp_path_factory: pytest.TempPathFactory) -> Fleet:
    specs = write_fleet(tmp_path_factory.mktemp("fleet"), 2, teams=2, rich=True)
    loaded, _ = api.load_fleet([str(specs)], api.CompileOptions(jobs=1), {})
    return loaded


@pytest.mark.parametrize("fmt", ["prometheus", "vmalert"])
def test_the_first_services_plans_are_made_before_the_fork(fleet: Fleet, fmt: str) -> None:
    options = TargetOptions(format=fmt)
    slo_plan.plan.cache_clear()
    prepared = prepare(fleet, options)
    made = slo_plan.plan.cache_info().misses
    assert made == 3  # the rich service's three SLOs: ratio, latency, raw PromQL
    files = prometheus.service_artifacts(prepared, prepared.services, options)
    assert slo_plan.plan.cache_info().misses == made  # every service of the template asks the same plans
    slo_plan.plan.cache_clear()
    assert prometheus.service_artifacts(fleet, fleet.services, options) == files  # the same bytes without it


def test_a_first_service_whose_rules_fail_is_left_to_the_generation(
    fleet: Fleet, monkeypatch: pytest.MonkeyPatch
) -> None:
    def failing(*_: object) -> None:
        raise RuntimeError("a target bug")

    monkeypatch.setattr(prometheus, "service_rules", failing)
    assert prometheus.prepare(fleet, TargetOptions()) is fleet
    with pytest.raises(RuntimeError, match="a target bug"):
        prometheus.service_artifacts(fleet, fleet.services[:1], TargetOptions())


def test_an_empty_fleet_prepares_nothing(fleet: Fleet) -> None:
    slo_plan.plan.cache_clear()
    empty = dataclasses.replace(fleet, services=())
    assert prometheus.prepare(empty, TargetOptions()) is empty
    assert slo_plan.plan.cache_info().misses == 0
