"""Drawn fleets (tests/drawn_fleets.py) compile with validation and hold their round trips: obsc's output of specs
nobody here wrote passes obsc's own promtool/amtool tests, `check` from another cwd finds no drift, a second
compile under another PYTHONHASHSEED writes the same bytes, and an edit to one spec is drift that `diff` names and
the recompile re-validates for that service alone. Seed ROUND_TRIP_SEED (the cheapest fleet of the first 600 with
all of these): two services, one a Jsonnet spec importing a library on a `-J` path that imports its neighbour, the
Mimir layout with a namespace prefix, receiver allow-lists; its edit is a route (Alertmanager only: promtool runs on
nothing), then (round 43) its `-J` library gives its importer's alerts an `owner` label: `check` names exactly the 5
files the recompile changes, promtool skips the other service's rule file and 3 test files. The sweep itself
(`make drawn-fleets SEEDS=1-200`) runs outside `make test`; these keep the drawer and the runner working."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

from tests.conftest import require_tool
from tests.drawn_fleet_relays import RELAY, RELAYS_FROM
from tests.drawn_fleets import compile_fleet, draw, is_bug
from tests.drawn_platform_edits import platform_edit
from tests.drawn_round_trips import Edit, Fleet, named, stray_rows
from tests.drawn_shared_edits import SHARED, choose_shared_edit, owner

ROUND_TRIP_SEED = 356
LARGE_SEED = 2010  # five services over three teams (round 43: fleets of 5-30 from seed 2000 on)


def test_a_drawn_fleet_compiles_passes_its_own_checks_and_round_trips() -> None:
    """Its last round trip edits the `-J` library one spec imports (tests/drawn_shared_edits.py)."""
    require_tool("promtool")
    require_tool("amtool")
    assert compile_fleet(ROUND_TRIP_SEED, keep=None, trips=True) == (0, "", [])


def test_a_large_drawn_fleet_compiles_and_passes_its_own_checks() -> None:
    """Five services over three teams (~6 CPU-s with validation). Its round trips, which end with a platform edit
    re-validating every service (~9 CPU-s more), run in `make drawn-fleets SEEDS=2000-2010`."""
    require_tool("promtool")
    require_tool("amtool")
    assert len([p for p in draw(LARGE_SEED) if p.rsplit("/", 1)[-1].startswith("svc")]) >= 5
    assert compile_fleet(LARGE_SEED, keep=None) == (0, "", [])


def test_the_drawer_is_seeded_and_covers_the_named_features() -> None:
    assert draw(176) == draw(176)
    fleet = draw(179)
    text = "\n".join([*draw(176).values(), *fleet.values()])
    for feature in ("team_spec_dir", "targets_via", "_file", "templates", "receiver_url_prefixes"):
        assert feature in text, feature
    assert "dash/golden-signals.jsonnet" in fleet and "- golden-signals" in text
    round_trip = draw(ROUND_TRIP_SEED)
    assert "../jlib/fleet/labels.libsonnet" in round_trip
    assert "mimir_namespace" in round_trip["platform.yaml"] and "receiver_email_domains" in round_trip["platform.yaml"]
    many_nines = "".join(draw(20).values())
    assert "objective: 99.9999" in many_nines or '"objective": 99.9999' in many_nines


# The files seeds 1-399, 1000-1099 and 2000-2039 drew before relays were drawn in whole fleets (main 83964118):
# relays come from a seeded source of their own and only from RELAYS_FROM on.
FLEETS_BEFORE_RELAYS = "62421510e82a5720eb89c3f6d34378d3218914968f8beec2615286ca06875391"


def test_old_seeds_draw_the_fleets_they_drew_and_relays_come_from_5000() -> None:
    seeds = [*range(1, 400), *range(1000, 1100), *range(2000, 2040)]
    drawn = json.dumps([draw(seed) for seed in seeds], sort_keys=True).encode()
    assert hashlib.sha256(drawn).hexdigest() == FLEETS_BEFORE_RELAYS
    fleets = [draw(seed) for seed in range(RELAYS_FROM, RELAYS_FROM + 10)]
    relayed = [f for f in fleets if any(p.endswith(f"{RELAY}.yaml") for p in f)]
    assert len(relayed) >= 5 and any("teams/" in p for f in relayed for p in f if p.endswith(f"{RELAY}.yaml"))
    assert any("evaluation_interval" in f["platform.yaml"] for f in relayed)
    assert all(
        f"service: {RELAY}" in "".join(f.values()) or f'"service": "{RELAY}"' in "".join(f.values()) for f in relayed
    )


ROWS = [
    {"kind": "alert", "name": 'Threshold0{service="svc0-a", team="team-a"} [critical]'},
    {"kind": "dashboard", "name": "grafana/dashboards/teams/team-a/svc0-a.json"},
    {"kind": "dashboard", "name": "grafana/dashboards/fleet/fleet.json"},
]


def test_the_round_trip_takes_only_rows_of_the_edit() -> None:
    threshold = Edit(Path("svc0-a.yaml"), "a line", "svc0-a", alert="Threshold0")
    assert stray_rows(threshold, ROWS) == [] and named(threshold, ROWS)
    other = {"kind": "alert", "name": 'Threshold0{service="svc1-b", team="team-b"} [critical]'}
    assert stray_rows(threshold, [*ROWS, other]) == [f"alert {other['name']}"]
    assert not named(Edit(Path("svc0-a.yaml"), "a line", "svc0-a", alert="Threshold1"), ROWS)
    route = Edit(Path("svc0-a.yaml"), "a route", "svc0-a", team="team-a")
    assert len(stray_rows(route, ROWS)) == 3 and not named(route, ROWS)
    receiver = {"kind": "receiver", "name": "svc0-a-warning"}
    team_a, team_b = ({"kind": "file", "name": f"alertmanager/operator/{t}.yaml"} for t in ("team-a", "team-b"))
    assert stray_rows(route, [receiver, team_a]) == [] and named(route, [receiver, team_a])
    assert stray_rows(route, [receiver, team_b]) == [f"file {team_b['name']}"]
    objective = Edit(Path("svc0-a.yaml"), "an objective", "svc0-a", slo="avail")
    record = {"kind": "record", "name": 'slo:objective:ratio{service="svc0-a", slo="latency"}'}
    assert stray_rows(objective, [record]) == [f"record {record['name']}"]


def test_an_unlocated_refusal_or_a_failed_round_trip_is_a_bug() -> None:
    assert not is_bug(0, "", []) and not is_bug(2, "specs/a.yaml:3:5 $.slos: no", [])
    assert is_bug(2, "obsc: error: something", []) and is_bug(1, "", []) and is_bug(70, "", [])
    assert is_bug(0, "", ["check after compile: exit 1"])


def test_a_platform_catalog_edit_derives_the_services_it_may_and_must_change(tmp_path: Path) -> None:
    """Round 44: the catalog edit of seed 105 adds the built-in 7d catalog with its first row's `for` changed; the
    7d SLO must change, a 10d one (the 7d catalog capped by 14d's) may, a 30d one may not; a Jsonnet spec may."""
    slos = {"svc0-a": "7d", "svc1-a": "10d", "svc2-b": "30d"}
    specs = {}
    for name, period in slos.items():
        specs[name] = tmp_path / f"{name}.yaml"
        specs[name].write_text(f"slos: [{{name: x, objective: 99.9, period: {period}, sli: {{raw: q}}}}]\n")
    specs["svc3-b"] = tmp_path / "svc3-b.jsonnet"
    plat: dict[str, Any] = {"teams": {"team-a": {}, "team-b": {}}}
    what, may, must = platform_edit(plat, specs, 105) or ("", set(), set())
    assert what == "platform catalog 7d row fast for 2m -> 10m"
    assert plat["defaults"]["slo_alerts"]["windows"]["7d"][0]["for"] == "10m"
    assert (may, must) == ({"svc0-a", "svc1-a", "svc3-b"}, {"svc0-a"})


def test_a_runbook_belongs_to_its_folder_s_service_and_the_manifest_is_shared() -> None:
    """Round 44's harness errors (fleets 3 and 105): a platform edit changed runbooks/svc0-a/*.md and the output
    manifest, read as outputs of no affected service."""
    services = {"svc0-a", "svc1-b"}
    assert owner("runbooks/svc0-a/SLOErrorBudgetBurnFast-rtt-0.md", services) == "svc0-a"
    assert owner("prometheus/tests/svc1-b.holds.test.yaml", services) == "svc1-b"
    assert owner(".obsc-manifest", services) is None and ".obsc-manifest".startswith(SHARED)


def test_a_platform_runbook_edit_affects_the_drawn_relay_too(tmp_path: Path) -> None:
    """Fleet 5010 (round 54): the platform's runbook_url moved, the relay spec's files rightly changed, and the round
    trip called them "of a service it does not affect" (only `svc*` specs counted as services)."""
    fleet = Fleet(tmp_path)
    (fleet.specs / "teams" / "obs").mkdir(parents=True)
    (fleet.specs / "svc1-api.yaml").write_text("service: svc1-api\n")
    (fleet.specs / "teams" / "obs" / f"{RELAY}.yaml").write_text(f"service: {RELAY}\n")
    (fleet.specs / "platform.yaml").write_text("runbook_url: https://runbooks.example.net/{path}\n")
    edit = choose_shared_edit(fleet, 6)  # seed % 3 == 0 and even: the runbook_url branch
    assert edit.affected == {"svc1-api", RELAY}
    assert owner(f"runbooks/{RELAY}/ServiceDown.md", edit.affected) == RELAY
