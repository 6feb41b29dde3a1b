"""`within:` on a timestamp of a past event is a located warning; an expiry's is not.

A nightly ETL pushed to a Pushgateway and alerted "pushed within the last 26h" as `within: 26h` on
`push_time_seconds`. `within:` fires while the timestamp is less than 26h *ahead* of the clock, and a push time is
always behind it: replayed with promtool over two days of healthy nightly runs (round 37), `EtlNotPushed` fired from
its first evaluation to the end. It compiled without a word.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.cli_helpers import run_obsc
from tests.promtool_helpers import alert_fires
from tests.test_healthy_lines import PLATFORM  # one team, data

ETL = """\
apiVersion: obsc/v1
service: nightly-etl
team: data
selector: {job: nightly-etl}
targets: false
metrics:
  stamp: {selector: SERIES, type: gauge, unit: dateTimeAsIso}
threshold_alerts:
  - {name: EtlNotPushed, metric: stamp, within: 26h}
"""


def _run(tmp_path: Path, capsys: pytest.CaptureFixture[str], spec: str, command: str = "validate") -> tuple[int, str]:
    specs = tmp_path / "specs"
    specs.mkdir(exist_ok=True)
    (specs / "platform.yaml").write_text(PLATFORM)
    (specs / "etl.yaml").write_text(spec)
    args = [command, str(specs)]
    if command == "compile":
        args += ["--out", str(tmp_path / "out"), "--no-validate"]
    result = run_obsc(capsys, *args)
    return result.code, result.err


@pytest.mark.parametrize(
    "series",
    [
        "push_time_seconds",
        "push_failure_time_seconds",
        "process_start_time_seconds",
        "etl_last_success_timestamp_seconds",
        "backup_last_run_timestamp_seconds",
        "kube_pod_created",
    ],
)
@pytest.mark.parametrize("command", ["validate", "compile"])
def test_within_on_a_past_event_is_a_located_warning(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], series: str, command: str
) -> None:
    code, err = _run(tmp_path, capsys, ETL.replace("SERIES", series), command)
    assert code == 0, err
    assert "etl.yaml:9:49 $.threshold_alerts[0].within: warning: within: 26h fires while the soonest timestamp" in err
    assert f"{series} records when something happened" in err
    assert "sli: {last_success: stamp, max_age: 26h}" in err
    assert f"{{expr: 'time() - max({series}{{$selector}})', type: gauge, unit: s}} with above: 26h" in err


def test_a_freshness_slis_own_last_success_under_within_is_a_located_warning(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    spec = ETL.replace("SERIES", "etl_done_seconds") + (
        "slos:\n  - {name: fresh, objective: 95, period: 7d, sli: {last_success: stamp, max_age: 25h}}\n"
    )
    code, err = _run(tmp_path, capsys, spec)
    assert code == 0, err
    assert "$.threshold_alerts[0].within: warning: within: 26h fires while" in err
    assert "etl_done_seconds records when something happened" in err


@pytest.mark.parametrize(
    "series",
    [
        "probe_ssl_earliest_cert_expiry",
        "probe_ssl_last_chain_expiry_timestamp_seconds",  # `last_`, but an expiry: ahead of the clock
        "vault_token_not_after_seconds",
        "kube_cronjob_next_schedule_time",
        "cert_valid_until_seconds",
        # a past event's word, and a future one's that vetoes it (each word of the veto in turn)
        "token_last_update_expiry_timestamp_seconds",
        "cert_last_sync_not_after_seconds",
        "batch_last_run_next_timestamp_seconds",
        "invoice_last_change_due_timestamp_seconds",
    ],
)
def test_within_on_an_expiry_says_nothing(tmp_path: Path, capsys: pytest.CaptureFixture[str], series: str) -> None:
    code, err = _run(tmp_path, capsys, ETL.replace("SERIES", series))
    assert code == 0, err
    assert "within: warning" not in err, err


def test_the_warned_alert_fires_on_a_healthy_job_and_the_advice_does_not(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """promtool: a push an hour ago trips `within: 26h`; the advised age metric `above: 26h` stays quiet."""
    code, err = _run(tmp_path, capsys, ETL.replace("SERIES", "push_time_seconds"), "compile")
    assert code == 0, err
    rules = (tmp_path / "out" / "prometheus" / "rules" / "nightly-etl.yaml").read_text()
    pushed = {'push_time_seconds{job="nightly-etl",instance=""}': "3600x180"}  # pushed at 1:00, read until 3:00
    assert alert_fires(tmp_path, rules, "EtlNotPushed", pushed, eval_time="2h")
    advice = ETL.replace("SERIES", "push_time_seconds").replace(
        "  stamp: {selector: push_time_seconds, type: gauge, unit: dateTimeAsIso}\n",
        "  stamp: {expr: 'time() - max(push_time_seconds{$selector})', type: gauge, unit: s}\n",
    )
    code, err = _run(tmp_path, capsys, advice.replace("within: 26h", "above: 26h"), "compile")
    assert code == 0 and "within: warning" not in err, err
    rules = (tmp_path / "out" / "prometheus" / "rules" / "nightly-etl.yaml").read_text()
    assert not alert_fires(tmp_path, rules, "EtlNotPushed", pushed, eval_time="2h")


@pytest.mark.parametrize("line", ["above: 1700000000", "below: 1700000000"])  # a date: a span is refused (round 53)
def test_a_past_timestamp_under_another_line_says_nothing_of_within(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], line: str
) -> None:
    """Only `within:` reads the timestamp as ahead of the clock; another line on the same series is not its case."""
    code, err = _run(tmp_path, capsys, ETL.replace("SERIES", "push_time_seconds").replace("within: 26h", line))
    assert code == 0, err
    assert "fires while the soonest timestamp" not in err, err
