"""A spec change while a service pages, on a real Alertmanager 0.25: the service moved to another team, or renamed.

Prometheus drops the old rule's alerts at its reload without a resolve; Alertmanager ends them at their `endsAt`
(four resend intervals later), and by then the same deploy has reloaded its configuration. When the old alert's
route had changed with the configuration (a branch naming the service, gone with the old name or team), it joined
a new group: the old team was paged a second time and the first incident's resolve never came. The old alert now
keeps its route, so it keeps its group: no second page, and the first page's resolve arrives.
"""

from __future__ import annotations

import json
import shutil
import time
import urllib.request
from pathlib import Path
from typing import Any

from compiler import conventions as names
from compiler.api import CompileOptions, compile_specs
from compiler.model.types import Fleet
from compiler.output import writer
from compiler.targets.alertmanager.routing_tests import routing_cases
from tests.conftest import require_tool
from tests.e2e import servers

PLATFORM = "apiVersion: obsc/v1\nkind: Platform\nteams:\n" + "".join(
    f"  {team}:\n    routing:\n      critical: {{webhook: {{url: 'https://pager.example/{team}'}}}}\n"
    f"      warning: {{webhook: {{url: 'https://tickets.example/{team}'}}}}\n"
    for team in ("ledger", "payments", "shop")
)
SERVICE = """\
apiVersion: obsc/v1
service: {name}
team: {team}
selector: {{job: {name}}}
metrics: {{requests: http_requests_total, errors: 'http_requests_total{{code=~"5.."}}'}}
slos:
  - {{name: availability, objective: 99.9, sli: {{errors: errors, total: requests}}}}
"""
# Two SLOs over the same failures share an incident: their alerts carry `incident` and take the team's
# `incident!=""` leaves.
SHARING = SERVICE + "  - {{name: availability-strict, objective: 99.99, sli: {{errors: errors, total: requests}}}}\n"
# (service, team) before → after the change
CHANGES = {"moved": (("billing", "payments"), ("billing", "ledger")), "renamed": (("orders", "shop"), ("cart", "shop"))}
# The team's only service sharing an incident moves away; the team keeps another service.
INCIDENT_MOVES = {"moved sharing": (("refunds", "payments"), ("refunds", "ledger"))}
STAYS = [("checkout", "payments")]
# A service with a pager of its own (a branch naming it) whose SLOs stop sharing an incident while it pages.
OWN_PAGER = "routing: {{critical: {{webhook: {{url: 'https://pager.example/{name}'}}}}}}\n"
EDITED = {"edited": (("refunds", "payments"), ("refunds", "payments"))}


def _compile(root: Path, services: list[tuple[str, str]], sharing: bool = False, own: str = "") -> tuple[Fleet, Path]:
    specs = root / "specs"
    specs.mkdir(parents=True)
    (specs / "platform.yaml").write_text(PLATFORM)
    for name, team in services:
        spec = SHARING if sharing and (name, team) not in STAYS else SERVICE
        (specs / f"{name}.yaml").write_text(
            (spec + (own if (name, team) not in STAYS else "")).format(name=name, team=team)
        )
    compilation = compile_specs([str(specs)], CompileOptions())
    writer.write(writer.plan(compilation.bundle, str(root / "out")))
    return compilation.fleet, root / "out" / names.ALERTMANAGER_CONFIG


def _page(fleet: Fleet, service: str) -> dict[str, Any]:
    """The labels the service's fast burn fires with, and the receiver the tree sends it to."""
    row = next(r for r in routing_cases(fleet) if r["service"] == service and r["alert"] == names.SLO_BURN_FAST)
    return {"labels": row["labels"], "receiver": row["receivers"][0]}


def _post(url: str, alerts: list[dict[str, Any]]) -> None:
    request = urllib.request.Request(
        url + "/api/v2/alerts", data=json.dumps(alerts).encode(), headers={"Content-Type": "application/json"}
    )
    with urllib.request.urlopen(request, timeout=5):
        pass


def test_a_page_open_across_a_team_move_or_a_rename_is_not_paged_again_and_resolves(tmp_path: Path) -> None:
    _survives(tmp_path, CHANGES, sharing=False)


