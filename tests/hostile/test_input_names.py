"""Names and values matched with whole-string semantics; hostile strings in any field give a located exit 2.

Python's `$` matches before a final newline, so `^[a-z]+$` let `service: "svc\\n"` through and obsc wrote file
names with newlines. The fuzz test puts hostile strings into every string (key or value) of a rich service
spec and of the platform file: any outcome but a compilation or an InputError (exit 70) is a bug.
"""

from __future__ import annotations

import copy
import os
import re
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from compiler.api import CompileOptions, compile_specs
from compiler.errors import InputError
from compiler.spec import patterns
from compiler.spec.schema import schema
from tests.conftest import FULL, IN_CI, ROOT

# Nightly (OBSC_TEST_FULL) 600, CI 200, a local run 150; each run draws new examples.
EXAMPLES = int(os.environ.get("OBSC_PROPERTY_EXAMPLES", "600" if FULL else "200" if IN_CI else "150"))

SERVICE: dict[str, Any] = {
    "apiVersion": "obsc/v1",
    "service": "batch-export",
    "team": "payments",
    "description": "Nightly export; runs for hours.",
    "selector": {"job": "batch-export", "namespace": "jobs"},
    "links": {"repo": "https://git.example/export"},
    "labels": {"tier": "2"},
    "metrics": {
        "requests": "exports_total",
        "errors": 'exports_total{outcome="failed"}',
        "latency": "export_duration_seconds",
        "backlog": {"expr": "sum(queue_ready{$selector})", "unit": "short", "title": "Backlog"},
    },
    "slos": [
        {
            "name": "success",
            "objective": 99,
            "period": "7d",
            "description": "Exports succeed.",
            "sli": {"errors": "errors", "total": "requests"},
            "alerts": {"budget_left": "10%"},
            "min_bad_events": 5,
        },
        {"name": "latency", "objective": 95, "sli": {"latency": "latency", "threshold": "30s"}},
    ],
    "alerts": {"error_rate": {"warning": {"threshold": "5%", "for": "15m"}}, "latency_p99": {"critical": "2m"}},
    "routing": {
        "critical": {
            "webhook": {
                "url": "https://hooks.example/x",
                "credentials_file": "/etc/alertmanager/secrets/team-payments/t",
            }
        },
        "warning": {"slack": {"channel": "#exports"}},
        "info": {"email": {"to": "ops@example.org"}},
    },
    "dashboards": ["service"],
}
PLATFORM: dict[str, Any] = yaml.safe_load((ROOT / "examples" / "platform.yaml").read_text())
PLATFORM.pop("standard_dashboards")
PLATFORM["teams"]["payments"]["slack_channels"] = ["#exports"]  # the spec posts there through the platform's URL

HOSTILE = [
    "\n", "\r", "\t", " ", "\x00", "\x1b[31m", "\u2028", "\ufeff", "{{", "}}", "{{ .Labels }}", '"', "'", "`", "\\",
    "$", "${x}", "{", "}", "[", "]", ",", ":", ": x", "#", "%", "*", "&", "!", "|", "..", "../", "/", "é", "𝔘",
    "\u202e",
    "=~", "!=", '",x="', "\\n", "--", "-", "_", "0", "1e400", "nan", "null", "true", "<<", "${selector}",
]  # fmt: skip


def _strings(value: Any, path: tuple[Any, ...] = ()) -> Iterator[tuple[tuple[Any, ...], bool]]:
    """(path, is_key) of every string key and value."""
    if isinstance(value, dict):
        for k, v in value.items():
            yield (*path, k), True
            yield from _strings(v, (*path, k))
    elif isinstance(value, list):
        for i, v in enumerate(value):
            yield from _strings(v, (*path, i))
    elif isinstance(value, str):
        yield path, False


def _replace(doc: Any, path: tuple[Any, ...], is_key: bool, make: Any) -> None:
    parent = doc
    for part in path[:-1]:
        parent = parent[part]
    last = path[-1]
    if is_key:
        parent[make(last)] = parent.pop(last)
    else:
        parent[last] = make(parent[last])


