"""One promtool unit test of hand-written inputs against a compiled rule file: the harness of the tests that
judge obsc's rules from first principles rather than by obsc's own test generator."""

from __future__ import annotations

import re
import subprocess
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path

import yaml

from compiler import conventions as names
from tests.conftest import require_tool

_NAME = re.compile(r"[a-zA-Z_:][a-zA-Z0-9_:]*")
# The kinds of test file that tests/test_hold_feed.py runs whole with promtool for every golden (their holds feed
# recorded series a rule of the same file may write: only a whole run shows it). A test that runs a golden's test
# files whole (or the same specs compiled afresh: the same bytes, test_golden.py) leaves these out.
RUN_BY_HOLD_FEED = ("scrapes", "holds", "twins")


def run_by_hold_feed(test_file: str) -> bool:
    """Whether a generated test file (by its name) is of a kind test_hold_feed.py runs whole for every golden."""
    return any(test_file.endswith(f".{kind}.test.yaml") for kind in RUN_BY_HOLD_FEED)


# libyaml's parser and writer where built (~8x less CPU than PyYAML's own): the rule files cut here are obsc's
# output read as data, and what is written is promtool's input, whose data (not its text style) is the point.
_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_DUMPER = getattr(yaml, "CSafeDumper", yaml.SafeDumper)


def rules_read_by(
    rules: str, exprs: Sequence[str] = (), alert: Callable[[Mapping[str, object]], bool] = lambda rule: False
) -> str:
    """The rule file `rules` cut to the alerts `alert` picks and the records those alerts and `exprs` read,
    directly or through other records (groups left empty go). promtool evaluates every rule at every step
    until the last check, so a rule nothing checked reads only costs time; annotations go too. Reads the
    names cannot tell keep more: a `__name__` matcher keeps every record; a kept rule's ALERTS read keeps every
    alert it can see (`_alerts_seen_by`; the checks' own ALERTS reads are the caller's to pick: rules_checked_by)."""
    data = yaml.load(rules, Loader=_LOADER)
    groups: list[dict[str, object]] = data["groups"]
    every_rule = [r for g in groups for r in g["rules"]]  # type: ignore[attr-defined]
    records = [r for r in every_rule if "record" in r]
    alerts = [r for r in every_rule if "alert" in r]
    kept = [r for r in alerts if alert(r)]
    reads = [*exprs, *(str(r["expr"]) for r in kept)]
    chosen = {id(r) for r in kept}
    while True:  # a record a read can see is needed, and what it reads; an alert a kept rule's ALERTS read sees
        every = any("__name__" in text for text in reads)
        more = [r for r in records if id(r) not in chosen and (every or any(_record_seen_by(t, r) for t in reads))]
        rule_reads = reads[len(exprs) :]  # the checks' own ALERTS reads are the caller's to pick
        seen = [r for r in alerts if id(r) not in chosen and any(_alerts_seen_by(t, r) for t in rule_reads)]
        if not more and not seen:
            break
        chosen |= {id(r) for r in [*more, *seen]}
        reads += [str(r["expr"]) for r in [*more, *seen]]
    out = []
    for group in groups:
        rules_kept = [r for r in group["rules"] if id(r) in chosen]  # type: ignore[attr-defined]
        for rule in rules_kept:
            rule.pop("annotations", None)
        if rules_kept:
            out.append({**group, "rules": rules_kept})
    return yaml.dump({"groups": out}, Dumper=_DUMPER, sort_keys=False)


_ALERTS_READ = re.compile(r"\bALERTS(?:_FOR_STATE)?\b(?:\{([^}]*)\})?")
_MATCHER = re.compile(r'([a-zA-Z_]\w*)\s*(=~|!=|!~|=)\s*"((?:[^"\\]|\\.)*)"')


def _alerts_seen_by(expr: str, alert: Mapping[str, object]) -> bool:
    """Whether an ALERTS or ALERTS_FOR_STATE read of `expr` can select a series of the alerting rule `alert`.
    Such a series carries the rule's name as `alertname` and its static labels over whatever its expression
    gives, so a read with an exact matcher that disagrees with the name, or with a static label written without
    a template, cannot. Every other matcher (a pattern, a negation, a quoting not parsed here) is taken to match,
    and a `__name__` matcher or a bare ALERTS sees every alert: the cut keeps more, never less."""
    if "__name__" in expr:
        return True
    labels = alert.get("labels")
    items = labels.items() if isinstance(labels, dict) else ()
    static = {k: v for k, v in items if isinstance(v, str) and "{{" not in v}  # a YAML 1 or true: not compared
    static["alertname"] = str(alert["alert"])
    return any(
        all(
            op != "=" or "\\" in value or label not in static or static[label] == value
            for label, op, value in _MATCHER.findall(read.group(1) or "")
        )
        for read in _ALERTS_READ.finditer(expr)
    )


