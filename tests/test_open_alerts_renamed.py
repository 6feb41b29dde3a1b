"""`obsc diff`'s open-alert lines for a threshold alert renamed in the spec (round 39 review of round 38).

Prometheus 2.42 keeps an alert's state across a rule reload only for a rule of the same name: a renamed rule's
open alert ends at the reload and its new one fires again after its whole `for:`. The rows paired the two rules
("alertname: QueueDeep → QueueDeeper"), but the open-alert lines compared the pair's names as keyed on the base
side, saw no move, and said nothing of the ticket the rename re-notifies.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from compiler import changes
from compiler.api import CompileOptions, compile_specs
from compiler.output import writer
from tests.test_diff import BASE

QUEUE = (
    "  queue: {selector: q_depth, type: gauge, aggregation: max}\n"
    "threshold_alerts:\n  - {name: QueueDeep, metric: queue, above: 100, for: 10m, tier: warning}\nslos:\n"
)


@pytest.mark.parametrize(
    ("edit", "effect", "why"),
    [
        ("name: QueueDeeper,", "re-notifies", "alertname: QueueDeep → QueueDeeper"),
        ("name: QueueDeep, tier: critical,", "re-pages", 'labels: {severity="warning"} → {severity="critical"}'),
    ],
)
def test_a_renamed_or_retiered_threshold_alert_is_said_to_notify_again(
    tmp_path: Path, edit: str, effect: str, why: str
) -> None:
    specs, out = tmp_path / "specs", tmp_path / "out"
    shutil.copytree(BASE, specs)
    spec = specs / "api.yaml"
    spec.write_text(spec.read_text().replace("slos:\n", QUEUE, 1))
    writer.write(writer.plan(compile_specs([str(specs)], CompileOptions()).bundle, str(out)))
    text = spec.read_text().replace("name: QueueDeep,", edit)
    spec.write_text(text.replace("tier: warning}", "}") if "tier:" in edit else text)
    plan = writer.plan(compile_specs([str(specs)], CompileOptions()).bundle, str(out))
    summary = changes.summarise((c.path, c.old, c.new) for c in plan.drift)
    found = [(o.effect, o.alertname, o.why) for o in summary.open_alerts if o.alertname == "QueueDeep"]
    assert found == [(effect, "QueueDeep", (why,))], summary.open_alerts


@pytest.mark.parametrize(
    ("old", "new", "effect"),
    [
        # the SLO renamed: its pages are new rules of the same service and team, in the service's open page group
        ("{name: availability,", "{name: success,", "re-fires"),
        # the service moved to another team: its pages leave the team's branch, another page group
        ("team: core", "team: edge", "re-pages"),
    ],
)
def test_a_page_that_keeps_its_service_and_team_re_fires_in_its_group_and_one_that_moves_re_pages(
    tmp_path: Path, old: str, new: str, effect: str
) -> None:
    """Round 40: pages group per service, so a page whose rule changes but keeps team and service fires again in
    the open page's group (an update); before, every such change was said to re-page."""
    specs, out = tmp_path / "specs", tmp_path / "out"
    shutil.copytree(BASE, specs)
    writer.write(writer.plan(compile_specs([str(specs)], CompileOptions()).bundle, str(out)))
    spec = specs / "api.yaml"
    spec.write_text(spec.read_text().replace(old, new, 1))
    plan = writer.plan(compile_specs([str(specs)], CompileOptions()).bundle, str(out))
    summary = changes.summarise((c.path, c.old, c.new) for c in plan.drift)
    pages = {(o.effect, o.alertname) for o in summary.open_alerts if o.severity == "critical"}
    assert pages and {e for e, _ in pages} == {effect}, summary.open_alerts
