"""Generated promtool unit tests (the files): every alert a service emits, proven to fire and proven to stay quiet.

Each alert rule gets a positive case (inputs that make it fire; the test asserts its exact labels and
annotations, and every other alert of the same name firing at that moment) and negative cases: inputs
at 0.8x its line; for burn-rate alerts a burst that ended (short window back under the line) and a
fresh spike the long window has not caught up with; too few failed events (min_bad_events) or the low-traffic
floor. Inputs are the recorded series the alerts read, so every SLI kind and free-PromQL metric is
testable; SLO recording rules get their own cases from raw counters where obsc can synthesise series
the selectors match. Every mutant of the examples' alert expressions fails a case
(tests/test_prometheus_mutations.py).

Expected values are computed here from the model (an oracle independent of the PromQL), with inputs
chosen so that values are exact or far from any rounding edge of the annotation text.

Seven files per service at most: `<service>.test.yaml`, for alerts that compare with a day or a week ago
`<service>.long.test.yaml` (SLODataMissing's silent groups too: missing_silent.py) and, evaluated off the
quarter-hour, `<service>.offgrid.test.yaml` (their busy-slot counts: stopped_cases.py), at 2m
`<service>.twins.test.yaml`: the missing-data twins, whose sparse branch counts evaluations at the interval
(missing_scrapes.py), at 1m `<service>.scrapes.test.yaml`: ServiceDown's
crash loop and the alerts' holds (`for`, `keep_firing_for`: hold_cases.py), which the main file's 30m steps
cannot tell apart, but those a coarser grid pins as well, in `<service>.holds.test.yaml` at the service's grid
(hold_grid.py), and at a declared evaluation interval other than 1m `<service>.interval.test.yaml`
(interval_cases.py); each with the longest evaluation step its cases allow: promtool
evaluates every rule at every step from 0 (a week at 1-minute steps took 21 s in one file). Cases
of different SLOs run side by side in one test group (see `merge`).
"""

from __future__ import annotations

from operator import itemgetter

from compiler import conventions as names
from compiler.model.types import Service
from compiler.model.units import format_duration
from compiler.output.bundle import Artifact
from compiler.targets.prometheus.promtool.cases import LONG_STEP, MAIN_STEP, OFFGRID_STEP, Case, Firing, merge, selector
from compiler.targets.prometheus.promtool.down_handover_cases import handover_cases
from compiler.targets.prometheus.promtool.down_loop_cases import STEP as SCRAPE_STEP
from compiler.targets.prometheus.promtool.down_loop_cases import crash_loop_cases
from compiler.targets.prometheus.promtool.down_steady_cases import scrape_steady_cases
from compiler.targets.prometheus.promtool.hold_cases import hold_cases
from compiler.targets.prometheus.promtool.hosts import host
from compiler.targets.prometheus.promtool.interval_cases import interval_cases
from compiler.targets.prometheus.promtool.key_cases import key_cases
from compiler.targets.prometheus.promtool.key_missing_cases import request_twin_cases
from compiler.targets.prometheus.promtool.missing_bucket import bucket_cases
from compiler.targets.prometheus.promtool.missing_scrapes import STEP as TWIN_STEP
from compiler.targets.prometheus.promtool.missing_scrapes import scrape_cases
from compiler.targets.prometheus.promtool.missing_silent import offgrid_silent_case, silent_case
from compiler.targets.prometheus.promtool.relay_gap_cases import relay_gap_cases
from compiler.targets.prometheus.promtool.slice_cases import slice_cases
from compiler.targets.prometheus.promtool.slo_cases import slo_cases
from compiler.targets.prometheus.promtool.slo_group_cases import group_cases
from compiler.targets.prometheus.promtool.slo_handover_cases import floored_handover_cases
from compiler.targets.prometheus.promtool.slo_more_cases import more_slo_cases
from compiler.targets.prometheus.promtool.stopped_cases import offgrid_cases, stopped_cases
from compiler.targets.prometheus.promtool.threshold_cases import family_cases, threshold_cases
from compiler.targets.prometheus.rule_model import ServiceRules
from compiler.targets.prometheus.yaml_emit import fresh_value, key, value


