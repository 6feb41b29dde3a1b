"""Rule evaluation cost, obsc vs Sloth-shaped rules for the same 50 SLOs, in one real Prometheus 2.42 on
loopback (run by `make bench`; alone: `python -m tests.bench.bench_rule_cost`). Not a test: nothing asserts.

Steps: make 30 days of per-minute traffic for 50 SLOs; compile obsc specs and write Sloth-shaped rules for
the same SLOs; backfill the raw counters; let a helper server compute the history of every recorded series
a range selector reads (Sloth's 5m ratios every 30s, obsc's coarse 5m rates every 5m) and backfill raw and
recorded history together; then run one server with both rule sets and a live exporter that continues the
counters, and read /api/v1/rules, /api/v1/alerts and the recorded ratios.

Fairness: both designs read the same raw series in the same server at the same time. obsc's rule files are
loaded as generated (the specs switch key-metric alerts off: Sloth has nothing to compare them with); only
their paths are chosen, because a path decides when a group runs (rule_cost_schedule). Cost is per cycle of
the global interval: each group's mean evaluationTime x (global interval / the group's interval). The ratio
depends on that interval: Sloth's 30d window reads one sample per evaluation of its 5m ratio.
"""

from __future__ import annotations

import os
import platform
import shutil
import tempfile
import time
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path

from tests.bench import rule_cost_prom as prom
from tests.bench.rule_cost_data import DAY, Fleet, make_fleet, write_openmetrics_body
from tests.bench.rule_cost_measure import (
    Accuracy,
    CostLog,
    WindowAccuracy,
    accuracy_as_read,
    accuracy_at_evaluations,
    active_alerts,
    history_coverage,
    series_counts,
)
from tests.bench.rule_cost_report import report
from tests.bench.rule_cost_rules import RuleFile, history_rules, obsc_rule_files, seconds, sloth_rule_file
from tests.bench.rule_cost_schedule import first_evaluation, group_phase, pick_path

SLOS = int(os.environ.get("OBSC_BENCH_RULE_COST_SLOS", "50"))
EVALUATION = os.environ.get("OBSC_BENCH_RULE_COST_INTERVAL", "30s")  # global evaluation_interval
HISTORY = 30 * DAY + 2 * 3600  # a full 30d window at the first live evaluation, plus room for rate[5m]
SCRAPE = "60s"  # the backfilled resolution; the exporter keeps it
WARMUP = 20.0  # seconds after ready whose evaluations are not counted (cold caches, first scrape)
# The measured server starts at a planned time, START_AFTER seconds after the benchmark (the build takes
# ~40-55s on 2 cores). The backfilled history ends LEAD seconds before that start, so the live data go on
# from it with little gap. Each coarse group's first run is put after every fast group has run once and
# before its history's next slot (history end + 300s).
START_AFTER = 60.0
LEAD = 15.0
COARSE_SLOTS = (LEAD + seconds(EVALUATION) + 10.0, min(LEAD + seconds(EVALUATION) + 45.0, 295.0))
POLL = 10.0
MIN_EVALUATIONS = 3  # per global-interval group, after the warm-up
MIN_ALERT_POLLS = 3  # once every group has run
TIMEOUT = 420.0  # a 5m group runs within one interval even if its placement missed


@dataclass
class Run:
    started: float = 0.0
    coverage: dict[str, tuple[float, float]] = field(default_factory=dict)
    log: CostLog = field(default_factory=CostLog)
    alert_polls: list[tuple[float, dict[str, dict[tuple[str, str], str]]]] = field(default_factory=list)
    accuracy: Accuracy = field(default_factory=lambda: defaultdict(WindowAccuracy))
    series: dict[str, int] = field(default_factory=dict)
    placed: int = 0
    late: int = 0
    server_log: list[str] = field(default_factory=list)
    evaluation: float = 30.0


def step(message: str, since: float) -> None:
    print(f"  [{time.monotonic() - since:6.1f}s] {message}", flush=True)


def build_tsdb(fleet: Fleet, files: list[RuleFile], bins: dict[str, str], work: Path, clock: float) -> None:
    """Raw history, then the recorded series' history as a server computes it, in one set of blocks.

    One backfill of both keeps blocks from overlapping: overlapping blocks would be merged by a
    compaction in the middle of the measurement.
    """
    history = work / "history.om"
    write_openmetrics_body(fleet, history)
    body_size = history.stat().st_size
    with open(history, "a") as sink:
        sink.write("# EOF\n")
    prom.backfill(bins["promtool"], history, work / "raw-tsdb")
    step("raw counters backfilled into a scratch TSDB", clock)
    wanted = history_rules(files, seconds(EVALUATION))
    config = work / "history.yml"
    prom.write_config(config, [], None, EVALUATION, SCRAPE)
    with open(history, "r+") as sink:
        sink.truncate(body_size)
        sink.seek(body_size)
        with prom.prometheus(bins["prometheus"], config, work / "raw-tsdb", work, "history-prometheus") as server:
            samples = prom.record_history(server.url, wanted, fleet.start + 3600, fleet.end)
        recorded = prom.write_history(samples, sink)
        sink.write("# EOF\n")
    per_interval = Counter(w.interval for w in wanted)
    shape = ", ".join(f"{n} rules every {i}s" for i, n in sorted(per_interval.items()))
    step(f"{recorded:,} recorded samples computed by a helper server ({shape}, each on its group's grid)", clock)
    prom.backfill(bins["promtool"], history, work / "tsdb")
    shutil.rmtree(work / "raw-tsdb")
    history.unlink()
    step("raw and recorded history backfilled together", clock)


