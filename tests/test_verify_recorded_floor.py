"""`obsc verify`'s event floor per group, on answers recorded from a real Prometheus 2.42 (round 40): the six hours of
four tenants of tests/e2e/test_verify_group_floor.py (busy 10 req/s, mid 0.05, quiet 0.01, idle 0) under the
platform's `min_bad_events: 100`, every request verify made and the server's answer in
tests/verify_recorded/floor40.json, replayed here without a server. Before round 40 the floor read the whole
SLO's mean (about 10 req/s, 36,000 in the 1h window) and said nothing of `quiet`, whose total outage holds 36
failures in 1h and pages only on the 6h/30m pair, 2h47m in. Re-record with the e2e test's `tenants_server`.
"""

from __future__ import annotations

import json
import urllib.parse
from pathlib import Path
from typing import Any

from compiler.verify import VerifyOptions, verify
from tests.e2e.test_verify_group_floor import FOUND, write_specs
from tests.fake_prometheus import serving

RECORDED = Path(__file__).parent / "verify_recorded" / "floor40.json"


def test_a_quiet_tenant_that_cannot_page_is_found_and_nothing_unrecorded_is_asked(tmp_path: Path) -> None:
    answers = {(e["path"], tuple(tuple(p) for p in e["params"])): e["data"] for e in json.loads(RECORDED.read_text())}
    unrecorded: list[str] = []

    def answer(path: str, query: str) -> Any:
        key = (path, tuple(sorted(urllib.parse.parse_qsl(query))))
        if key not in answers:
            unrecorded.append(f"{path}?{query}")
            return {"resultType": "vector", "result": []} if path == "/api/v1/query" else []
        return answers[key]

    write_specs(tmp_path)
    with serving(answer) as url:
        report = verify([str(tmp_path)], VerifyOptions(url, retries=0))
    found = [(f.location.line, f.path, f.message) for f in report.findings if "min_bad_events" in f.message]
    assert [(line, path) for line, path, _ in found] == [(9, ("slos", 0))], found
    assert found[0][2].startswith(FOUND[0]) and FOUND[1] in found[0][2] and found[0][2].endswith(FOUND[2])
    assert unrecorded == []
