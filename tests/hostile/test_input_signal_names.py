"""Threshold alerts whose recorded signals take one name must record one expression.

Found by a hunt (round 40, a hostile contributor in a shared repository): alerts on one metric share the recording
of their signal by its name (`service:<metric>:<aggregation>[_rate<w>][_by_<labels>][_seconds][_<digest>]`), and
two other alerts could spell one name: `by: [a, b]` ends in a digest of the list that a single label can copy
(`by: [a_b_<digest>]`), and a `within:` alert on a millisecond timestamp ends in `_seconds` as `by: [x_seconds]`
does. obsc wrote the first alert's recording for both and exit 0; the second alert compared the first one's
grouping (or seconds against a line in milliseconds), and its generated promtool tests passed, reading the same
recording. A reviewer of the spec sees two plausible alerts.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest
import yaml

from tests.cli_helpers import run_obsc

PLATFORM = """\
apiVersion: obsc/v1
kind: Platform
secrets: {team_root: "/etc/alertmanager/secrets/team-{team}/", team_spec_dir: "teams/{team}/"}
teams:
  alpha: {routing: {critical: {webhook: {url: "https://hooks.example/alpha"}}, warning: {webhook: {url: "https://hooks.example/alpha"}}}}
"""

SPEC = """\
apiVersion: obsc/v1
service: cart
team: alpha
description: x
selector: {{job: cart}}
metrics:
  requests: http_requests_total
  depth: {{selector: queue_depth, type: gauge, aggregation: max}}
  expiry: {{selector: cert_expiry_ms, type: gauge, unit: ms, aggregation: min}}
threshold_alerts:
  - {first}
  - {second}
"""

DIGEST = hashlib.sha256(b"queue,shard").hexdigest()[:6]
# (first alert, second alert, the name both would record): the spellings the hunt found
SHARED = {
    "digest": (
        "{name: DepthHigh, metric: depth, above: 100, by: [queue, shard]}",
        f"{{name: DepthJoined, metric: depth, above: 1000, by: [queue_shard_{DIGEST}]}}",
        f"service:depth:max_by_queue_shard_{DIGEST}",
    ),
    "seconds": (
        "{name: CertSoon, metric: expiry, within: 14d, by: [host]}",
        "{name: CertStale, metric: expiry, below: 1000000, by: [host_seconds]}",
        "service:expiry:min_by_host_seconds",
    ),
}


def _compile(tmp_path: Path, capsys: pytest.CaptureFixture[str], first: str, second: str) -> tuple[int, str, Path]:
    specs, out = tmp_path / "specs", tmp_path / "out"
    (specs / "teams" / "alpha").mkdir(parents=True)
    (specs / "platform.yaml").write_text(PLATFORM)
    (specs / "teams" / "alpha" / "cart.yaml").write_text(SPEC.format(first=first, second=second))
    result = run_obsc(capsys, "compile", str(specs), "--out", str(out), "--no-validate")
    return result.code, result.err, out


@pytest.mark.parametrize("shape", sorted(SHARED))
def test_two_recordings_under_one_name_are_a_located_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], shape: str
) -> None:
    first, second, name = SHARED[shape]
    code, err, out = _compile(tmp_path, capsys, first, second)
    assert code == 2, err
    spec = tmp_path / "specs" / "teams" / "alpha" / "cart.yaml"
    assert f"{spec}:12:" in err and "$.threshold_alerts[1].by: threshold alert" in err, err
    assert f"would record its signal as {name}, which" in err and "(line 11, " in err, err
    assert err.count("threshold alert") == 1 and err.endswith("obsc: 1 error; nothing was written\n"), err
    assert not out.exists()


def test_alerts_of_one_expression_still_share_its_recording(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Tiers of one signal (a warning and a page over the same grouping) keep sharing one rule."""
    first = "{name: DepthHigh, metric: depth, above: 100, by: [queue, shard]}"
    second = "{name: DepthCritical, metric: depth, above: 5000, tier: critical, by: [queue, shard]}"
    code, err, out = _compile(tmp_path, capsys, first, second)
    assert code == 0, err
    groups = yaml.safe_load((out / "prometheus" / "rules" / "cart.yaml").read_text())["groups"]
    records = [r["record"] for g in groups for r in g["rules"] if r.get("record", "").startswith("service:depth:")]
    assert records == [f"service:depth:max_by_queue_shard_{DIGEST}"]
