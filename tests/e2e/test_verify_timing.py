"""`obsc verify` against a real Prometheus 2.42 on how often the service is really scraped and its rules
evaluated (round 30): a job configured slower than the platform's `slo_alerts.scrape_interval`, a target
whose samples are spaced wider than it (its job relabelled, so the config does not name it), and obsc's loaded
groups evaluated less often than their alerts' holds or than the lookback delta while another group reads
their records, each a finding at the platform setting or the service."""

from __future__ import annotations

import urllib.parse
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from compiler.api import CompileOptions, compile_specs
from compiler.verify import VerifyOptions, verify_specs
from tests.conftest import require_tool
from tests.e2e.servers import exporter, get_json, prometheus, wait_until

EXPOSITION = """\
# TYPE shop_requests_total counter
shop_requests_total{code="200"} 1000
shop_requests_total{code="500"} 3
"""
PLATFORM = """\
apiVersion: obsc/v1
kind: Platform
receivers: {{sink: {{webhook: {{url: "http://127.0.0.1:9/"}}}}}}
alertmanager: {{default_receiver: sink}}
{defaults}"""
SPEC = """\
apiVersion: obsc/v1
service: {service}
team: shop
selector: {{job: {service}}}
metrics:
  requests: shop_requests_total
  errors: shop_requests_total{{code=~"5.."}}
slos:
  - {{name: availability, objective: 99.5, sli: {{errors: errors, total: requests}}}}
"""
DECLARED_2S = "defaults:\n  slo_alerts:\n    scrape_interval: 2s\n"


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """Job `shop` scraped every 3s; job `agent` every 3s with its targets relabelled `job="cart"`; obsc's rules
    for shop loaded, its groups evaluated every 6m (the global evaluation_interval) but the coarse one (5m, its
    own interval)."""
    binary = require_tool("prometheus")
    work = tmp_path_factory.mktemp("verify-timing")

    _specs(work, "")
    rules = work / "rules"
    rules.mkdir()
    artifact = compile_specs([str(work)], CompileOptions(jobs=1)).bundle.get("prometheus/rules/shop.yaml")
    assert artifact is not None
    (rules / "shop.yaml").write_text(artifact.content)
    with exporter(lambda: EXPOSITION) as address:
        target = f"static_configs: [{{targets: ['{address}']}}]"
        config = work / "prometheus.yml"
        config.write_text(
            "global: {scrape_interval: 1s, evaluation_interval: 6m}\n"
            f"rule_files: ['{rules}/*.yaml']\n"
            "scrape_configs:\n"
            f"  - {{job_name: shop, scrape_interval: 3s, {target}}}\n"
            f"  - {{job_name: agent, scrape_interval: 3s, {target},\n"
            "     relabel_configs: [{target_label: job, replacement: cart}]}\n"
        )
        with prometheus(binary, config, work / "tsdb", work, ["--storage.tsdb.retention.time=30d"]) as prom:
            query = urllib.parse.quote('count(count_over_time(up{job=~"shop|cart"}[1m]) >= 4) == 2')
            wait_until(
                lambda: get_json(f"{prom.url}/api/v1/query?query={query}")["data"]["result"],
                40,
                what="four scrapes of each job",
            )
            yield prom.url


def _specs(tmp: Path, defaults: str, services: tuple[str, ...] = ("shop",)) -> Path:
    platform = tmp / "platform.yaml"
    platform.write_text(PLATFORM.format(defaults=defaults))
    for service in services:
        (tmp / f"{service}.yaml").write_text(SPEC.format(service=service))
    return platform


def _line(path: Path, text: str) -> int:
    return next(n for n, line in enumerate(path.read_text().splitlines(), 1) if text in line)


def _timing(findings: list[Any]) -> list[Any]:
    return [f for f in findings if "scrape interval" in f.message or "is evaluated every" in f.message]


def test_a_job_scraped_slower_than_declared_is_found_at_the_platform_setting(server: str, tmp_path: Path) -> None:
    platform = _specs(tmp_path, DECLARED_2S)
    findings = [f for f in _timing(verify_specs([str(tmp_path)], VerifyOptions(server))) if "scrape" in f.message]
    assert [(f.location.file, f.location.line, f.path) for f in findings] == [
        (str(platform), _line(platform, "scrape_interval: 2s"), ("defaults", "slo_alerts", "scrape_interval"))
    ]
    assert findings[0].message.startswith(
        "service 'shop': job 'shop' is scraped every 3s (its scrape_interval, /api/v1/status/config), slower than "
        "the declared scrape interval (2s, slo_alerts.scrape_interval)"
    )


def test_samples_spaced_wider_than_declared_are_found_when_the_config_does_not_name_the_job(
    server: str, tmp_path: Path
) -> None:
    """`cart`'s targets come from job_name `agent` (relabelled): only the spacing of its samples tells."""
    platform = _specs(tmp_path, DECLARED_2S, ("cart",))
    findings = [f for f in _timing(verify_specs([str(tmp_path)], VerifyOptions(server))) if "scrape" in f.message]
    assert [(f.location.line, f.path) for f in findings] == [
        (_line(platform, "scrape_interval: 2s"), ("defaults", "slo_alerts", "scrape_interval"))
    ]
    assert "service 'cart': job 'cart' is 127.0.0.1:" in findings[0].message
    assert "sampled every 3s (the median spacing of its up samples)" in findings[0].message


def test_targets_scraped_faster_than_the_default_1m_are_no_finding(server: str, tmp_path: Path) -> None:
    """Scraped every 3s against obsc's default 1m: nothing to say about scrapes."""
    _specs(tmp_path, "", ("shop", "cart"))
    findings = verify_specs([str(tmp_path)], VerifyOptions(server))
    assert [f for f in findings if "scrape interval" in f.message] == []


def test_groups_evaluated_less_often_than_their_holds_are_found_at_the_service(server: str, tmp_path: Path) -> None:
    _specs(tmp_path, "")
    findings = [f for f in _timing(verify_specs([str(tmp_path)], VerifyOptions(server))) if "evaluated" in f.message]
    spec = tmp_path / "shop.yaml"
    assert {(f.location.file, f.path) for f in findings} == {(str(spec), ("service",))}
    assert any(
        f.message.startswith("loaded group obsc-shop-slo is evaluated every 6m, longer than the holds of ")
        and "SLOErrorBudgetBurnFast (for: 2m)" in f.message
        for f in findings
    ), [f.message for f in findings]


def test_records_read_across_groups_and_older_than_the_lookback_delta_are_found(server: str, tmp_path: Path) -> None:
    """The SLO group every 6m, the server's lookback delta 5m: the coarse group's slow-burn tickets read its 2h and
    6h ratios, absent one minute in six: an evaluation there restarts the ticket's 15m hold (never met from a
    10m interval on)."""
    _specs(tmp_path, "")
    findings = [f for f in verify_specs([str(tmp_path)], VerifyOptions(server)) if "lookback delta" in f.message]
    # (the key group's request rate is read by the coarse group too, but over 1h and 7d ranges: no finding)
    assert [(f.location.file, f.path) for f in findings] == [(str(tmp_path / "shop.yaml"), ("service",))]
    assert findings[0].message.startswith(
        "loaded group obsc-shop-slo is evaluated every 6m, longer than the server's lookback delta (5m, "
        "--query.lookback-delta): its records read as absent between evaluations where read as an instant value "
        "(or over a range shorter than 6m), and SLOErrorBudgetBurnSlow, ServiceDown, slo:sli_burst_over:bool of "
        "obsc-shop-coarse, obsc-shop-key read them so"  # ServiceDown is held into the page pairs (round 48)
    )
