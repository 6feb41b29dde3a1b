"""SLO alert cases of a service with no scrape targets (`targets: false`).

There its data-missing alerts have no `up` to wait for: each fires in every test group that feeds none of
its SLO's raw series, and alert cases feed recorded rates only. Alert cases of several SLOs run side by side
(cases.merge), each predicting its own SLO's alerts; an SLO with fewer cases than another (another period,
another catalog) would leave later groups without anyone predicting its data-missing alert, which fires
there all the same. Such lanes are padded with a case that feeds nothing and predicts just that.
"""

from __future__ import annotations

from compiler import conventions as names
from compiler.model.types import Service, Slo
from compiler.targets.prometheus.promtool.cases import AlertCheck, Case, Firing, firing
from compiler.targets.prometheus.rule_model import Rule


def padded(service: Service, lanes: list[tuple[Slo, list[Rule], list[Case]]], step: int) -> list[list[Case]]:
    """Each SLO's alert-case lane; for a service without targets, each one long enough to reach the last row
    (the i-th cases of every lane) that checks the data-missing alert."""
    plain = [cases for _, _, cases in lanes]
    if service.targets or len(lanes) < 2:
        return plain
    rows = [i for lane in plain for i, case in enumerate(lane) if any(_asks_missing(c) for c in case.alerts)]
    reach = max(rows, default=-1) + 1
    return [cases + [_missing(slo, rules, step)] * (reach - len(cases)) for slo, rules, cases in lanes]


def _asks_missing(check: AlertCheck) -> bool:
    return check.alertname == names.SLO_DATA_MISSING


def _missing(slo: Slo, rules: list[Rule], step: int) -> Case:
    fired = [(r, firing(r, 1.0)) for r in rules if r.source is not None and r.source.data_missing]

    def predict(name: str, at: int) -> tuple[Firing, ...]:
        return tuple(f for r, f in fired if r.alert == name and at >= r.for_seconds)

    return Case(f"{slo.name}: nothing fed (its data is missing)", step, (), predict=predict)
