"""An SLO's alert cases side by side in one test group, their inputs told apart by a LANE label.

Cases that set the same windows to other values can neither share a state nor, as they set the coarse
tier that the long windows read over days, run in turn on one timeline: each took a test group (~30 ms of
promtool each for a rich service). The budget alerts compare the remaining budget per series
(`max without (window)`, `and` on every label), so a series that carries `obsc_lane="lane-1"` fires, or
not, on its own. A burn-rate alert compares its long window per series too, but joins its short window
and traffic guard `and on (service, slo)`, where the lane label is dropped: a lane's long window meets
every lane's short window and guard. The planner (slo_plan.py) runs cases side by side only where that
changes no alert of any lane; each case then expects its alerts with its lane label.
"""

from __future__ import annotations

import re

from compiler.model.promql_text import emptied
from compiler.targets.prometheus.counted_short import LESS_ONE, ONE_SHOWN
from compiler.targets.prometheus.promtool.cases import AlertCheck, Case, Firing
from compiler.targets.prometheus.rule_model import Rule

# What would drop or ignore the lane label between the inputs and the alert: a join or an aggregation
# naming its labels, i.e. a `(` whose word before it (spaces allowed between) is one of these. `max without
# (window)` keeps it. A join that only filters, `and on (...)`, keeps the left-hand side's series (and labels)
# when any series on the right matches on those labels. `or` and `unless` anywhere mix series of both sides.
# Read by splitting at `(` rather than by a regular expression: a rich service's burn-rate rules are read for
# every SLO, and a regex stepping through each position of each rule was ~2% of a cold compile.
_DROP_WORDS = frozenset({"on", "ignoring", "by", "group_left", "group_right"})


def lane_safe(rules: list[Rule]) -> bool:
    """Whether every one of the budget `rules` keeps each label of the series it reads."""
    return bool(rules) and not any(_drops_labels(emptied(r.expr), filter_joins=False) for r in rules)


def joins_lanes(rules: list[Rule]) -> bool:
    """Whether each of the burn-rate `rules` keeps the labels of its left-hand side and joins the rest only as a
    filter (`and on (...)`): then a lane fires when its own left side holds and any lane's right sides do. The
    short window's side that slo.py writes (over the line, or no ratio at all) is such a right side:
    lane_faults.Short names its operands, and lane_faults._together reads them side by side."""
    for rule in rules:
        # Strings emptied: a service named `svc-or` is not a set operation (nor any word of a label value).
        expr = _short_side_read(emptied(rule.expr))
        if _has_set_op(expr) or _drops_labels(expr, filter_joins=True):
            return False
    return True


def _short_side_read(expr: str) -> str:
    """`expr` with each short-window side exactly as slo.py writes it, eight lines: `(`, `  S > T`, `  or`,
    `  max without (window) (L)`, `  unless on (...)`, `  S`, `  and on (...) ALERTS{...}`, `)`, read as `S > T`
    (the pair's own ALERTS hold: lane_faults.Judge keeps a lane that holds apart from one that does not)."""
    lines = expr.split("\n")
    out: list[str] = []
    i = 0
    while i < len(lines):
        side = lines[i : i + 8]
        if len(side) == 8 and side[0] == "(" and side[7] == ")" and _is_short_side(side) and _is_held(side[6]):
            out.append(_started(side[1].strip()))
            i += 8
        else:
            out.append(lines[i])
            i += 1
    return "\n".join(out)


def _is_short_side(side: list[str]) -> bool:
    over, either, branch, unless, short = (line.removeprefix("  ") for line in side[1:6])
    name, _, line = _started(over).partition(" > ")
    return (
        bool(line)
        and (name == short or _is_counted(short, name, line) or _is_sliced(short, name))
        and either == "or"
        and _is_branch(branch, line)
        and unless.startswith("unless on (")
        and unless.endswith(")")
        and not _has_set_op(name + line)
        and "(" not in unless[len("unless on (") : -1]
    )


