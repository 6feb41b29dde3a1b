"""A page's dashboard link keeps opening its own panel when the spec changes around it.

Alerts, runbooks and notifications already sent name a panel by `viewPanel=<id>`. Ids followed the spec's
order (SLO i at 100 + 10 i, metric i at 1000 + i), so removing, adding or reordering an earlier SLO, metric or
threshold moved every later panel and an old link opened another alert's panel. Each case below compiles a
spec and a changed copy, and checks from the generated files alone: every alert in both keeps the panel id of
its rule's dashboard_url and its runbook page, and that panel shows that alert's SLO (it sits in the SLO's row)
or plots exactly what the threshold alert compares.
"""

from __future__ import annotations

import json
import random
import re
from pathlib import Path
from typing import Any

import pytest
import yaml

from compiler import conventions as names
from compiler.api import compile_specs

HEAD = """\
apiVersion: obsc/v1
service: ledger
team: books
selector: {job: ledger}
routing:
  critical: {webhook: {url: "http://relay:8080/page"}}
  warning: {webhook: {url: "http://relay:8080/ticket"}}
  info: {webhook: {url: "http://relay:8080/digest"}}
"""
METRICS = {
    "requests": "http_requests_total",
    "errors": 'http_requests_total{code=~"5.."}',
    "latency": "http_request_duration_seconds",
    "good_writes": 'ledger_writes_total{result="ok"}',
    "writes": "ledger_writes_total",
    "last_close": "{selector: ledger_last_close_timestamp_seconds, type: gauge, aggregation: min}",
    "queue_depth": "{selector: ledger_queue_depth, type: gauge, aggregation: max}",
    "rejected": "{selector: ledger_rejected_total}",
    "cert_expiry": "{selector: probe_ssl_earliest_cert_expiry, type: gauge, aggregation: min}",
}
# every kind of SLO panel block: plain, grouped (its table), latency, freshness (its age panel)
SLOS = [
    "{name: availability, objective: 99.9, sli: {errors: errors, total: requests}}",
    "{name: writes, objective: 99.5, by: [tenant], sli: {good: good_writes, total: writes}}",
    "{name: latency, objective: 99, sli: {latency: latency, threshold: 300ms}}",
    "{name: close-fresh, objective: 99, sli: {last_success: last_close, max_age: 36h, stale_alert: critical}}",
]
THRESHOLDS = [
    "{name: QueueDeep, metric: queue_depth, above: 1000}",
    "{name: QueueDeepPerTopic, metric: queue_depth, above: 100, by: [topic]}",
    "{name: QueueDeepPerTopicCase, metric: queue_depth, above: 100, by: [Topic]}",  # label names differ in case only
    "{name: RejectsHigh, metric: rejected, above: 1/m, tier: critical, by: [reason]}",
    "{name: CertExpiring, metric: cert_expiry, within: 14d, for: 1h}",
]
# twenty SLOs over one pair of counters, each with its own selector
TWENTY = [
    f"{{name: route-{i:02d}, objective: 99.{i % 10}, sli: {{errors: errors_{i:02d}, total: requests_{i:02d}}}}}"
    for i in range(20)
]
TWENTY_METRICS = {
    **{f"requests_{i:02d}": f'http_requests_total{{route="r{i}"}}' for i in range(20)},
    **{f"errors_{i:02d}": f'http_requests_total{{route="r{i}",code=~"5.."}}' for i in range(20)},
}


def _spec(metrics: dict[str, str], slos: list[str], thresholds: list[str]) -> str:
    text = HEAD + "metrics:\n" + "".join(f"  {k}: {v}\n" for k, v in metrics.items())
    text += "slos:\n" + "".join(f"  - {s}\n" for s in slos)
    if thresholds:
        text += "threshold_alerts:\n" + "".join(f"  - {t}\n" for t in thresholds)
    return text


def _shuffled(items: list[str]) -> list[str]:
    out = list(items)
    random.Random(26).shuffle(out)
    assert out != items
    return out


MIXED = _spec(METRICS, SLOS, THRESHOLDS)
MANY = _spec(TWENTY_METRICS, TWENTY, [])
CASES = {
    "an earlier SLO removed": (MIXED, _spec(METRICS, SLOS[1:], THRESHOLDS)),
    "SLOs reordered": (MIXED, _spec(METRICS, SLOS[::-1], THRESHOLDS)),
    "a threshold and its metric added first": (
        MIXED,
        _spec(
            {"backlog": "{selector: ledger_backlog, type: gauge, aggregation: sum}", **METRICS},
            SLOS,
            ["{name: BacklogHigh, metric: backlog, above: 50}", *THRESHOLDS],
        ),
    ),
    "an earlier threshold removed, the rest reordered": (MIXED, _spec(METRICS, SLOS, THRESHOLDS[:0:-1])),
    "twenty SLOs, the first removed": (MANY, _spec(TWENTY_METRICS, TWENTY[1:], [])),
    "twenty SLOs shuffled": (MANY, _spec(TWENTY_METRICS, _shuffled(TWENTY), [])),
}


