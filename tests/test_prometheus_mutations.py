"""Breaking any alert expression must make a generated promtool test fail (mutation testing).

Each alert rule of the compiled examples is mutated: every threshold raised by half and lowered by 40%,
every comparison flipped, every `and`/`or`/`unless` operand dropped, every recorded window swapped for
another; a grouped SLO's (`by:`) group labels dropped from every `on (...)` join and, in alerts and
recording rules, from every `sum by (...)`. A mutant survives when the service's generated tests still
pass against it. By default the sweep covers order-worker (every alert and mutation, ~10 s), the
freshness and time-slice examples (nightly-backup, homepage), the threshold alerts of orders-consumer
and the grouped storefront (the group mutations only); OBSC_MUTATION_FULL=1 sweeps
every service of the examples (minutes).
"""

from __future__ import annotations

import os
import re
import subprocess
import tempfile
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import pytest
import yaml

from compiler.api import compile_specs
from tests.conftest import FULL, ROOT, require_tool

_COMPARISON = re.compile(r"(>=|<=|==|!=|>|<)( bool)? (\((?:[^()]|\([^()]*\))*\)|-?[0-9][0-9.e+-]*)")
_FLIP = {">": "<", "<": ">", ">=": "<", "<=": ">", "==": "!=", "!=": "=="}
# Mutants that cannot change behaviour, with the reason: not survivors.
EQUIVALENT = {
    # a count of distinct versions is a whole number: "> 1.5" holds exactly when "> 1" does
    ("ServiceDeployed", "comparison 2 (> 1) raised by half"),
}
_WINDOW = re.compile(r"(ratio_rate|sli_total:rate)(5m|30m|1h|2h|6h|1d|3d)\b")
_GROUP_ON = re.compile(r"on \(service, slo, [^)]*\)")  # a grouped SLO's joins between windows
_SUM_BY = re.compile(r"\b(sum) by \([^)]*\)")
_NEXT_WINDOW = {"5m": "1h", "30m": "6h", "1h": "5m", "2h": "1d", "6h": "30m", "1d": "2h", "3d": "6h"}


@dataclass(frozen=True)
class Mutant:
    service: str
    alert: str  # the alert name, or the record name of a recording-rule mutant
    rule_index: int  # position among the file's rules (groups flattened)
    what: str
    expr: str
    record: bool = False


def mutations(expr: str) -> Iterator[tuple[str, str]]:
    """(description, mutated expression) for one alert expression."""
    for n, m in enumerate(_COMPARISON.finditer(expr), 1):
        op, bool_, rhs = m.group(1), m.group(2) or "", m.group(3)
        head, tail = expr[: m.start()], expr[m.end() :]
        where = f"comparison {n} ({op} {rhs})"
        if rhs != "0":  # scaling 0 changes nothing
            yield f"{where} raised by half", f"{head}{op}{bool_} ({rhs} * 1.5){tail}"
            yield f"{where} lowered by 40%", f"{head}{op}{bool_} ({rhs} * 0.6){tail}"
        yield f"{where} flipped", f"{head}{_FLIP[op]}{bool_} {rhs}{tail}"
    lines = expr.split("\n")
    for i, line in enumerate(lines):
        word = line.strip().split(" ")[0]
        if word in ("and", "or", "unless") and i + 1 < len(lines):
            # an operator on its own line joins the lines around it: drop it and its right operand
            yield f"dropped '{line.strip()} {lines[i + 1].strip()}'", "\n".join(lines[:i] + lines[i + 2 :])
        elif line.startswith(("and ", "or ")):
            yield f"dropped '{line.strip()}'", "\n".join(lines[:i] + lines[i + 1 :])
    for n, m in enumerate(_GROUP_ON.finditer(expr), 1):
        yield (
            f"group labels dropped from join {n} ({m.group(0)})",
            expr[: m.start()] + "on (service, slo)" + expr[m.end() :],
        )
    yield from sum_by_mutations(expr)
    for m in _WINDOW.finditer(expr):
        swapped = f"{m.group(1)}{_NEXT_WINDOW[m.group(2)]}"
        yield f"{m.group(0)} read instead as {swapped}", expr[: m.start()] + swapped + expr[m.end() :]


