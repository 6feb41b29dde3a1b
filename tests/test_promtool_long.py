"""The long-horizon promtool test file (issue 15): the traffic comparisons with last week each run on their
own `obsc_lane` series, all checked right after the first week, so the file's timeline ends at 7d12h (was
15d); traffic alerts configured unlike the bench still pass promtool, and rules that could drop the lane
label fall back to comparisons one after another. Also the key alerts whose `for` the long file's steps,
or a disk's horizon, could hide: each `for` the spec accepts is shown firing and passes promtool."""

from __future__ import annotations

import dataclasses
import re
import subprocess
from collections.abc import Sequence
from pathlib import Path
from typing import Any
from unittest import mock

import pytest
import yaml

from compiler.api import compile_specs
from compiler.targets.prometheus.promtool import traffic_cases as traffic_cases_module
from compiler.targets.prometheus.promtool.cases import LANE, LONG_STEP, Case
from compiler.targets.prometheus.promtool.key_common import WEEK
from compiler.targets.prometheus.promtool.traffic_cases import traffic_cases
from compiler.targets.prometheus.rules import service_rules
from tests import test_prometheus_mutations as sweep
from tests.bench.fleet import write_fleet
from tests.conftest import require_tool
from tests.promtool_helpers import checks_alert, groups_copy, rules_read_by

HOUR, DAY = 3600, 86400
RATE = "service:requests:rate5m"
# libyaml where available: the generated test files read here are large (~10x faster than pure Python).
_LOADER: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def _seconds(text: str) -> int:
    units = {"d": DAY, "h": HOUR, "m": 60, "s": 1}
    return sum(int(n) * units[u] for n, u in re.findall(r"(\d+)([dhms])", text))


def _compile(tmp_path: Path, alerts: dict[str, object] | None = None) -> Path:
    """One rich bench service (its `alerts` updated with `alerts`), compiled into tmp_path/out."""
    specs = write_fleet(tmp_path / "fleet", 1, rich=True)
    if alerts is not None:
        path = next(p for p in Path(specs).glob("svc-*.yaml"))
        doc = yaml.safe_load(path.read_text())
        doc.setdefault("alerts", {}).update(alerts)
        path.write_text(yaml.safe_dump(doc))
    out = tmp_path / "out"
    for artifact in compile_specs([str(specs)]).bundle.artifacts:
        if artifact.path.startswith("prometheus/"):
            (out / artifact.path).parent.mkdir(parents=True, exist_ok=True)
            (out / artifact.path).write_text(artifact.content)
    return out


def _promtool(out: Path, test: str) -> None:
    promtool = require_tool("promtool", "PROMTOOL")
    done = subprocess.run([promtool, "test", "rules", test], cwd=out / "prometheus", capture_output=True, text=True)
    assert done.returncode == 0, done.stdout[-3000:]


def _long(out: Path) -> dict[str, object]:
    loaded = yaml.load((out / "prometheus/tests/svc-0000.long.test.yaml").read_text(), Loader=_LOADER)
    assert isinstance(loaded, dict)
    return loaded


def _last(doc: dict[str, object]) -> int:
    groups = doc["tests"]
    assert isinstance(groups, list)
    return max(_seconds(c["eval_time"]) for g in groups for c in g["alert_rule_test"])


def test_a_rich_service_compares_every_traffic_level_right_after_the_week(tmp_path: Path) -> None:
    """Before: one series, levels one after another, last check at 15d (~0.34 promtool CPU-s; now ~0.2)."""
    out = _compile(tmp_path)
    doc = _long(out)
    assert _last(doc) == WEEK + LONG_STEP
    group, down = doc["tests"]  # type: ignore[misc]
    assert "every target down: ServiceDown" in down["name"]  # a drop held back as its outage, in a group of its own
    lanes = [s["series"] for s in group["input_series"] if s["series"].startswith(RATE)]
    assert all(f'{LANE}="' in s for s in lanes) and len(lanes) == len(set(lanes)) == 10  # 9 comparisons, floor
    # every traffic alert checked firing and quiet, each firing on its own lane
    fired = [c for c in group["alert_rule_test"] if c["alertname"].startswith("ServiceUnusualTraffic")]
    assert any(c["exp_alerts"] for c in fired) and any(not c["exp_alerts"] for c in fired)
    for check in fired:
        assert len({a["exp_labels"][LANE] for a in check["exp_alerts"]}) == len(check["exp_alerts"])
    _promtool(out, "tests/svc-0000.long.test.yaml")


