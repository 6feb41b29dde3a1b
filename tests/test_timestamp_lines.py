"""`above:`/`below:` a span of time on a gauge holding a Unix timestamp (round 53, a thirteenth fleet nobody here
wrote).

A newcomer's cert-manager spec read `certmanager_certificate_expiration_timestamp_seconds` with `below: 14d`: it
compiled to `... < 1209600`, a date in January 1970, which no certificate's expiry is ever below. Replayed below with
promtool on the old code's rule, a certificate 3 days from expiry raised nothing, while `within: 14d` fires. Now the
line is refused at its place, saying what reads the time left or an age."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from compiler.cli import cli
from compiler.errors import InputError
from tests.conftest import require_tool
from tests.platform_text import sink_platform
from tests.test_sli_semantics import _firing, _promtool, _rules

CERTS = """apiVersion: obsc/v1
service: certs
team: core
selector: {job: cert-manager}
alerts: {traffic_anomaly: false}
metrics:
  expiry: {selector: certmanager_certificate_expiration_timestamp_seconds, type: gauge, aggregation: min, unit: s}
  probe_expiry: {selector: probe_ssl_earliest_cert_expiry, type: gauge, aggregation: min}
  started: {selector: kube_pod_start_time, type: gauge, aggregation: max}
  not_after: {selector: x509_cert_not_after, type: gauge, aggregation: min, unit: dateTimeAsIso}
  age: {expr: 'time() - max(process_start_time_seconds{$selector})', type: gauge, unit: s}
threshold_alerts:
"""


def _alert(metric: str, line: str) -> str:
    return f"  - {{name: CertLine, metric: {metric}, {line}, for: 1h}}\n"


def _compile(tmp_path: Path, spec: str) -> tuple[int, str]:
    specs = tmp_path / "specs"
    specs.mkdir()
    (specs / "platform.yaml").write_text(sink_platform())
    (specs / "certs.yaml").write_text(spec)
    done = CliRunner().invoke(cli, ["compile", str(specs), "--out", str(tmp_path / "out"), "--no-validate"])
    if isinstance(done.exception, InputError):  # the entry point prints it and exits 2
        return 2, str(done.exception)
    return done.exit_code, done.output


@pytest.mark.parametrize(
    ("metric", "line", "said"),
    [
        ("expiry", "below: 14d", "below: 14d compares the date with 1209600 and never fires"),
        ("probe_expiry", "below: 336h", "reads probe_ssl_earliest_cert_expiry, a Unix timestamp"),
        ("expiry", "below: 1209600", "for time left until it, write within: 1209600s"),  # review54: its comma
        ("started", "above: 30m", "above: 30m compares the date with 1800 and fires at every evaluation"),
        ("not_after", "below: 7d", "reads x509_cert_not_after, a Unix timestamp"),
    ],
    ids=["cert-manager", "blackbox", "bare-seconds", "kube-start-time", "date-unit"],
)
def test_a_span_compared_with_a_timestamp_is_refused_at_its_line(
    tmp_path: Path, metric: str, line: str, said: str
) -> None:
    code, output = _compile(tmp_path, CERTS + _alert(metric, line))
    assert code == 2, output
    assert f"{tmp_path / 'specs' / 'certs.yaml'}:13:" in output and "$.threshold_alerts[0]." in output, output
    assert said in output, output
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize(
    ("metric", "line"),
    [("expiry", "within: 14d"), ("expiry", "below: 1"), ("age", "above: 30d"), ("expiry", "above: 1700000000")],
    ids=["within", "never-set", "an-age", "a-date"],
)
def test_time_left_an_age_a_sentinel_or_a_date_compile(tmp_path: Path, metric: str, line: str) -> None:
    code, output = _compile(tmp_path, CERTS + _alert(metric, line))
    assert code == 0, output


def test_a_certificate_days_from_expiry_fires_within_and_not_the_span(tmp_path: Path) -> None:
    """Why the line is refused, replayed on the rule the old code wrote for it: `below: 14d` was `< 1209600`. A
    certificate 3 days from expiry fires `within: 14d` after its hour (promtool's clock starts at 0: notAfter is
    259200); the old rule reads the date itself, which on a real clock is 1.7e9 + 259200, and never fired."""
    require_tool("promtool")
    (tmp_path / "platform.yaml").write_text(sink_platform())
    rules = _rules(tmp_path, "certs", CERTS + _alert("expiry", "within: 14d"))
    old = rules.read_text().replace("- time() < 1209600", " < 1209600")
    assert old != rules.read_text()
    series = {
        'up{job="cert-manager"}': "1x150",
        'certmanager_certificate_expiration_timestamp_seconds{job="cert-manager",name="web"}': "259200x150",
    }
    assert _promtool(tmp_path, rules, "certs", series, [_firing("CertLine", "140m", 1)]) == ""
    (tmp_path / "old.yaml").write_text(old)
    real = 'certmanager_certificate_expiration_timestamp_seconds{job="cert-manager",name="web"}'
    series[real] = "1700259200x150"
    assert _promtool(tmp_path, tmp_path / "old.yaml", "certs", series, [_firing("CertLine", "140m", 0)]) == ""


EXTRA = (
    "  created: {selector: kube_pod_created, type: gauge, aggregation: max}\n"
    "  built: {selector: app_build_info_date, type: gauge, aggregation: max, unit: dateTimeAsIso}\n"
    "  expiry_ms: {selector: app_cert_not_after, type: gauge, aggregation: min, unit: ms}\n"
    "  backup: {selector: backup_last_success_timestamp_seconds, type: gauge, aggregation: max, unit: s}\n"
)


@pytest.mark.parametrize(
    ("metric", "line", "said"),
    [
        ("created", "above: 30m", "reads kube_pod_created, a Unix timestamp"),  # OpenMetrics' `_created`
        ("built", "above: 30d", "reads app_build_info_date, a Unix timestamp"),  # said by its date unit alone
        ("expiry_ms", "below: 1209600000", "compares the date with 1209600000 and never fires; for time left until"),
        ("expiry_ms", "below: 1209600000", "write within: 1209600s"),  # the span in seconds, from milliseconds
        ("expiry_ms", "below: 14d", "compares the date with 1209600000 and never fires"),  # the span in its unit
        ("backup", "above: 1d", "or an SLO with sli: {last_success: backup, max_age: 1d}"),
    ],
    ids=["created", "date-unit-only", "ms-bare", "ms-bare-span", "ms-spelled", "last-success"],
)
def test_each_way_a_gauge_is_a_timestamp_and_its_line_in_its_unit(
    tmp_path: Path, metric: str, line: str, said: str
) -> None:
    """review54: the `_created` name, the date unit alone, a millisecond timestamp's bound and spans, and a last
    success's SLO advice each passed every test with its branch cut."""
    code, output = _compile(
        tmp_path, CERTS.replace("threshold_alerts:", EXTRA + "threshold_alerts:") + _alert(metric, line)
    )
    assert code == 2, output
    assert said in output, output
