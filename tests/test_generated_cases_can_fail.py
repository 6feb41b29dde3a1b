"""Generated promtool cases that cannot fail are defects: a checker over the generated test files.

A check expecting an alert quiet at a time its `for` cannot have passed yet (on the group's evaluation grid,
from 0) holds whatever the alert's expression says; it pins the `for` only beside a later check of the same
alert. A group whose every check of an alert is such a check (or one named as firing that expects nothing to
fire) asserts nothing of that alert. And a missing-data twin's timeline must fire in its crash loop: round 33
found that a 5m-hold twin's loop (one answer in 5 minutes) never fired, so its checks there were all quiet.
"""

from __future__ import annotations

import itertools
from pathlib import Path

import pytest
import yaml

from compiler.model.units import parse_duration
from compiler.targets.prometheus.promtool import missing_scrapes
from tests.conftest import ROOT

_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
GOLDENS = sorted(p for p in (ROOT / "tests" / "golden").glob("*/expected") if (p / "prometheus" / "tests").is_dir())


def _fors(rules: dict[str, object]) -> dict[str, int]:
    """Each alert name's shortest `for` (an alert of that name may fire once it has passed)."""
    fors: dict[str, int] = {}
    groups = rules.get("groups") or []
    assert isinstance(groups, list)
    for rule in (r for g in groups for r in g["rules"] if "alert" in r):
        held = parse_duration(str(rule.get("for", "0s")))
        fors[rule["alert"]] = min(held, fors.get(rule["alert"], held))
    return fors


def unaskable(tests: dict[str, object], fors: dict[str, int]) -> list[str]:
    """The (group, alert) pairs of one test file whose checks can all pass whatever the alert's expression:
    every check expects it quiet before its `for` can have passed on the group's grid."""
    interval = parse_duration(str(tests.get("evaluation_interval", "1m")))
    found = []
    groups = tests.get("tests") or []
    assert isinstance(groups, list)
    for group in groups:
        checks: dict[str, list[tuple[int, bool]]] = {}
        for check in group.get("alert_rule_test") or []:
            at = parse_duration(str(check["eval_time"]))
            checks.setdefault(check["alertname"], []).append((at, bool(check.get("exp_alerts"))))
        for alert, seen in checks.items():
            first = -(-fors[alert] // interval) * interval  # the first evaluation at which it may fire
            if not any(fired or at >= first for at, fired in seen):
                found.append(f"{group['name']}: {alert} at {sorted(at for at, _ in seen)}")
    return found


def _test_files(expected: Path) -> list[tuple[str, dict[str, object], dict[str, int]]]:
    rules_dir = next(p for p in (expected / "prometheus" / d for d in ("rules", "vmalert")) if p.is_dir())
    out = []
    for path in sorted((expected / "prometheus" / "tests").glob("*.test.yaml")):
        service = path.name.split(".")[0]
        rules = yaml.load((rules_dir / f"{service}.yaml").read_text(), Loader=_LOADER)
        out.append((path.name, yaml.load(path.read_text(), Loader=_LOADER), _fors(rules)))
    return out


@pytest.mark.parametrize("expected", GOLDENS, ids=lambda p: p.parent.name)
def test_no_generated_group_asks_an_alert_only_when_it_cannot_fire(expected: Path) -> None:
    bad = [f"{name}: {one}" for name, tests, fors in _test_files(expected) for one in unaskable(tests, fors)]
    assert not bad, "\n".join(bad)


@pytest.mark.parametrize("expected", GOLDENS, ids=lambda p: p.parent.name)
def test_every_twin_timeline_fires_twice_and_ends_firing(expected: Path) -> None:
    """Each twin of a scrapes file's timeline fires for the gone signal and again in the crash loop, on through
    the loop's last answer: a timeline whose loop stays quiet shows nothing of the sparse branch."""
    for name, tests, _ in _test_files(expected):
        for group in tests.get("tests") or []:  # type: ignore[attr-defined]
            if not str(group["name"]).startswith("missing-data twin"):
                continue
            checks = group["alert_rule_test"]
            for alert in dict.fromkeys(c["alertname"] for c in checks):
                fired = [bool(c["exp_alerts"]) for c in checks if c["alertname"] == alert]
                episodes = sum(1 for a, b in itertools.pairwise([False, *fired]) if b and not a)
                assert fired[-1] and episodes == 2, f"{name}: {group['name']}: {alert}: {fired}"


@pytest.mark.parametrize("hold_minutes", [*range(1, 61), 90, 120, 180, 360, 720, 1440])
def test_a_twins_crash_loop_fires_whatever_its_hold(hold_minutes: int) -> None:
    """The crash loop of a twin's timeline fires for every hold (the compiler's twins hold 10m or more today;
    a 5m hold's loop of one answer in 5 minutes never fired: 5 or 6 of its 7 points missing, 6 needed)."""
    played = missing_scrapes.replay(hold_minutes * 60, 300)
    assert any(played.fired[played.loop :]), f"every {played.every}m: the loop never fires"
    assert played.fired[-1]


def test_the_checker_flags_a_group_that_asks_only_before_the_hold() -> None:
    """The checker itself can fail: a quiet check at 0 and 5m of a 10m-hold alert on a 5m grid asserts nothing;
    one at 10m, or a firing expected, does."""
    fors = {"A": 600, "B": 0}

    def file(*checks: tuple[str, str, bool]) -> dict[str, object]:
        alerts = [{"eval_time": at, "alertname": a, "exp_alerts": [{}] if on else []} for a, at, on in checks]
        return {"evaluation_interval": "5m", "tests": [{"name": "g", "alert_rule_test": alerts}]}

    assert unaskable(file(("A", "0m", False), ("A", "5m", False), ("B", "0m", False)), fors) == ["g: A at [0, 300]"]
    assert not unaskable(file(("A", "0m", False), ("A", "10m", False)), fors)
    assert not unaskable(file(("A", "5m", True)), fors)