@pytest.mark.parametrize(
    "alerts",
    [
        {"traffic_milestone": False},  # anomaly only
        {"traffic_anomaly": False},  # milestone only: the young high and the floor still checked
        {"traffic_anomaly": {"warning": "30%", "critical": "200%"}},  # two shares, one without the fall
        {"traffic_anomaly": {"warning": {"threshold": "50%", "for": "0s"}}, "traffic_milestone": {"info": True}},
        {"traffic_anomaly": {"warning": {"threshold": "40%", "for": "1d"}}},  # hold longer than a step
    ],
)
def test_traffic_alerts_unlike_the_bench_pass_promtool(tmp_path: Path, alerts: dict[str, object]) -> None:
    out = _compile(tmp_path, alerts)
    doc = _long(out)
    assert _last(doc) <= WEEK + DAY + LONG_STEP  # a `for` of a day holds a day longer
    _promtool(out, "tests/svc-0000.long.test.yaml")


def test_rules_that_may_drop_the_lane_label_run_one_after_another(tmp_path: Path) -> None:
    """An aggregation naming its labels would fold the lanes into one series: no lanes then, and the
    levels follow each other on one series (the long timeline of before)."""
    fleet = compile_specs([str(write_fleet(tmp_path / "fleet", 1, rich=True))]).fleet
    (service,) = fleet.services
    rules = [r for g in service_rules(service, fleet.platform).groups for r in g.rules]
    anomaly = [r for r in rules if r.alert == "ServiceUnusualTraffic"]
    milestone = [r for r in rules if r.alert == "ServiceTrafficMilestone"]

    def lanes(cases: list[Case]) -> set[str]:
        return {dict(s.labels).get(LANE, "") for c in cases for s in c.series if s.name == RATE}

    laned = traffic_cases(service, anomaly, milestone, LONG_STEP)
    assert lanes(laned) > {"floor", "traffic-1"} and max(c.at for c in laned[0].alerts) == WEEK + LONG_STEP
    summed = [dataclasses.replace(r, expr=f"sum by (service) ({r.expr})") for r in anomaly]
    for kept, dropped in ((summed, milestone), (anomaly, [dataclasses.replace(milestone[0], expr="x on (a) y")])):
        apart = traffic_cases(service, kept, dropped, LONG_STEP)
        assert lanes(apart) <= {"", "floor"} and max(c.at for c in apart[0].alerts) > 2 * WEEK
    # steps of an hour or less keep earlier samples in the 1h averages: no lanes either
    assert lanes(traffic_cases(service, anomaly, milestone, HOUR)) <= {"", "floor"}


def test_comparisons_one_after_another_pass_promtool_at_the_long_steps(tmp_path: Path) -> None:
    """The fallback above, run: at 12h steps the level after the drop was checked quiet one step in, where the
    alert's keep_firing_for (5m) still held it (a 1m replay fires there too, quiet 5m later). Round 49's
    `unless on ()` on SLOTrafficStopped made an ingress's traffic case fall back, and its compile failed."""
    with mock.patch.object(traffic_cases_module, "lane_safe", lambda rules: False):
        out = _compile(tmp_path)
    assert _last(_long(out)) > 2 * WEEK  # one after another
    _promtool(out, "tests/svc-0000.long.test.yaml")


@pytest.mark.parametrize("hold", ["30m"])  # the most allowed; 1m and 10m pass too (a week of steps each)
def test_event_notices_with_a_for_fire_in_the_main_file_and_pass_promtool(tmp_path: Path, hold: str) -> None:
    """A traffic high, a new error type and a rollout hold for the hour after the event: with a `for` (at most
    30m) the long file's 12h steps could never show them firing (a promtool failure on valid specs, before),
    so their cases run at the main file's 30m steps, each checked firing."""
    held = {"info": {"for": hold}}
    out = _compile(tmp_path, {"traffic_milestone": held, "new_error_type": held, "deployment": held})
    main = yaml.load((out / "prometheus/tests/svc-0000.test.yaml").read_text(), Loader=_LOADER)
    fired = {c["alertname"] for g in main["tests"] for c in g["alert_rule_test"] if c["exp_alerts"]}
    assert set(NOTICES) <= fired
    long_names = {c["alertname"] for g in _long(out)["tests"] for c in g["alert_rule_test"]}  # type: ignore[attr-defined]
    assert "ServiceTrafficMilestone" not in long_names and "ServiceNewErrorType" not in long_names
    assert "ServiceUnusualTraffic" in long_names  # the comparisons with last week stay there
    _promtool(out, _notices_alone(out, NOTICES))
    _promtool(out, "tests/svc-0000.long.test.yaml")


NOTICES = ("ServiceTrafficMilestone", "ServiceNewErrorType", "ServiceDeployed")