def _record_seen_by(expr: str, record: Mapping[str, object]) -> bool:
    """Whether `expr` reads a series of the recording rule `record`: its name as a word, with no exact matcher
    that disagrees with a static label the rule sets (the rule's labels override what its expression gives, so
    `slo:ratio5m{slo="b"}` never sees the record of `slo: a`). A read with another matcher keeps the record."""
    name = str(record["record"])
    labels = record.get("labels")
    items = labels.items() if isinstance(labels, dict) else ()
    static = {k: v for k, v in items if isinstance(v, str) and "{{" not in v}
    for read in re.finditer(r"(?<![\w:])" + re.escape(name) + r"(?![\w:])(\s*\{[^}]*\})?", expr):
        matchers = _MATCHER.findall(read.group(1) or "")
        if all(op != "=" or "\\" in value or static.get(label, value) == value for label, op, value in matchers):
            return True
    return False


def rules_checked_by(rules: str, exprs: Sequence[str]) -> str:
    """`rules` cut by rules_read_by to what the promtool checks `exprs` read: the records they name and the
    alerts their ALERTS reads can see (`_alerts_seen_by`: by `alertname` and static labels). An alert no check
    can see changes what the checks see only through a kept rule's ALERTS read, which rules_read_by follows."""
    return rules_read_by(rules, exprs, alert=lambda rule: any(_alerts_seen_by(e, rule) for e in exprs))


def groups_copy(test_file: Path, keep: Callable[[Mapping[str, object]], bool], name: str) -> Path:
    """A copy of a generated promtool test file, named `name` beside it (its rule_files stay relative), with only
    the test groups `keep` picks, at least one: for a second run that only those groups can see the change of."""
    doc = yaml.load(test_file.read_text(), Loader=_LOADER)
    doc["tests"] = [group for group in doc["tests"] if keep(group)]
    assert doc["tests"], f"{test_file}: no test group to keep"
    copy = test_file.with_name(name)
    copy.write_text(yaml.dump(doc, Dumper=_DUMPER, sort_keys=False))
    return copy


def checks_alert(alert: str) -> Callable[[Mapping[str, object]], bool]:
    """Whether a test group has an alert_rule_test of `alert`."""

    def keep(group: Mapping[str, object]) -> bool:
        checks = group.get("alert_rule_test") or []
        return any(c["alertname"] == alert for c in checks)  # type: ignore[attr-defined]

    return keep


