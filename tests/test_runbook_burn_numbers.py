"""A burn page quotes the share of the budget its alert's notification quotes, in as many digits.

Found by the runbook hunt: a 28d SLO's slowest window (3d at 1x) spends 3/28 of the budget; the notification
said "10.7143%" and the page "10.71428571428571428571428571%" (28 digits of Decimal division), on the pages of
examples/ too.
"""

from __future__ import annotations

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
slos:
  - {name: monthly, objective: 99.9, period: 28d, sli: {errors: errors, total: requests}}
  - {name: weekly, objective: 99, period: 7d, sli: {errors: errors, total: requests}}
routing:
  critical: {webhook: {url: "http://relay:8080/page"}}
  warning: {webhook: {url: "http://relay:8080/ticket"}}
  info: {webhook: {url: "http://relay:8080/digest"}}
"""


def test_each_burn_line_quotes_the_share_its_notification_quotes(tmp_path: Path) -> None:
    (tmp_path / "relay.yaml").write_text(SPEC)
    files = {a.path: a.content for a in compile_specs([str(tmp_path)]).bundle.artifacts}
    groups = yaml.safe_load(files[names.prometheus_rules_path("relay")])["groups"]
    shares = set()
    for rule in [r for g in groups for r in g["rules"] if "burn_window" in (r.get("labels") or {})]:
        labels = rule["labels"]
        told = re.search(r"At that rate (.+?) of the \S+ budget goes every (\S+)\.", rule["annotations"]["description"])
        assert told is not None, rule["annotations"]["description"]
        share, long = told.groups()
        page = files[names.runbook_path("relay", rule["alert"], labels["slo"])]
        head = f"- **{labels['severity']}** ({labels['burn_window']}): "
        lines = [x for x in page.splitlines() if x.startswith(head)]
        assert len(lines) == 2, lines  # Meaning and Impact
        assert f"burn rate, {share} of the budget in {long})" in lines[0], (share, lines[0])
        assert f"spends {share} of the budget in {long};" in lines[1], (share, lines[1])
        shares.add(share)
    assert {"about 11%", "about 43%"} <= shares, shares
