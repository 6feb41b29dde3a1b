"""SLODataMissing names late samples among its causes where it reads a 5m rate.

Live (Prometheus 2.42 + Alertmanager 0.25, round 48, the meshed-and-queued fleet at 1m scrapes): every sample
arriving 4m20s late (remote-write lag) on a healthy fleet ticketed SLODataMissing for each rate SLO, saying only
"a renamed or dropped metric, a changed selector or relabelling": the series were there, the 5m rate held one
sample of them. A time-slice or freshness SLI reads its gauge as it is, so lag is not its cause.
"""

from __future__ import annotations

import pytest

from compiler.api import CompileOptions, compile_specs
from compiler.model.types import SliKind
from compiler.targets.prometheus.slo_missing import data_missing_text

PLATFORM = """\
apiVersion: obsc/v1
kind: Platform
teams:
  web:
    routing:
      critical: {webhook: {url: "https://hooks.example.com/web-page"}}
      warning: {webhook: {url: "https://hooks.example.com/web-ticket"}}
"""

SPEC = """\
apiVersion: obsc/v1
service: shop
team: web
selector: {job: shop}
metrics:
  requests: http_requests_total
  errors: http_requests_total{code=~"5.."}
  latency: {selector: http_request_duration_seconds, unit: s}
  ready: {selector: shop_ready, type: gauge, aggregation: min}
slos:
  - {name: availability, objective: 99.9, sli: {errors: errors, total: requests}}
  - {name: latency, objective: 99, sli: {latency: latency, threshold: 500ms}}
  - {name: ready, objective: 99.9, sli: {good_when: ready == 1}}
"""


@pytest.fixture(scope="module")
def descriptions(tmp_path_factory: pytest.TempPathFactory) -> dict[SliKind, str]:
    specs = tmp_path_factory.mktemp("late") / "specs"
    specs.mkdir()
    (specs / "platform.yaml").write_text(PLATFORM)
    (specs / "shop.yaml").write_text(SPEC)
    service = compile_specs([str(specs)], CompileOptions()).fleet.services[0]
    return {slo.sli.kind: data_missing_text(service, slo)[1] for slo in service.slos}


@pytest.mark.parametrize("kind", [SliKind.RATIO, SliKind.LATENCY])
def test_a_rate_slis_missing_data_names_late_samples(descriptions: dict[SliKind, str], kind: SliKind) -> None:
    text = descriptions[kind]
    assert "arriving too late for a 5m rate to hold two" in text
    assert "remote-write, agent or federation lag past 5m less a scrape interval" in text
    assert "a renamed or dropped metric" in text  # still the first cause


def test_a_time_slice_slis_missing_data_does_not(descriptions: dict[SliKind, str]) -> None:
    assert "late" not in descriptions[SliKind.TIME_SLICE]