def _notices_alone(out: Path, alerts: Sequence[str]) -> str:
    """The path (under prometheus/) of a copy of the main test file holding only the checks of `alerts`, in the
    test groups that hold them, over the rules those checks read. The other groups' timelines hold no notice and
    are the rich file's own (about half of its ~10 CPU-s of promtool). The other checks of a notice's group judge
    alerts that read none of the notices' series (versions, error types, the request rate) and no notice's
    ALERTS, so a hold cannot change their verdicts; with them, the group's week at 30m steps evaluated ~100
    rules, not ~10 (6.3 of the test's ~8 CPU-s). Annotations are the rules' text: not compared."""
    prom = out / "prometheus"
    doc = yaml.load((prom / "tests/svc-0000.test.yaml").read_text(), Loader=_LOADER)
    groups = [g for g in doc["tests"] if any(c["alertname"] in alerts for c in g.get("alert_rule_test") or [])]
    for group in groups:
        group["alert_rule_test"] = [
            check | {"exp_alerts": [{"exp_labels": a["exp_labels"]} for a in check["exp_alerts"]]}
            for check in group["alert_rule_test"]
            if check["alertname"] in alerts
        ]
    rules = (prom / "rules/svc-0000.yaml").read_text()
    (prom / "rules/notices.yaml").write_text(rules_read_by(rules, alert=lambda rule: rule["alert"] in alerts))
    doc |= {"rule_files": ["../rules/notices.yaml"], "tests": groups}
    (prom / "tests/notices.test.yaml").write_text(yaml.safe_dump(doc, sort_keys=False))
    return "tests/notices.test.yaml"


@pytest.mark.parametrize("hold", ["1m", "30m"])  # every hold the spec accepts (up to 30m) is one 30m step
def test_every_mutant_of_a_held_deployment_notice_is_killed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, hold: str
) -> None:
    """With a `for`, the case's two quiet stretches (one version alone, then the rollout) each last the hold
    before their check, so a rule that wrongly holds there is seen firing. Before, each lasted one step: such a
    rule was still pending at the check, and two sweep mutants (`> 1` lowered by 40%, the `and on () count(...)
    > 1` clause dropped) survived at every hold; the left operand dropped survives a one-step rollout."""
    out = _compile(tmp_path, {"deployment": {"info": {"for": hold}}})
    files = {"rules": (out / "prometheus/rules/svc-0000.yaml").read_text()}
    files.update((f.name, f.read_text()) for f in (out / "prometheus/tests").glob("*.yaml"))
    monkeypatch.setattr(sweep, "compiled", lambda source="examples": {"svc-0000": files})
    monkeypatch.setattr(sweep, "MUTATION_FULL", True)
    alive, total = sweep.survivors(["svc-0000"], ("ServiceDeployed",))
    assert total == 7 and not alive, [m.what for m in alive]  # 5 comparisons changed, each operand dropped


def test_every_data_missing_mutant_of_a_raw_slo_beside_hosted_scenarios_is_killed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The rich service's raw SLO (jobs) beside two SLOs whose data-missing scenarios run inside their raw-counter
    case (missing_hosts.py): the hosted scenarios feed the raw SLI's counters too, so its SLODataMissing is seen
    quiet with data. Before, it was expected firing in every scenario: its rule without the `absent(...)` (firing
    whenever the targets are up) survived."""
    out = _compile(tmp_path)
    files = {"rules": (out / "prometheus/rules/svc-0000.yaml").read_text()}
    files.update((f.name, f.read_text()) for f in (out / "prometheus/tests").glob("*.yaml"))
    assert "; with SLODataMissing: requests counted" in files["svc-0000.test.yaml"]  # hosted
    monkeypatch.setattr(sweep, "compiled", lambda source="examples": {"svc-0000": files})
    monkeypatch.setattr(sweep, "MUTATION_FULL", True)
    alive, total = sweep.survivors(["svc-0000"], ("SLODataMissing",))
    assert total == 12 and not alive, [m.what for m in alive]


DISK_FULLS: list[dict[str, object]] = [
    {"warning": "2h"},  # the default 30m `for` is a quarter of it: failed before ("never asserted firing")
    {"warning": "1h", "critical": {"threshold": "30m", "for": "1m"}},  # half: full in 30m less half a second
    {"warning": {"threshold": "20m", "for": "10m"}},  # within a step: checked past full, still filling
]


@pytest.mark.parametrize("disk_full", DISK_FULLS)
def test_every_disk_full_hold_the_spec_accepts_fires_in_its_test(tmp_path: Path, disk_full: dict[str, object]) -> None:
    out = _compile(tmp_path, {"disk_full": disk_full})
    main = yaml.load((out / "prometheus/tests/svc-0000.test.yaml").read_text(), Loader=_LOADER)
    fired = [
        a["exp_labels"]["severity"]
        for g in main["tests"]
        for c in g["alert_rule_test"]
        if c["alertname"] == "ServiceDiskFillingUp"
        for a in c["exp_alerts"]
    ]
    assert set(fired) == set(disk_full), fired  # every tier shown firing
    if disk_full == DISK_FULLS[0]:  # the file as written, once
        _promtool(out, "tests/svc-0000.test.yaml")
        return
    # the other holds change only the disk rules and cases, which only the groups checking the disk alert can
    # see (no rule reads ALERTS): those (3-5 of 16) show every tier firing; the rest ran in the first param
    groups_copy(out / "prometheus/tests/svc-0000.test.yaml", checks_alert("ServiceDiskFillingUp"), "disk.test.yaml")
    _promtool(out, "tests/disk.test.yaml")
