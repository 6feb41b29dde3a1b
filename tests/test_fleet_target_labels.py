"""Which labels the fleet's targets carry on `up`: the platform's `defaults.target_labels`, and `pod` never.

A ledger service selected `{job: ledger, namespace: finance}`: obsc guessed `namespace` onto `up`, right under
Kubernetes service discovery and wrong under a static or file-SD scrape config, whose `up` has only job and
instance. ServiceDown read `up{job="ledger",namespace="finance"}`, matched nothing and paged with every target up
(promtool, round 37), and nothing said so. Left out under Kubernetes, the other way wrong: staging's ledger up
hid finance's down. Only the platform knows which; `pod` is never a service's `up` label (pods come and go).
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
  finance:
    routing:
      critical: {webhook: {url: "https://pager.example.com/finance"}}
      warning: {webhook: {url: "https://tickets.example.com/finance"}}
"""
LEDGER = """\
apiVersion: obsc/v1
service: ledger
team: finance
selector: {job: ledger, namespace: finance}
metrics:
  requests: ledger_requests_total
  errors: ledger_requests_total{code=~"5.."}
slos:
  - {name: availability, objective: 99.9, sli: {errors: errors, total: requests}}
"""
STATIC = "  target_labels: []\n"  # a static or file-SD scrape config: job and instance only
KUBERNETES = "  target_labels: [namespace, service]\n"
REQUESTS = 'ledger_requests_total{job="ledger",instance="10.1.0.7:9100",namespace="finance"}'


def _compile(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], spec: str, fleet: str | None = None
) -> tuple[int, str, str]:
    platform = PLATFORM if fleet is None else f"{PLATFORM}defaults:\n{fleet}"
    return compile_one(capsys, tmp_path, platform, "ledger", spec, "--no-validate")


