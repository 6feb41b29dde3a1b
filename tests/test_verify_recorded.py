"""`obsc verify` on recorded answers of a real Prometheus 2.42 (round 39): tests/verify_recorded/fleet39.json holds
every request verify made for the fleet of tests/e2e/fleet39.py and the server's answer (recorded once against
the live server; only runtimeinfo trimmed to its retention), replayed here without a server. Each mistake is
found at its spec line, the healthy service has nothing, and verify asks nothing the recording lacks.

The same checks against the live server: tests/e2e/test_verify_live_series.py. Re-record after changing a query:
run verify over `write_specs` against a server scraping `scrape_config` and dump each (path, params, data):
`python -m tests.e2e.record_fleet39 tests/verify_recorded/fleet39.json` (prometheus on PATH).
"""

from __future__ import annotations

import json
import urllib.parse
from pathlib import Path
from typing import Any

import pytest

from compiler.verify import Report, VerifyOptions, verify
from tests.e2e.fleet39 import FOUND, write_specs
from tests.fake_prometheus import serving

RECORDED = Path(__file__).parent / "verify_recorded" / "fleet39.json"


@pytest.fixture(scope="module")
def replayed(tmp_path_factory: pytest.TempPathFactory) -> tuple[Report, dict[str, Path], list[str], list[str]]:
    answers: dict[tuple[str, tuple[tuple[str, str], ...]], Any] = {
        (e["path"], tuple(tuple(p) for p in e["params"])): e["data"] for e in json.loads(RECORDED.read_text())
    }
    unrecorded: list[str] = []
    asked: list[str] = []

    def answer(path: str, query: str) -> Any:
        asked.append(path)
        key = (path, tuple(sorted(urllib.parse.parse_qsl(query))))
        if key not in answers:
            unrecorded.append(f"{path}?{query}")
            return {"resultType": "vector", "result": []} if path == "/api/v1/query" else []
        return answers[key]

    specs = tmp_path_factory.mktemp("recorded")
    paths = write_specs(specs)
    with serving(answer) as url:
        report = verify([str(specs)], VerifyOptions(url, retries=0))
    return report, paths, unrecorded, asked


def test_verify_asks_only_what_was_recorded(replayed: tuple[Report, dict[str, Path], list[str], list[str]]) -> None:
    assert replayed[2] == []


def test_the_healthy_service_has_nothing(replayed: tuple[Report, dict[str, Path], list[str], list[str]]) -> None:
    report, paths, _, _ = replayed
    assert [f.message for f in report.findings + report.notes if f.location.file == str(paths["cart"])] == []


@pytest.mark.parametrize("service, text, path, said", FOUND, ids=[f"{s}-{p[-1]}" for s, _, p, _ in FOUND])
def test_each_mistake_is_found_at_its_line(
    replayed: tuple[Report, dict[str, Path], list[str], list[str]],
    service: str,
    text: str,
    path: tuple[object, ...],
    said: str,
) -> None:
    report, paths, _, _ = replayed
    spec = paths[service]
    line = next(n for n, written in enumerate(spec.read_text().splitlines(), 1) if text in written)
    found = [(f.location.line, f.path) for f in report.findings if f.location.file == str(spec) and said in f.message]
    assert found == [(line, path)]


def test_the_fleet_of_12_services_costs_167_requests(
    replayed: tuple[Report, dict[str, Path], list[str], list[str]],
) -> None:
    """What verify asks, bounded: 167 requests for 12 services (87 before round 39, 127 before the SLO traffic
    floor asked each SLO's mean rate, 140 for 11 before the p99 of each service with p99 lines, one query for
    both windows, and the LLM service; 159 before round 40 asked the TYPE of each of the 7 metrics SLIs read with
    rate(), recorded from the same live server; 166 before round 41 asked the server's label names, once, to look
    for an HA pair's copies only where a replica label exists), each a count(...), one mean or a short list; only
    /api/v1/rules, the config, the runtime info, the metric names and the label names are asked once per run."""
    asked = replayed[3]
    assert len(asked) == 167
    once = [
        p
        for p in asked
        if p.startswith("/api/v1/status/") or p in ("/api/v1/rules", "/api/v1/label/__name__/values", "/api/v1/labels")
    ]
    assert sorted(once) == [
        "/api/v1/label/__name__/values",
        "/api/v1/labels",
        "/api/v1/rules",
        "/api/v1/status/config",
        "/api/v1/status/runtimeinfo",
    ]
