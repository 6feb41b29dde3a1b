"""A total outage where no `up` shows the service die pages SLOTrafficStopped (round 38).

Before, an OpenTelemetry cart behind a collector (`targets: {job: otel-collector}`: the collector's `up` stays 1)
and an ingress with `targets: false` both down for 40 minutes got SLODataMissing tickets and no page. Now a
critical SLO of such a service (`targets: false`, or `targets_via:` naming a relay) pages when its events stop
entirely for 10m (held 5m) while it was busy around this time yesterday and a week ago. Replayed with promtool
over eight days at 5m steps: the crash pages; a night-idle service, a service closed on Sundays, a renamed
metric's first week, and a ramp-down while events still come stay quiet; the relay itself down is ServiceDown's.
A directly scraped service gets no such rule: its ServiceDown pages (one outage, one page).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from unittest import mock

import pytest
import yaml

from tests import test_prometheus_mutations as sweep
from tests.cli_helpers import run_obsc
from tests.promtool_helpers import promtool_report

STOPPED = 'ALERTS{alertname="SLOTrafficStopped", alertstate="firing"}'
DAY, HOUR, STEP = 1440, 60, 5  # minutes; samples every STEP minutes
END = 8 * DAY
CRASH = 7 * DAY + 12 * HOUR  # day 7, 12:00 (a Sunday when day 0 is one)
PLATFORM = """apiVersion: obsc/v1
kind: Platform
runbook_url: https://runbooks.example.com/{path}
defaults: {period: 30d}
teams:
  shop:
    routing:
      critical: {webhook: {url: "https://page.example.com/shop"}}
      warning: {webhook: {url: "https://tickets.example.com/shop"}}
"""
SERVICE = """apiVersion: obsc/v1
service: %(name)s
team: shop
selector: {%(selector)s}
%(targets)s
metrics:
  requests: {selector: '%(metric)s', type: counter}
  errors: {selector: '%(metric)s{code=~"5.."}', type: counter}
slos:
  - name: availability
    objective: 99.5
    sli: {errors: errors, total: requests}
"""
Rate = Callable[[int], float | None]  # minute -> requests a second, None: no series


def _spec(name: str, targets: str, metric: str = "http_requests_total", selector: str = "") -> str:
    return SERVICE % {"name": name, "selector": selector or f"job: {name}", "targets": targets, "metric": metric}


def _compile(tmp_path: Path, capsys: pytest.CaptureFixture[str], specs: dict[str, str], *extra: str) -> Path:
    (tmp_path / "specs").mkdir()
    (tmp_path / "specs/platform.yaml").write_text(PLATFORM)
    for name, text in specs.items():
        (tmp_path / "specs" / f"{name}.yaml").write_text(text)
    result = run_obsc(capsys, "compile", str(tmp_path / "specs"), "--out", str(tmp_path / "out"), *extra)
    assert result.code == 0, result.err
    return tmp_path / "out"


def _stopped_rules(tmp_path: Path, capsys: pytest.CaptureFixture[str], name: str, spec: str) -> list[dict[str, object]]:
    """The service's SLOTrafficStopped rules, alone in tmp_path/stopped.yaml (the others cost every step)."""
    out = _compile(tmp_path, capsys, {name: spec}, "--no-validate")
    text = (out / f"prometheus/rules/{name}.yaml").read_text()
    rules = [r for g in yaml.safe_load(text)["groups"] for r in g["rules"] if r.get("alert") == "SLOTrafficStopped"]
    (tmp_path / "stopped.yaml").write_text(yaml.safe_dump({"groups": [{"name": "stopped", "rules": rules}]}))
    return rules


def _counter(rate: Rate) -> str:
    """promtool values every STEP minutes: rising by `rate` a second, none where it is None."""
    parts, value = [], 0.0
    for m in range(0, END + 1, STEP):
        r = rate(m)
        if r is None:
            parts.append("_")
            continue
        value += r * 60 * STEP
        parts.append(f"{value:g}" if value < 1e6 else str(round(value)))
    return " ".join(parts)


def _checks(quiet: list[int], fired: list[int], service: str) -> list[dict[str, object]]:
    own = f'service="{service}", severity="critical", slo="availability", team="shop"'
    alert = [{"labels": f'ALERTS{{alertname="SLOTrafficStopped", alertstate="firing", {own}}}', "value": 1}]
    return [{"expr": STOPPED, "eval_time": f"{m}m", "exp_samples": alert if m in fired else []} for m in quiet + fired]