SERVICE_STRINGS = list(_strings(SERVICE))
PLATFORM_STRINGS = list(_strings(PLATFORM))


def _unicode_yaml(doc: Any) -> str:
    # PyYAML's own writer, not libyaml's: libyaml quotes strings holding characters past U+FFFF (𝔘), which
    # this one writes plain. The document left as it is gets the same text every time: written once.
    if doc == SERVICE:
        return _BASE_TEXT["service"]
    if doc == PLATFORM:
        return _BASE_TEXT["platform"]
    return yaml.safe_dump(doc, allow_unicode=True)


_BASE_TEXT = {
    "service": yaml.safe_dump(SERVICE, allow_unicode=True),
    "platform": yaml.safe_dump(PLATFORM, allow_unicode=True),
}


def _compile(service: Any, platform: Any) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        Path(tmp, "svc.yaml").write_text(_unicode_yaml(service))
        Path(tmp, "platform.yaml").write_text(_unicode_yaml(platform))
        try:
            compile_specs([tmp], CompileOptions(jobs=1))
        except InputError as exc:
            for d in exc.diagnostics:
                assert d.location.file.startswith(tmp), str(d)


def _edit(spot: tuple[tuple[Any, ...], bool], bad: str, where: int) -> Any:
    def make(old: Any) -> Any:
        text = str(old)
        at = min(where, len(text))
        return text[:at] + bad + text[at:]

    return make


@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    target=st.sampled_from(["service", "platform"]),
    pick=st.integers(0, 10_000),
    bad=st.one_of(st.sampled_from(HOSTILE), st.text(max_size=6)),
    where=st.sampled_from([0, 1, 3, 1000]),
)
def test_hostile_strings_anywhere_never_crash(target: str, pick: int, bad: str, where: int) -> None:
    service, platform = copy.deepcopy(SERVICE), copy.deepcopy(PLATFORM)
    doc, spots = (service, SERVICE_STRINGS) if target == "service" else (platform, PLATFORM_STRINGS)
    spot = spots[pick % len(spots)]
    _replace(doc, spot[0], spot[1], _edit(spot, bad, where))
    _compile(service, platform)


@pytest.mark.parametrize(
    ("target", "spot"),
    [("service", s) for s in SERVICE_STRINGS] + [("platform", s) for s in PLATFORM_STRINGS],
    ids=lambda v: v if isinstance(v, str) else ".".join(map(str, v[0])) + (":key" if v[1] else ""),
)
def test_a_final_newline_or_quote_in_any_string_never_crashes(target: str, spot: tuple[tuple[Any, ...], bool]) -> None:
    # Every field, not a sample: the trailing newline that reached build.py as a 70 was in one field of many.
    for bad in ("\n", '\\"'):
        service, platform = copy.deepcopy(SERVICE), copy.deepcopy(PLATFORM)
        _replace(service if target == "service" else platform, spot[0], spot[1], _edit(spot, bad, 1000))
        _compile(service, platform)


def test_the_base_specs_compile() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        Path(tmp, "svc.yaml").write_text(yaml.safe_dump(SERVICE))
        Path(tmp, "platform.yaml").write_text(yaml.safe_dump(PLATFORM))
        compile_specs([tmp], CompileOptions(jobs=1))


@pytest.mark.parametrize(
    ("path", "value"),
    [
        (("service",), "svc\n"),
        (("team",), "payments\n"),
        (("slos", 0, "name"), "success\n"),
        (("slos", 0, "period"), "7d\n"),
        (("slos", 1, "sli", "threshold"), "30s\n"),
        (("slos", 0, "alerts", "budget_left"), "10%\n"),
        (("alerts", "error_rate", "warning", "for"), "15m\n"),
        (("routing", "warning", "slack", "channel"), "#exports\n"),
        (("routing", "info", "email", "to"), "ops@example.org\n"),
        (("dashboards", 0), "service\n"),
    ],
)
def test_a_trailing_newline_is_a_located_error(path: tuple[Any, ...], value: str) -> None:
    service = copy.deepcopy(SERVICE)
    _replace(service, path, False, lambda _: value)
    with pytest.raises(InputError) as caught:
        _compile_raising(service)
    text = str(caught.value)
    assert re.search(r"svc.yaml:\d+:\d+ \$\.", text), text
    assert repr(value) in text, text


