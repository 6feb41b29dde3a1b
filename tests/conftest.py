"""Shared test helpers: golden comparison, external tools, paths."""

from __future__ import annotations

import gc
import os
import shutil
from collections.abc import Generator
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings

from compiler.toolcheck.promtool import GO_DEFAULTS
from tests.tiers import is_slow

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared"
UPDATE_GOLDENS = bool(os.environ.get("OBSC_UPDATE_GOLDENS"))
IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")
# The nightly mode: the heaviest sweeps at full size (every mutant of every example, 2,000 property examples,
# every SIGKILL moment). `make test` and CI run a representative sample of each, so the suite stays minutes.
FULL = os.environ.get("OBSC_TEST_FULL", "").lower() in ("1", "true", "yes")
# The Go tools the tests start (hundreds of promtool runs above all) get obsc's own defaults for promtool:
# one thread each, since xdist already runs a test per CPU, and a lazier collector (11% less CPU for the
# mutation sweep). A value the developer sets wins; tests of those defaults clear them first.
for _key, _value in GO_DEFAULTS.items():
    os.environ.setdefault(_key, _value)

# Hypothesis's timing checks read the machine, not the code: at load 11 on 2 cores (six xdist workers beside
# other jobs) drawing 13 inputs took over a second and failed a test whose strategy is cheap. Every other
# health check stays on; a test's own @settings still sets its example count.
settings.register_profile("obsc", deadline=None, suppress_health_check=[HealthCheck.too_slow])
settings.load_profile("obsc")


def require_tool(name: str, env: str | None = None) -> str:
    """Path of an external binary; a test needing it fails under CI and skips (visibly) elsewhere."""
    path = os.environ.get(env) if env else None
    path = path or shutil.which(name)
    if path:
        return path
    packages = "victoria-metrics" if name in ("victoria-metrics", "vmalert") else "prometheus prometheus-alertmanager"
    message = f"{name} is not installed (apt-get install -y --no-install-recommends {packages})"
    if IN_CI:
        pytest.fail(message + " and CI=true: tools are required in CI")
    pytest.skip(message)


def require_shared(relative: str) -> Path:
    """A file of ../shared (reference corpus); fails under CI when missing, skips elsewhere."""
    path = SHARED / relative
    if path.exists():
        return path
    if IN_CI:
        pytest.fail(f"{path} is missing and CI=true")
    pytest.skip(f"{path} is not available on this machine")


def tree(root: Path) -> dict[str, bytes]:
    """Every file under root (relative posix path → bytes)."""
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