def test_a_static_fleet_reads_up_without_namespace(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """promtool: guessed onto `up`, a static target's healthy ledger paged (ServiceDown at 30m)."""
    code, err, rules = _compile(tmp_path, capsys, LEDGER, STATIC)
    assert code == 0, err
    assert '(sum(up{job="ledger"}) or vector(0)) == 0' in rules
    assert "ledger.yaml:4:25 $.selector.namespace: warning: 'namespace' is not among the labels this fleet's" in err
    assert "(defaults.target_labels: [], besides job and instance)" in err
    healthy = {'up{job="ledger",instance="10.1.0.7:9100"}': "1+0x60", REQUESTS: "0+60x60"}
    assert not alert_fires(tmp_path, rules, "ServiceDown", healthy, eval_time="30m")
    down = {'up{job="ledger",instance="10.1.0.7:9100"}': "0+0x60", REQUESTS: "0+0x60"}
    assert alert_fires(tmp_path, rules, "ServiceDown", down, eval_time="30m")


def test_a_kubernetes_fleet_keeps_namespace_on_up(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """promtool: finance's ledger down pages while staging's, the same job in another namespace, is up."""
    code, err, rules = _compile(tmp_path, capsys, LEDGER, KUBERNETES)
    assert code == 0, err
    assert '(sum(up{job="ledger",namespace="finance"}) or vector(0)) == 0' in rules
    assert "$.selector" not in err
    series = {
        'up{job="ledger",instance="10.1.0.7:9100",namespace="finance"}': "0+0x60",
        'up{job="ledger",instance="10.2.0.9:9100",namespace="staging"}': "1+0x60",
        REQUESTS: "0+0x60",
    }
    assert alert_fires(tmp_path, rules, "ServiceDown", series, eval_time="30m")


def test_an_unsaid_fleet_warns_at_the_guessed_label(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """The guess stays (rules byte-identical), but it is said where it is made, with both ways to settle it."""
    code, err, rules = _compile(tmp_path, capsys, LEDGER)
    assert code == 0, err
    assert '(sum(up{job="ledger",namespace="finance"}) or vector(0)) == 0' in rules
    assert "ledger.yaml:4:25 $.selector.namespace: warning: 'namespace' is read on `up` as a guess" in err
    assert "in the platform's defaults.target_labels ([namespace] under Kubernetes, [] for static" in err
    assert "or targets: {job: ledger} in this spec" in err


@pytest.mark.parametrize("fleet", [None, STATIC, KUBERNETES, "  target_labels: [pod]\n"])
def test_pod_is_never_read_on_a_services_up(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], fleet: str | None
) -> None:
    """promtool: read on `up`, the pod's name paged after a rollout with the new pod up."""
    spec = LEDGER.replace("{job: ledger, namespace: finance}", "{job: ledger, pod: ledger-7c9d5-x2x4q}")
    code, err, rules = _compile(tmp_path, capsys, spec, fleet)
    assert code == 0, err
    assert '(sum(up{job="ledger"}) or vector(0)) == 0' in rules
    assert "ledger.yaml:4:25 $.selector.pod: warning: 'pod' names one pod, and pods come and go" in err
    rolled = {
        'up{job="ledger",instance="10.1.0.8:9100",pod="ledger-7c9d5-q8m2z"}': "1+0x60",
        'ledger_requests_total{job="ledger",pod="ledger-7c9d5-q8m2z"}': "0+60x60",
    }
    assert not alert_fires(tmp_path, rules, "ServiceDown", rolled, eval_time="30m")


def test_a_fleet_that_lists_service_reads_it_on_up(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Round 36 left `service` out of `up` unless `targets:` said; the platform saying so is enough."""
    spec = LEDGER.replace("{job: ledger, namespace: finance}", "{namespace: finance, service: ledger}")
    code, err, rules = _compile(tmp_path, capsys, spec, KUBERNETES)
    assert code == 0, err
    assert '(sum(up{namespace="finance",service="ledger"}) or vector(0)) == 0' in rules
    assert "$.selector" not in err


def test_no_selector_label_on_the_fleets_up_is_a_located_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    spec = LEDGER.replace("{job: ledger, namespace: finance}", "{cluster: eu-1, deployment: ledger}")
    code, err, rules = _compile(tmp_path, capsys, spec, STATIC)
    assert code == 2 and rules == "", err
    assert "ledger.yaml:4:11 $.selector: cannot tell which labels the scrape targets carry: none of the " in err
    assert "(cluster, deployment) is among the labels this fleet's targets carry (job, instance and " in err
    assert "defaults.target_labels: [])" in err
    assert "Traceback" not in err


def test_a_label_name_that_cannot_be_is_a_located_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, err, rules = _compile(tmp_path, capsys, LEDGER, "  target_labels: [namespace, kubernetes-namespace]\n")
    assert code == 2 and rules == "", err
    assert "platform.yaml:9:" in err and "$.defaults.target_labels[1]" in err, err
    assert "Traceback" not in err


def test_a_targets_declaration_wins_over_the_fleet(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    spec = LEDGER.replace(
        "selector: {job: ledger, namespace: finance}\n",
        "selector: {job: ledger, namespace: finance}\ntargets: {job: ledger, namespace: finance}\n",
    )
    code, err, rules = _compile(tmp_path, capsys, spec, STATIC)
    assert code == 0, err
    assert '(sum(up{job="ledger",namespace="finance"}) or vector(0)) == 0' in rules
    assert "$.selector" not in err


@pytest.mark.parametrize(("fleet", "split"), [(STATIC, False), ("  target_labels: [region]\n", True), (None, True)])
def test_servicedown_splits_by_a_label_only_the_fleets_up_carries(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], fleet: str | None, split: bool
) -> None:
    """A static fleet's `up` has no `region`: split by it, ServiceDown's group branch read one group, the whole
    service again, and the vanished-group watch compared `up` with itself; `-v` says the group is unwatched."""
    spec = LEDGER.replace("{job: ledger, namespace: finance}", "{job: ledger}").replace(
        "objective: 99.9,", "objective: 99.9, by: [region],"
    )
    code, err, rules = _compile(tmp_path, capsys, spec, fleet)
    assert code == 0, err
    assert ('sum by (region) (up{job="ledger",region!=""}) == 0' in rules) is split
    assert ("group by (region) (up{" in rules) is split


def test_a_declared_fleet_still_splits_by_job(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Prometheus puts job and instance on every `up`, whichever labels the platform lists: a service of two jobs in
    one namespace, split by job, is watched per job under a declared fleet too."""
    two_jobs = "selector: {namespace: finance}\ntargets: {namespace: finance}\n"
    spec = LEDGER.replace("selector: {job: ledger, namespace: finance}\n", two_jobs).replace(
        "objective: 99.9,", "objective: 99.9, by: [job],"
    )
    code, err, rules = _compile(tmp_path, capsys, spec, "  target_labels: [namespace]\n")
    assert code == 0, err
    assert 'sum by (job) (up{namespace="finance",job!=""}) == 0' in rules


def test_a_declared_fleet_reads_instance_on_up(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A one-host service named by its instance: Prometheus sets instance on every `up`, listed or not."""
    spec = LEDGER.replace("{job: ledger, namespace: finance}", "{job: ledger, instance: 'db-1:9187'}")
    code, err, rules = _compile(tmp_path, capsys, spec, STATIC)
    assert code == 0, err
    assert '(sum(up{instance="db-1:9187",job="ledger"}) or vector(0)) == 0' in rules
    assert "$.selector" not in err


def test_the_round_36_error_names_the_platform_setting(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """`service` alone asked only for `targets:` in each spec; a Kubernetes fleet can say it once."""
    spec = LEDGER.replace("{job: ledger, namespace: finance}", "{namespace: finance, service: ledger}")
    code, err, rules = _compile(tmp_path, capsys, spec)
    assert code == 2 and rules == "", err
    assert "(or list it in the platform's defaults.target_labels if every target of the fleet carries it)" in err


def test_the_fleets_labels_are_named_in_order(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """The setting as the message names it is the same whatever order the platform lists it in."""
    code, err, _ = _compile(tmp_path, capsys, LEDGER, "  target_labels: [zone, rack, cluster, site, datacenter]\n")
    assert code == 0, err
    assert "(defaults.target_labels: [cluster, datacenter, rack, site, zone], besides job and instance)" in err
