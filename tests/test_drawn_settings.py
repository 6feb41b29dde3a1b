"""Drawn settings (tests/drawn_settings.py): the seeds that found round 48's self-test failures compile with
validation (exit 0, or a located exit 2). Each exited 1 before: promtool rejected a crash-loop case obsc wrote.
Seed 1: a `for: 0s` info tier beside held ones (the churn case expected it quiet); seed 7: a 30s page (the churn
case's 1m window read the loop's last life as up); seed 151: a 15s ticket beside a 0s page (two instances in
turn never fire it at 1m evaluations); seed 40 (round 49): a 10m ticket beside a 1h one (the steady cases' `up`
at 30m steps read as a loop: test_service_down_sparse_grid.py); seed 198: a catalog without 5m (the dense-burst
cases assumed the peak operand: test_burst_peak_catalogs.py); seed 302: a pair holding 1h beside another SLO's
case fed until 30m (test_merged_lane_spans.py).
`python -m tests.drawn_settings 1-300` runs the sweep."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest

from tests.cli_helpers import run_obsc
from tests.conftest import require_tool
from tests.drawn_round53 import links53
from tests.drawn_settings import draw, seconds, verdict, write


@pytest.mark.parametrize("seed", [1, 7, 40, 151, 198, 302])
def test_drawn_settings_pass_their_own_tests(tmp_path: Path, capsys: pytest.CaptureFixture[str], seed: int) -> None:
    require_tool("promtool", "PROMTOOL")
    require_tool("amtool", "AMTOOL")
    write(seed, tmp_path / "specs", widened=False)  # the fleet the seed drew when it failed
    done = run_obsc(capsys, "compile", str(tmp_path / "specs"), "--out", str(tmp_path / "out"), "-q")
    assert verdict(done.code, done.err) == "", done.err[-3000:]


# Digests of the fleets rounds 48 and 50 drew (json, sorted keys): a new round draws from a seeded source of its
# own, so the seeds that found a failure still draw that fleet (`--level 50`, `widened=False`).
ROUND_48_SEEDS_1_300 = "184afa3a54cd1a310e9198e3a57e3e7a464d579971323909fea6c1e3573359f9"
ROUND_50_SEEDS_601_880 = "7ddaf8f8ddc3f92c11983b2492dc08bb5ebad94eb84ddadb3ff1099f6bae5f1c"
ROUND_51_SEEDS_881_1080 = "966ca359e203afb44ee083eeac67fadfe2a94fa4d71ca61fa546daec5257ac9c"  # main 83964118's draw()


def _digest(fleets: list[object]) -> str:
    return hashlib.sha256(json.dumps(fleets, sort_keys=True).encode()).hexdigest()


def test_old_seeds_draw_the_fleets_they_drew() -> None:
    assert _digest([draw(seed, widened=False) for seed in range(1, 301)]) == ROUND_48_SEEDS_1_300
    assert _digest([draw(seed, level=50) for seed in range(601, 881)]) == ROUND_50_SEEDS_601_880
    assert _digest([draw(seed, level=51) for seed in range(881, 1081)]) == ROUND_51_SEEDS_881_1080


def test_round_51_draws_over_round_50s_fleet() -> None:
    """Each of round 51's draws is reached over seeds 881-1080, and the seed's round-50 specs are still there."""
    seen: set[str] = set()
    for seed in range(881, 1081):
        platform, service, others = draw(seed)
        assert set(draw(seed, level=50)[2]) <= set(others)
        seen.update(others)
        seen.update(k for k in platform["defaults"].get("slo_alerts", {}) if k == "evaluation_interval")
        seen.update("large floor" for slo in service["slos"] if slo.get("min_bad_events") in (50, 1000))
        if "by" in others.get("otel-collector", {"slos": [{}]})["slos"][0]:
            seen.add("grouped relay")
    wanted = {"evaluation_interval", "ledger-push", "reports-cron", "reviews", "shop-ingress", "otel-gateway"}
    assert wanted | {"large floor", "grouped relay"} <= seen


def test_round_52_draws_over_round_51s_fleet() -> None:
    """Each of round 52's draws is reached over seeds 1015-1114, and the seed's round-51 specs are still there."""
    seen: set[str] = set()
    for seed in range(1015, 1115):
        platform, _, others = draw(seed)
        assert set(draw(seed, level=51)[2]) <= set(others)
        seen.update(others)
        interval = platform["defaults"].get("slo_alerts", {}).get("evaluation_interval")
        seen.add(f"every {interval}")
        seen.update("team folders" for key in platform.get("secrets", {}) if key == "team_spec_dir")
        regional = others.get("regional-api", {})
        seen.update(
            "group loops" for slo in regional.get("slos", []) if "by" in slo and "service_down" in regional["alerts"]
        )
        seen.update("relayed group loops" for key in regional if key == "relay")
        seen.update(
            "large floor"
            for spec in others.values()
            for slo in spec.get("slos", [])
            if slo.get("min_bad_events") in (50, 1000)
        )
        if others.get("otel-collector", {"slos": [{}]})["slos"][0].get("by") == ["cluster", "region"]:
            seen.add("relay by cluster and region")
    shapes = {"cluster-dns", "kube-apiserver", "shop-web", "api-haproxy", "orders-queue", "catalog-db", "billing-jobs"}
    wanted = {"every 30s", "every 45s", "every 2m", "every 5m", "team folders", "group loops", "relayed group loops"}
    assert shapes | wanted | {"large floor", "relay by cluster and region"} <= seen


ROUND_52_SEEDS_1015_1214 = "e0eacdf366085fddc000a9536c7fded4e55862e2c9e541403908981c15f45893"  # main 44bdda31's draw()


def test_round_52s_fleets_are_still_drawn_beneath_round_53s() -> None:
    assert _digest([draw(seed, level=52) for seed in range(1015, 1215)]) == ROUND_52_SEEDS_1015_1214
    for seed in range(1101, 1201):
        platform, _, others = draw(seed)
        assert set(draw(seed, level=52)[2]) <= set(others)
        assert platform["teams"].keys() >= draw(seed, level=52)[0]["teams"].keys()


def test_round_53_draws_over_round_52s_fleet() -> None:
    """Each of round 53's draws is reached over seeds 1101-1200."""
    seen: set[str] = set()
    for seed in range(1101, 1201):
        platform, service, others = draw(seed)
        seen.update(k for k in others if k in {"pricing-grpc", "etcd-main", "otel-gw", "checkout-api", "legacy-web"})
        tasks = others.get("task-runner")
        if tasks is not None:
            down = tasks["alerts"]["service_down"]
            held = seconds(down["critical"]["for"])
            seen.add("tasks paged 1m-10m" if 60 <= held <= 600 else "tasks paged over 10m")
            seen.update("tasks ticket over 10m" for tier in ("warning",) if tier in down)
            seen.update("tasks scale to zero" for key in down if key == "missing")
            seen.update("relayed tasks" for key in tasks if key == "relay")
        if "pricing-grpc" in others:
            seen.add(
                "grpc counts every non-OK" if "!" in others["pricing-grpc"]["metrics"]["errors"] else "grpc by name"
            )
        if "etcd-main" in others:
            seen.add(f"etcd elections at {others['etcd-main']['metrics']['elections']['aggregation']}")
        stems = {stem: str(spec["team"]) for stem, spec in {"batch": service, **others}.items()}
        for _, target, _ in links53(seed, platform, stems):
            seen.add("linked folder" if target == ".v2" else "foreign link" if target.startswith("..") else "link")
    wanted = {"pricing-grpc", "etcd-main", "otel-gw", "checkout-api", "legacy-web", "relayed tasks"}
    wanted |= {"tasks paged 1m-10m", "tasks paged over 10m", "tasks ticket over 10m", "tasks scale to zero"}
    wanted |= {"grpc counts every non-OK", "grpc by name", "etcd elections at sum", "etcd elections at max"}
    assert wanted | {"link", "linked folder", "foreign link"} <= seen


@pytest.mark.parametrize(("seed", "refused"), [(1130, False), (1147, True)])
def test_symlinked_team_specs_compile_and_a_foreign_link_is_refused_at_its_team(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], seed: int, refused: bool
) -> None:
    """Seed 1130 reads specs through a link to its team's dot folder and a team's linked folder; seed 1147 reads
    team payments' draft through a link in team web's folder, which obsc refuses at the spec's `team:`."""
    write(seed, tmp_path / "specs")
    assert any(path.is_symlink() for path in (tmp_path / "specs").rglob("*"))
    done = run_obsc(capsys, "compile", str(tmp_path / "specs"), "--out", str(tmp_path / "out"), "--no-validate", "-q")
    assert verdict(done.code, done.err) == ""
    assert done.code == (2 if refused else 0), done.err[-3000:]
    if refused:
        assert "$.team: " in done.err and "through a symlink in " in done.err and "remove the link" in done.err
