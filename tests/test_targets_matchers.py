"""A service scraped as several jobs at once (blue/green) names its `up` series with label matchers.

Search runs as `search-blue` and `search-green`, both live during a switch, the old colour drained and removed
after. Selector and `targets:` values are exact, and the selector's error said "a pattern goes in each metric's own
selector, with =~": the metrics then read both jobs, but ServiceDown read `up{job="search-blue"}` alone. Replayed
with promtool (round 37): blue removed at 2:30 after the switch, green serving every request, ServiceDown paged from
2:40 to the end of the replay. Now `targets: '{job=~"search-(blue|green)"}'` says the targets as the metrics'
selectors do, a metric reading more targets than ServiceDown watches is a located warning, and both pattern errors
point at the matchers form.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from compiler.model.promql import Matcher
from compiler.targets.prometheus.promtool.series import satisfy
from tests.cli_helpers import compile_one
from tests.promtool_helpers import alert_fires

PLATFORM = """\
apiVersion: obsc/v1
kind: Platform
teams:
  discovery:
    routing:
      critical: {webhook: {url: "https://pager.example.com/discovery"}}
      warning: {webhook: {url: "https://tickets.example.com/discovery"}}
"""
SEARCH = """\
apiVersion: obsc/v1
service: search
team: discovery
selector: {job: search-blue}
metrics:
  requests: 'http_requests_total{job=~"search-(blue|green)"}'
  errors: 'http_requests_total{job=~"search-(blue|green)",code=~"5.."}'
slos:
  - {name: availability, objective: 99.9, sli: {errors: errors, total: requests}}
"""
MATCHERS = SEARCH.replace(
    "selector: {job: search-blue}\n", "selector: {job: search-blue}\ntargets: '{job=~\"search-(blue|green)\"}'\n"
)


def _compile(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], spec: str, *extra: str, command: str = "compile"
) -> tuple[int, str, str]:
    return compile_one(capsys, tmp_path, PLATFORM, "search", spec, *extra, command=command)


@pytest.mark.parametrize("command", ["validate", "compile"])
def test_metrics_reading_more_jobs_than_service_down_is_a_located_warning(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], command: str
) -> None:
    code, err, _ = _compile(tmp_path, capsys, SEARCH, "--no-validate", command=command)
    assert code == 0, err
    said = (
        "search.yaml:6:13 $.metrics.requests: warning: metric 'requests' reads job=~\"search-(blue|green)\", but "
        'ServiceDown and the checks that ask whether the targets are up read up{job="search-blue"} alone'
    )
    assert said in err
    assert "declare targets: '{job=~\"search-(blue|green)\"}'" in err
    assert err.count("warning: metric ") == 1, err  # once for the pattern, not once per metric repeating it


@pytest.mark.parametrize(
    "spec",
    [
        MATCHERS,
        SEARCH.replace('job=~"search-(blue|green)"', 'job="search-blue"'),  # one job: nothing widened
        SEARCH.replace('job=~"search-(blue|green)"', 'job=~"kafka-exporter-.*"'),  # an exporter's job, not this one
        SEARCH.replace('job=~"search-(blue|green)"', 'job=~"search-blue"'),  # a pattern of the one value: no wider
        # a `=` that pins the targets beside a `!=` that does not: the set is this service's
        MATCHERS.replace("targets: '{job=~", 'targets: \'{env!="staging",job=~'),
    ],
    ids=["targets-matchers", "one-job", "exporter-job", "regex-of-the-value", "pinned-and-negative"],
)
def test_no_warning_when_service_down_watches_what_the_metrics_read(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], spec: str
) -> None:
    code, err, _ = _compile(tmp_path, capsys, spec, command="validate")
    assert code == 0, err
    assert "warning: metric " not in err


def test_targets_as_matchers_compile_validate_and_read_every_colour(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The compile's own promtool tests run (no --no-validate): they feed `up` a job the matchers pass."""
    code, err, rules = _compile(tmp_path, capsys, MATCHERS)
    assert code == 0, err
    assert '(sum(up{job=~"search-(blue|green)"}) or vector(0)) == 0' in rules
    assert 'sum(up{job=~"search-(blue|green)"}) > 0' in rules  # SLODataMissing asks the same targets
    assert 'up{job="search-blue"}' not in rules


def _switch(green_up: str) -> dict[str, str]:
    """2h of blue, then green serving; blue's targets (and series) gone from 1h30m: the switch's end."""
    return {
        'up{job="search-blue",instance="b1"}': "1x90",
        'http_requests_total{job="search-blue",instance="b1",code="200"}': "0+600x90",
        'up{job="search-green",instance="g1"}': f"_x60 {green_up}",
        'http_requests_total{job="search-green",instance="g1",code="200"}': "_x60 0+600x60",
    }


