"""label_replace's regex is bounded and checked as a label matcher's is (round 42's hunt).

Its regex was never looked at: Prometheus compiles it with Go's regexp and runs it over every series at every
evaluation, and only when the rule runs. `label_replace(queue_depth, "a", "$1", "instance", "([a-z]{0,1000}" x 30
")")` passed `obsc validate` and promtool's check, and cost promtool 1.7 CPU-s over 50 series and 61 evaluations
(a `(.*)` 0.08); nested once more (`(([a-z]{0,1000}){30})`) Go refuses it, so the rule failed at every
evaluation ("invalid regular expression in label_replace()") and its alert could never fire.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from tests.cli_helpers import run_obsc

_PLATFORM = (
    "apiVersion: obsc/v1\nkind: Platform\nteams: {growth: {}}\n"
    "receivers: {r: {webhook: {url: 'http://127.0.0.1:9/h'}}}\n"
    "defaults: {routing: {critical: r}}\nalertmanager: {default_receiver: r}\n"
)
_RATE = "sum(rate(rq_total{$selector}[$window]))"


def _spec(tmp_path: Path, where: str, regex: str) -> Path:
    replaced = f'label_replace(INNER, "shard", "$1", "instance", "{regex}")'
    slos: list[dict[str, object]] = [{"name": "ok", "objective": 99, "sli": {"errors": "bad", "total": "reqs"}}]
    metrics: dict[str, object] = {"reqs": "rq_total", "bad": 'rq_total{code=~"5.."}'}
    alerts: list[dict[str, object]] = []
    if where == "metric":
        metrics["queue"] = {"expr": "max(" + replaced.replace("INNER", "queue_depth{$selector}") + ")", "type": "gauge"}
        alerts.append({"name": "QueueDeep", "metric": "queue", "above": 10})
    else:
        errors = "sum(" + replaced.replace("INNER", 'rate(rq_total{$selector,code=~"5.."}[$window])') + ")"
        slos.append({"name": "raw", "objective": 99, "sli": {"raw": {"errors": errors, "total": _RATE}}})
    body = {"apiVersion": "obsc/v1", "service": "promo-web", "team": "growth", "description": "x"}
    body |= {"selector": {"job": "promo-web"}, "metrics": metrics, "slos": slos, "threshold_alerts": alerts}
    specs = tmp_path / "specs"
    specs.mkdir()
    (specs / "platform.yaml").write_text(_PLATFORM)
    (specs / "promo-web.yaml").write_text(yaml.safe_dump(body, sort_keys=False, width=1000))
    return specs


REGEXES = [
    ("[a-z]{0,1000}" * 30, "expands to about 30,00"),  # Go takes it: 1.7 CPU-s of promtool over 50 series
    ("(([a-z]{0,1000}){30})", "expands to about"),  # Go refuses it: the rule failed at every evaluation
    ("(?<shard>[0-9]+)", "(?<name>"),  # Go 1.19 (Prometheus 2.42) refuses named groups written so
    ("(", "regex"),  # refused by Go too
    ("(.*)", None),
    ("host-([0-9]+)", None),
]


@pytest.mark.parametrize("where", ["metric", "errors"])
@pytest.mark.parametrize(("regex", "refused"), REGEXES)
def test_label_replaces_regex_is_checked_as_a_matchers_is(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], where: str, regex: str, refused: str | None
) -> None:
    result = run_obsc(capsys, "validate", str(_spec(tmp_path, where, regex)))
    if refused is None:
        assert result.code == 0, result.err
        return
    assert result.code == 2, result.err
    path = "$.metrics.queue.expr" if where == "metric" else "$.slos[1].sli.raw.errors"
    line = next(line for line in result.err.splitlines() if "label_replace():" in line)
    assert f"{path}: label_replace(): " in line and refused in line, result.err
    assert "Traceback" not in result.err