def test_a_shared_incident_page_open_across_a_move_of_its_teams_only_such_service_resolves(tmp_path: Path) -> None:
    """The team's `incident!=""` leaves stayed only while one of its services shared an incident: moving the last
    one away took them, so its old page took the team's plain leaf, rang again and its incident never resolved."""
    _survives(tmp_path, INCIDENT_MOVES, sharing=True)


def test_a_shared_incident_page_of_a_service_with_its_own_pager_resolves_when_its_slos_stop_sharing(
    tmp_path: Path,
) -> None:
    """A branch naming the service had `incident!=""` leaves only while its SLOs shared an incident: the SLO
    dropped mid-incident took them, and the old page joined the plain leaf's group (rang again, never resolved)."""
    _survives(tmp_path, EDITED, sharing=True, edited=True)


def _survives(
    tmp_path: Path, changes: dict[str, tuple[tuple[str, str], tuple[str, str]]], sharing: bool, edited: bool = False
) -> None:
    binary = require_tool("prometheus-alertmanager")
    own = OWN_PAGER if edited else ""
    before, before_config = _compile(tmp_path / "before", [*STAYS, *(old for old, _ in changes.values())], sharing, own)
    after, after_config = _compile(
        tmp_path / "after", [*STAYS, *(new for _, new in changes.values())], sharing and not edited, own
    )
    old_pages = {change: _page(before, old[0]) for change, (old, _) in changes.items()}
    new_pages = {change: _page(after, new[0]) for change, (_, new) in changes.items()}
    assert not sharing or all(names.LABEL_INCIDENT in p["labels"] for p in old_pages.values())
    if not edited:  # a move changes the pager
        assert old_pages[next(iter(changes))]["receiver"] != new_pages[next(iter(changes))]["receiver"]
    with servers.webhook() as hook:

        def test_config(generated: Path) -> Path:
            return servers.alertmanager_test_config(generated, lambda route: "1s", hook.url, send_resolved=True)

        config = test_config(before_config)
        with servers.alertmanager(binary, config, tmp_path) as server:

            def heard(page: dict[str, Any], status: str) -> list[dict[str, Any]]:
                """Notifications telling this very alert as `status` (an edited spec's new page differs by labels; since
                round 40 it shares the old one's group, pages grouping per service, so the old page's resolve is
                told in a notification of the still firing group)."""
                bodies = hook.by_receiver().get(page["receiver"], [])
                told = [(b, a) for b in bodies for a in b["alerts"] if a["labels"] == page["labels"]]
                return [b for b, a in told if a["status"] == status]

            _post(server.url, [{"labels": p["labels"]} for p in old_pages.values()])
            for change, page in old_pages.items():
                servers.wait_until(lambda page=page: heard(page, "firing"), 15, what=f"the {change} service's page")
            # The deploy: Alertmanager loads the new routing while the old alerts still fire (Prometheus has dropped
            # their rule; their endsAt is ahead), and the new alerts fire under the new name or team.
            shutil.copyfile(test_config(after_config), config)
            urllib.request.urlopen(urllib.request.Request(server.url + "/-/reload", method="POST"), timeout=5).close()
            _post(server.url, [{"labels": p["labels"]} for p in new_pages.values()])
            for change, page in new_pages.items():
                servers.wait_until(
                    lambda page=page: heard(page, "firing"), 15, what=f"the {change} service's page after it"
                )
            time.sleep(3)  # a second page of an old alert, in a new group, would be in by then (group_wait 1s)
            ended = [{"labels": p["labels"], "endsAt": "2000-01-01T00:00:00Z"} for p in old_pages.values()]
            _post(server.url, ended)
            for change, page in old_pages.items():
                servers.wait_until(
                    lambda page=page: heard(page, "resolved"), 15, what=f"the {change} old page's resolve"
                )
            for change, page in old_pages.items():
                firing, resolved = heard(page, "firing"), heard(page, "resolved")
                # an update of the page's own group (the edited spec's new page joining it) is no second page
                assert len({b["groupKey"] for b in firing}) == 1, f"{change}: the old page rang in another group"
                assert {b["groupKey"] for b in resolved} == {firing[0]["groupKey"]}, f"{change}: another group resolved"
