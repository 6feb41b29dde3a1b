"""An SLO split by a label that churns (instance, pod, container, node) does not split ServiceDown.

ServiceDown also fires per group of a target label an SLO is split by (a region all down while another serves).
Split by `pod`, that was a page for one pod of three crash-looping while the other two served every request; split
by `instance`, the compile failed its own tests (exit 1, "promtool rejected the generated rules": its cases tell
targets apart by `instance`), so such a spec could not be compiled at all (round 37 fleet hunt). The SLO's own
burn alerts stay per group; ServiceDown is the service's, as for a metric label.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.cli_helpers import compile_one
from tests.promtool_helpers import alert_fires
from tests.test_group_down import API, PLATFORM  # one team, service api: an SLO split `by: [BY]`


def _compile(tmp_path: Path, capsys: pytest.CaptureFixture[str], label: str, *extra: str) -> tuple[int, str, str]:
    return compile_one(capsys, tmp_path, PLATFORM, "api", API.replace("BY", label), *extra)


@pytest.mark.parametrize("label", ["instance", "pod", "container", "node"])
def test_a_split_by_a_churning_label_compiles_and_keeps_service_down_whole(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], label: str
) -> None:
    code, err, rules = _compile(tmp_path, capsys, label)  # the compile's own promtool tests run
    assert code == 0, err
    assert '"down_group", "' not in rules  # no group branch (its label_replace mark); the held page names down_group=""
    assert f"sum by ({label}" in rules  # the SLO itself stays per group


def _pods(down: tuple[str, ...]) -> dict[str, str]:
    series = {}
    for pod in ("api-1", "api-2", "api-3"):
        up = "1x30 0x60" if pod in down else "1x90"
        series[f'up{{job="api",instance="10.0.0.{pod[-1]}:8080",pod="{pod}"}}'] = up
        served = "0+100x30 _x60" if pod in down else "0+100x90"
        series[f'http_requests_total{{job="api",instance="10.0.0.{pod[-1]}:8080",pod="{pod}",code="200"}}'] = served
    return series


def test_one_pod_down_while_others_serve_does_not_page(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, err, rules = _compile(tmp_path, capsys, "pod", "--no-validate")
    assert code == 0, err
    assert not alert_fires(tmp_path, rules, "ServiceDown", _pods(("api-2",)), eval_time="1h")
    assert alert_fires(tmp_path, rules, "ServiceDown", _pods(("api-1", "api-2", "api-3")), eval_time="1h")


def test_a_service_nothing_scrapes_watches_no_group_of_up(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """`targets: false` has no `up`: split by region, its SLODataMissing would read the whole fleet's
    `up{region!=""}` and ticket for any other service's region gone."""
    spec = API.replace("BY", "region").replace("selector: {job: api}\n", "selector: {job: api}\ntargets: false\n")
    code, err, rules = compile_one(capsys, tmp_path, PLATFORM, "api", spec)
    assert code == 0, err
    assert "up{" not in rules
