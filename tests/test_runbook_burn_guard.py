"""A burn alert's page names the min_bad_events guard its rule compares, as its notification does.

Found by the runbook hunt: each burn rule also needs `min_bad_events` failed events (bad slices, for time-slice
and freshness SLOs) in its long window, and its description says "Needs at least 3 failed events over 1h", but
the page's tier lines gave only the error ratio and windows: an on-call engineer of a quiet service saw the
ratio above the line on the page's queries and no reason why the page stayed quiet, or resolved.
"""

from __future__ import annotations

import math
import re
from pathlib import Path

import yaml

from compiler import conventions as names
from compiler.api import compile_specs

SPEC = """apiVersion: obsc/v1
service: relay
team: core
selector: {job: relay}
metrics:
  requests: relay_requests_total
  errors: relay_requests_total{code=~"5.."}
  last_ok: {selector: relay_last_success_timestamp_seconds, type: gauge}
slos:
  - {name: availability, objective: 99.9, min_bad_events: 10, sli: {errors: errors, total: requests}}
  - {name: any-failure, objective: 99, min_bad_events: 0, sli: {errors: errors, total: requests}}
  - {name: fresh, objective: 99, period: 7d, sli: {last_success: last_ok, max_age: 2h}}
routing:
  critical: {webhook: {url: "http://relay:8080/page"}}
  warning: {webhook: {url: "http://relay:8080/ticket"}}
  info: {webhook: {url: "http://relay:8080/digest"}}
"""
_GUARD = re.compile(r"\n(slo:sli_errors:rate\w+|slo:sli_bad_slices:\w+)\{[^}]*\}(?: \* \d+)? >= ([\d.]+)$")


def test_each_burn_line_of_a_page_names_the_guard_its_rule_compares(tmp_path: Path) -> None:
    (tmp_path / "relay.yaml").write_text(SPEC)
    files = {a.path: a.content for a in compile_specs([str(tmp_path)]).bundle.artifacts}
    groups = yaml.safe_load(files[names.prometheus_rules_path("relay")])["groups"]
    checked = {"guarded": 0, "unguarded": 0}
    for rule in [r for g in groups for r in g["rules"] if "burn_window" in (r.get("labels") or {})]:
        labels = rule["labels"]
        page = files[names.runbook_path("relay", rule["alert"], labels["slo"])]
        head = f"- **{labels['severity']}** ({labels['burn_window']}): error"
        line = next(x for x in page.splitlines() if x.startswith(head))
        long = re.search(r"over both (\S+) and", line)
        assert long is not None, line
        guard = _GUARD.search(rule["expr"])
        if guard is None:
            assert "Needs at least" not in line, line
            checked["unguarded"] += 1
            continue
        what = "bad 1m slices" if "bad_slices" in guard.group(1) else "failed events"
        needed = math.ceil(float(guard.group(2)))  # the count less the slack (burnrate.count_floor)
        assert line.endswith(f" Needs at least {needed} {what} over {long.group(1)} (min_bad_events)."), line
        checked["guarded"] += 1
    assert checked["guarded"] >= 4 and checked["unguarded"] >= 2, checked


def test_a_slice_slos_burn_texts_speak_of_time_slices_not_events(tmp_path: Path) -> None:
    """Found in round 26: a freshness or time-slice SLO counts rule evaluations, but its burn notifications
    read "1.4% of fresh events failed ... (or saw no events, and the newest events did fail)" and its page's
    tier lines "with no events in 5m": an on-call engineer went looking for failed requests. The rule reads
    bad slices (its expression), so its texts do; an events SLO's keep their words."""
    (tmp_path / "relay.yaml").write_text(SPEC)
    files = {a.path: a.content for a in compile_specs([str(tmp_path)]).bundle.artifacts}
    groups = yaml.safe_load(files[names.prometheus_rules_path("relay")])["groups"]
    seen = {"slices": 0, "events": 0}
    for rule in [r for g in groups for r in g["rules"] if "burn_window" in (r.get("labels") or {})]:
        labels = rule["labels"]
        page = files[names.runbook_path("relay", rule["alert"], labels["slo"])]
        line = next(
            x for x in page.splitlines() if x.startswith(f"- **{labels['severity']}** ({labels['burn_window']}): error")
        )
        said = (rule["annotations"]["description"] + "\n" + line).replace("(min_bad_events)", "")
        if "slo:sli_bad_slices:" in rule["expr"]:
            assert "event" not in said and said.count("time slices") >= 4, said
            seen["slices"] += 1
        else:
            assert "time slice" not in said and "events failed" in said, said
            seen["events"] += 1
    assert seen["slices"] >= 2 and seen["events"] >= 4, seen
