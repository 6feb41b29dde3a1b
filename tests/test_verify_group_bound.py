"""What `obsc verify` asks once a `by:` is past the group bound (compiler/verify/group_bound.py), on a fake Prometheus
that answers the count of `request_id`'s values with 100,000 and of `route`'s with 3.

On a real Prometheus 2.42 holding 100,000 series of a request id (5 minutes of history), the per-group event
floor's query read every series at the day's 288 steps: 14 s for the `by: [route]` SLO over that total and 28 s
for the `by: [request_id]` one (its answer 100,000 series), past verify's default 5 s timeout: verify exited 5,
"cannot reach Prometheus: timed out", and said nothing of the bomb (55 s in all with --timeout 120). Past the bound
no SLO over that total asks it; verify then took 15 s with the default timeout and found the bomb. The
bound itself on a real server: tests/e2e/test_verify_group_bound.py."""

from __future__ import annotations

import urllib.parse
from pathlib import Path
from typing import Any

from compiler.verify import VerifyOptions, verify
from tests.fake_prometheus import serving
from tests.platform_text import sink_platform

SPEC = """\
apiVersion: obsc/v1
service: api
team: t
selector: {job: api}
targets: false
metrics:
  requests: api_requests_total
  errors: 'api_requests_total{code=~"5.."}'
  other: other_requests_total
  other_errors: 'other_requests_total{code=~"5.."}'
alerts: {error_rate: false, traffic_anomaly: false, traffic_milestone: false}
slos:
  - {name: per-route, objective: 99.9, by: [route], sli: {errors: errors, total: requests}}
  - {name: per-request, objective: 99.9, by: [request_id], sli: {errors: errors, total: requests}}
  - {name: other, objective: 99.9, by: [route], sli: {errors: other_errors, total: other}}
"""


def test_past_the_bound_no_slo_over_that_total_asks_the_per_group_floor(tmp_path: Path) -> None:
    floors: list[str] = []

    def answer(path: str, query: str) -> Any:
        if path != "/api/v1/query":
            return {"groups": []} if path == "/api/v1/rules" else []
        expr = urllib.parse.parse_qs(query)["query"][0]
        if expr.startswith("sum_over_time("):
            floors.append(expr)
        value = "100000" if "count by (request_id)" in expr else "3" if "count by (route)" in expr else "1"
        return {"resultType": "vector", "result": [{"metric": {}, "value": [0, value]}]}

    (tmp_path / "platform.yaml").write_text(sink_platform())
    (tmp_path / "api.yaml").write_text(SPEC)
    with serving(answer) as url:
        report = verify([str(tmp_path)], VerifyOptions(url, retries=0))
    bound = [(f.path, f.message) for f in report.findings if "max_groups" in f.message]
    assert [path for path, _ in bound] == [("slos", 1, "by", 0)], bound
    assert bound[0][1].startswith("SLO 'per-request': `request_id` makes 100,000 groups in the last 1h"), bound
    # the other SLO over its own total still asks its floor; none over api_requests_total does
    assert len(floors) == 1 and "other_requests_total" in floors[0], floors


def test_two_labels_each_under_the_bound_are_counted_together(tmp_path: Path) -> None:
    """300 routes and 300 tenants are each under the bound; together they make 90,000 groups."""
    counts = {"count by (route, tenant)": "90000", "count by (route)": "300", "count by (tenant)": "200"}

    def answer(path: str, query: str) -> Any:
        if path != "/api/v1/query":
            return {"groups": []} if path == "/api/v1/rules" else []
        expr = urllib.parse.parse_qs(query)["query"][0]
        value = next((v for k, v in counts.items() if k in expr), "1")
        return {"resultType": "vector", "result": [{"metric": {}, "value": [0, value]}]}

    (tmp_path / "platform.yaml").write_text(sink_platform())
    (tmp_path / "api.yaml").write_text(SPEC.split("slos:")[0] + "slos:\n" + PAIR)
    with serving(answer) as url:
        report = verify([str(tmp_path)], VerifyOptions(url, retries=0))
    bound = [(f.path, f.message) for f in report.findings if "max_groups" in f.message]
    assert [path for path, _ in bound] == [("slos", 0, "by", 0)], bound
    assert bound[0][1].startswith(
        "SLO 'pairs': by: [route, tenant] (`route` has 300 values) makes 90,000 groups in the last 1h, past obsc's "
        "default bound of 500 groups"
    ), bound


PAIR = "  - {name: pairs, objective: 99.9, by: [route, tenant], sli: {errors: errors, total: requests}}\n"


def test_at_the_bound_is_within_it_and_one_past_it_is_a_finding(tmp_path: Path) -> None:
    """500 request ids are the default bound's 500 groups, not past it; 501 are, for an SLO and a threshold alert
    alike (`<=` read as `<`, hand mutants of round 44, passed every test)."""
    found = []
    for ids in (500, 501):

        def answer(path: str, query: str, ids: int = ids) -> Any:
            if path != "/api/v1/query":
                return {"groups": []} if path == "/api/v1/rules" else []
            expr = urllib.parse.parse_qs(query)["query"][0]
            value = str(ids) if "count by (request_id)" in expr else "1"
            return {"resultType": "vector", "result": [{"metric": {}, "value": [0, value]}]}

        (tmp_path / "platform.yaml").write_text(sink_platform())
        (tmp_path / "api.yaml").write_text(SPEC.split("slos:")[0] + "slos:\n" + ONE_ID)
        with serving(answer) as url:
            report = verify([str(tmp_path)], VerifyOptions(url, retries=0))
        found.append([f.path for f in report.findings if "max_groups" in f.message])
    assert found == [[], [("slos", 0, "by", 0), ("threshold_alerts", 0, "by", 0)]], found


ONE_ID = (
    "  - {name: per-request, objective: 99.9, by: [request_id], sli: {errors: errors, total: requests}}\n"
    "threshold_alerts:\n  - {name: SlowRequests, metric: requests, above: 100, tier: warning, by: [request_id]}\n"
)