def test_a_trailing_newline_in_a_key_is_a_located_error() -> None:
    service = copy.deepcopy(SERVICE)
    _replace(service, ("selector", "job"), True, lambda _: "job\n")
    # round 35: the refused key is pathed to itself, quoted (a newline would misread as a dot path)
    refused = r"svc.yaml:\d+:\d+ \$\.selector\[\"job\\n\"\]: 'job\\n' is not a label name .*; write 'job'"
    with pytest.raises(InputError, match=refused):
        _compile_raising(service)


def _compile_raising(service: Any) -> None:
    tmp = tempfile.mkdtemp()
    try:
        Path(tmp, "svc.yaml").write_text(yaml.safe_dump(service))
        Path(tmp, "platform.yaml").write_text(yaml.safe_dump(PLATFORM))
        compile_specs([tmp], CompileOptions(jobs=1))
    finally:
        shutil.rmtree(tmp)


@pytest.mark.parametrize(
    ("path", "value"),
    [(("selector", "job"), "{{ x }}"), (("labels", "tier"), '{{ query "up" }}'), (("description",), "a {{ b")],
)
def test_go_template_braces_are_refused(path: tuple[Any, ...], value: str) -> None:
    service = copy.deepcopy(SERVICE)
    _replace(service, path, False, lambda _: value)
    with pytest.raises(
        InputError, match=re.escape("'{{' is not allowed: alert labels and annotations are Go templates")
    ):
        _compile_raising(service)


def test_control_characters_are_refused_but_newlines_in_free_text_stay() -> None:
    service = copy.deepcopy(SERVICE)
    service["description"] = "two\nlines\tand a tab"
    _compile_raising(service)
    service["selector"]["job"] = "batch\x1b[2J"
    with pytest.raises(InputError, match="control character U\\+001B is not allowed"):
        _compile_raising(service)


def _patterns(node: Any) -> Iterator[str]:
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "pattern" and isinstance(value, str):
                yield value
            else:
                yield from _patterns(value)
    elif isinstance(node, list):
        for item in node:
            yield from _patterns(item)


def test_every_schema_pattern_ending_in_dollar_refuses_a_final_newline() -> None:
    anchored = [p for p in _patterns(schema()) if p.endswith("$")]
    assert len(anchored) >= 10
    for pattern in anchored:
        compiled = patterns.strict(pattern)
        assert compiled.pattern.endswith("\\Z"), pattern
        assert "$" not in compiled.pattern.replace("\\$", ""), pattern


@pytest.mark.parametrize(
    ("pattern", "text", "matches"),
    [
        ("^[a-z]+$", "svc", True),
        ("^[a-z]+$", "svc\n", False),
        ("^[$a]+$", "$a", True),
        ("^a\\$$", "a$", True),
        ("^[]$]+$", "]$", True),
        ("^[^$]+$", "ab", True),
        ("^[^$]+$", "ab\n", True),  # the newline is one of [^$]
        ("^[^$]+$", "", False),
        ("(a|b$)", "b\n", False),
        ("\\.jsonnet$", "x.jsonnet\n", False),
    ],
)
def test_strict_patterns(pattern: str, text: str, matches: bool) -> None:
    assert patterns.search(pattern, text) is matches


def test_a_small_spec_cannot_ask_for_an_unbounded_output() -> None:
    # 3,000 SLOs in a 225 KB spec generated 12,020 files (172 MB); a 1 MB description became 20 MB of output.
    service = copy.deepcopy(SERVICE)
    service["slos"] = [
        {"name": f"s{i}", "objective": 99, "sli": {"errors": "errors", "total": "requests"}} for i in range(101)
    ]
    with pytest.raises(InputError, match=r"\$\.slos: 101 entries; at most 100 per spec"):
        _compile_raising(service)
    service = copy.deepcopy(SERVICE)
    service["description"] = "x" * 5000
    with pytest.raises(InputError, match=r"\$\.description: value 'x+\.\.\.: 5,000 characters; at most 4,096"):
        _compile_raising(service)
