"""The printed result of the rule-cost benchmark: cost per cycle, series, accuracy per window, alerts."""

from __future__ import annotations

from typing import TYPE_CHECKING

from tests.bench.rule_cost_data import SCENARIOS, Fleet, SloTraffic
from tests.bench.rule_cost_measure import BUDGET, WINDOWS, cost_per_cycle
from tests.bench.rule_cost_rules import RuleFile, seconds

if TYPE_CHECKING:
    from tests.bench.bench_rule_cost import Run

GOAL = 0.15
PAGE = (("1h", "5m", 14.4), ("6h", "30m", 6.0))
TICKET = (("1d", "2h", 3.0), ("3d", "6h", 1.0))
NAMES = {"obsc": "obsc", "sloth": "Sloth-shaped"}
SAME_PROMQL = ("5m", "30m", "1h", "2h", "6h")  # both designs: sum(rate(errors[W])) / sum(rate(total[W]))


def _burning(fleet: Fleet, slo: SloTraffic, at: float, pairs: tuple[tuple[str, str, float], ...], scale: float) -> bool:
    def above(window: str, factor: float) -> bool:
        ratio = fleet.exact_ratio(slo, at, seconds(window))
        return ratio is not None and ratio > factor * BUDGET * scale

    return any(above(long, factor) and above(short, factor) for long, short, factor in pairs)


def expected_alerts(fleet: Fleet, at: float, scale: float = 1.0) -> set[tuple[str, str]]:
    """What the exact ratios say should be active at `at`: the standard multiwindow conditions."""
    found = set()
    for slo in fleet.slos:
        for severity, pairs in (("page", PAGE), ("ticket", TICKET)):
            if _burning(fleet, slo, at, pairs, scale):
                found.add((slo.job, severity))
    return found


def borderline(fleet: Fleet, at: float) -> set[tuple[str, str]]:
    """Alerts whose outcome changes when every threshold moves by 20%: there the designs may rightly differ."""
    low, high = expected_alerts(fleet, at, 0.8), expected_alerts(fleet, at, 1.2)
    return low ^ high


def _rules(files: list[RuleFile], design: str, kind: str) -> int:
    return sum(1 for f in files if f.design == design for g in f.groups for r in g["rules"] if kind in r)


def _groups(files: list[RuleFile], design: str) -> str:
    intervals: dict[str, int] = {}
    for f in (f for f in files if f.design == design):
        for group in f.groups:
            interval = group.get("interval", "global")
            intervals[interval] = intervals.get(interval, 0) + 1
    return " + ".join(f"{n}x{i}" for i, n in sorted(intervals.items()))


def print_cost(run: Run, files: list[RuleFile], warmup: float) -> None:
    since = run.started + warmup
    costs = {d: cost_per_cycle(run.log, d, since, run.evaluation) for d in NAMES}
    cycle = f"{run.evaluation:.0f}s"
    print(f"\n  {'':34}{'obsc':>18}{'Sloth-shaped':>18}")
    rows = [
        ("rule groups (interval)", _groups(files, "obsc"), _groups(files, "sloth")),
        ("recording rules", _rules(files, "obsc", "record"), _rules(files, "sloth", "record")),
        ("alerting rules", _rules(files, "obsc", "alert"), _rules(files, "sloth", "alert")),
        ("recorded series (live count)", run.series.get("obsc", 0), run.series.get("sloth", 0)),
        ("group evaluations measured", costs["obsc"].evaluations, costs["sloth"].evaluations),
        (
            f"evaluation time per {cycle} cycle",
            f"{costs['obsc'].per_cycle * 1000:.1f} ms",
            f"{costs['sloth'].per_cycle * 1000:.1f} ms",
        ),
    ]
    for label, obsc, sloth in rows:
        print(f"  {label:34}{obsc!s:>18}{sloth!s:>18}")
    ratio = costs["obsc"].per_cycle / costs["sloth"].per_cycle if costs["sloth"].per_cycle else float("nan")
    verdict = "meets" if ratio <= GOAL else "MISSES"
    print(f"  ratio obsc / Sloth-shaped: {ratio:.3f}  ({verdict} the goal of <= {GOAL})")
    for design, cost in costs.items():
        total = cost.per_cycle or 1.0
        shares = sorted(cost.by_part.items(), key=lambda kv: -kv[1])
        text = ", ".join(f"{part} {100 * spent / total:.0f}%" for part, spent in shares if spent / total >= 0.01)
        kinds = ", ".join(f"{kind} groups {1000 * spent:.1f} ms" for kind, spent in sorted(cost.by_kind.items()))
        print(f"  {NAMES[design]}: {kinds}; by window: {text}")
    print(
        f"  per cycle = sum over groups of (mean evaluationTime of its evaluations) x ({cycle} / its interval):\n"
        f"  obsc's coarse groups run every 5m, so each counts 1/{300 / run.evaluation:.0f} of an evaluation per "
        f"cycle;\n  evaluations in the first {warmup:.0f}s after start are not counted."
    )
    if run.log.failures:
        print(f"  RULE FAILURES: {sorted(run.log.failures)[:5]}")
    else:
        print("  rule health: every rule of both designs ok")


def _pair(run: Run, view: str, window: str, figure: str) -> str:
    obsc, sloth = run.accuracy.get((view, "obsc", window)), run.accuracy.get((view, "sloth", window))
    if obsc is None or sloth is None:
        return f"{'-':>15}"
    return f"{getattr(obsc, figure):8.3f}{getattr(sloth, figure):7.3f}"