def _started(over: str) -> str:
    """`S > L` of an event-count page pair's start, `(S > L and (E * N - 1 > T * N * L or T * N * L <= 0.1
    unless on (...) max_over_time(ALERTS{...}[W])) or S > L and on (...) ALERTS{...})`
    (counted_short.started_by_counted_short): S, its errors E and its total T joined on every label (the lane's
    own), so a lane starts on its own events, the SLO's page joined as a filter; a time-slice one's,
    `(S > L and (B - 1 > C * L or S unless on (...) max_over_time(ALERTS{...}[W])) or S > L and on (...) ...)`, its
    bad slices B and slices C the lane's own, the SLO's page joined as a filter; the hold joined as a filter, like
    the side's own (lane_faults keeps a lane that holds apart from one that does not). With a restart floor (round
    50: counted_short.restart_floor) either is `(<that> unless (X < F and on (...) <page fired> unless (Y >= 1 and
    on (...) <page up> or X and on (...) <its own page up>)))` (round 53: counted_short._floored), X the lane's own
    E * N or B, Y its T * N * L or C * L, the pages filters. Any other text: as it is (a ticket pair's start is its
    plain `S > L`: counted_short.start_counted; Burn.started tells the judge)."""
    inner, refusal = _refused(over)
    name, _, rest = inner.removeprefix("(").removesuffix(")").partition(" > ")
    line, _, rest = rest.partition(" and (")
    first = f"{name} > {line}"
    counted, _, hold = rest.partition(f") or {first} ")
    start, _, lone = _outer_partition(counted, " or ")
    failed, _, shown = start.partition(f" - {LESS_ONE} > ")
    if _is_plain(failed):  # a time-slice pair's bad slices B (`B - 1 > C * L or S unless on (...) <page fired>`)
        slices, _, read = shown.partition(" * ")
        paged = lone.removeprefix(f"{name} unless ")
        own = not refusal or _own_floor(refusal, failed, shown)
        if _is_plain(name) and _is_plain(slices) and read == line and _PAGED.fullmatch(paged) and _is_held(hold):
            return first if own else over
        return over
    bad, _, seconds = failed.partition(" * ")
    total, _, read = shown.partition(f" * {seconds} * ")
    plain = all(_is_plain(x) for x in (name, bad, total)) and seconds.isdigit() and not _has_set_op(line)
    number, _, paged = lone.removeprefix(f"{shown} <= ").partition(" unless ")
    single = lone.startswith(f"{shown} <= ") and _is_number(number) and _PAGED.fullmatch(paged) is not None
    if refusal:  # the lane's own E and T, the pages filters
        single = single and _own_floor(refusal, failed, shown)
    if plain and read == line and single and _is_held(hold):
        return first
    return over


def _refused(over: str) -> tuple[str, str]:
    """A floored start, `(<start> unless (<refusal>))`, as (`<start>`, `<refusal>`); any other text as it is, and ""."""
    if not over.startswith("((") or not over.endswith("))"):
        return over, ""
    start, _, refusal = _outer_partition(over[1:-1], " unless ")
    if not refusal.startswith("(") or not refusal.endswith(")"):
        return over, ""
    return start, refusal[1:-1]


def _outer_partition(text: str, sep: str) -> tuple[str, str, str]:
    """`text.partition(sep)` at the first `sep` outside any parenthesis."""
    depth = 0
    for i, char in enumerate(text):
        depth += {"(": 1, ")": -1}.get(char, 0)
        if depth == 0 and text.startswith(sep, i):
            return text[:i], sep, text[i + len(sep) :]
    return text, "", ""


def _own_floor(refusal: str, count: str, shown: str) -> bool:
    """`X < F and on (...) <page fired> unless (Y >= 1 and on (...) <page up> or X and on (...) <its own page up>)`
    (counted_short._floored): the restart floor on the lane's own `count` X, waived by a page up where its own
    `shown` Y is one failure or more, or by its own page; the pages joined as filters."""
    number, _, rest = refusal.removeprefix(f"{count} < ").partition(" and ")
    paged, _, waived = rest.partition(f" unless ({shown} >= {ONE_SHOWN} and ")
    up, _, own = waived.removesuffix(")").partition(f" or {count} and ")
    fits = refusal.startswith(f"{count} < ") and _is_number(number) and _PAGED.fullmatch(paged) is not None
    return fits and waived.endswith(")") and all(_ALERTS_ON.fullmatch(x) for x in (up, own))


def _is_number(text: str) -> bool:
    return text.replace(".", "", 1).isdigit()


