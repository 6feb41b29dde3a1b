"""Property tests over the spec language: compile never crashes, output is deterministic, links resolve.

Specs are drawn near the valid space (so many compile) with junk mixed in (so errors are exercised
too); any outcome but a Compilation or an InputError is a bug.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from pathlib import Path
from typing import Any

import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from compiler.api import Compilation, compile_specs
from compiler.errors import InputError
from compiler.model.alerts import service_alerts
from tests.conftest import FULL, IN_CI

# OBSC_TEST_FULL (nightly) runs 2,000; CI 500, a local run 200. Each run draws new examples.
EXAMPLES = int(os.environ.get("OBSC_PROPERTY_EXAMPLES", "2000" if FULL else "500" if IN_CI else "200"))

junk = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-5, 200),
    st.floats(allow_nan=True),
    st.text(max_size=8),
    st.lists(st.integers(), max_size=2),
    st.dictionaries(st.text(max_size=3), st.integers(), max_size=2),
)
names = st.one_of(st.sampled_from(["checkout", "a", "svc-1", "x" * 63]), st.text(max_size=10))
durations = st.one_of(st.sampled_from(["30d", "28d", "7d", "3d", "1d", "90d", "1h30m", "0d"]), junk)
percents = st.one_of(st.sampled_from(["1%", "2%", "0.5%", "100%", "0%", "150%"]), junk)
objectives = st.one_of(st.sampled_from([99.9, 99, 95, 90, 99.99, 100, 50, 0.1]), st.floats(0, 101), junk)
metric_refs = st.one_of(st.sampled_from(["errors", "requests", "good", "latency", "nope"]), junk)


def maybe(strategy: st.SearchStrategy[Any], junk_rate: int = 8) -> st.SearchStrategy[Any]:
    """Mostly the plausible strategy, sometimes junk instead."""
    return st.one_of(*([strategy] * junk_rate), junk)


slis = st.one_of(
    st.fixed_dictionaries({"errors": metric_refs, "total": metric_refs}),
    st.fixed_dictionaries({"good": metric_refs, "total": metric_refs}),
    st.fixed_dictionaries({"latency": metric_refs, "threshold": st.sampled_from(["300ms", "1s", "0s", "2m"])}),
    st.fixed_dictionaries(
        {
            "raw": st.fixed_dictionaries(
                {
                    "errors": st.sampled_from(["sum(rate(x_total{$selector}[$window]))", "bad"]),
                    "total": st.sampled_from(["sum(rate(y_total{$selector}[$window]))", "1"]),
                }
            )
        }
    ),
    junk,
)
slos = st.fixed_dictionaries(
    {"name": names, "objective": objectives, "sli": slis},
    optional={
        "period": durations,
        "min_bad_events": st.sampled_from([0, 3, 10, "x"]),
        "alerts": st.fixed_dictionaries(
            {}, optional={"critical": st.booleans(), "warning": st.booleans(), "budget_left": percents}
        ),
        "labels": st.dictionaries(st.sampled_from(["component", "severity", "__x", "data"]), st.just("v"), max_size=2),
        "annotations": st.dictionaries(st.sampled_from(["playbook", "summary"]), st.just("v"), max_size=2),
    },
)
threshold_alerts = st.lists(
    st.fixed_dictionaries(
        {
            "name": st.sampled_from(["LagHigh", "LagLow", "ServiceDown", "lower"]),
            "metric": st.sampled_from(["lag", "requests", "latency", "disk", "nope"]),
        },
        optional={
            "above": st.one_of(st.sampled_from([0, -1, 1000, 0.5, "80%", "2GiB", "500ms", "10/m", "x"]), junk),
            "below": st.sampled_from([0, 1, "1/h"]),
            "within": durations,
            "for": durations,
            "tier": st.sampled_from(["critical", "warning", "info"]),
            "by": st.sampled_from([["topic"], ["severity"], ["a", "b"]]),
            "missing": st.sampled_from(["alert", "ignore"]),
        },
    ),
    max_size=3,
)
tier_values = st.one_of(
    st.booleans(),
    percents,
    st.sampled_from(["5s", "300ms", "24h"]),
    st.fixed_dictionaries({"threshold": percents}, optional={"for": durations}),
)
alerts = st.dictionaries(
    st.sampled_from(["error_rate", "latency_p99", "service_down", "disk", "traffic_anomaly", "deployment", "bogus"]),
    st.one_of(
        st.booleans(),
        st.dictionaries(st.sampled_from(["critical", "warning", "info", "page"]), tier_values, max_size=3),
    ),
    max_size=4,
)
receivers = st.one_of(
    st.just({"webhook": {"url": "http://127.0.0.1:9/x"}}),
    st.just({"pagerduty": {"routing_key_file": "/etc/secret"}}),  # outside the team's root: refused
    st.just({"pagerduty": {"routing_key_file": "/etc/secrets/team-team/pager"}}),
    st.just({"pagerduty": {"routing_key_file": "/etc/secrets/team-team/../team-x/pager"}}),
    st.just({"webhook": {"url": "https://u:p@127.0.0.1:9/x?token=1", "credentials_file": "/etc/secrets/team-x/k"}}),
    st.just({"pagerduty": {"routing_key": "inline"}}),
    st.just({"slack": {"channel": "#c", "api_url_file": "/etc/slack"}}),
    st.sampled_from(["undefined-receiver"]),
)
specs = st.fixed_dictionaries(
    {
        "apiVersion": maybe(st.just("obsc/v1")),
        "service": names,
        "team": maybe(st.just("team")),
        "selector": maybe(st.just({"job": "svc"})),
    },
    optional={
        "metrics": maybe(
            st.fixed_dictionaries(
                {},
                optional={
                    "requests": st.sampled_from(["http_requests_total", "bad{", 'x{a="b"}']),
                    "errors": st.sampled_from(['http_requests_total{code=~"5.."}', "sum(x)"]),
                    "good": st.just('http_requests_total{code!~"5.."}'),
                    "latency": st.sampled_from(["http_request_duration_seconds", {"selector": "h", "type": "counter"}]),
                    "disk": st.just("sum(disk_used{$selector}) / sum(disk_size{$selector})"),
                    "lag": st.sampled_from([{"selector": "lag", "type": "gauge", "unit": "percentunit"}, "lag_total"]),
                },
            )
        ),
        "slos": maybe(st.lists(maybe(slos), max_size=3)),
        "alerts": maybe(alerts),
        "routing": maybe(
            st.fixed_dictionaries({"critical": receivers}, optional={"warning": receivers, "info": receivers})
        ),
        "dashboards": maybe(st.sampled_from([["service"], [], ["nope"]])),
        "threshold_alerts": maybe(threshold_alerts),
        "tier_labels": maybe(st.just({"critical": {"pager": "primary"}, "info": {"team": "x"}})),
        "unknown": junk,
    },
)

PLATFORM = {
    "apiVersion": "obsc/v1",
    "kind": "Platform",
    "receivers": {"fallback": {"webhook": {"url": "http://127.0.0.1:9/f"}}},
    "alertmanager": {"default_receiver": "fallback"},
    "secrets": {"team_root": "/etc/secrets/team-{team}/"},
}


# libyaml's writer where built (~8x faster): the spec is only the means of reaching compile_specs, and both
# writers' texts load to the same data; the platform file never changes, so it is written once.
_DUMPER: Any = getattr(yaml, "CSafeDumper", yaml.SafeDumper)
_PLATFORM_TEXT = yaml.dump(PLATFORM, Dumper=_DUMPER)


def _compile(spec: Any) -> Compilation | None:
    with tempfile.TemporaryDirectory() as tmp:
        Path(tmp, "svc.yaml").write_text(yaml.dump(spec, Dumper=_DUMPER))
        Path(tmp, "platform.yaml").write_text(_PLATFORM_TEXT)
        try:
            return compile_specs([tmp])
        except InputError as exc:
            assert exc.diagnostics, "an InputError must carry at least one located message"
            for d in exc.diagnostics:
                assert d.location.file.endswith((".yaml", ".yml")) and d.message
            return None


@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(specs)
def test_compile_never_crashes_and_is_deterministic(spec: dict[str, Any]) -> None:
    first = _compile(spec)
    if first is None:
        return
    second = _compile(spec)
    assert second is not None
    assert first.bundle == second.bundle
    paths = set(first.bundle.paths)
    for service in first.fleet.services:
        for alert in service_alerts(service):
            assert alert.runbook_path in paths


@settings(max_examples=EXAMPLES, deadline=None)
@given(st.text(max_size=300))
def test_arbitrary_text_never_crashes_the_loader(text: str) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        Path(tmp, "svc.yaml").write_text(text)
        with contextlib.suppress(InputError):
            compile_specs([tmp])
