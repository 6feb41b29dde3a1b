"""A page handed over between its pairs and back stays up under any restart floor (round 51).

Round 50's restart floor (counted_short.restart_floor) let a page pair start after a page of its SLO only on the
floor (min_bad_events) of failures in its own short window. At 99.9%/90d with min_bad_events 50, a 5m window at
1.25x the 1h/5m line holds ~8 failures: after the 6h/30m pair took the page over, the 1h/5m pair could not take it
back, and the 6h/30m pair's keep_firing_for (2m) ended the page while the 1h window burned. obsc failed its own
generated case "a page over 1h/5m hands over to 6h/30m without a gap and back" (exit 1). The floor now holds a new
incident only: while a page pair of the SLO fires (counted_short.paged_now), the pair taking it over starts as
before round 50. The case runs at 1m where the floor could bite (the scrapes file: slo_handover_cases), as a server
evaluates; compiling with promtool runs it, and the compile must pass.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.cli_helpers import run_obsc
from tests.conftest import FULL, require_tool

SPEC = """\
apiVersion: obsc/v1
service: vault
team: keys
selector: {{job: vault}}
targets: false
metrics:
  requests: http_requests_total
  good: http_requests_total{{code!~"5.."}}
  probe_ok: {{selector: 'probe_success{{instance="https://vault.example/"}}', type: gauge, aggregation: min}}
slos:
  - {{name: s0, objective: 99.9, period: 90d, min_bad_events: {floor}, sli: {sli}}}
routing:
  critical: {{webhook: {{url: "https://pager.example.net/keys"}}}}
  warning: {{webhook: {{url: "https://queue.example.net/keys"}}}}
"""
SLIS = {"events": "{good: good, total: requests}", "slices": "{good_when: probe_ok == 1}"}
# A catalog without a 5m window: the page pairs 1h/10m and 6h/30m.
NO_FIVE_MINUTES = """\
apiVersion: obsc/v1
kind: Platform
defaults:
  slo_alerts:
    windows:
      90d:
        - {tier: critical, name: fast, long: 1h, short: 10m, factor: 14.4, for: 2m}
        - {tier: critical, name: medium, long: 6h, short: 30m, factor: 6, for: 15m}
        - {tier: warning, name: slow, long: 1d, short: 2h, factor: 3, for: 5m}
        - {tier: warning, name: slowest, long: 3d, short: 6h, factor: 1, for: 5m}
"""
TITLE = "a page over 1h/{short} hands over to 6h/30m without a gap and back"

FLOORS = [1, 2, 3, 5, 50, 1000000] if FULL else [3, 50]
CASES = [
    pytest.param(kind, floor, catalog, id=f"{kind}-{floor}-{catalog}")
    for kind in SLIS
    for floor in FLOORS
    for catalog in ("built-in", "no-5m")
    if (FULL or floor == 50 or (kind, catalog) == ("events", "built-in")) and (kind, floor) != ("slices", 1000000)
]  # a time-slice SLO's floor is refused past the slices its 1h window holds (60)


@pytest.mark.parametrize(("kind", "floor", "catalog"), CASES)
def test_a_page_hands_over_and_back_whatever_the_floor(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], kind: str, floor: int, catalog: str
) -> None:
    require_tool("promtool")
    specs = tmp_path / "specs"
    specs.mkdir()
    (specs / "vault.yaml").write_text(SPEC.format(floor=floor, sli=SLIS[kind]))
    if catalog == "no-5m":
        (specs / "platform.yaml").write_text(NO_FIVE_MINUTES)
    out = tmp_path / "out"
    result = run_obsc(capsys, "compile", str(specs), "--out", str(out), "-q")
    assert result.code == 0, result.err
    tests = "".join(p.read_text() for p in sorted((out / "prometheus" / "tests").glob("*.yaml")))
    assert TITLE.format(short="10m" if catalog == "no-5m" else "5m") in tests  # the case ran, and passed
