"""Found by a routing hunt: pages that went nowhere without a word, and inputs read other than as written.

- a team without a fallback receiver (no default_receiver): its hand-written pages reached obsc-unrouted,
  with no warning and no routing-test row saying so;
- `--format prometheus-operator`: the operator's default matcher strategy adds a namespace matcher that no
  obsc alert matches; nothing said so outside a docstring;
- documents after the first in platform.yaml were ignored;
- two secret files folded into one operator Secret key.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
import yaml

from compiler import conventions as names
from compiler.api import CompileOptions, load_fleet
from compiler.errors import InputError
from compiler.targets.alertmanager.operator import ANNOTATION_REQUIRES
from compiler.toolcheck.amtool_routes import load_cases
from tests.cli_helpers import run_obsc
from tests.conftest import require_tool

# The hunter's fleet: a team listed without routing, no default receiver; the service routes inline.
PLATFORM = """\
apiVersion: obsc/v1
kind: Platform
grafana_url: https://graf.corp.example
runbook_url: https://wiki.corp.example/rb/{path}
secrets: {team_root: "/s/am/t-{team}/", shared_root: /s/am/shared/}
teams:
  alpha: {}
"""
SPEC = """\
apiVersion: obsc/v1
service: alpha-web
team: alpha
selector: {job: aw}
metrics: {requests: r_total, errors: 'r_total{e="1"}'}
slos: [{name: a, objective: 99, sli: {errors: errors, total: requests}}]
routing:
  critical: {pagerduty: {routing_key_file: /s/am/t-alpha/pd}}
  warning: {webhook: {url: "https://t.corp.example/alpha"}}
"""


def _fleet_dir(root: Path, platform: str = PLATFORM, spec: str = SPEC) -> Path:
    root.mkdir(parents=True, exist_ok=True)
    (root / "platform.yaml").write_text(platform)
    (root / "a.yaml").write_text(spec)
    return root


def _errors(root: Path) -> list[str]:
    with pytest.raises(InputError) as caught:
        load_fleet([str(root)], CompileOptions(), {})
    return [str(d).replace(str(root) + "/", "") for d in caught.value.diagnostics]


def _amtool_route(config: Path, labels: dict[str, str]) -> str:
    amtool = require_tool("amtool", "AMTOOL")
    args = [f"{k}={v}" for k, v in sorted(labels.items())]
    out = subprocess.run(
        [amtool, "config", "routes", "test", f"--config.file={config}", *args],
        capture_output=True,
        text=True,
        check=True,
        timeout=30,
    )
    return out.stdout.strip()


# ---------------------------------------------------------------- 1. no default receiver


def test_a_team_whose_pages_reach_nobody_is_warned_about_and_tested(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """compile used to exit 0 in silence, and routing-tests.yaml had no (team alpha) critical row at all."""
    monkeypatch.chdir(tmp_path)
    _fleet_dir(tmp_path / "specs")
    result = run_obsc(capsys, "compile", "specs", "--out", "out")  # validated: amtool replays every row
    assert result.code == 0, result.err
    warnings = [line for line in result.err.splitlines() if line.startswith("obsc: warning:")]
    assert warnings == [
        "obsc: warning: team 'alpha' (specs/platform.yaml:7:3): alerts with team=alpha that no spec routes (a "
        "mixin's or hand-written rule) notify nobody at severity critical and warning: set routing.critical and "
        "routing.warning in teams.alpha, or platform defaults.routing, or alertmanager.default_receiver in "
        "specs/platform.yaml",
        "obsc: warning: alerts without a known team (a cluster or mixin alert such as KubeNodeNotReady) notify "
        "nobody: set alertmanager.default_receiver in specs/platform.yaml",
    ]
    cases = load_cases((tmp_path / "out" / names.ROUTING_TESTS).read_text())
    fallback = {c.alert: c.receivers for c in cases if c.service == "(team alpha)"}
    assert fallback == {
        "severity=critical": (names.UNROUTED_RECEIVER,),
        "severity=warning": (names.UNROUTED_RECEIVER,),
        "severity=info": (names.UNROUTED_RECEIVER,),
        "no severity": (names.UNROUTED_RECEIVER,),
    }
    config = tmp_path / "out" / names.ALERTMANAGER_CONFIG
    crashloop = {"team": "alpha", "severity": "critical", "alertname": "KubePodCrashLooping"}
    assert _amtool_route(config, crashloop) == names.UNROUTED_RECEIVER  # what the row and the warning say


def test_a_team_with_tickets_but_no_pager_is_told_where_its_pages_go(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A critical alert with only team=X falls to the team branch's own receiver (its ticket receiver): the
    row says so, amtool agrees, and the warning names it."""
    monkeypatch.chdir(tmp_path)
    platform = PLATFORM.replace(
        "  alpha: {}\n", '  alpha:\n    routing: {warning: {webhook: {url: "https://t.corp.example/tix"}}}\n'
    )
    _fleet_dir(tmp_path / "specs", platform)
    result = run_obsc(capsys, "compile", "specs", "--out", "out")
    assert result.code == 0, result.err
    assert (
        "obsc: warning: team 'alpha' (specs/platform.yaml:7:3): alerts with team=alpha that no spec routes (a "
        "mixin's or hand-written rule) go to 'team-alpha-warning' at severity critical: set routing.critical in "
        "teams.alpha, or platform defaults.routing, or alertmanager.default_receiver in specs/platform.yaml"
    ) in result.err.splitlines()
    cases = load_cases((tmp_path / "out" / names.ROUTING_TESTS).read_text())
    critical = [c for c in cases if c.service == "(team alpha)" and c.alert == "severity=critical"]
    assert [c.receivers for c in critical] == [("team-alpha-warning",)]
    config = tmp_path / "out" / names.ALERTMANAGER_CONFIG
    assert _amtool_route(config, {"team": "alpha", "severity": "critical"}) == "team-alpha-warning"