def place_rule_files(files: list[RuleFile], rules_dir: Path, history_end: float) -> int:
    """Write each file as it is; obsc's under a path that makes its coarse group run early in the live run.

    The recorded history is computed on each group's grid up to `history_end`, so the first live run of a
    coarse group continues that grid with no gap or overlap, provided the server is up by then.
    """
    placed = 0
    for f in files:
        folder = rules_dir / f.design
        folder.mkdir(parents=True, exist_ok=True)
        candidates = [str(folder / f"{f.job}.{k}.yaml") for k in range(400)]
        f.path = candidates[0]
        for group in (g for g in f.groups if "interval" in g):
            chosen = pick_path(candidates, group["name"], seconds(group["interval"]), history_end, COARSE_SLOTS)
            placed += chosen is not None
            f.path = chosen or f.path
        Path(f.path).write_text(f.text)
    return placed


def late_groups(files: list[RuleFile], history_end: float, ready: float) -> int:
    """Coarse groups whose first slot after the history passed before the server was ready (one sample lost)."""
    late = 0
    for f in files:
        for group in (g for g in f.groups if "interval" in g):
            interval = seconds(group["interval"])
            late += first_evaluation(group_phase(f.path, group["name"], interval), interval, history_end) < ready
    return late


def measure(url: str, fleet: Fleet, expected_groups: int, run: Run) -> None:
    run.started = time.time()
    run.coverage = history_coverage(url)  # also pulls the long windows' chunks into memory for both designs
    deadline = run.started + TIMEOUT
    while time.time() < deadline:
        time.sleep(POLL)
        run.log.poll(url)
        if len(run.log.evaluated_since(run.started)) < expected_groups:
            continue
        now = time.time()
        run.alert_polls.append((now, active_alerts(url)))
        accuracy_as_read(url, fleet, now, run.accuracy)
        counted = run.log.fewest_evaluations(run.started + WARMUP, run.evaluation)
        if counted >= MIN_EVALUATIONS and len(run.alert_polls) >= MIN_ALERT_POLLS:
            break
    else:
        print(f"  warning: stopped after {TIMEOUT:.0f}s before every group had run enough")
    accuracy_at_evaluations(url, fleet, run.started, time.time(), run.accuracy)
    run.series = series_counts(url)


def run_benchmark(work: Path, clock: float) -> tuple[Run, Fleet, list[RuleFile]]:
    bins = prom.binaries()
    planned_start = time.time() + START_AFTER
    fleet = make_fleet(SLOS, int(planned_start - LEAD), HISTORY)
    jobs = [slo.job for slo in fleet.slos]
    files = obsc_rule_files(jobs, work) + [sloth_rule_file(job) for job in jobs]
    run_placed = place_rule_files(files, work / "rules", fleet.end)
    step(f"{SLOS} SLOs: traffic made, obsc specs compiled, Sloth-shaped rules written", clock)
    build_tsdb(fleet, files, bins, work, clock)
    run = Run(evaluation=float(seconds(EVALUATION)), placed=run_placed)
    wait = planned_start - time.time()
    if wait > 0:
        time.sleep(wait)  # the history ends just before this, and the coarse groups were placed after it
    with prom.exporter(fleet) as port:
        config = work / "prometheus.yml"
        prom.write_config(config, [Path(f.path) for f in files], port, EVALUATION, SCRAPE)
        with prom.prometheus(bins["prometheus"], config, work / "tsdb", work, "prometheus") as server:
            step(f"Prometheus ready on {server.url} {time.time() - fleet.end:.0f}s after the history's end", clock)
            run.late = late_groups(files, fleet.end, time.time())
            measure(server.url, fleet, sum(len(f.groups) for f in files), run)
    step("server stopped", clock)
    run.server_log = log_findings(work / "prometheus.log")
    return run, fleet, files


def log_findings(log: Path) -> list[str]:
    """Warnings, errors and compactions the measured server logged: any of them would skew the figures."""
    lines = log.read_text(errors="replace").splitlines()
    notable = [line for line in lines if "level=warn" in line or "level=error" in line or "compact" in line.lower()]
    return [line for line in notable if "SIGTERM" not in line]  # our own stop, after the measurement


def machine() -> str:
    cpu = platform.processor() or "?"
    if os.path.exists("/proc/cpuinfo"):
        with open("/proc/cpuinfo") as info:
            cpu = next((line.split(":", 1)[1].strip() for line in info if line.startswith("model name")), cpu)
    system = f"{platform.system()} {platform.release()}"
    return f"{platform.machine()}, {os.cpu_count()} cores ({cpu}), {system}, load {load_average()}"


def load_average() -> str:
    return ", ".join(f"{x:.1f}" for x in os.getloadavg())


def main() -> None:
    clock = time.monotonic()
    print(f"rule evaluation cost, obsc vs Sloth-shaped rules, {SLOS} SLOs, 30 days of history", flush=True)
    print(f"  machine: {machine()}", flush=True)
    with tempfile.TemporaryDirectory(prefix="obsc-rule-cost-") as tmp:
        try:
            run, fleet, files = run_benchmark(Path(tmp), clock)
        except prom.MissingBinary as exc:
            print(f"rule cost benchmark not run: {exc}")
            raise SystemExit(3) from exc
    report(run, fleet, files, COARSE_SLOTS, WARMUP)
    print(f"  load average at the end {load_average()} (other work on the machine slows both designs' evaluations)")
    print(f"  total run time {time.monotonic() - clock:.0f}s")


if __name__ == "__main__":
    main()