def test_files(service: Service, rules: ServiceRules, evaluation_seconds: int = 60) -> list[Artifact]:
    alert_lanes, raw_lanes = slo_cases(service, rules, MAIN_STEP)
    keys: list[Case] = []
    long: list[Case] = []
    for case, is_long in key_cases(service, rules, MAIN_STEP, LONG_STEP):
        (long if is_long else keys).append(case)
    keys.extend(threshold_cases(service, rules, MAIN_STEP))
    key_lanes = _lanes(keys)
    more = more_slo_cases(service, rules, MAIN_STEP, merge(raw_lanes))
    more += slice_cases(service, rules, MAIN_STEP)
    more += family_cases(service, rules, MAIN_STEP)
    more += group_cases(service, rules, MAIN_STEP)
    more = host(more, key_lanes, rules, MAIN_STEP)  # long key cases beside long groups (hosts.py)
    main = merge([*alert_lanes, *key_lanes]) + more
    main += request_twin_cases(service, rules, MAIN_STEP)  # alone: other lanes' records would feed them
    long = merge(_lanes(long))
    if (silent := silent_case(service, list(rules.alert_rules))) is not None:
        long.append(silent)  # SLODataMissing's silent groups: a day and a week back, at the long file's steps
    long += stopped_cases(service, list(rules.alert_rules))  # SLOTrafficStopped: the same, SLO-wide
    offgrid = offgrid_cases(service, list(rules.alert_rules))  # the busy-slot counts off the quarter-hour
    if (silent := offgrid_silent_case(service, list(rules.alert_rules))) is not None:
        offgrid.append(silent)
    twins = scrape_cases(service, rules)  # the twins side by side, each on its own signal
    scrapes = crash_loop_cases(service, rules)  # ServiceDown's crash-loop branch, at 1m steps
    scrapes += handover_cases(service, rules)  # and its hold into the burn page
    scrapes += relay_gap_cases(service, rules)  # and its margin over its relay's page (relay:)
    scrapes += floored_handover_cases(service, rules, SCRAPE_STEP)  # pages handed back under a restart floor
    scrapes += scrape_steady_cases(service, rules)  # its steady cases, where the main grid's gaps read as a loop
    scrapes += bucket_cases(service, list(rules.alert_rules), SCRAPE_STEP)  # a bucket gone, scrape by scrape
    fine, coarse, hold_step = hold_cases(service, rules)  # the alerts' `for` and `keep_firing_for`
    scrapes += fine  # the holds no coarser grid pins as well, at the same 1m steps
    declared = interval_cases(service, rules, evaluation_seconds)  # at the platform's interval, if not 1m
    out = []
    for part, cases, step in (
        ("", main, MAIN_STEP),
        ("long", long, LONG_STEP),
        ("twins", twins, TWIN_STEP),
        ("scrapes", scrapes, SCRAPE_STEP),
        ("holds", coarse, hold_step),
        ("offgrid", offgrid, OFFGRID_STEP),
        ("interval", declared, evaluation_seconds),
    ):
        if cases:
            path = names.promtool_test_path(service.name, part)
            out.append(Artifact(path, _file_text(service, rules, cases, step)))
    return out


def _lanes(cases: list[Case]) -> list[list[Case]]:
    """Key-metric and threshold cases as lanes for `merge`: cases feeding the same series run one after
    another, the others side by side (each alert kind reads its own recorded signal, which no rule derives
    from another's: the error rate beside the latency, the error types beside the request rate)."""
    lanes: list[tuple[set[str], list[Case]]] = []
    for case in cases:
        fed = {s.name for s in case.series}
        sharing = [lane for lane in lanes if lane[0] & fed]
        if not sharing:
            lanes.append((fed, [case]))
            continue
        first = sharing[0]  # a case feeding two lanes' series joins them (in order) into one
        for other in sharing[1:]:
            first[0].update(other[0])
            first[1].extend(other[1])
            lanes.remove(other)
        first[0].update(fed)
        first[1].append(case)
    return [members for _, members in lanes]


def _duration(seconds: int) -> str:
    return format_duration(seconds) if seconds else "0m"


# The test file is written line by line from the cases (the shape `dump` would give the equivalent dicts,
# byte for byte: tests/test_direct_yaml.py compares the two): building a dict per case, series and alert
# only for the generic writer to walk them again was a third of the promtool stage. Indents are fixed by
# the shape: a case's keys at 4 spaces, its lists' items at 8, an expected alert's labels at 14.
def _case_lines(case: Case, out: list[str], seen: _Seen) -> None:
    """An item of `out` may hold several lines."""
    append = out.append
    append("  - name:" + value(case.name, "      ") + "\n    interval:" + value(_duration(case.interval), "      "))
    if case.series:
        append("    input_series:")
        series_line, values_line = _SERIES.get, _VALUES.get
        out += [
            (series_line((name, labels)) or _series_line(name, labels)) + (values_line(values) or _values_line(values))
            for name, labels, values in case.series
        ]
    else:
        append("    input_series: []")
    if case.alerts:
        append("    alert_rule_test:")
        check_lines, firings = _CHECKS.get, seen.firings
        for at, alertname, fired in case.alerts:
            head = check_lines((at, alertname)) or _check_lines(at, alertname)
            if not fired:
                append(head + "\n        exp_alerts: []")
                continue
            append(head + "\n        exp_alerts:")
            for f in fired if len(fired) == 1 else sorted(fired, key=_labels_of):
                append(firings.get(f) or seen.firing_lines(f))
    if case.exprs:
        append("    promql_expr_test:")
        for expr in case.exprs:
            # (an expression names its service: written once, not worth remembering)
            append("      - expr:" + _fresh(expr.expr, "          "))
            append("        eval_time:" + value(_duration(expr.at), "          "))
            if not expr.samples:
                append("        exp_samples: []")
                continue
            append("        exp_samples:")
            for labels_text, number in expr.samples:
                append("          - labels:" + _fresh(labels_text, "              "))
                append("            value:" + value(number, "              "))