def sum_by_mutations(expr: str) -> Iterator[tuple[str, str]]:
    """Each `sum by (...)` of a grouped SLO summed over every group instead."""
    for n, m in enumerate(_SUM_BY.finditer(expr), 1):
        yield f"sum {n} ({m.group(0)}) without its by", expr[: m.start()] + "sum" + expr[m.end() :]


def compiled(out: Path) -> dict[str, dict[str, str]]:
    """Compile the examples; {service: {"rules": text, "<test file name>": text}}."""
    bundle = compile_specs([str(ROOT / "examples")]).bundle
    files: dict[str, dict[str, str]] = {}
    for artifact in bundle.artifacts:
        parts = artifact.path.split("/")
        if parts[0] != "prometheus":
            continue
        service = parts[2].split(".")[0]
        key = "rules" if parts[1] == "rules" else parts[2]
        files.setdefault(service, {})[key] = artifact.content
    return files


def mutants(service: str, rules_text: str) -> Iterator[Mutant]:
    data = yaml.safe_load(rules_text)
    flat = [r for g in data["groups"] for r in g["rules"]]
    for i, rule in enumerate(flat):
        if "alert" in rule:
            for what, expr in mutations(rule["expr"]):
                if (rule["alert"], what) not in EQUIVALENT:
                    yield Mutant(service, rule["alert"], i, what, expr)
        elif rule.get("labels", {}).get("slo"):
            for what, expr in sum_by_mutations(rule["expr"]):
                yield Mutant(service, rule["record"], i, what, expr, record=True)


def write_mutant(root: Path, n: int, mutant: Mutant, files: dict[str, str], promtool: str) -> Path | None:
    """A directory with the mutated rule file and the tests that mention the alert; None if it does not parse."""
    base = root / f"m{n:04d}"
    (base / "rules").mkdir(parents=True)
    (base / "tests").mkdir()
    data = yaml.safe_load(files["rules"])
    flat = [r for g in data["groups"] for r in g["rules"]]
    flat[mutant.rule_index]["expr"] = mutant.expr
    rule_file = base / "rules" / f"{mutant.service}.yaml"
    rule_file.write_text(yaml.safe_dump(data, sort_keys=False))
    if subprocess.run([promtool, "check", "rules", str(rule_file)], capture_output=True).returncode != 0:
        return None
    for name, text in files.items():
        if name == "rules":
            continue
        tests = yaml.safe_load(text)
        tests["tests"] = [t for t in tests["tests"] if _exercises(t, mutant)]
        if tests["tests"]:
            (base / "tests" / name).write_text(yaml.safe_dump(tests, sort_keys=False))
    return base


def _exercises(test: dict[str, object], mutant: Mutant) -> bool:
    """Whether a test group can see the mutant: it asserts the alert, or (a recording rule) computes the
    record from raw series instead of feeding it as an input."""
    if mutant.record:  # only expression tests read recorded series computed from raw counters
        fed = test.get("input_series") or []
        assert isinstance(fed, list)
        return bool(test.get("promql_expr_test")) and not any(
            str(s["series"]).split("{")[0] == mutant.alert for s in fed
        )
    checks = test.get("alert_rule_test") or []
    assert isinstance(checks, list)
    return any(c["alertname"] == mutant.alert for c in checks)


GROUP_MUTATIONS = ("group labels dropped", "without its by")