def _is_counted(short: str, name: str, line: str) -> bool:
    """`(S and T * N * line >= 1)` (counted_short.py): S with enough events, its total T joined on every
    label (the lane's own), so a lane's short window is present exactly when its own events suffice (a ticket
    pair's `T * N * line - E * N >= 1`, its errors E the lane's own too); or
    `(S and T * N * line >= 1 or B)`, B a plain series (a page pair's burst over: counted_short.event_burst_record,
    joined `ignoring (window)`, so a lane's B says so of its own events)."""
    head, tail = f"({name} and ", f" >= {ONE_SHOWN})"
    counted, _, over = short.removesuffix(")").rpartition(f" >= {ONE_SHOWN} or ")
    if counted and _is_plain(over):
        short = f"{counted}{tail}"
    shown = short[len(head) : -len(tail)]
    fits = short.startswith(head) and short.endswith(tail) and len(short) > len(head) + len(tail)
    total, _, room = shown.partition(f" * {line}")
    kept = room.removeprefix(" - ")  # a ticket pair's errors, `E * N`
    return fits and _is_count(total) and (not room or (kept != room and _is_count(kept)))


def _is_count(count: str) -> bool:
    """`X * N`: a plain series X (the lane's own) times a whole number of seconds."""
    series, _, seconds = count.partition(" * ")
    return _is_plain(series) and seconds.isdigit()


def _is_plain(series: str) -> bool:
    """A series selector with no operator: `name{...}` (strings emptied)."""
    return bool(series) and not _has_set_op(series) and "(" not in series and " " not in series


def _is_sliced(short: str, name: str) -> bool:
    """`(S and C * ignoring (window) group_left max without (window) (R or ...) >= 1.35)` (counted_short.sliced):
    S where its slices C show the pair's gate (1.35) of bad ones at the highest ratio R above it, all joined on
    every label but `window` (the lane's own), so a lane's short window is present exactly when its own slices
    suffice."""
    head = f"({name} and "
    return short.startswith(head) and short.endswith(")") and _slice_gate(short[len(head) : -1])


_SLICE_JOIN = " * ignoring (window) group_left max without (window) ("
_SLICE_LINE = re.compile(r"\) >= (?:[1-9]\d*(?:\.\d+)?|0\.\d*[1-9])$")  # a gate over 0 (counted_short.slice_gate)


def _slice_gate(gate: str) -> bool:
    """`C * ignoring (window) group_left max without (window) (R or ...) >= 1.35`: plain series, `or` only
    between the ratios (each keeps its lane's series; the `max` picks per lane)."""
    count, _, rest = gate.partition(_SLICE_JOIN)
    line = _SLICE_LINE.search(rest)
    ratios = rest[: line.start()] if line else rest
    if not rest or ratios == rest or not count:
        return False
    parts = [count, *ratios.split(" or ")]
    return all(p and not _has_set_op(p) and "(" not in p and ")" not in p and " " not in p for p in parts)


def _is_held(line: str) -> bool:
    """`  and on (...) ALERTS{...}`: the pair's own alert, joined as a filter (strings already emptied)."""
    join, _, held = line.removeprefix("  ").partition(") ")
    return join.startswith("and on (") and "(" not in join[len("and on (") :] and _HELD.fullmatch(held) is not None


# the SLO's page fired (counted_short.paged_within), joined as a filter: one lane's page stops every lane's start
# on one bad slice (lane_faults.Judge keeps those apart)
_PAGED = re.compile(r"on \([^()]*\) max_over_time\(ALERTS\{[^{}()]*\}\[\w+\]\)")
# the floor's page: fired within the long window, and no page pair of the SLO firing now (counted_short.paged_now)
_ALERTS_ON = re.compile(r"on \([^()]*\) ALERTS\{[^{}()]*\}")  # a page up (counted_short._floored), as a filter
_HELD = re.compile(r"ALERTS\{[^{}()]*\}|last_over_time\(ALERTS\{[^{}()]*\}\[\w+\]\)")  # a coarse pair's: slo.py
_WITHOUT_WINDOW = "max without (window) ("


def _is_branch(branch: str, line: str) -> bool:
    """The long window, `max without (window) (L)`, or the newest of the steps and it over the line,
    `(max without (window) (A) or ... or max without (window) (L)) > line` (slo.py): each operand keeps
    its lane's series, and `or` picks per lane (their labels are equal but for the lane)."""
    newest = branch.removeprefix("(").removesuffix(f") > {line}")
    if newest != branch and len(newest) == len(branch) - len(f"() > {line}"):
        *steps, long = _split_or(newest)
        return all(_is_long(part, line) for part in steps) and _is_long(long)
    return _is_long(branch)


