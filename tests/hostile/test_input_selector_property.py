"""Any selector a spec may write either is a located error or compiles through obsc's own promtool tests.

The round 25 input hunt found selectors obsc accepted and then could not compile (promtool rejected the
generated rules or their tests, exit 1; with --no-validate the rules were written): `le` in the service
selector or on the latency histogram, `__name__` in targets:, `$window` in a label value, a pinned `instance`.
This draws selectors, targets and metric matchers from label names Prometheus and obsc treat specially and
values full of PromQL, YAML and Go-template syntax, and compiles each with validation: exit 2 with every
message located, or exit 0. Needs promtool and amtool (fails under CI=true without them).
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from tests.cli_helpers import run_obsc
from tests.conftest import FULL, require_tool
from tests.platform_text import sink_platform

# Each example is a compile with promtool's tests: a few seconds. Nightly (OBSC_TEST_FULL) 150.
EXAMPLES = int(os.environ.get("OBSC_PROPERTY_EXAMPLES", "150" if FULL else "8"))

# Names with a meaning to Prometheus (internal, bucket, target labels) or to obsc (labels it sets on series
# and alerts), and ordinary ones.
LABELS = (
    "job", "instance", "namespace", "cluster", "pod", "code", "route",
    "le", "quantile", "__name__", "__address__", "__meta_kubernetes_pod_name",
    "service", "slo", "severity", "team", "alertname", "window", "burn_window", "data",
)  # fmt: skip
VALUES = st.one_of(
    st.sampled_from(
        ('a"b', "a\\b", "x\\", "[$window]", "$selector", "$1", "{{ .x }}", "a}b{", "a,b=c", "# c", ".*", "0.5", "")
    ),
    st.text(st.sampled_from("az09-_.:/ \"\\$[]{}#,=~`'ü"), min_size=1, max_size=12),
)
OPS = ("=", "!=", "=~", "!~")
_LOCATED = re.compile(r"^\S+:\d+:\d+ \$")

PLATFORM = sink_platform()


def _promql_string(value: str) -> str:
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


@st.composite
def specs(draw: st.DrawFn) -> dict[str, Any]:
    selector = {"job": "checkout"} | draw(st.dictionaries(st.sampled_from(LABELS), VALUES, max_size=2))

    def series(name: str) -> str:
        matchers = draw(st.lists(st.tuples(st.sampled_from(LABELS), st.sampled_from(OPS), VALUES), max_size=2))
        body = ",".join(f"{label}{op}{_promql_string(value)}" for label, op, value in matchers)
        return f"{name}{{{body}}}" if body else name

    spec: dict[str, Any] = {
        "apiVersion": "obsc/v1",
        "service": "checkout",
        "team": "payments",
        "selector": selector,
        "metrics": {
            "requests": series("http_requests_total"),
            "latency": series("http_request_duration_seconds"),
        },
        "slos": [
            {"name": "latency", "objective": 99, "sli": {"latency": "latency", "threshold": "250ms"}},
        ],
    }
    if draw(st.booleans()):
        spec["targets"] = {"job": "checkout"} | draw(st.dictionaries(st.sampled_from(LABELS), VALUES, max_size=2))
    return spec


@settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(spec=specs())
def test_a_selector_is_a_located_error_or_compiles_through_its_tests(
    spec: dict[str, Any], tmp_path_factory: pytest.TempPathFactory, capsys: pytest.CaptureFixture[str]
) -> None:
    require_tool("promtool")
    require_tool("amtool")
    root = tmp_path_factory.mktemp("selector")
    (root / "specs").mkdir()
    (root / "specs" / "platform.yaml").write_text(PLATFORM)
    (root / "specs" / "checkout.yaml").write_text(yaml.safe_dump(spec, allow_unicode=True))
    out = Path(root / "out")
    result = run_obsc(capsys, "compile", str(root / "specs"), "--out", str(out))
    event(f"exit {result.code}")
    if result.code == 2:
        errors = [line for line in result.err.splitlines() if not line.startswith("obsc: ")]
        assert errors and all(_LOCATED.match(line) for line in errors), result.err
        assert not out.exists()
    else:
        assert result.code == 0, f"{yaml.safe_dump(spec, allow_unicode=True)}\n{result.err}"
