"""A gauge that averages 1-or-0 series (blackbox probes from several locations, `avg` of `probe_success`) is the
share of locations that succeed: its panels say so in percent. Round 46: a storefront probed from three regions
(`good_when: probe_ok >= 0.5`) showed two regions of three as "0.667" on a `short` axis, on the business panel,
on the SLO's gauge panel and on a threshold alert's panel; the line at 0.5 read as a bare number too."""

from __future__ import annotations

from pathlib import Path

from compiler.api import compile_specs
from tests.test_grafana_support import all_panels, service_dashboard

SPEC = """apiVersion: obsc/v1
service: storefront-probe
team: edge
selector: {job: blackbox, instance: "https://shop.example.com/"}
targets: false
metrics:
  probe_ok: {selector: probe_success, type: gauge, aggregation: avg}
  all_ok: {selector: probe_success, type: gauge, aggregation: min}
  dns_ok: {selector: probe_dns_lookup_time_seconds, type: gauge, aggregation: avg}
slos:
  - {name: reachable, objective: 99.5, sli: {good_when: probe_ok >= 0.5}}
threshold_alerts:
  - {name: ProbesFailing, metric: probe_ok, below: 0.9, for: 10m, tier: warning}
routing:
  critical: {webhook: {url: "http://relay:8080/page"}}
  warning: {webhook: {url: "http://relay:8080/ticket"}}
"""


def test_the_average_of_probes_is_plotted_as_a_share(tmp_path: Path) -> None:
    (tmp_path / "specs").mkdir()
    (tmp_path / "specs" / "probe.yaml").write_text(SPEC)
    board = service_dashboard(compile_specs([str(tmp_path / "specs")]), "storefront-probe")
    units = [(p["title"], p.get("fieldConfig", {}).get("defaults", {}).get("unit")) for p in all_panels(board)]
    # the business panel, the SLO's gauge against its line, the threshold alert's panel (titled as the metric)
    shares = sorted(unit for title, unit in units if title.startswith("probe_ok"))
    assert shares == ["percentunit"] * 3, units
    assert ("all_ok", "short") in units, units  # min of 0/1: every location at once, not a share
    assert ("dns_ok", "short") in units, units  # not a 0/1 series


def test_a_declared_unit_wins_over_the_share(tmp_path: Path) -> None:
    """The spec's own unit is kept (a hand mutant of round 46 plotting every probe average as a share passed every
    test): an exporter already scaling its average to 0-100 says `unit: percent`."""
    (tmp_path / "specs").mkdir()
    spec = SPEC.replace(
        "  all_ok:", "  probe_pct: {selector: probe_success, type: gauge, aggregation: avg, unit: percent}\n  all_ok:"
    )
    (tmp_path / "specs" / "probe.yaml").write_text(spec)
    board = service_dashboard(compile_specs([str(tmp_path / "specs")]), "storefront-probe")
    units = {(p["title"], p.get("fieldConfig", {}).get("defaults", {}).get("unit")) for p in all_panels(board)}
    assert ("probe_pct", "percent") in units, units
