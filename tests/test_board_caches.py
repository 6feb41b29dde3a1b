"""The value-keyed caches of the dashboard and runbook targets (issue 15, round 8) stay invisible: services
alike but for one SLO number each get their own text, whatever was made before them."""

from __future__ import annotations

import dataclasses
from decimal import Decimal

import pytest

from compiler import api
from compiler.model.types import Fleet, Service, Slo
from compiler.targets import TargetOptions, all_targets
from compiler.targets.grafana import panels, slo_figures
from compiler.targets.runbooks import burn_text, impact, page, slo_text
from tests.conftest import ROOT

# Every cache the two targets keep across services, as (module, name).
CACHES = [
    (panels, "_SETTINGS"),
    (panels, "_THRESHOLDS"),
    (slo_figures, "_FIGURES"),
    (burn_text, "_TEXTS"),
    (impact, "_BUDGET_LOW"),
    (slo_text, "_SENTENCES"),
    (page, "_TITLES"),
]
CHANGES = [  # one input of a cached part each
    lambda slo: dataclasses.replace(slo, objective=Decimal("99.5")),
    lambda slo: dataclasses.replace(slo, period_seconds=7 * 86400),
    lambda slo: dataclasses.replace(slo, alerting=dataclasses.replace(slo.alerting, budget_left=Decimal("0.1"))),
    lambda slo: dataclasses.replace(slo, alerting=dataclasses.replace(slo.alerting, warning=False)),
    lambda slo: dataclasses.replace(slo, alerting=dataclasses.replace(slo.alerting, info=False)),
    lambda slo: dataclasses.replace(slo, description="Another description."),
]


def _twins(service: Service) -> list[Service]:
    """The service again under other names, each with every SLO changed in one way."""
    out = []
    for i, change in enumerate(CHANGES):
        slos: tuple[Slo, ...] = tuple(change(slo) for slo in service.slos)
        out.append(dataclasses.replace(service, name=f"{service.name}-twin{i}", slos=slos))
    return out


@pytest.fixture(scope="module")
def fleet() -> Fleet:
    loaded, _ = api.load_fleet([str(ROOT / "examples")], api.CompileOptions(jobs=1), {})
    loaded = api.prepare(loaded, TargetOptions())
    with_slos = [s for s in loaded.services if s.slos]
    return dataclasses.replace(loaded, services=(*loaded.services, *(t for s in with_slos for t in _twins(s))))


@pytest.mark.parametrize("target", ["grafana", "runbooks"])
def test_each_service_gets_what_it_would_get_alone(fleet: Fleet, target: str, monkeypatch: pytest.MonkeyPatch) -> None:
    generate = next(t for t in all_targets() if t.name == target).service_artifacts
    together = {a.path: a.content for a in generate(fleet, fleet.services, TargetOptions())}
    assert len(together) > 2 * len(CHANGES)
    for service in fleet.services:
        for module, name in CACHES:
            monkeypatch.setattr(module, name, {})
        for artifact in generate(fleet, [service], TargetOptions()):
            assert together[artifact.path] == artifact.content, artifact.path