def promtool_report(
    tmp_path: Path,
    rules: str | Sequence[str],
    series: Mapping[str, str],
    exprs: Sequence[Mapping[str, object]],
    evaluation_interval: str = "30s",
    group_eval_order: Sequence[str] = (),
    input_interval: str = "1m",
    recorded_for_a_month: Sequence[Mapping[str, str]] = (),
) -> str:
    """promtool's report on `exprs` (expression tests) over `series` (selector → values at `input_interval`
    steps), with the rule file or files `rules` (names in `tmp_path`; none for raw series only); '' when every
    check passes. With `recorded_for_a_month` (label sets: `{}` for an SLO without `by:`, `{"tenant": "acme"}` for
    a group) each SLO of the rules, or each such group of it, has been recorded for a month (month_of_history)."""
    files = [rules] if isinstance(rules, str) else list(rules)
    if recorded_for_a_month:
        series = {**month_of_history(tmp_path, files, recorded_for_a_month), **series}
    test: dict[str, object] = {"rule_files": files, "evaluation_interval": evaluation_interval}
    if group_eval_order:
        test["group_eval_order"] = list(group_eval_order)
    test["tests"] = [
        {
            "interval": input_interval,
            "input_series": [{"series": s, "values": v} for s, v in series.items()],
            "promql_expr_test": list(exprs),
        }
    ]
    (tmp_path / "t.yaml").write_text(yaml.dump(test, Dumper=_DUMPER, sort_keys=False))
    done = subprocess.run(
        [require_tool("promtool"), "test", "rules", "t.yaml"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
    )
    return "" if done.returncode == 0 else done.stdout + done.stderr


def month_of_history(tmp_path: Path, files: Sequence[str], groups: Sequence[Mapping[str, str]]) -> dict[str, str]:
    """Input series that make each SLO of the rule `files` (and each of `groups`, label sets added to its own)
    recorded for a month: its first-seen time (names.SLI_COARSE_SINCE) fed once at 0, a month back, and carried by
    its own rule from the first evaluation. Since round 43 a young SLO's 1d, 3d and period windows read the history
    they have not seen as good (compiler/targets/prometheus/coarse_history.py): a replay that compares obsc's
    tickets with a peer's rules, or watches a budget run out, is one of a service with history."""
    fed: dict[str, str] = {}
    for name in files:
        for group in yaml.safe_load((tmp_path / name).read_text())["groups"]:
            for rule in group["rules"]:
                if rule.get("record") != names.SLI_COARSE_SINCE:
                    continue
                for extra in groups:
                    labels = {**rule.get("labels", {}), **extra}
                    body = ",".join(f'{k}="{v}"' for k, v in sorted(labels.items()))
                    fed[f"{names.SLI_COARSE_SINCE}{{{body}}}"] = str(-30 * 86400)
    return fed


def pairs_firing(
    tmp_path: Path,
    rules: str,
    series: Mapping[str, str],
    slo: str,
    pairs: Sequence[str],
    watched: range,
    group: str = "",
    evaluation_interval: str = "1m",
) -> dict[str, list[int]]:
    """Burn pair (`burn_window` of `pairs`) → the minutes of `watched` it fires in, for SLO `slo` (`group`:
    extra matchers, `,route="b"`), with the rule text `rules` over `series` (1m steps), evaluated at
    `evaluation_interval` (5m: the coarse tier's interval on a server). Each check expects -1, so promtool's
    report says what each pair gave instead (1 firing, 0 not)."""
    (tmp_path / "rules.yaml").write_text(rules)
    checks = [
        {
            "expr": f'count(ALERTS{{alertstate="firing",slo="{slo}",burn_window="{pair}"{group}}}) or vector(0)',
            "eval_time": f"{minute}m",
            "exp_samples": [{"labels": "{}", "value": -1}],
        }
        for pair in pairs
        for minute in watched
    ]
    order = [g["name"] for g in yaml.safe_load(rules)["groups"]]
    report = promtool_report(
        tmp_path, "rules.yaml", series, checks, evaluation_interval=evaluation_interval, group_eval_order=order
    )
    got = re.findall(r'burn_window=\\"(\w+)\\".*?time: (\S+?),.*?got: \{\} (\S+)', report, re.DOTALL)
    assert len(got) == len(checks), report[-3000:]
    out: dict[str, list[int]] = {pair: [] for pair in pairs}
    for pair, at, value in got:
        if float(value):
            out[pair].append(minutes_of(at))
    return out


def minutes_of(text: str) -> int:
    """`3d4h10m`, `7h3m`, `7h`, `59m` → minutes."""
    days, _, text = text.partition("d") if "d" in text else ("0", "", text)
    hours, _, rest = text.partition("h") if "h" in text else ("0", "", text)
    return int(days) * 1440 + int(hours) * 60 + int(rest.rstrip("m") or 0)


def counter_values(stretches: Sequence[tuple[int, float, int]], ok: str, failed: str) -> dict[str, str]:
    """promtool input values, a sample a minute, of an ok and a failed request counter over `stretches` of
    (minutes, share of requests failing, requests a minute)."""
    good = bad = 0
    oks, fails = [], []
    for minutes, share, rate in stretches:
        for _ in range(minutes):
            failing = round(rate * share)
            good, bad = good + rate - failing, bad + failing
            oks.append(str(good))
            fails.append(str(bad))
    return {ok: " ".join(oks), failed: " ".join(fails)}


def alert_fires(tmp_path: Path, rules: str, alert: str, series: Mapping[str, str], eval_time: str = "2h") -> bool:
    """Whether `alert` of the rule file `rules` (cut to what it reads) fires at `eval_time` over `series`
    (selector → values at 1m steps): promtool is told to expect it quiet, and its report on a firing alert is
    checked to name it (any other failure is an error of the test's inputs)."""
    (tmp_path / "rules.yaml").write_text(rules_read_by(rules, alert=lambda rule: rule["alert"] == alert))
    test = {
        "rule_files": ["rules.yaml"],
        "evaluation_interval": "1m",
        "tests": [
            {
                "interval": "1m",
                "input_series": [{"series": s, "values": v} for s, v in series.items()],
                "alert_rule_test": [{"eval_time": eval_time, "alertname": alert, "exp_alerts": []}],
            }
        ],
    }
    (tmp_path / "case.test.yaml").write_text(yaml.dump(test, Dumper=_DUMPER, sort_keys=False))
    run = subprocess.run(
        [require_tool("promtool"), "test", "rules", "case.test.yaml"], cwd=tmp_path, capture_output=True, text=True
    )
    if run.returncode == 0:
        return False  # quiet, as the case expects
    said = run.stdout + run.stderr
    assert f'Labels:{{alertname="{alert}"' in said, said
    return True


def firing_by_minute(test: Mapping[str, object], path: Path, checks: Sequence[int]) -> dict[int, str]:
    """Run a promtool test whose checks expect no alert (`count by (alertname) (ALERTS{...})` at each of `checks`,
    in minutes) and read what each failed check saw: minute -> the alerts promtool printed as got there."""
    promtool = require_tool("promtool")
    path.write_text(yaml.safe_dump(test))
    done = subprocess.run([promtool, "test", "rules", str(path)], capture_output=True, text=True, timeout=600)
    printed = done.stdout + done.stderr
    fired: dict[int, str] = {}
    for block in printed.split("expr:")[1:]:  # no check expects an alert: one that saw some fails and prints it
        at = minutes_of(block.split("time: ", 1)[1].split(",", 1)[0])
        fired[at] = block.split("got:", 1)[1].split("expr:", 1)[0]
    assert done.returncode == 0 or fired, printed[-2000:]
    assert set(fired) <= set(checks), printed[-2000:]
    return fired