# Modules that take longest (wall) go first. `make test` hands out whole modules (`--dist loadscope`; with
# loadscope's reordering off, see pytest_configure, so xdist keeps this order rather than putting modules
# with many tests first): a module started last that waits a minute on servers made the tail of the run.
# The end-to-end modules that wait on servers alternate with CPU-bound ones. xdist gives each worker the
# next module in this order, then at once one more to every worker with at most 2 tests pending: the
# two e2e modules right after the first six queue behind ticket_handover and one_page, which hold 1 and 2
# tests. With the five e2e modules first, five of six workers sat waiting on servers, with CPU-bound modules
# queued behind them, for the first ~35 s of a run (one worker's work on 2 cores); now three work from the
# start. Then the rest, most CPU-s first (per-test meter, round 43: one worker's share of 2 cores is what a
# module's CPU-s costs it), with the e2e modules that mostly wait on servers' clocks (night_pages sleeps ~2
# minutes) after the six largest. The list had gone stale again: 23 modules of 5-27 CPU-s were missing, and
# in a model of the run test_slice_blip_recovery, test_slice_outage_recovery and test_traffic_stopped started
# 473-517 s into a 549 s run. A module missing here (under 2 CPU-s) starts later.
SLOW_FIRST = (
    "tests/e2e/test_ticket_handover.py",
    "tests/test_prometheus_mutations.py",
    "tests/e2e/test_one_page.py",
    "tests/test_promtool_long.py",
    "tests/e2e/test_vmalert.py",
    "tests/test_slo_properties.py",
    "tests/e2e/test_grouped_slo.py",  # queued behind ticket_handover
    "tests/e2e/test_real_servers.py",  # queued behind one_page
    "tests/test_sloth_behaviour.py",
    "tests/test_slice_blip_recovery.py",
    "tests/test_focus_shapes.py",
    "tests/test_slice_outage_recovery.py",
    "tests/test_shared_shapes.py",
    "tests/test_promtool_toolcheck.py",
    "tests/e2e/test_night_pages.py",
    "tests/e2e/test_change_day.py",
    "tests/e2e/test_slo_periods.py",
    "tests/e2e/test_outsider_fleet_live.py",  # ~50 s wall on servers, 6 CPU-s (round 48)
    "tests/e2e/test_verify.py",
    "tests/hostile/test_input_errors_scale.py",
    "tests/test_validation_record.py",
    "tests/test_hold_feed.py",
    "tests/test_sloth_raw_wifi_behaviour.py",
    "tests/test_traffic_stopped.py",
    "tests/test_openslo_raw_behaviour.py",
    "tests/test_grouped_slo.py",
    "tests/test_group_silent.py",
    "tests/test_environment_failures.py",
    "tests/test_promtool_focus.py",
    "tests/test_stop_anywhere.py",
    "tests/test_burn_gaps.py",
    "tests/test_routing_groupings.py",
    "tests/test_hold_grid.py",
    "tests/test_validate_compile_property.py",
    "tests/test_record_base.py",
    "tests/test_window_catalog_properties.py",
    "tests/test_perf_parallel.py",
    "tests/test_slo_options_properties.py",
    "tests/test_slo_kinds.py",
    "tests/test_promtool_cost.py",
    "tests/hostile/test_input_names.py",
    "tests/test_slice_gate_cases.py",
    "tests/hostile/test_output_lock.py",
    "tests/test_group_values_in_selector.py",
    "tests/test_operator_object_size.py",
    "tests/test_routing_oracle.py",
    "tests/test_ci_recipes.py",
    "tests/test_latency_bucket_release.py",
    "tests/test_drawn_incidents.py",
    "tests/test_grouped_joins.py",
    "tests/test_churning_down_split.py",
    "tests/test_import_semantics.py",
    "tests/test_cloud_exporter_slo.py",
    "tests/test_latency_buckets.py",
    "tests/e2e/test_dashboard_queries.py",
    "tests/test_cli.py",
    "tests/test_routing_unusual_platform.py",
    "tests/test_period_objective_sweep.py",
    "tests/test_slice_floor.py",
    "tests/test_direct_write.py",
    "tests/test_busy_slots.py",
    "tests/test_guard_full_window.py",
    "tests/test_amtool.py",
    "tests/test_group_vanished.py",
    "tests/test_drawn_fleets.py",
    "tests/test_stop_at_start.py",
    "tests/test_sli_semantics.py",
    "tests/test_subset_compile.py",
    "tests/e2e/test_dashboard_queries_unlike_examples.py",
    "tests/test_slice_nan_gauge.py",
    "tests/test_alertmanager_yaml.py",
    "tests/hostile/test_input_jsonnet.py",
    "tests/test_panel_ids_stable.py",
    "tests/test_stopped_histogram_count.py",
    "tests/test_schema_fastcheck.py",
    "tests/test_architecture.py",
    "tests/test_targets_matchers.py",
    "tests/test_failures_counter_missing.py",
    "tests/test_toolcheck_scan.py",
    "tests/test_unreachable_pairs.py",
    "tests/test_key_alert_properties.py",
    "tests/test_lifecycle.py",
    "tests/test_direct_yaml.py",
    "tests/test_threshold_alerts.py",
    "tests/test_tool_versions.py",
    "tests/hostile/test_input_objective_nines.py",
    "tests/test_promtool_focus_property.py",
    "tests/test_grafana_validation.py",
    "tests/test_saturation_low_lines.py",
    "tests/test_prometheus_yaml.py",
    "tests/test_import_error_ratio.py",
    "tests/hostile/test_input_selector_property.py",
    "tests/test_promtool_lanes.py",
    "tests/test_packaging.py",
    "tests/test_promtool_groups_bench.py",
    "tests/test_key_alert_semantics.py",
    "tests/test_grafana_stopped_fleet.py",
    "tests/test_service_down_short_tier.py",
    "tests/test_file_caps.py",
    "tests/test_long_running.py",
    "tests/test_import_cli.py",
    "tests/test_sparse_scrape_tickets.py",
    "tests/test_guard_history.py",
    "tests/test_group_down.py",
    "tests/test_slo_catalogs.py",
    "tests/test_page_handover.py",
    "tests/test_import_openslo_good_total.py",
    "tests/test_le_spellings.py",
    "tests/test_grafana_events_link.py",
    "tests/test_traffic_drop.py",
    "tests/hostile/test_input_empty_matchers.py",
    "tests/test_event_burst_end.py",
    "tests/test_threshold_vanished.py",
)


def pytest_configure(config: pytest.Config) -> None:
    """`--no-loadscope-reorder` for every run (here, not in addopts: `-p no:xdist` would reject the option)."""
    if hasattr(config.option, "loadscopereorder"):
        config.option.loadscopereorder = False


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Known-slow modules first (stable: tests keep their order within a module), and the slow tier marked
    (tests/tiers.py: `make test` deselects it, `make test-all` runs it)."""
    # By the module's absolute path, as pytest holds it: a relative path made per test (4,368 of them) cost
    # each of the 7 processes of a run 0.06 CPU-s. The tier is decided once per module for the same reason.
    rank = {str(ROOT / module): n for n, module in enumerate(SLOW_FIRST)}
    slow: dict[Path, bool] = {}
    for item in items:
        if item.path not in slow:
            slow[item.path] = is_slow(item.path.relative_to(ROOT).as_posix())
        if slow[item.path]:
            item.add_marker(pytest.mark.slow)

    def key(item: pytest.Item) -> int:
        return rank.get(str(item.path), len(rank))

    items.sort(key=key)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_protocol(item: pytest.Item) -> Generator[None, object, object]:
    """No cyclic garbage collection while a test runs (setup to teardown), as while `obsc compile` works
    (`workers.paused_gc`): tests that call the pipeline's parts directly (generation, the focus, loading a
    fleet) spent 6-11% of their CPU in full collections walking every test module collected. Enabled again
    after each test, plainly: the next young collection frees the test's cycles and ages what it left, so
    the full collections still come (with `freeze`, a worker's cycles could wait for one that never came)."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        return (yield)
    finally:
        if enabled:
            gc.enable()