def test_a_fleet_with_a_default_receiver_gets_no_such_warning(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    platform = PLATFORM + (
        'receivers: {noc: {webhook: {url: "https://noc.corp.example/in"}}}\nalertmanager: {default_receiver: noc}\n'
    )
    _fleet_dir(tmp_path / "specs", platform)
    result = run_obsc(capsys, "compile", "specs", "--out", "out", "--no-validate")
    assert result.code == 0 and "warning" not in result.err, result.err


# ---------------------------------------------------------------- 2. the operator's matcher strategy


def test_operator_objects_and_compile_say_what_the_alertmanager_must_set(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Under the default OnNamespace strategy no obsc alert (none carries `namespace`) matches a generated
    AlertmanagerConfig: each object says what the Alertmanager resource needs, and the compile warns."""
    monkeypatch.chdir(tmp_path)
    platform = PLATFORM + (
        'receivers: {noc: {webhook: {url: "https://noc.corp.example/in"}}}\nalertmanager: {default_receiver: noc}\n'
    )
    _fleet_dir(tmp_path / "specs", platform)
    result = run_obsc(capsys, "compile", "specs", "--out", "out", "--no-validate", "--format", "prometheus-operator")
    assert result.code == 0, result.err
    needed = "spec.alertmanagerConfigMatcherStrategy.type to None"
    warnings = [line for line in result.err.splitlines() if line.startswith("obsc: warning:")]
    assert len(warnings) == 1 and needed in warnings[0] and "alertmanager/operator/" in warnings[0]
    config = yaml.safe_load((tmp_path / "out/alertmanager/operator/alpha.yaml").read_text())
    assert needed in config["metadata"]["annotations"][ANNOTATION_REQUIRES]
    rules = (tmp_path / "out/prometheus/operator/alpha-web.yaml").read_text()
    assert "namespace" not in rules  # why the setting is needed: no alert could match a namespace matcher
    plain = run_obsc(capsys, "compile", "specs", "--out", "plain", "--no-validate")
    assert plain.code == 0 and "alertmanagerConfigMatcherStrategy" not in plain.err


# ---------------------------------------------------------------- 4. one document in platform.yaml


def test_a_second_document_in_the_platform_file_is_refused_where_it_starts(tmp_path: Path) -> None:
    """It was read by nothing: a service written there got no rules, routes or tests, and compile said
    '1 service(s)'."""
    hidden = SPEC.replace("alpha-web", "hidden-svc").replace("job: aw", "job: hs")
    root = _fleet_dir(tmp_path, PLATFORM + "---\n" + hidden)
    assert _errors(root) == [
        "platform.yaml:9:1 $: the platform file holds 2 documents; only one, the Platform, is read: move the "
        "others (service specs) into spec files of their own"
    ]


# ---------------------------------------------------------------- 5. one Secret key for two files


def test_two_secret_files_that_fold_into_one_operator_key_are_refused(tmp_path: Path) -> None:
    """`pd/key` and `pd key` were both key `pd-key` of Secret t-alpha: the PagerDuty routing key would have
    been sent as the ticket webhook's Bearer token."""
    spec = SPEC.replace("/s/am/t-alpha/pd}", "/s/am/t-alpha/pd/key}").replace(
        'url: "https://t.corp.example/alpha"}',
        'url: "https://t.corp.example/alpha", credentials_file: "/s/am/t-alpha/pd key"}',
    )
    root = _fleet_dir(tmp_path, spec=spec)
    assert _errors(root) == [
        "a.yaml:9:3 $.routing.warning.webhook.credentials_file: secret files '/s/am/t-alpha/pd/key' (at "
        "a.yaml:8:3) and '/s/am/t-alpha/pd key' are one key with --format prometheus-operator (key "
        "'pd-key' of Secret 't-alpha'), so one secret would be used for both; rename one of the files (a Secret "
        "key keeps only letters, digits, '-', '.' and '_')"
    ]


def test_the_same_secret_file_twice_and_files_of_different_secrets_are_fine(tmp_path: Path) -> None:
    platform = PLATFORM.replace(
        "  alpha: {}\n",
        "  alpha: {routing: {info: {webhook: {url: 'https://t.corp.example/d', credentials_file: /s/am/t-alpha/pd}}}}\n"
        "  beta: {routing: {critical: {pagerduty: {routing_key_file: /s/am/t-beta/pd}}}}\n",
    )
    root = _fleet_dir(tmp_path, platform)
    fleet, _ = load_fleet([str(root)], CompileOptions(), {})
    assert [s.name for s in fleet.services] == ["alpha-web"]
