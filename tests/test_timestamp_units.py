"""Timestamps in milliseconds (found by a hunt): `within:` and freshness compare with `time()`, in seconds.
A `unit: ms` gauge compared as it was read an expired token as decades away, and a sync hours late as fresh.
Inputs are written here by hand; the compiled rules run in promtool."""

from __future__ import annotations

from pathlib import Path

import pytest

from compiler.api import compile_specs
from compiler.errors import InputError
from tests.promtool_helpers import rules_read_by
from tests.test_sli_semantics import ROUTING, _firing, _promtool, _rules

VAULT = """apiVersion: obsc/v1
service: vault
team: core
selector: {job: vault}
metrics:
  requests: vault_requests_total
  token_expiry: {selector: vault_token_expire_time_ms, type: gauge, unit: ms}
  last_sync: {selector: vault_last_sync_timestamp_ms, type: gauge, unit: ms, aggregation: max}
slos: [{name: sync-fresh, objective: 99, sli: {last_success: last_sync, max_age: 2h}}]
threshold_alerts: [{name: VaultTokenExpiring, metric: token_expiry, within: 2d, tier: critical}]
"""


def test_a_millisecond_expiry_fires_within_its_line(tmp_path: Path) -> None:
    rules = _rules(tmp_path, "vault", VAULT)
    # the token expires at 1d (86,400,000 ms): less than 2d left from the start, so it fires after its 5m hold
    series = {'vault_token_expire_time_ms{job="vault"}': "86400000x30", 'up{job="vault"}': "1x30"}
    report = _promtool(tmp_path, rules, "vault", series, [_firing("VaultTokenExpiring", "10m", 1)])
    assert report == ""


def test_a_millisecond_expiry_far_away_stays_quiet(tmp_path: Path) -> None:
    rules = _rules(tmp_path, "vault", VAULT)
    series = {'vault_token_expire_time_ms{job="vault"}': "864000000x30", 'up{job="vault"}': "1x30"}  # 10d
    report = _promtool(tmp_path, rules, "vault", series, [_firing("VaultTokenExpiring", "10m", 0)])
    assert report == ""


def test_a_millisecond_last_success_goes_stale_after_max_age(tmp_path: Path) -> None:
    rules = _rules(tmp_path, "vault", VAULT)
    # only the alert checked: 4h30m of steps through the SLO's burn windows and the key alerts were nearly all of it
    rules.write_text(rules_read_by(rules.read_text(), alert=lambda rule: rule["alert"] == "SLOFreshnessStale"))
    # the last sync at 1h (3,600,000 ms): fresh at 1h30m; at 4h30m it is 1h30m past max_age (2h)
    series = {'vault_last_sync_timestamp_ms{job="vault"}': "3600000x300", 'up{job="vault"}': "1x300"}
    checks = [_firing("SLOFreshnessStale", "90m", 0), _firing("SLOFreshnessStale", "270m", 1)]
    assert _promtool(tmp_path, rules, "vault", series, checks) == ""


@pytest.mark.parametrize(
    ("metric", "said"),
    [
        ("{selector: cert_expiry_ms, type: gauge}", "declare unit: ms"),
        ("{selector: cert_expiry_milliseconds, type: gauge, unit: s}", "declare unit: ms"),
        ("{selector: cert_expiry, type: gauge, unit: bytes}", "unit 'bytes'"),
    ],
)
def test_a_timestamp_that_cannot_be_read_in_seconds_is_refused(tmp_path: Path, metric: str, said: str) -> None:
    spec = f"""apiVersion: obsc/v1
service: certs
team: core
selector: {{job: certs}}
metrics: {{expiry: {metric}}}
threshold_alerts: [{{name: CertExpiring, metric: expiry, within: 14d}}]
"""
    (tmp_path / "certs.yaml").write_text(spec + ROUTING)
    with pytest.raises(InputError) as raised:
        compile_specs([str(tmp_path)])
    assert said in str(raised.value)