def print_accuracy(run: Run) -> None:
    print(
        "\n  |recorded - exact| in burn-rate units (1.0 = the budget's rate: 0.1% of requests), where exact ="
        "\n  errors/requests of the generated counts over the window. 'at eval': every live evaluation at its own"
        "\n  timestamp; 'as read': the latest sample read at each alert poll (adds staleness: up to one interval)."
        "\n  NaN: evaluations that gave NaN although the window had traffic (obsc/Sloth). Pairs are obsc, Sloth."
    )
    heads = "".join(f"{h:>15}" for h in ("worst at eval", "mean at eval", "worst as read"))
    print(f"  {'window':7}{heads}{'NaN':>7}   worst case at eval")
    worse = []
    for window in WINDOWS:
        obsc, sloth = run.accuracy.get(("eval", "obsc", window)), run.accuracy.get(("eval", "sloth", window))
        nan = f"{obsc.nan_with_traffic}/{sloth.nan_with_traffic}" if obsc and sloth else ""
        where = f"obsc {obsc.worst_where}; Sloth {sloth.worst_where}" if obsc and sloth else ""
        same = " (same PromQL)" if window in SAME_PROMQL else ""
        figures = "".join(
            _pair(run, view, window, f) for view, f in (("eval", "worst"), ("eval", "mean"), ("read", "worst"))
        )
        print(f"  {window:7}{figures}{nan:>7}   {where}{same}")
        if obsc and sloth and window not in SAME_PROMQL and obsc.worst > sloth.worst:
            worse.append(window)
    missing = sum(a.missing_with_traffic for (view, _, _), a in run.accuracy.items() if view == "read")
    print(
        f"  5m-6h: both designs evaluate the same expression; their figures differ only by when each group"
        f"\n  runs against the 60s scrapes. Windows computed differently where obsc's worst is worse: "
        f"{', '.join(worse) or 'none'}.\n  Reads that found no series although the window had traffic: {missing}."
    )


def print_alerts(run: Run, fleet: Fleet) -> None:
    agree = 0
    for at, seen in run.alert_polls:
        obsc, sloth, expected = set(seen["obsc"]), set(seen["sloth"]), expected_alerts(fleet, at)
        agree += obsc == sloth
        firing = sum(1 for state in seen["obsc"].values() if state == "firing")
        line = f"  poll +{at - run.started:4.0f}s: obsc {len(obsc)} ({firing} firing, {len(obsc) - firing} pending)"
        line += f", Sloth {len(sloth)}; exact data {len(expected)}"
        if obsc != sloth:
            line += f"; obsc only {sorted(obsc - sloth)}, Sloth only {sorted(sloth - obsc)}"
        if obsc != expected:
            line += f"; obsc vs exact: missing {sorted(expected - obsc)}, extra {sorted(obsc - expected)}"
        print(line)
    print(
        f"  burn-rate alerts (pending or firing; page/ticket per service) agree on {agree} of {len(run.alert_polls)} "
        "polls; obsc's for: clauses keep new alerts pending, Sloth has none"
    )
    if run.alert_polls:
        at, last = run.alert_polls[-1]
        jobs = {slo.job: slo.scenario.key for slo in fleet.slos}
        active = sorted(f"{job} {tier} ({jobs[job]})" for job, tier in last["obsc"])
        print(f"  active at the last poll: {', '.join(active) or 'none'}")
        close = sorted(borderline(fleet, at))
        print(f"  alerts within 20% of a threshold (may rightly differ): {close or 'none'}")


def print_setup(run: Run, fleet: Fleet, placed_target: tuple[float, float], coarse_first: list[float]) -> None:
    print("\n  scenarios (each on 5 of the 50 SLOs; job svc-NN has scenario NN mod 10):")
    for i, scenario in enumerate(SCENARIOS):
        print(f"    {i}: {scenario.key:11} {scenario.about}")
    print("  history seen at start (samples per series, min-max):")
    for name, (low, high) in run.coverage.items():
        print(f"    {name}: {low:,.0f}-{high:,.0f}")
    low, high = placed_target
    offset = run.started - fleet.end
    span = f"{min(coarse_first) + offset:.0f}-{max(coarse_first) + offset:.0f}s" if coarse_first else "never"
    print(
        f"  obsc coarse groups placed to first run {low:.0f}-{high:.0f}s after the history's end: {run.placed} of "
        f"{len(coarse_first)};\n  they first ran at {span}; late (a 5m sample lost): {run.late}; "
        f"before their fast group: {coarse_before_fast(run)}"
    )


def coarse_before_fast(run: Run) -> int:
    """obsc coarse groups whose first run came before their fast group's: their alerts then read nothing."""
    first = {key: min(g.evaluations) for key, g in run.log.groups.items() if g.evaluations}
    early = 0
    for (file, name), when in first.items():
        if name.endswith("-coarse"):
            fast = first.get((file, name.removesuffix("-coarse") + "-slo"))
            early += fast is None or fast > when
    return early


def report(run: Run, fleet: Fleet, files: list[RuleFile], placed_target: tuple[float, float], warmup: float) -> None:
    coarse_first = [min(g.evaluations) - run.started for g in run.log.groups.values() if g.interval > run.evaluation]
    print_setup(run, fleet, placed_target, coarse_first)
    shown = "".join(f"\n    {line}" for line in run.server_log[:5])
    print(f"  server log: {len(run.server_log)} warnings, errors or compactions{shown}")
    print_cost(run, files, warmup)
    print_accuracy(run)
    print()
    print_alerts(run, fleet)