def _replay(tmp_path: Path, series: dict[str, str], quiet: list[int], fired: list[int], service: str) -> str:
    checks = _checks(quiet, fired, service)
    return promtool_report(
        tmp_path, "stopped.yaml", series, checks, evaluation_interval=f"{STEP}m", input_interval=f"{STEP}m"
    )


def _busy(m: int) -> float | None:
    return 1.0


def _crashed(m: int) -> float | None:
    return None if CRASH <= m < CRASH + 40 else 1.0


INGRESS = _spec("front", "targets: false", "nginx_ingress_controller_requests", "job: ingress-nginx")
CART = _spec(
    "cart", "targets: {job: otel-collector}\ntargets_via: collector", "http_server_duration_count", "service_name: cart"
)


def test_an_ingress_down_40_minutes_pages(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """The last sample at 11:55: no rate from 12:05 (pending), firing from 12:10 to the end of the crash, quiet
    once events come back."""
    _stopped_rules(tmp_path, capsys, "front", INGRESS)
    series = {'nginx_ingress_controller_requests{job="ingress-nginx", code="200"}': _counter(_crashed)}
    quiet = [CRASH - 5, CRASH, CRASH + 5, CRASH + 50, CRASH + 120]
    assert _replay(tmp_path, series, quiet, [CRASH + 10, CRASH + 20, CRASH + 35], "front") == ""


def test_a_cart_behind_a_collector_pages_and_the_collector_down_is_servicedown(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The collector's `up` stays 1 while the cart is dead: paged. The collector down (its `up` 0, every series
    gone) is ServiceDown's page on the collector's `up`, not a second one."""
    _stopped_rules(tmp_path, capsys, "cart", CART)
    collector_down = CRASH + 3 * HOUR
    series = {
        'up{job="otel-collector", instance="c:8889"}': " ".join(
            "0" if collector_down <= m < collector_down + 40 else "1" for m in range(0, END + 1, STEP)
        ),
        'http_server_duration_count{job="otel-collector", service_name="cart", code="200"}': _counter(
            lambda m: None if CRASH <= m < CRASH + 40 or collector_down <= m < collector_down + 40 else 1.0
        ),
    }
    quiet = [CRASH, CRASH + 60, collector_down + 20, collector_down + 35]
    assert _replay(tmp_path, series, quiet, [CRASH + 20, CRASH + 35], "cart") == ""


def test_night_idle_sunday_closed_and_a_ramp_stay_quiet(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Office hours 08:00-20:00 (the counter flat at night), a service closed on Sundays (days 0 and 7), and one
    ramping down over three hours on day 7 to 0.02/s (events still come): no page, checked every 20 minutes of
    day 7. The ramp's last events stopping pages (a drain is a page too: silence it)."""
    specs = {"front": INGRESS}
    _stopped_rules(tmp_path, capsys, "front", specs["front"])
    cases: dict[str, Rate] = {
        "office": lambda m: 1.0 if 8 * HOUR <= m % DAY < 20 * HOUR else 0.0,
        "sunday": lambda m: 0.0 if m // DAY in (0, 7) else 1.0,
        "ramp": lambda m: 1.0 if m < CRASH else max(0.02, 1.0 - (m - CRASH) / (3 * HOUR)),
    }
    for name, rate in cases.items():
        series = {
            f'nginx_ingress_controller_requests{{job="ingress-nginx", code="200", case="{name}"}}': _counter(rate)
        }
        assert _replay(tmp_path, series, list(range(7 * DAY, END, 20)), [], "front") == "", name
    series = {'nginx_ingress_controller_requests{job="ingress-nginx", code="200"}': _counter(_drained)}
    quiet = [CRASH + 2 * HOUR, CRASH + 3 * HOUR]
    assert _replay(tmp_path, series, quiet, [CRASH + 3 * HOUR + 20], "front") == ""


def _drained(m: int) -> float | None:
    return 1.0 if m < CRASH else max(0.0, 1.0 - (m - CRASH) / (3 * HOUR))


def test_a_renamed_metric_first_week_stays_quiet(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """The spec moved to the new name on day 3: four days of history is no week, so its crash on day 7 is not
    paged (SLODataMissing's ticket says it)."""
    _stopped_rules(tmp_path, capsys, "front", INGRESS)
    series = {
        'nginx_ingress_controller_requests{job="ingress-nginx", code="200"}': _counter(
            lambda m: None if m < 3 * DAY else _crashed(m)
        ),
    }
    assert _replay(tmp_path, series, [CRASH + 20, CRASH + 35], [], "front") == ""


def test_a_directly_scraped_service_gets_no_second_page(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """ServiceDown watches the service's own `up`: no SLOTrafficStopped (one outage, one page)."""
    out = _compile(tmp_path, capsys, {"pricing": _spec("pricing", "")}, "--no-validate")
    assert "SLOTrafficStopped" not in (out / "prometheus/rules/pricing.yaml").read_text()
    assert "alert: ServiceDown" in (out / "prometheus/rules/pricing.yaml").read_text()


def test_the_page_has_its_runbook_routing_and_generated_cases(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = _compile(tmp_path, capsys, {"front": INGRESS, "cart": CART})
    for name in ("front", "cart"):
        page = (out / f"runbooks/{name}/SLOTrafficStopped-availability.md").read_text()
        assert "severity: critical" in page and "no availability events at all for 10m" in page
        assert "SLOTrafficStopped: availability: stops" in (out / f"prometheus/tests/{name}.long.test.yaml").read_text()


def test_targets_via_without_targets_is_a_located_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "specs").mkdir()
    (tmp_path / "specs/platform.yaml").write_text(PLATFORM)
    (tmp_path / "specs/front.yaml").write_text(
        INGRESS.replace("targets: false", "targets: false\ntargets_via: collector")
    )
    result = run_obsc(capsys, "compile", str(tmp_path / "specs"), "--out", str(tmp_path / "out"))
    assert result.code == 2 and not (tmp_path / "out").exists()
    assert "front.yaml:6:1" in result.err and "targets_via" in result.err and "Traceback" not in result.err


def test_every_mutant_of_the_condition_is_killed_by_the_generated_cases() -> None:
    """nightly-export (tests/golden/batch-and-exporters, targets: false): each line of SLOTrafficStopped moved
    (raised by half, lowered by 40%) fails a generated case. With one stopping series at 1/s, 6 of 19 mutants
    lived (both rate lines and the 8-slot count lowered). The `for` doubled lives: 12h steps cannot time it."""
    with mock.patch.object(sweep, "MUTATION_FULL", True):
        alive, total = sweep.survivors(
            ["nightly-export"],
            only=("SLOTrafficStopped",),
            source="tests/golden/batch-and-exporters/specs",
            holds="with",
        )
    assert total == 19 and [m.what for m in alive] == ["for doubled (5m)"], alive


def test_two_slos_over_one_counter_pass_their_own_generated_cases(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Both SLOs' SLOTrafficStopped fire on the one series fed: each case expects both (a property case of
    tests/test_slo_options_properties.py failed the compile: 'never asserted firing by a test')."""
    spec = INGRESS + "  - name: loose\n    objective: 99\n    sli: {errors: errors, total: requests}\n"
    out = _compile(tmp_path, capsys, {"front": spec})
    long = (out / "prometheus/tests/front.long.test.yaml").read_text()
    assert long.count("SLOTrafficStopped: availability, loose: stops") == 1, long  # one case a series, not a rule


def test_slos_over_one_metric_with_other_matchers_each_fire_alone(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Two SLOs over one counter name, one of them for host b: the series fed for the whole service's fires that
    SLO alone (its case expects it alone, and the compile runs the case); host b's fires both."""
    spec = INGRESS.replace(
        "slos:\n",
        "  b_requests: {selector: 'nginx_ingress_controller_requests{host=\"b\"}', type: counter}\n"
        '  b_errors: {selector: \'nginx_ingress_controller_requests{host="b",code=~"5.."}\', type: counter}\n'
        "slos:\n  - {name: host-b, objective: 99, sli: {errors: b_errors, total: b_requests}}\n",
    )
    out = _compile(tmp_path, capsys, {"front": spec})
    long = (out / "prometheus/tests/front.long.test.yaml").read_text()
    assert "SLOTrafficStopped: availability: stops" in long and "SLOTrafficStopped: host-b, availability: stops" in long


def test_a_service_at_exactly_six_events_a_minute_pages(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """At least 6 a minute is the line: a steady 0.1/s is busy (the slots' `>=`), and its crash pages."""
    _stopped_rules(tmp_path, capsys, "front", INGRESS)
    series = {
        'nginx_ingress_controller_requests{job="ingress-nginx", code="200"}': _counter(
            lambda m: None if CRASH <= m < CRASH + 40 else 0.1
        )
    }
    assert _replay(tmp_path, series, [CRASH - 5, CRASH + 50], [CRASH + 20, CRASH + 35], "front") == ""


def test_a_latency_slo_pages_on_its_histogram_and_not_where_it_pages_nowhere(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A latency SLI's events are its histogram's `+Inf` bucket: the page is emitted and its generated cases feed
    that bucket (the compile runs them). An SLO that never pages (`alerts: {critical: false}`) and one over a
    prober's series (a blackbox exporter stopping is not the service's outage) get none."""
    spec = INGRESS.replace(
        "slos:\n",
        "  latency: nginx_ingress_controller_request_duration_seconds\n"
        "  probe: probe_http_duration_seconds\nslos:\n"
        "  - {name: speed, objective: 99, sli: {latency: latency, threshold: 500ms}}\n"
        "  - {name: probed, objective: 99, sli: {latency: probe, threshold: 500ms}}\n"
        "  - {name: quiet, objective: 99, alerts: {critical: false}, sli: {errors: errors, total: requests}}\n",
    )
    out = _compile(tmp_path, capsys, {"front": spec})
    rules = yaml.safe_load((out / "prometheus/rules/front.yaml").read_text())
    stopped = sorted(
        r["labels"]["slo"] for g in rules["groups"] for r in g["rules"] if r.get("alert") == "SLOTrafficStopped"
    )
    assert stopped == ["availability", "speed"], stopped
    long = (out / "prometheus/tests/front.long.test.yaml").read_text()
    assert "SLOTrafficStopped: speed: stops" in long and 'le="+Inf"' in long


QUIET_SLOT = CRASH - DAY + 30  # yesterday 12:30: the one quiet quarter-hour of yesterday's span


@pytest.mark.parametrize("step", [STEP, 15])
def test_one_quiet_quarter_hour_yesterday_pages_at_every_evaluation_time(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], step: int
) -> None:
    """Yesterday 12:15-12:30 had no events (its 15m slot at 0/s, every other slot busy): one quiet slot is allowed,
    so the crash at 12:00 pages. Before round 39 the busy count was a fixed 8, but a 2h span at 15m steps holds 9
    slots only when evaluated on a quarter-hour: at 5m steps (12:40 holds 7 busy slots of 8) it was quiet until the
    quiet slot left the span, while at 15m steps (quarter-hours only: 8 of 9) it paged."""
    _stopped_rules(tmp_path, capsys, "front", INGRESS)
    rate: Rate = lambda m: 0.0 if QUIET_SLOT - 15 < m <= QUIET_SLOT else _crashed(m)  # noqa: E731
    series = {'nginx_ingress_controller_requests{job="ingress-nginx", code="200"}': _counter(rate)}
    checks = _checks(
        [CRASH - 5, CRASH + 50], [CRASH + 30] + ([CRASH + 20, CRASH + 35] if step == STEP else []), "front"
    )
    report = promtool_report(
        tmp_path, "stopped.yaml", series, checks, evaluation_interval=f"{step}m", input_interval=f"{STEP}m"
    )
    assert report == ""


RENDERER = _spec("renderer", "alerts: {service_down: {missing: ignore}}", "revision_app_request_count")


def test_a_service_that_scales_to_zero_pages_when_no_pod_comes_up(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Round 40: with `service_down: {missing: ignore}` no target at all reads as idle, so a revision that never
    starts a pod (its requests failing at the activator) paged nothing. It now pages while no target exists and
    the events stop, busy yesterday and a week ago at this time; its pods' `up` at 0 is ServiceDown's page, not
    this one's; and nights at zero (no pod, no events, idle the nights before too) stay quiet."""
    _stopped_rules(tmp_path, capsys, "renderer", RENDERER)
    office: Rate = lambda m: 1.0 if 8 * HOUR <= m % DAY < 20 * HOUR else None  # noqa: E731
    up = 'up{job="renderer", instance="10.1.2.3:8080"}'
    requests = 'revision_app_request_count{job="renderer", code="200"}'

    def series(rate: Rate, up_value: Callable[[int], str]) -> dict[str, str]:
        return {up: " ".join(up_value(m) for m in range(0, END + 1, STEP)), requests: _counter(rate)}

    def never_up(m: int) -> float | None:
        return None if m >= CRASH else office(m)

    gone = series(never_up, lambda m: "1" if office(m) is not None and m < CRASH else "_")
    assert _replay(tmp_path, gone, [CRASH - 5, CRASH + 5], [CRASH + 20, CRASH + 3 * HOUR], "renderer") == ""
    down = series(never_up, lambda m: ("0" if m >= CRASH else "1") if office(m) is not None else "_")
    assert _replay(tmp_path, down, [CRASH + 20, CRASH + 3 * HOUR], [], "renderer") == ""
    nights = series(office, lambda m: "1" if office(m) is not None else "_")
    assert _replay(tmp_path, nights, list(range(7 * DAY, END, 20)), [], "renderer") == ""