_labels_of = itemgetter(0)  # an expected alert's labels: the order promtool's expected alerts are listed in


def _fresh(item: object, indent: str) -> str:
    """`value` for text written once per file or fleet (remembering it would only cost)."""
    return fresh_value(item, indent) if type(item) is str else value(item, indent)


class _Seen:
    """What one file has written already: the lines of each expected alert (expected at several times and in
    several merged cases) and of each alert's labels (an alert rule's labels are the same whatever its value)."""

    def __init__(self) -> None:
        self.firings: dict[Firing, str] = {}
        self._labelled: dict[tuple[tuple[str, str], ...], str] = {}

    def firing_lines(self, f: Firing) -> str:
        head = self._labelled.get(f.labels)
        if head is None:
            head = self._labelled[f.labels] = _mapping("          - exp_labels:", f.labels)
        lines = self.firings[f] = head + "\n" + _mapping("            exp_annotations:", f.annotations)
        return lines


def _mapping(head: str, items: tuple[tuple[str, str], ...]) -> str:
    """`head` and its mapping's lines (`{}` when empty), indented under an expected alert."""
    if not items:
        return head + " {}"
    known = _PAIRS.get
    return head + "".join([known(pair) or _pair_line(pair) for pair in dict(items).items()])


def _pair_line(pair: tuple[str, str]) -> str:
    name, item = pair
    if type(item) is not str:  # (True, 1 and 1.0 are one key, each spelled its own way: not remembered)
        return "\n              " + key(name) + value(item, "                ")
    if len(_PAIRS) >= _LIMIT:
        _PAIRS.clear()
    line = _PAIRS[pair] = "\n              " + key(name) + fresh_value(item, "                ")  # (the memo)
    return line


# A service's cases feed the same few series again and again (~300 selectors, ~60 distinct, per rich
# service) with few distinct values, and check few alert names at few times: each such line is rendered
# once. Bounded like the writer's caches: cleared when full. (A values line starts with its line break: a
# series is one item of the file's list, its two lines joined.)
_SERIES: dict[tuple[str, tuple[tuple[str, str], ...]], str] = {}
_VALUES: dict[str, str] = {}
_CHECKS: dict[tuple[int, str], str] = {}
# An expected alert's label or annotation line: the service's labels, runbook and dashboard links repeat in
# every alert of a file (only the description changes with the value).
_PAIRS: dict[tuple[str, str], str] = {}
_LIMIT = 1 << 14


def _series_line(name: str, labels: tuple[tuple[str, str], ...]) -> str:
    if len(_SERIES) >= _LIMIT:
        _SERIES.clear()
    line = _SERIES[(name, labels)] = "      - series:" + fresh_value(selector(name, labels), "          ")
    return line


def _values_line(values: str) -> str:
    if len(_VALUES) >= _LIMIT:
        _VALUES.clear()
    line = _VALUES[values] = "\n        values:" + value(values, "          ")
    return line


def _check_lines(at: int, alertname: str) -> str:
    if len(_CHECKS) >= _LIMIT:
        _CHECKS.clear()
    lines = _CHECKS[(at, alertname)] = (
        "      - eval_time:"
        + value(_duration(at), "          ")
        + "\n        alertname:"
        + value(alertname, "          ")
    )
    return lines


def _file_text(service: Service, rules: ServiceRules, cases: list[Case], step: int) -> str:
    rule_file = names.prometheus_rules_path(service.name)
    relative = "../" + rule_file.split("/", 1)[1]
    out = [
        f"# promtool test rules for {service.name}; rule_files is the plain layout's path (with",
        "# --format prometheus-operator or mimir, `obsc compile` extracts the groups there before testing).",
        "rule_files:",
        "  -" + value(relative, "    "),
        "evaluation_interval:" + value(format_duration(step), "  "),
    ]
    if rules.groups:
        out.append("group_eval_order:")
        out.extend("  -" + value(g.name, "    ") for g in rules.groups)
    else:
        out.append("group_eval_order: []")
    if cases:
        out.append("tests:")
        seen = _Seen()
        for case in cases:
            _case_lines(case, out, seen)
    else:
        out.append("tests: []")
    return "\n".join(out) + "\n"