def test_service_down_stays_quiet_after_a_blue_green_switch(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, err, rules = _compile(tmp_path, capsys, MATCHERS, "--no-validate")
    assert code == 0, err
    assert not alert_fires(tmp_path, rules, "ServiceDown", _switch("1x60"), eval_time="2h")
    assert alert_fires(tmp_path, rules, "ServiceDown", _switch("1x30 0x30"), eval_time="2h")  # green crashed


@pytest.mark.parametrize(
    ("targets", "said"),
    [
        ("'{job=~\".+\"}'", "no matcher here leaves out other services' targets"),
        ("'{job!=\"search-blue\"}'", "no matcher here leaves out other services' targets"),
        ("'node_up{job=\"search-blue\"}'", "or label matchers in braces, as a metric's selector writes them"),
        ("'job=search-blue'", "targets are the labels of the service's `up` series: a mapping of exact values"),
        ("'{job=~\"search-(blue\"}'", "does not compile in Prometheus"),
        ("'{__address__=\"x\"}'", "__address__"),
        ("'{job=\"x$window\"}'", "$window"),
        ("'{job=\"search-.*\"}'", "job: 'search-.*' reads as a pattern"),
        ('\'{job="search-blue",instance!~"(("}\'', "does not compile in Prometheus"),  # a `!~` is a regex too
        # Prometheus gives every target's `up` a job and an instance: a matcher only their absence passes reads no
        # `up`, and ServiceDown paged from its first evaluation (round 38: these compiled)
        ('\'{job=~"search-blue|",instance=~""}\'', "only a missing 'instance' passes instance=~\"\""),
        ("'{job=~\"$^\"}'", "only a missing 'job' passes job=~\"$^\""),
        ("'{job=\"\"}'", "only a missing 'job' passes job=\"\""),
    ],
    ids=[
        "every-job",
        "negative-only",
        "other-metric",
        "not-matchers",
        "bad-regex",
        "internal-label",
        "placeholder",
        "pattern-as-exact",
        "bad-negative-regex",
        "no-instance",
        "empty-regex",
        "empty-job",
    ],
)
def test_targets_matchers_that_name_no_usable_up_are_located_errors(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], targets: str, said: str
) -> None:
    spec = SEARCH.replace("selector: {job: search-blue}\n", f"selector: {{job: search-blue}}\ntargets: {targets}\n")
    code, err, rules = _compile(tmp_path, capsys, spec, "--no-validate")
    assert code == 2, err
    assert rules == ""
    assert "search.yaml:5:" in err and "$.targets" in err and said in err, err
    assert "Traceback" not in err


@pytest.mark.parametrize(
    ("written", "key"),
    [("selector: {job: 'search-(blue|green)'}", "selector"), ("targets: {job: 'search-(blue|green)'}", "targets")],
)
def test_a_pattern_where_values_are_exact_points_at_the_matchers_form(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], written: str, key: str
) -> None:
    spec = SEARCH.replace(
        "selector: {job: search-blue}", written if key == "selector" else f"selector: {{job: x}}\n{written}"
    )
    code, err, _ = _compile(tmp_path, capsys, spec, command="validate")
    assert code == 2, err
    assert f"$.{key}.job: job: 'search-(blue|green)' reads as a pattern" in err
    assert "targets: '{job=~\"search-(blue|green)\"}'" in err, err


def test_generated_up_series_pass_a_group_alternation() -> None:
    """Test inputs for `job=~"search-(blue|green)"` were found for no candidate value (`search-blue|green`)."""
    assert satisfy([Matcher("job", "=~", "search-(blue|green)")]) == {"job": "search-blue"}
    assert satisfy([Matcher("job", "=~", "(?:eu|us)-search")]) == {"job": "eu-search"}


def test_an_slo_split_by_the_pattern_label_compiles_and_stays_service_wide(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """`by: [job]` over the blue/green pattern: the rules split ServiceDown per job, which the compile's own tests
    (written for a label the targets match) did not expect, and the compile failed them (exit 1). Each colour
    comes and goes at a switch, so the label is not split: one ServiceDown, no vanished-group watch per colour."""
    spec = MATCHERS.replace("objective: 99.9, sli:", "objective: 99.9, by: [job], sli:")
    code, err, rules = _compile(tmp_path, capsys, spec)
    assert code == 0, err
    assert '"down_group", "' not in rules  # no group branch (its label_replace mark); the held page names down_group=""
    assert "offset 6d23h" not in rules  # nor a silent-group watch per colour: a drained colour would ticket a day
    assert not alert_fires(tmp_path, rules, "ServiceDown", _switch("1x60"), eval_time="2h")
    assert not alert_fires(tmp_path, rules, "SLODataMissing", _switch("1x60"), eval_time="2h")


def _envs(canary_up: str) -> dict[str, str]:
    series = {}
    for env, up in (("prod", "1x90"), ("canary", canary_up)):
        series[f'up{{job="api",instance="{env}-1:8080",env="{env}"}}'] = up
        served = "0+100x90" if up == "1x90" else "0+100x30 _x60"
        series[f'http_requests_total{{job="api",instance="{env}-1:8080",env="{env}",code="200"}}'] = served
    return series


def test_a_label_the_targets_only_leave_values_out_of_splits_service_down(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """`env!="staging"` leaves prod and canary on `up`, groups that do not come and go as blue/green colours do:
    split by env, every canary target down while prod served fired nothing (ServiceDown service-wide, no group
    watched; round 38). The compile's own tests run."""
    spec = (
        SEARCH.replace("search-blue", "api")
        .replace("service: search", "service: api")
        .replace("selector: {job: api}\n", 'selector: {job: api}\ntargets: \'{job="api",env!="staging"}\'\n')
        .replace('job=~"search-(blue|green)"', 'job="api"')
        .replace("objective: 99.9, sli:", "objective: 99.9, by: [env], sli:")
    )
    code, err, rules = compile_one(capsys, tmp_path, PLATFORM, "api", spec)
    assert code == 0, err
    assert alert_fires(tmp_path, rules, "ServiceDown", _envs("1x30 0x60"), eval_time="1h")
    assert not alert_fires(tmp_path, rules, "ServiceDown", _envs("1x90"), eval_time="1h")