def survivors(
    services: list[str], only: tuple[str, ...] = (), only_groups: bool = False
) -> tuple[list[Mutant], int]:
    """Mutants of `services` that no generated test kills (of alerts named in `only`, when given), and how many ran."""
    promtool = require_tool("promtool", "PROMTOOL")
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        files = compiled(root)
        written: list[tuple[Mutant, Path]] = []
        for service in services:
            for mutant in mutants(service, files[service]["rules"]):
                if only and mutant.alert not in only:
                    continue
                if only_groups and not any(word in mutant.what for word in GROUP_MUTATIONS):
                    continue
                base = write_mutant(root, len(written), mutant, files[service], promtool)
                if base is not None:
                    written.append((mutant, base))

        def killed(item: tuple[Mutant, Path]) -> bool:
            tests = sorted(str(p) for p in (item[1] / "tests").iterdir())
            return (
                bool(tests) and subprocess.run([promtool, "test", "rules", *tests], capture_output=True).returncode != 0
            )

        with ThreadPoolExecutor(max_workers=os.cpu_count() or 2) as pool:
            results = list(pool.map(killed, written))
    return [m for (m, _), dead in zip(written, results, strict=True) if not dead], len(written)


def test_mutation_finds_comparisons_clauses_and_windows() -> None:
    expr = (
        'max without (window) (slo:sli_error:ratio_rate1h{service="a"}) > (14.4 * 0.001)\n'
        "and on (service, slo)\n"
        'slo:sli_error:ratio_rate5m{service="a"} > (14.4 * 0.001)'
    )
    found = dict(mutations(expr))
    assert len([w for w in found if "raised" in w]) == 2
    assert any("dropped 'and on (service, slo)" in w for w in found)
    assert any("ratio_rate1h read instead as ratio_rate5m" in w for w in found)
    flipped = next(e for w, e in found.items() if "flipped" in w)
    assert "< (14.4 * 0.001)" in flipped
    grouped = dict(mutations(expr.replace("on (service, slo)", "on (service, slo, route)") + " or sum by (route)(x)"))
    assert any("group labels dropped from join 1" in w for w in grouped)
    assert any("sum 1 (sum by (route)) without its by" in w for w in grouped)


FULL_SWEEP = [["checkout"], ["search"], ["orders-consumer"], ["storefront"]]


@pytest.mark.parametrize(
    "services",
    [
        ["order-worker"],
        ["nightly-backup", "homepage"],  # freshness and time-slice SLIs (issue 14)
        *(FULL_SWEEP if os.environ.get("OBSC_MUTATION_FULL") or FULL else []),
    ],
    ids=lambda s: "+".join(s),
)
def test_every_alert_mutant_is_killed_by_a_generated_test(services: list[str]) -> None:
    alive, total = survivors(services)
    assert total > 0
    report = "\n".join(f"  {m.service} {m.alert} (rule {m.rule_index}): {m.what}" for m in alive)
    assert not alive, f"{len(alive)} of {total} mutants survived the generated tests:\n{report}"


# The spec's own threshold alerts (threshold_alerts:) of the Kafka consumer example; its SLO and key alerts are
# the same code as order-worker's (swept above, and in the full sweep).
THRESHOLD_ALERTS = ("ConsumerLagHigh", "ConsumerLagCritical", "ConsumerRebalancing", "BrokerCertificateExpiring")


def test_every_threshold_alert_mutant_is_killed_by_a_generated_test() -> None:
    alive, total = survivors(["orders-consumer"], THRESHOLD_ALERTS)
    assert total >= 3 * len(THRESHOLD_ALERTS)  # each comparison: raised, lowered, flipped
    assert not alive, alive


def test_every_group_mutant_of_a_grouped_slo_is_killed() -> None:
    """storefront keeps its SLOs per route: a join or a sum that forgets the route must fail a test."""
    alive, total = survivors(["storefront"], only_groups=True)
    assert total > 0
    report = "\n".join(f"  {m.service} {m.alert} (rule {m.rule_index}): {m.what}" for m in alive)
    assert not alive, f"{len(alive)} of {total} mutants survived the generated tests:\n{report}"
