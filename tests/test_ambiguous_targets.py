"""A selector label that may be an app's own tag is not read on `up` unless the spec says the targets carry it.

A Spring Boot API selected `{job: billing-api, service: billing-api}`: Micrometer writes `service` on its series,
and a static scrape config gives `up` only job and instance. `service` was taken as a usual target label, so
ServiceDown read `up{job="billing-api",service="billing-api"}`, matched nothing and paged from its first
evaluation with every target up (promtool, round 36), and nothing said so. Under a ServiceMonitor the target's
`service` label is on `up`: `targets:` says that.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.cli_helpers import compile_one
from tests.promtool_helpers import alert_fires

PLATFORM = """\
apiVersion: obsc/v1
kind: Platform
teams:
  payments:
    routing:
      critical: {webhook: {url: "https://pager.example.com/payments"}}
      warning: {webhook: {url: "https://tickets.example.com/payments"}}
"""
BILLING = """\
apiVersion: obsc/v1
service: billing-api
team: payments
selector: {job: billing-api, service: billing-api}
metrics:
  requests: http_server_requests_seconds_count
  errors: http_server_requests_seconds_count{outcome="SERVER_ERROR"}
slos:
  - {name: availability, objective: 99.5, sli: {errors: errors, total: requests}}
"""


def _compile(tmp_path: Path, capsys: pytest.CaptureFixture[str], spec: str) -> tuple[int, str, str]:
    return compile_one(capsys, tmp_path, PLATFORM, "billing-api", spec, "--no-validate")


def test_an_apps_own_service_tag_is_not_read_on_up(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, err, rules = _compile(tmp_path, capsys, BILLING)
    assert code == 0, err
    assert '(sum(up{job="billing-api"}) or vector(0)) == 0' in rules
    assert 'up{job="billing-api",service=' not in rules
    assert "billing-api.yaml:4:30 $.selector.service: warning: 'service' is put on scrape targets by Kubernetes" in err
    assert "declare targets: {job: billing-api, service: billing-api}, or targets: {job: billing-api}" in err


@pytest.mark.parametrize("label", ["service", "app", "env", "environment"])
def test_a_service_named_only_by_an_ambiguous_label_is_a_located_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], label: str
) -> None:
    spec = BILLING.replace("{job: billing-api, service: billing-api}", f"{{namespace: pay, {label}: billing-api}}")
    code, err, rules = _compile(tmp_path, capsys, spec)
    assert code == 2, err
    assert rules == ""
    assert "billing-api.yaml:4:11 $.selector: cannot tell which labels the scrape targets carry" in err
    written = ", ".join(sorted(["namespace: pay", f"{label}: billing-api"]))
    assert f"declare targets: {{{written}}} if the targets carry it" in err
    assert "Traceback" not in err


def test_targets_declared_keep_the_label_on_up(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    spec = BILLING.replace(
        "selector: {job: billing-api, service: billing-api}\n",
        "selector: {job: billing-api, service: billing-api}\ntargets: {job: billing-api, service: billing-api}\n",
    )
    code, err, rules = _compile(tmp_path, capsys, spec)
    assert code == 0, err
    assert '(sum(up{job="billing-api",service="billing-api"}) or vector(0)) == 0' in rules
    assert "$.selector" not in err


@pytest.mark.parametrize(
    "up",
    [
        'up{job="billing-api",instance="10.0.0.1:8080"}',  # a static scrape config: job and instance only
        'up{job="billing-api",instance="10.0.0.1:8080",namespace="pay",service="billing-api"}',  # a ServiceMonitor
    ],
    ids=["static-scrape", "service-monitor"],
)
def test_service_down_is_quiet_with_every_target_up(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], up: str
) -> None:
    """promtool: the static scrape's healthy target paged from the first evaluation on (ServiceDown at 30m)."""
    code, err, rules = _compile(tmp_path, capsys, BILLING)
    assert code == 0, err
    metric = 'http_server_requests_seconds_count{job="billing-api",instance="10.0.0.1:8080",service="billing-api"}'
    healthy = {up: "1+0x60", metric: "0+600x60"}
    assert not alert_fires(tmp_path, rules, "ServiceDown", healthy, eval_time="30m")
    down = {up: "0+0x60", metric: "0+0x60"}
    assert alert_fires(tmp_path, rules, "ServiceDown", down, eval_time="30m")


def test_two_ambiguous_labels_are_named_together(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    spec = BILLING.replace("{job: billing-api, service: billing-api}", "{app: billing-api, env: prod}")
    code, err, rules = _compile(tmp_path, capsys, spec)
    assert code == 2 and rules == "", err
    assert "$.selector: cannot tell which labels the scrape targets carry: 'app', 'env' are put on scrape" in err, err
    assert "declare targets: {app: billing-api, env: prod} if the targets carry it" in err, err