def _split_or(text: str) -> list[str]:
    """`text` split at each ` or ` outside parentheses (a time-slice step's gate has its own: counted_short.py)."""
    parts, depth, start = [], 0, 0
    for i, char in enumerate(text):
        depth += (char == "(") - (char == ")")
        if depth == 0 and text.startswith(" or ", i):
            parts.append(text[start:i])
            start = i + len(" or ")
    return [*parts, text[start:]]


def _is_long(operand: str, line: str = "") -> bool:
    """`max without (window) (L)`; with the pair's `line`, a step, also `max without (window) (R and T * N *
    line >= 1)` (counted_short.counted_step): R with enough events, T joined on every label (the lane's own);
    or `max without (window) (R and <the slice gate of _slice_gate>)`, R with enough slices."""
    inner = operand.removeprefix(_WITHOUT_WINDOW)
    if inner == operand or not inner.endswith(")"):
        return False
    inner = inner[:-1]
    ratio, _, count = inner.partition(" and ")
    if line and count and _slice_gate(count):  # a time-slice step (counted_short.sliced)
        return not _has_set_op(ratio) and "(" not in ratio and " " not in ratio
    if line and count:
        total, _, tail = count.partition(" * ")
        seconds, _, rest = tail.partition(" * ")
        if rest != f"{line} >= {ONE_SHOWN}" or not seconds.isdigit() or "(" in total or _has_set_op(total):
            return False
        inner = ratio
    return not _has_set_op(inner) and "(" not in inner and " and " not in inner


def _drops_labels(expr: str, filter_joins: bool) -> bool:
    """Whether a `(` of `expr` opens the labels of a join or aggregation (`on (`, `by(`, `without (` but not
    `without (window)`); with `filter_joins`, not those of an `and on (` either."""
    chunks = expr.split("(")
    for i in range(len(chunks) - 1):
        before = chunks[i].rstrip()
        word = _last_word(before)
        if word in _DROP_WORDS:
            # (`and` must end the text before `on`: a word character between would have joined `on`)
            if not (filter_joins and word == "on" and _last_word(before[:-2].rstrip()) == "and"):
                return True
        elif word == "without":
            after = chunks[i + 1].lstrip()
            if not (after.startswith("window") and after[6:].lstrip().startswith(")")):
                return True
    return False


def _last_word(text: str) -> str:
    """The run of word characters (as `\\w` matches them) that `text` ends with."""
    i = len(text)
    while i and _is_word_char(text[i - 1]):
        i -= 1
    return text[i:]


def _has_set_op(expr: str) -> bool:
    """Whether `expr` holds the word `or` or `unless`."""
    for word in ("or", "unless"):
        start = expr.find(word)
        while start >= 0:
            end = start + len(word)
            if not _is_word_char(expr[start - 1 : start]) and not _is_word_char(expr[end : end + 1]):
                return True
            start = expr.find(word, start + 1)
    return False


def _is_word_char(char: str) -> bool:
    """Whether `char` (one character, or none) is one `\\w` matches."""
    return char.isalnum() or char == "_"


def side_lanes(cases: list[Case], joined: set[str]) -> Case:
    """`cases` (each with its own LANE value but the first) as one: every alert name any of them checks, at
    each time any of them checks it, with what each lane predicts for it (`joined`: the alerts that read
    the lanes' inputs; what the others predict, the first lane speaks for, with the alerts' own labels)."""
    first = cases[0]
    predicts = [c.predict for c in cases if c.predict is not None]
    assert first.predict is not None and len(predicts) == len(cases)

    def predict(name: str, at: int) -> tuple[Firing, ...]:
        if name not in joined:
            return first.predict(name, at) if first.predict is not None else ()
        return tuple(f for p in predicts for f in p(name, at))

    asked = sorted({(check.at, check.alertname) for c in cases for check in c.alerts})
    checks = tuple(AlertCheck(at, name, predict(name, at)) for at, name in asked)
    title = "; ".join(c.name for c in cases)
    until = min((c.until for c in cases if c.until is not None), default=None)
    return Case(title, first.interval, tuple(s for c in cases for s in c.series), checks, predict=predict, until=until)
