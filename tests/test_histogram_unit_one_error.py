"""A histogram named in a unit that declares none is one error, and the SLI's threshold is checked in that unit:
read in seconds, a `_milliseconds` histogram's 100ms threshold was also told "not a bucket ... the nearest bucket
is 1s" (a second error, and a wrong hint), for the one missing `unit: ms`."""

from __future__ import annotations

from pathlib import Path

from tests.spec_errors import spec_errors

SPEC = """\
apiVersion: obsc/v1
service: orders-db
team: storage
selector: {{job: postgres}}
metrics:
  latency: {{selector: pg_query_duration_milliseconds, buckets: [1, 5, 10, 50, 100, 500]}}
slos:
  - {{name: query-latency, objective: 99.5, sli: {{latency: latency, threshold: {threshold}}}}}
alerts: {{latency_p99: false}}
"""


def _errors(tmp_path: Path, threshold: str) -> list[str]:
    return spec_errors(tmp_path, {"orders-db.yaml": SPEC.format(threshold=threshold)})


def test_the_missing_unit_is_the_one_error(tmp_path: Path) -> None:
    found = _errors(tmp_path, "100ms")
    assert len(found) == 1 and "declares no unit" in found[0], found


def test_a_threshold_off_the_buckets_is_told_in_the_names_unit(tmp_path: Path) -> None:
    found = _errors(tmp_path, "150ms")
    assert len(found) == 2, found
    assert "the nearest buckets are 100ms and 500ms" in found[1], found
