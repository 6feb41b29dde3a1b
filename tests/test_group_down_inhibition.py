"""A ServiceDown of one group (one cluster's targets all down) silences no ticket of the service's other groups.

ServiceDown fires per group when an SLO is split `by:` a target label (round 28), marked `down_group`, and the
inhibit rules written for ServiceDown leave such an alert out: "the groups still up keep their alerts". But the
first rule, any page silences the tickets and digests of its team, service and slo, caught it as a page like any
other: with no `slo`, it held back every ticket without one, in every cluster (a threshold alert on another
cluster, its saturation tickets, the service's unusual-traffic ticket). Found by the round 34 fleet review (an
Envoy edge in three clusters). Shown on a real Alertmanager 0.25 (amtool cannot test inhibition).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from compiler import conventions as names
from compiler.api import CompileOptions, load_fleet
from compiler.targets import alertmanager as alertmanager_target
from compiler.targets.base import TargetOptions
from tests.conftest import require_tool
from tests.e2e import servers

SPEC = """\
apiVersion: obsc/v1
service: mq-broker-x2
team: queues
selector: {job: mq}
metrics:
  requests: mq_publish_total
  errors: 'mq_publish_total{result="nack"}'
slos:
  - {name: publish, objective: 99.5, period: 7d, by: [cluster], sli: {errors: errors, total: requests}}
routing:
  critical: {webhook: {url: "https://pager.example.net/queues"}}
  warning: {webhook: {url: "https://queue.example.net/queues"}}
  info: {webhook: {url: "https://digest.example.net/queues"}}
"""


def _alert(name: str, severity: str, **extra: str) -> dict[str, Any]:
    return {"labels": {"alertname": name, "severity": severity, "service": "mq-broker-x2", "team": "queues", **extra}}


DOWN = _alert("ServiceDown", "critical", cluster="c2", down_group="cluster")
# the clusters still up keep their tickets and digests, and so does the whole service
KEPT = {
    "threshold-ticket-other-cluster": _alert("QueueDepthHigh", "warning", cluster="c1"),
    "saturation-ticket-other-cluster": _alert("ServiceCPUSaturation", "warning", cluster="c3"),
    "traffic-ticket-whole-service": _alert("ServiceUnusualTraffic", "warning"),
    "deploy-digest": _alert("ServiceDeployed", "info"),
}
# the whole service down still silences them (inhibit rules 5 to 9): posted last, it shows the inhibitor saw DOWN
WHOLE_DOWN = {"labels": {**_alert("ServiceDown", "critical")["labels"], "service": "zz-sentinel"}}
SENTINEL = {"labels": {**_alert("ServiceCPUSaturation", "warning")["labels"], "service": "zz-sentinel"}}


def _states(url: str) -> dict[str, str]:
    alerts = servers.api_json(url + "/api/v2/alerts")
    return {json.dumps(a["labels"], sort_keys=True): a["status"]["state"] for a in alerts}


def test_one_cluster_down_keeps_the_other_clusters_tickets(tmp_path: Path) -> None:
    binary = require_tool("prometheus-alertmanager")
    specs = tmp_path / "specs"
    specs.mkdir()
    (specs / "mq-broker-x2.yaml").write_text(SPEC)
    fleet, _ = load_fleet([str(specs)], CompileOptions(), {})
    for artifact in alertmanager_target.fleet_artifacts(fleet, TargetOptions()):
        (tmp_path / "out" / artifact.path).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / "out" / artifact.path).write_text(artifact.content)
    with servers.alertmanager(binary, tmp_path / "out" / names.ALERTMANAGER_CONFIG, tmp_path) as server:
        servers.api_json(server.url + "/api/v2/alerts", [DOWN, WHOLE_DOWN])
        servers.api_json(server.url + "/api/v2/alerts", [SENTINEL])
        key = json.dumps(SENTINEL["labels"], sort_keys=True)
        servers.wait_until(lambda: _states(server.url).get(key) == "suppressed", 10, 0.05, "the inhibitor")
        servers.api_json(server.url + "/api/v2/alerts", list(KEPT.values()))
        found = _states(server.url)
    got = {name: found[json.dumps(a["labels"], sort_keys=True)] for name, a in KEPT.items()}
    assert got == dict.fromkeys(KEPT, "active")
