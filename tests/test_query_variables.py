"""Spec text in dashboard queries that Grafana would rewrite (found by a dashboard hunt).

A selector value `job="$__interval"`, a metric `x{path="[[datasource]]"}` or `${__user.login}`, or a group
label's `$route` in a label value, went into the dashboard's queries as written, and Grafana filled them in
before Prometheus read them (inside PromQL strings too: it has no escape): the panel read `job="1m"` while
the alert read `job="$__interval"`. They are refused at their line; `$` before a name Grafana does not fill,
and obsc's own `$selector` and `$window`, stay accepted.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from compiler.api import compile_specs
from compiler.errors import InputError
from tests.platform_text import sink_platform

PLATFORM = sink_platform(
    before="""\
runbook_url: https://wiki.example/{path}
""",
    after="""\
defaults:
  metrics:
    cpu: CPU
teams:
  shop: {routing: {critical: sink}}  # pages named: the catch-all unnamed is an error
""",
)
SPEC = """\
apiVersion: obsc/v1
service: shop
team: shop
selector: {job: JOB}
targets: {job: TARGET}
metrics:
  requests: REQUESTS
  errors: http_requests_total{code=~"5.."}
  queue: {selector: 'queue_depth{queue="QUEUE"}', type: gauge, aggregation: max}
slos:
  - {name: availability, objective: 99.9, by: [route], sli: {errors: errors, total: requests}}
"""
CLEAN = {
    "JOB": "shop",
    "TARGET": "shop",
    "REQUESTS": "http_requests_total",
    "QUEUE": "q",
    "CPU": "sum(rate(cpu_seconds_total{$selector}[$window])) / sum(cpu_limit{$selector})",
}
HOSTILE = [
    ("JOB", "$__interval", "selector.job", "'$__interval'"),
    ("TARGET", "${__user.login}", "targets.job", "'${__user.login}'"),
    ("REQUESTS", 'http_requests_total{path="[[datasource]]"}', "metrics.requests", "'[[datasource]]'"),
    ("QUEUE", "orders-$route", "metrics.queue.selector", "'$route'"),
    ("CPU", 'sum(rate(cpu{$selector,x="${__from:date}"}[$window]))', "defaults.metrics.cpu", "'${__from:date}'"),
]


def _write(tmp_path: Path, values: dict[str, str]) -> None:
    platform, spec = PLATFORM, SPEC
    for key, value in values.items():
        quoted = "'" + value.replace("'", "''") + "'"
        platform, spec = platform.replace(key, quoted), spec.replace(key, value if key == "QUEUE" else quoted)
    (tmp_path / "platform.yaml").write_text(platform)
    (tmp_path / "shop.yaml").write_text(spec)


@pytest.mark.parametrize(("key", "value", "where", "shown"), HOSTILE)
def test_grafana_variables_in_query_text_are_refused_where_written(
    tmp_path: Path, key: str, value: str, where: str, shown: str
) -> None:
    _write(tmp_path, {**CLEAN, key: value})
    with pytest.raises(InputError) as info:
        compile_specs([str(tmp_path)])
    [found] = info.value.diagnostics
    assert found.path == tuple(where.split(".")), found
    assert found.message.startswith(f"{shown} is Grafana variable syntax, which Grafana fills in dashboard queries")
    assert found.location.file.endswith("platform.yaml" if key == "CPU" else "shop.yaml")


def test_a_dollar_grafana_does_not_fill_and_obscs_placeholders_are_kept(tmp_path: Path) -> None:
    """`Outer$Inner` (a JVM class), `$5` and an unknown `$region` reach the dashboard as written; so does the
    group label's name written without `$`."""
    _write(tmp_path, {**CLEAN, "JOB": "Outer$Inner", "QUEUE": "cost-$5-$region-route"})
    compile_specs([str(tmp_path)])  # no error


def test_a_threshold_alerts_group_label_is_a_variable_too(tmp_path: Path) -> None:
    """A threshold alert kept per group (`by: [region]`) gets a dashboard variable per label (round 32), which
    Grafana fills in the panel's query as it does an SLO's group label: `$region` in its metric's selector is
    refused there, as `$route` is for a grouped SLO."""
    _write(tmp_path, {**CLEAN, "QUEUE": "cost-$region"})
    spec = tmp_path / "shop.yaml"
    alert = "threshold_alerts:\n  - {name: QueueDeep, metric: queue, above: 9, by: [region]}\n"
    spec.write_text(spec.read_text() + alert)
    with pytest.raises(InputError) as info:
        compile_specs([str(tmp_path)])
    [found] = info.value.diagnostics
    assert found.path == ("metrics", "queue", "selector"), found
    assert found.message.startswith("'$region' is Grafana variable syntax, which Grafana fills in dashboard queries")


@pytest.mark.parametrize("kind", ["slo", "threshold"])
def test_a_platform_default_metric_filled_by_a_services_group_label_is_refused_at_the_label(
    tmp_path: Path, kind: str
) -> None:
    """A platform default metric is written before any service's `by:` labels are known: its `"$route"` passed
    the platform's own check, and a service grouped by route put a `route` variable on its dashboard, which
    Grafana filled in that metric's panel (the panel read route="<the selected route>", its alerts "$route").
    The service's label is refused, at its line, naming the platform's metric and where it is."""
    _write(tmp_path, {**CLEAN, "CPU": 'sum(rate(cpu{$selector,mode!="$route"}[$window]))'})
    spec = tmp_path / "shop.yaml"
    text = spec.read_text()
    if kind == "threshold":
        text = (
            text.replace(", by: [route]", "")
            + "threshold_alerts:\n  - {name: QueueDeep, metric: queue, above: 9, by: [route]}\n"
        )
    spec.write_text(text)
    with pytest.raises(InputError) as info:
        compile_specs([str(tmp_path)])
    [found] = info.value.diagnostics
    assert found.path == (("slos", 0) if kind == "slo" else ("threshold_alerts", 0)) + ("by", 0), found
    assert found.location.file.endswith("shop.yaml") and found.location.line > 0, found
    assert "the platform's default metric 'cpu' (" in found.message and "platform.yaml:8:" in found.message
    assert "writes '$route' in a string of its query" in found.message


def test_a_platform_default_metric_the_service_replaces_is_not_its_panel(tmp_path: Path) -> None:
    """The service's own `cpu:` replaces the platform's: the platform's `$route` reaches no panel of it."""
    _write(tmp_path, {**CLEAN, "CPU": 'sum(rate(cpu{$selector,mode!="$route"}[$window]))'})
    spec = tmp_path / "shop.yaml"
    own = "  cpu: sum(rate(cpu_seconds_total{$selector}[$window])) / sum(cpu_limit{$selector})\n"
    spec.write_text(spec.read_text().replace("metrics:\n", "metrics:\n" + own))
    compile_specs([str(tmp_path)])  # no error
