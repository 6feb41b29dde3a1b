"""Conformance with Sloth: for the SLOs of Sloth's `in-base.yaml`, written as obsc specs, the burn-rate
windows, factors and error-ratio thresholds obsc emits equal those in Sloth's expected output
(`out-base.yaml.tpl` with the default 30d period, `out-base-28d.yaml.tpl` with 28d, where obsc departs on
purpose in one place: the 3d pair's factor is 1, not Sloth's 0.933).

Sloth's numbers carry float noise (its budget is 1 - 0.999 = 0.0009999999999999432 and its 28d factor
0.9333333333333333), obsc writes exact decimals (0.001, 0.9333333333), so values are compared as floats
to 1e-9 relative, far below any real difference (a 28d SLO alerting at 14.4 instead of 13.44 is 7% off).
The corpus is read from ../shared at test time, never copied into the repository.
"""

from __future__ import annotations

import math
import re
from pathlib import Path

import pytest
import yaml

from compiler.api import CompileOptions, compile_specs
from compiler.model.units import parse_duration
from tests.conftest import require_shared

# Sloth's in-base.yaml, as obsc specs: the same queries, objectives and alert switches.
SPEC = """\
apiVersion: obsc/v1
service: svc01
team: sloth
selector: {job: myservice}
metrics:
  requests: http_request_duration_seconds_count
  errors: http_request_duration_seconds_count{code=~"(5..|429)"}
slos:
  - name: slo1
    objective: 99.9
    description: This is SLO 01.
    sli: {errors: errors, total: requests}
  - name: slo02
    objective: 95
    description: This is SLO 02.
    sli:
      raw:
        errors: sum(rate(http_request_duration_seconds_count{$selector,code=~"(5..|429)"}[$window]))
        total: sum(rate(http_request_duration_seconds_count{$selector}[$window]))
    alerts: {critical: false, warning: false}
"""

PLATFORM = """\
apiVersion: obsc/v1
kind: Platform
defaults: {{period: {period}}}
receivers: {{sink: {{webhook: {{url: "http://127.0.0.1:9/"}}}}}}
alertmanager: {{default_receiver: sink}}
"""

TIERS = {"page": "critical", "ticket": "warning"}
_SLOTH_TERM = re.compile(r"slo:sli_error:ratio_rate(\w+)\{[^}]*\} > \(([0-9.]+) \* ([0-9.]+)\)")
_OBSC_TERM = re.compile(r"slo:sli_error:ratio_rate(\w+)\{[^}]*\}\)? > \(([0-9.]+) \* ([0-9.]+)\)")

# (tier, long window s, short window s, factor, budget) per alert condition
Condition = tuple[str, int, int, float, float]


def sloth_conditions(path: Path) -> tuple[list[Condition], dict[str, set[int]]]:
    text = path.read_text().replace("{{ .version }}", "v0.16.0")
    text = re.sub(r'\{\{"(\{\{.*?\}\})"\}\}', r"\1", text)
    data = yaml.safe_load(text)
    conditions: list[Condition] = []
    windows: dict[str, set[int]] = {}
    for group in data["groups"]:
        for rule in group["rules"]:
            if rule.get("record") == "slo:sli_error:ratio_rate5m" or "sloth_window" in rule.get("labels", {}):
                windows.setdefault(rule["labels"]["sloth_slo"], set()).add(
                    parse_duration(rule["labels"]["sloth_window"])
                )
            if "alert" not in rule:
                continue
            tier = TIERS[rule["labels"]["sloth_severity"]]
            terms = _SLOTH_TERM.findall(rule["expr"])
            for (short, factor, budget), (long, _, _) in zip(terms[::2], terms[1::2], strict=True):
                conditions.append((tier, parse_duration(long), parse_duration(short), float(factor), float(budget)))
    return conditions, windows


def obsc_conditions(tmp: Path, period: str) -> tuple[list[Condition], dict[str, set[int]]]:
    (tmp / "svc01.yaml").write_text(SPEC)
    (tmp / "platform.yaml").write_text(PLATFORM.format(period=period))
    bundle = compile_specs([str(tmp)], CompileOptions()).bundle
    artifact = bundle.get("prometheus/rules/svc01.yaml")
    assert artifact is not None
    data = yaml.safe_load(artifact.content)
    conditions: list[Condition] = []
    windows: dict[str, set[int]] = {}
    for group in data["groups"]:
        for rule in group["rules"]:
            labels = rule.get("labels", {})
            if rule.get("record", "").startswith("slo:sli_error:ratio_rate"):
                windows.setdefault(labels["slo"], set()).add(parse_duration(labels["window"]))
            if "burn_window" not in labels:
                continue
            # the long window, then the short one (read again by the pair's start and hold since round 42)
            (long, factor, budget), *shorts = _OBSC_TERM.findall(rule["expr"])
            assert len(set(shorts)) == 1, f"one short window: {shorts}"
            ((short, factor2, budget2),) = set(shorts)
            assert (factor, budget) == (factor2, budget2), "both windows compare with the same threshold"
            tier = labels["severity"]
            conditions.append((tier, parse_duration(long), parse_duration(short), float(factor), float(budget)))
    return conditions, windows


def _same(ours: list[Condition], theirs: list[Condition]) -> None:
    assert len(ours) == len(theirs)
    for mine, peer in zip(sorted(ours), sorted(theirs), strict=True):
        assert mine[:3] == peer[:3], f"windows differ: {mine} vs Sloth {peer}"
        assert math.isclose(mine[3], peer[3], rel_tol=1e-9), f"factor {mine[3]} vs Sloth {peer[3]}"
        assert math.isclose(mine[4], peer[4], rel_tol=1e-9), f"budget {mine[4]} vs Sloth {peer[4]}"
        assert math.isclose(mine[3] * mine[4], peer[3] * peer[4], rel_tol=1e-9), "error-ratio threshold"


def floored(conditions: list[Condition]) -> list[Condition]:
    """Where obsc departs from Sloth on purpose: no factor below 1 (28d's 3d pair, 0.933, would ticket an SLO
    that is on track to meet its objective)."""
    return [(t, lw, sw, max(f, 1.0), b) for t, lw, sw, f, b in conditions]


@pytest.mark.parametrize(("period", "expected"), [("30d", "out-base.yaml.tpl"), ("28d", "out-base-28d.yaml.tpl")])
def test_burn_rate_windows_factors_and_thresholds_match_sloth(tmp_path: Path, period: str, expected: str) -> None:
    theirs, their_windows = sloth_conditions(require_shared(f"corpus/sloth/testdata/{expected}"))
    ours, our_windows = obsc_conditions(tmp_path, period)
    if period == "30d":
        assert floored(theirs) == theirs, "at 30d obsc is Sloth exactly, no factor is floored"
    theirs = floored(theirs)
    assert len(theirs) == 4, "Sloth's expected output pages on 2 window pairs and tickets on 2"
    _same(ours, theirs)
    # Every SLO records the ratio over the same windows (the seven alert windows and the period),
    # also the one whose alerts are off.
    assert our_windows == their_windows


def test_conformance_check_can_fail(tmp_path: Path) -> None:
    """The comparison notices a factor that keeps 14.4 on a 28d period (2.14% of budget per hour)."""
    theirs, _ = sloth_conditions(require_shared("corpus/sloth/testdata/out-base-28d.yaml.tpl"))
    wrong = [(t, lw, sw, 14.4 if f == 13.44 else f, b) for t, lw, sw, f, b in theirs]
    with pytest.raises(AssertionError, match="factor"):
        _same(wrong, theirs)