class Compiled:
    """The generated files of one spec: alert rules, the service dashboard, the runbook pages."""

    def __init__(self, folder: Path, spec: str) -> None:
        folder.mkdir()
        (folder / "ledger.yaml").write_text(spec)
        bundle = compile_specs([str(folder)]).bundle
        self.files = {a.path: a.content for a in bundle.artifacts}
        data = yaml.safe_load(self.files[names.prometheus_rules_path("ledger")])
        self.rules = [r for g in data["groups"] for r in g["rules"] if "alert" in r]
        dashboard = json.loads(self.files[names.grafana_dashboard_path("books", "ledger", names.SERVICE_DASHBOARD)])
        self.panels: dict[int, dict[str, Any]] = {}
        self.row_of: dict[int, str] = {}  # panel id -> the title of the row it sits under
        row = ""
        for panel in dashboard["panels"]:
            assert panel["id"] not in self.panels, f"panel id {panel['id']} twice"
            self.panels[panel["id"]] = panel
            row = panel["title"] if panel["type"] == "row" else row
            self.row_of[panel["id"]] = row

    def opened(self) -> dict[str, int]:
        """The panel id each alert rule's dashboard_url opens, by alert name and labels."""
        out: dict[str, int] = {}
        for rule in self.rules:
            key = f"{rule['alert']} {json.dumps(rule.get('labels', {}), sort_keys=True)}"
            found = re.search(r"[?&]viewPanel=(\d+)", rule["annotations"]["dashboard_url"])
            assert found, rule["annotations"]["dashboard_url"]
            out[key] = int(found.group(1))
        return out


_VARIABLE_FILTER = re.compile(r',([A-Za-z_][A-Za-z0-9_]*)=~"\$\1"')


def check_agreement(compiled: Compiled) -> None:
    """Each alert's panel exists and shows what the alert measures; its runbook page opens the same panel."""
    compared = {
        r["alert"]: str(r["expr"]).rsplit(" ", 2)[0]  # `<compared> > 1000`: what the panel must plot
        for r in compiled.rules
        if "data" not in r.get("labels", {}) and not str(r["alert"]).startswith(("SLO", "Service"))
    }
    for rule in compiled.rules:
        alert, labels, notes = rule["alert"], rule.get("labels", {}), rule["annotations"]
        panel_id = int(re.search(r"viewPanel=(\d+)", notes["dashboard_url"]).group(1))  # type: ignore[union-attr]
        assert panel_id in compiled.panels, f"{alert} {labels}: no panel {panel_id}"
        assert 0 < panel_id < 2**31, panel_id
        row, panel = compiled.row_of[panel_id], compiled.panels[panel_id]
        if str(alert).startswith("SLO"):
            assert row.startswith(f"SLO {labels['slo']}:"), (alert, labels, row, panel["title"])
        elif alert in compared:
            assert row == "Threshold alerts", (alert, row)
            # filtered by a dashboard variable per `by:` label (`,topic=~"$topic"`), which the link sets
            plotted = [_VARIABLE_FILTER.sub("", t["expr"]) for t in panel["targets"]]
            assert plotted == [compared[alert]], alert
        else:
            assert row in ("Requests, errors, latency", "Saturation"), (alert, row)
        page = compiled.files[notes["runbook_url"]]
        assert f"viewPanel={panel_id}" in page, (alert, notes["runbook_url"])


@pytest.fixture(scope="module")
def originals(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Compiled]:
    """The two specs the cases change, compiled once and checked once."""
    out = {spec: Compiled(tmp_path_factory.mktemp("before") / "specs", spec) for spec in (MIXED, MANY)}
    for compiled in out.values():
        check_agreement(compiled)
    return out


@pytest.mark.parametrize("case", list(CASES))
def test_every_remaining_alert_opens_the_same_panel_showing_its_slo_or_metric(
    tmp_path: Path, originals: dict[str, Compiled], case: str
) -> None:
    before_spec, after_spec = CASES[case]
    before, after = originals[before_spec], Compiled(tmp_path / "after", after_spec)
    check_agreement(after)
    old, new = before.opened(), after.opened()
    kept = old.keys() & new.keys()
    assert len(kept) >= 20, sorted(kept)
    moved = {key: (old[key], new[key]) for key in sorted(kept) if old[key] != new[key]}
    assert not moved, moved
