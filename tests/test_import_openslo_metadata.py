"""An OpenSLO SLO's labels (but `team`, its owner) and annotations are reported with what they are and what obsc
has instead (round 44): "obsc has no equivalent of this field" sent a reader looking for a field that does not
exist, while an SLO's `labels:` and `annotations:` are what puts them on obsc's alerts. An SLO skipped for a
reason said where it lies lists only that reason: its team label and the good/total of a gauge ratio were
listed as "no equivalent" too, more reasons that were none."""

from __future__ import annotations

from pathlib import Path

from compiler.importers import ImportOptions, import_specs

SOURCE = """\
apiVersion: openslo/v1
kind: SLO
metadata:
  name: checkout-availability
  labels: {team: payments, tier: ["1"], env: prod}
  annotations: {openslo.com/runbook: "https://wiki.example.com/checkout"}
spec:
  service: checkout
  indicator:
    metadata: {name: checkout-errors}
    spec:
      ratioMetric:
        counter: COUNTER
        bad: {metricSource: {type: Prometheus, spec: {query: 'http_requests_total{job="checkout",code="500"}'}}}
        total: {metricSource: {type: Prometheus, spec: {query: 'http_requests_total{job="checkout"}'}}}
  timeWindow: [{duration: 28d, isRolling: true}]
  budgetingMethod: Occurrences
  objectives: [{target: 0.999}]
"""


def _source(tmp_path: Path, counter: str) -> str:
    path = tmp_path / "slo.yaml"
    path.write_text(SOURCE.replace("COUNTER", counter))
    return str(path)


def test_labels_and_annotations_say_what_obsc_has_instead(tmp_path: Path) -> None:
    imported = import_specs("openslo", [_source(tmp_path, "true")], ImportOptions())
    dropped = {".".join(map(str, d.path)): (d.location.line, d.message) for d in imported.dropped}
    assert set(dropped) == {"metadata.labels.tier", "metadata.labels.env", "metadata.annotations.openslo.com/runbook"}
    assert all("no equivalent" not in message for _, message in dropped.values())
    assert dropped["metadata.labels.env"] == (
        5,
        "not carried over: OpenSLO labels categorize the SLO (the spec's examples: organization, costCentre, "
        "serviceTier) and are not put on alerts; obsc's SLO labels are (add it under the SLO's labels: to route "
        "or silence on it)",
    )
    assert "under the SLO's annotations:" in dropped["metadata.annotations.openslo.com/runbook"][1]
    assert "team: payments" in imported.specs["checkout.yaml"]


def test_a_skipped_slo_lists_only_the_reason_it_was_skipped(tmp_path: Path) -> None:
    imported = import_specs("openslo", [_source(tmp_path, "false")], ImportOptions())
    assert not imported.specs  # `obsc import` lists `dropped` as the reasons nothing was imported
    said = [".".join(map(str, d.path)) for d in imported.dropped]
    assert said == ["spec.indicator.spec.ratioMetric.counter"]
