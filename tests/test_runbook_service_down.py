"""ServiceDown's page says every way its rule fires: the crash-loop branch, and each group of a split service.

The page said only "no instance of the service is up", and its queries counted the whole service's targets:
for a group's alert (one cluster down, the others up) or a crash loop (instances up between restarts) the
on-call read `count(up)` as healthy. The page now names both branches, with the rule's own window, and shows
the targets up per group exactly as the group's branch compares them with 0.
"""

from __future__ import annotations

import re
from pathlib import Path

from compiler import conventions as names
from compiler.api import compile_specs

SPEC = """apiVersion: obsc/v1
service: ledger
team: core
selector: {job: ledger}
metrics:
  requests: http_requests_total
  errors: http_requests_total{code=~"5.."}
slos:
  - {name: availability, objective: 99.9, by: [cluster], sli: {errors: errors, total: requests}}
routing:
  critical: {webhook: {url: "http://relay:8080/page"}}
  warning: {webhook: {url: "http://relay:8080/ticket"}}
"""


def _page_and_rule(tmp_path: Path, spec: str) -> tuple[str, str]:
    (tmp_path / "ledger.yaml").write_text(spec)
    files = {a.path: a.content for a in compile_specs([str(tmp_path)]).bundle.artifacts}
    rules = files[names.prometheus_rules_path("ledger")]
    rule = rules.split("- alert: ServiceDown", 1)[1].split("- alert:", 1)[0]
    return files[names.runbook_path("ledger", "ServiceDown", None)], rule


def test_a_split_service_down_page_names_its_groups_and_queries_them_as_the_rule_does(tmp_path: Path) -> None:
    page, rule = _page_and_rule(tmp_path, SPEC)
    meaning = page.split("## Meaning", 1)[1].split("## Impact", 1)[0]
    assert "per `cluster`" in meaning
    queries = re.findall(r"```promql\n(.*?)\n```", page, re.S)
    grouped = 'sum by (cluster) (up{job="ledger",cluster!=""})'
    assert grouped in rule  # the group branch reads it...
    assert grouped in queries  # ...and the page shows it


def test_the_service_down_page_names_the_crash_loop_branch_with_the_rules_window(tmp_path: Path) -> None:
    page, rule = _page_and_rule(tmp_path, SPEC.replace(", by: [cluster]", ""))
    assert "avg_over_time(up{" in rule and "[10m]))[5m:1m]) < 0.500001" in rule  # twice the 5m hold, every scrape
    meaning = page.split("## Meaning", 1)[1].split("## Impact", 1)[0]
    assert "every instance had been up at half or fewer of its scrapes in the 10m before" in meaning
    assert "per `" not in meaning  # not split: no group note
