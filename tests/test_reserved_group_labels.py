"""Every label obsc writes on its recorded series or alerts is refused as an SLO's group label (`by:`).

Round 26's known limit: `by: [data]` was accepted, though `data="missing"` marks a threshold or saturation alert's
no-series twin: a route or silence a platform writes on `data="missing"` caught an SLO's group whose label value
happened to be `missing`, and a group's label read as obsc's own. The list of labels refused was written by hand
beside the conventions; this test reads the conventions.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from compiler import conventions
from tests.cli_helpers import run_obsc

OWN_LABELS = sorted(value for name, value in vars(conventions).items() if name.startswith("LABEL_"))
_PLATFORM = (
    "apiVersion: obsc/v1\nkind: Platform\nteams: {growth: {}}\n"
    "receivers: {r: {webhook: {url: 'http://127.0.0.1:9/h'}}}\n"
    "defaults: {routing: {critical: r}}\nalertmanager: {default_receiver: r}\n"
)


def test_the_conventions_name_the_labels_obsc_writes() -> None:
    assert {"service", "slo", "severity", "team", "data", "burn_window", "window", "incident"} <= set(OWN_LABELS)


@pytest.mark.parametrize("label", OWN_LABELS)
def test_an_slo_cannot_be_grouped_by_a_label_obsc_writes(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], label: str
) -> None:
    slo = {"name": "avail", "objective": 99, "by": [label], "sli": {"errors": "bad", "total": "reqs"}}
    body = {"apiVersion": "obsc/v1", "service": "promo-web", "team": "growth", "description": "x"}
    body |= {"selector": {"job": "promo-web"}, "metrics": {"reqs": "rq_total", "bad": 'rq_total{code=~"5.."}'}}
    body["slos"] = [slo]
    (tmp_path / "platform.yaml").write_text(_PLATFORM)
    (tmp_path / "promo-web.yaml").write_text(yaml.safe_dump(body, sort_keys=False))
    result = run_obsc(capsys, "validate", str(tmp_path))
    assert result.code == 2, result.err
    assert f"$.slos[0].by[0]: group label {label!r} is one obsc sets itself" in result.err


def test_every_alert_label_obsc_writes_is_in_the_one_list_the_checks_read() -> None:
    """ServiceDown's `down_group` came with the per-group branch and no line in the three hand-kept copies of this
    list (SLO `by:`, extra labels and threshold `by:`, imported labels), so `by: [down_group]` compiled: one list
    now, and every `LABEL_*` but the recording rules' `window` is in it."""
    written_on_alerts = set(OWN_LABELS) - {conventions.LABEL_WINDOW}
    assert written_on_alerts <= set(conventions.ALERT_LABELS_OWNED)


@pytest.mark.parametrize("label", sorted(set(OWN_LABELS) - {conventions.LABEL_WINDOW}))
def test_an_alert_label_obsc_writes_is_refused_as_an_extra_label_and_a_threshold_group(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], label: str
) -> None:
    body = {"apiVersion": "obsc/v1", "service": "promo-web", "team": "growth", "description": "x"}
    body |= {"selector": {"job": "promo-web"}, "labels": {label: "x"}}
    body["metrics"] = {"depth": {"selector": "queue_depth", "type": "gauge", "aggregation": "max"}}
    body["threshold_alerts"] = [{"name": "QueueDeep", "metric": "depth", "above": 10, "by": [label]}]
    (tmp_path / "platform.yaml").write_text(_PLATFORM)
    (tmp_path / "promo-web.yaml").write_text(yaml.safe_dump(body, sort_keys=False))
    result = run_obsc(capsys, "validate", str(tmp_path))
    assert result.code == 2, result.err
    assert f"$.labels.{label}: label {label!r} is obsc's own" in result.err
    assert f"$.threshold_alerts[0].by: by: label {label!r} is obsc's own" in result.err
