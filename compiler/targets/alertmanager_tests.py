"""The routing-test table: every alert obsc emits, its labels, and the receiver the spec promised.

Expected receivers come from the model (Service.routes), never from the generated route tree, so
a tree that mis-routes is caught when toolcheck replays each row through `amtool config routes test`.
"""

from __future__ import annotations

from typing import Any

from compiler.model.alerts import service_alerts
from compiler.model.types import Fleet
from compiler.targets.alertmanager_yaml import FlowMap

ALERTNAME = "alertname"  # set by Prometheus on every alert; routes and inhibit rules may read it

HEADER = (
    "# Every alert obsc emits, the labels it fires with, and the receiver(s) Alertmanager must pick.\n"
    "# `obsc compile` replays each row with `amtool config routes test --verify.receivers`.\n"
)


def routing_cases(fleet: Fleet) -> list[dict[str, Any]]:
    cases: list[dict[str, Any]] = []
    for service in fleet.services:
        for alert in service_alerts(service):
            route = service.route(alert.tier)
            if route is None:
                continue  # the model refuses a service without a receiver for a tier
            labels = {ALERTNAME: alert.name, **alert.labels()}
            cases.append(
                {
                    "service": service.name,
                    "alert": alert.name,
                    "labels": FlowMap(sorted(labels.items())),
                    "receivers": [route.receiver],
                }
            )
    return cases
