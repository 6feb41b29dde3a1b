"""A firing threshold alert whose metric vanishes hands over to its missing-data twin without a gap (found by a
hunt, round 25). The twin fires after max(for, 10m) without series; the alert kept firing 10 minutes after
the series went (its last value of 5m, then keep_firing_for). With a longer hold the page resolved between
the two, as if the lag had caught up, and paged again as missing data: a 15m hold left 5 minutes, a 1h
certificate warning 50. And the twin itself resolved at each answer of an exporter in a crash loop and paged
again a hold later; it keeps firing 5 minutes too. Inputs written here by hand, 1m steps; `stale` where the
exporter goes."""

from __future__ import annotations

from pathlib import Path

from tests.test_sli_semantics import _firing, _promtool, _rules

SPEC = """apiVersion: obsc/v1
service: ingest
team: core
selector: {job: ingest}
metrics:
  lag: {selector: 'kafka_consumergroup_lag{group="ingest"}', service_selector: false, type: gauge, aggregation: sum}
  cert: {selector: 'probe_ssl_earliest_cert_expiry{instance="kafka:9093"}', service_selector: false, type: gauge}
  rebalancing: {selector: 'kafka_rebalancing{group="ingest"}', service_selector: false, type: gauge, aggregation: max}
threshold_alerts:
  - {name: LagCritical, metric: lag, above: 50000, for: 15m, tier: critical}
  - {name: CertExpiring, metric: cert, within: 14d, for: 1h}
  - {name: Rebalancing, metric: rebalancing, above: 0, for: 15m, tier: info, missing: ignore}
"""


def test_a_page_whose_exporter_dies_stays_one_page(tmp_path: Path) -> None:
    rules = _rules(tmp_path, "ingest", SPEC)
    series = {'kafka_consumergroup_lag{group="ingest",topic="orders"}': "60000x40 stale"}
    # fires at 15m; the exporter goes at 41m: the page, then its missing-data twin, with no minute between
    checks = [_firing("LagCritical", f"{m}m", 1) for m in range(16, 90)]
    assert _promtool(tmp_path, rules, "ingest", series, checks) == ""


def test_a_certificate_warning_whose_probe_stops_stays_one_warning(tmp_path: Path) -> None:
    rules = _rules(tmp_path, "ingest", SPEC)
    expiry = " ".join(str(86400 + 60 * m) for m in range(91)) + " stale"  # a day left; the probe goes at 91m
    series = {'probe_ssl_earliest_cert_expiry{instance="kafka:9093"}': expiry}
    checks = [_firing("CertExpiring", f"{m}m", 1) for m in range(61, 240, 3)]
    assert _promtool(tmp_path, rules, "ingest", series, checks) == ""


def test_a_metric_that_vanishes_when_all_is_well_still_ends_its_alert(tmp_path: Path) -> None:
    # missing: ignore, so its going is the recovery: read 5 minutes, kept firing 5 more, as before
    rules = _rules(tmp_path, "ingest", SPEC)
    series = {'kafka_rebalancing{group="ingest"}': "1x30 stale"}
    checks = [_firing("Rebalancing", "30m", 1), _firing("Rebalancing", "41m", 0)]
    assert _promtool(tmp_path, rules, "ingest", series, checks) == ""


def test_an_exporter_in_a_crash_loop_is_one_missing_data_page(tmp_path: Path) -> None:
    # one good scrape (a healthy lag) every 20 minutes, failed otherwise: the twin (held 15m) resolved at each
    # and paged again 16 minutes later, six pages in two hours for one broken exporter
    rules = _rules(tmp_path, "ingest", SPEC)
    series = {'kafka_consumergroup_lag{group="ingest",topic="orders"}': " ".join((["10"] + ["stale"] * 19) * 7)}
    checks = [_firing("LagCritical", f"{m}m", 1) for m in range(16, 140)]
    assert _promtool(tmp_path, rules, "ingest", series, checks) == ""
