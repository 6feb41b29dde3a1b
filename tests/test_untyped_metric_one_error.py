"""A metric whose `type:` is missing (a gauge not named like a counter) is one error: its readers skip it. A
threshold alert `above: 30s` on `lag: pg_replication_lag_seconds` was also told "'lag' is a counter: its
per-second rate (5m) is compared; write e.g. 2.5, 10/m or 100/h", the type obsc guessed and the error refused."""

from __future__ import annotations

from pathlib import Path

from tests.spec_errors import spec_errors

SPEC = """\
apiVersion: obsc/v1
service: orders-db
team: storage
selector: {{job: postgres}}
metrics:
  lag: {{selector: pg_replication_lag_seconds, aggregation: max, unit: s}}
threshold_alerts:
  - {{name: ReplicationLagHigh, metric: lag, {line}, for: 5m, tier: critical, by: [instance]}}
"""


def _errors(tmp_path: Path, line: str) -> list[str]:
    return spec_errors(tmp_path, {"orders-db.yaml": SPEC.format(line=line)})


def test_the_missing_type_is_the_one_error(tmp_path: Path) -> None:
    found = _errors(tmp_path, "above: 30s")
    assert len(found) == 1 and found[0].startswith("metrics.lag: pg_replication_lag_seconds is not named"), found


def test_the_alerts_own_mistakes_are_still_told(tmp_path: Path) -> None:
    found = _errors(tmp_path, "above: 30s, below: 1s")
    assert len(found) == 2 and "say exactly one of above" in found[1], found
