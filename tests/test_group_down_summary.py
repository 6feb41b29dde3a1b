"""ServiceDown for one group of a service split `by:` a target label names that group in its summary.

A service in three clusters pages ServiceDown per cluster (round 28), but its summary said "edge-router is down"
while two clusters served: the summary is the line a pager, a chat message and Alertmanager's notification title
show first, and only the description named the cluster (found by the round 34 fleet review). The summary now
names the group the way the description does; the whole service's alert keeps "<service> is down".
"""

from __future__ import annotations

import subprocess
from pathlib import Path

import yaml

from compiler.api import CompileOptions, compile_specs
from tests.conftest import require_tool

SPEC = """\
apiVersion: obsc/v1
service: mq-broker-x2
team: queues
selector: {job: mq}
metrics:
  requests: mq_publish_total
  errors: 'mq_publish_total{result="nack"}'
alerts: {error_rate: false, traffic_anomaly: false, traffic_milestone: false}
slos:
  - {name: publish, objective: 99.5, period: 7d, by: [cluster], sli: {errors: errors, total: requests}}
routing:
  critical: {webhook: {url: "https://pager.example.net/queues"}}
  warning: {webhook: {url: "https://queue.example.net/queues"}}
  info: {webhook: {url: "https://digest.example.net/queues"}}
"""


def _rules(tmp_path: Path) -> str:
    (tmp_path / "mq-broker-x2.yaml").write_text(SPEC)
    bundle = compile_specs([str(tmp_path)], CompileOptions()).bundle
    return next(a.content for a in bundle.artifacts if a.path == "prometheus/rules/mq-broker-x2.yaml")


def test_the_summary_names_the_group_that_is_down(tmp_path: Path) -> None:
    # ServiceDown alone, annotations kept (it reads `up` itself, no recorded series)
    down = [
        r for g in yaml.safe_load(_rules(tmp_path))["groups"] for r in g["rules"] if r.get("alert") == "ServiceDown"
    ]
    (tmp_path / "rules.yaml").write_text(yaml.safe_dump({"groups": [{"name": "down", "rules": down}]}))
    series = [
        {"series": f'up{{job="mq",cluster="{c}",instance="mq-{c}:9419"}}', "values": values}
        for c, values in (("c1", "1x40"), ("c2", "1x10 0x30"), ("c3", "1x40"))
    ]
    test = {
        "rule_files": ["rules.yaml"],
        "evaluation_interval": "1m",
        "tests": [
            {
                "interval": "1m",
                "input_series": series,
                # an alert expected with a summary of "?": promtool's report shows the alert it got, annotated
                "alert_rule_test": [
                    {
                        "eval_time": "30m",
                        "alertname": "ServiceDown",
                        "exp_alerts": [{"exp_labels": {"cluster": "c2"}, "exp_annotations": {"summary": "?"}}],
                    }
                ],
            }
        ],
    }
    (tmp_path / "case.test.yaml").write_text(yaml.safe_dump(test))
    run = subprocess.run(
        [require_tool("promtool"), "test", "rules", "case.test.yaml"], cwd=tmp_path, capture_output=True, text=True
    )
    said = run.stdout + run.stderr
    assert 'Labels:{alertname="ServiceDown", cluster="c2"' in said, said  # c2's alert fired, and only it
    assert said.count("Labels:{alertname=") == 2, said  # the one expected and the one got
    assert 'summary="mq-broker-x2 with cluster c2 is down"' in said, said


def test_the_whole_service_keeps_its_summary(tmp_path: Path) -> None:
    rules = yaml.safe_load(_rules(tmp_path))
    summaries = [
        r["annotations"]["summary"] for g in rules["groups"] for r in g["rules"] if r.get("alert") == "ServiceDown"
    ]
    assert summaries == ["mq-broker-x2{{ with $labels.cluster }} with cluster {{ . }}{{ end }} is down"]
