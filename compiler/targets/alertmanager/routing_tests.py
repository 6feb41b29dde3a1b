"""The routing-test table: every alert obsc emits, its labels, and the receiver the spec promised.

Expected receivers come from the model (Service.routes), never from the generated route tree, so
a tree that mis-routes is caught when toolcheck replays each row through `amtool config routes test`.
Each row is one JSON object on one line (JSON is YAML): a 1,000-service fleet has ~20,000 rows and
PyYAML's pure-Python emitter would spend seconds on them.
"""

from __future__ import annotations

import json
from typing import Any

from compiler.model.alerts import service_alerts
from compiler.model.types import Fleet

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
            # As the rules write them: the spec's extra labels, never overriding the catalog's.
            labels = {**dict(service.labels), ALERTNAME: alert.name, **alert.labels()}
            cases.append(
                {
                    "service": service.name,
                    "alert": alert.name,
                    "labels": dict(sorted(labels.items())),
                    "receivers": [route.receiver],
                }
            )
    return cases


def routing_table(fleet: Fleet) -> str:
    rows = [f"- {json.dumps(case, ensure_ascii=False)}\n" for case in routing_cases(fleet)]
    return HEADER + ("cases:\n" + "".join(rows) if rows else "cases: []\n")
