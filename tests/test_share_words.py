"""Numbers an SRE reads in notifications and runbook pages: shares obsc works out read as `about 43%`, what the
spec wrote reads exactly as written.

Found by the round-34 hunt: "42.8571% of the 7d budget goes every 3d", "3.33333% of the 90d budget" (6
significant digits of a share nobody reads to the ppm), while the same 6-digit cut quoted a 99.123456789%
objective's budget as 0.876543%, a budget the spec never set; a disk_full line read "threshold 86400s".
"""

from __future__ import annotations

import json
import re
from decimal import Decimal
from pathlib import Path

import pytest
import yaml

from compiler import conventions as names
from compiler.api import compile_specs
from compiler.model.units import about_text, seconds_text, share_text

SPEC = """apiVersion: obsc/v1
service: relay
team: core
selector: {job: relay}
metrics:
  requests: relay_requests_total
  errors: relay_requests_total{code=~"5.."}
  disk: 1 - node_filesystem_avail_bytes{job="relay"} / node_filesystem_size_bytes{job="relay"}
slos:
  - {name: weekly, objective: 99, period: 7d, sli: {errors: errors, total: requests}}
  - {name: quarterly, objective: 95, period: 90d, sli: {errors: errors, total: requests}}
  - {name: odd, objective: 99.123456789, period: 28d, sli: {errors: errors, total: requests}}
routing:
  critical: {webhook: {url: "http://relay:8080/page"}}
  warning: {webhook: {url: "http://relay:8080/ticket"}}
  info: {webhook: {url: "http://relay:8080/digest"}}
"""


@pytest.mark.parametrize(
    ("ratio", "text"),
    [
        ("0.02", "2%"),  # what a window pair's share usually is: exact
        ("0.000336", "0.0336%"),
        ("0.1344", "13.44%"),  # 4 significant digits still read as written
        ("0.428571428571428571", "about 43%"),  # 3d of a 7d budget
        ("0.0333333333333333", "about 3.3%"),  # 3d of a 90d budget
        ("0.99995123", "about 99.995%"),  # never `about 100%` of what is not all of it
        ("1.000412345", "about 100.04%"),
        ("0.000000012345", "about 0.0000012%"),  # never `0%` of what is something
        ("0", "0%"),
        # the digits that keep it off 100% are all it has: exact, not `about` (round 35 review)
        ("0.99999", "99.999%"),
        ("0.9999999", "99.99999%"),
        ("1.000001", "100.0001%"),
        ("0.005", "0.5%"),
        ("0.3333333333333333333333333333", "about 33%"),  # 100/3
    ],
)
def test_a_worked_out_share_reads_exact_or_about_two_digits(ratio: str, text: str) -> None:
    assert share_text(Decimal(ratio)) == text


def test_a_worked_out_factor_reads_by_the_same_rule() -> None:
    assert [about_text(Decimal(v)) for v in ("13.44", "0.9333333333", "0.004")] == ["13.44", "about 0.93", "0.004"]


@pytest.mark.parametrize(
    ("seconds", "text"), [("86400", "1d"), ("5400", "1h30m"), ("0.3", "300ms"), ("1.5", "1.5s"), ("0.0005", "0.0005s")]
)
def test_a_duration_threshold_reads_as_a_spec_writes_one(seconds: str, text: str) -> None:
    assert seconds_text(Decimal(seconds)) == text


def _texts(tmp_path: Path) -> tuple[list[str], dict[str, str]]:
    (tmp_path / "relay.yaml").write_text(SPEC)
    files = {a.path: a.content for a in compile_specs([str(tmp_path)]).bundle.artifacts}
    groups = yaml.safe_load(files[names.prometheus_rules_path("relay")])["groups"]
    said = [v for g in groups for r in g["rules"] for v in (r.get("annotations") or {}).values()]
    pages = {p: c for p, c in files.items() if p.startswith("runbooks/") and p.endswith(".md")}
    return said, pages


def test_notifications_and_pages_quote_shares_about_and_the_spec_exactly(tmp_path: Path) -> None:
    said, pages = _texts(tmp_path)
    text = "\n".join(said + list(pages.values()))
    assert "At that rate about 43% of the 7d budget goes every 3d." in text
    assert "At that rate about 3.3% of the 90d budget goes every 3d." in text
    assert "spends about 43% of the budget in 3d" in text
    # the odd objective's budget, exactly as the spec implies it, wherever a percentage of it is quoted
    assert "the 0.876543211% error budget of the 99.123456789% objective" in text
    # no worked-out percentage of 5 or more significant digits left, except the odd objective's own numbers
    long = {m for m in re.findall(r"(?<![\w.])([0-9]+\.[0-9]+)%", text) if len(m.replace(".", "").lstrip("0")) > 4}
    assert long <= {"99.123456789", "0.876543211"}, long


def test_a_disk_full_line_reads_as_a_duration(tmp_path: Path) -> None:
    _, pages = _texts(tmp_path)
    page = pages[names.runbook_path("relay", "ServiceDiskFillingUp", None)]
    assert re.search(r"threshold [0-9]+[dhm]", page) and not re.search(r"threshold [0-9]+s\b", page), page


def test_a_burn_panel_states_its_lines_as_the_alerts_do(tmp_path: Path) -> None:
    """The burn-rate panel's description said `(error ratio 0.01)` beside alerts that say 1%."""
    (tmp_path / "relay.yaml").write_text(SPEC)
    files = compile_specs([str(tmp_path)]).bundle.artifacts
    said = [json.dumps(json.loads(a.content), ensure_ascii=False) for a in files if a.path.endswith(".json")]
    text = "\n".join(said)
    assert "Warning when both the 3d and 6h burn rates exceed 1× (error ratio 1%)." in text
    assert not re.search(r"error ratio [0-9.]+\)", text), re.findall(r"[^.]{60}error ratio [0-9.]+\)", text)
