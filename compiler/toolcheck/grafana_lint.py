"""Lint of every written Grafana dashboard (obsc's own and the platform's standard ones).

No Grafana server can run here, so dashboards are checked offline:
- rules of our own: every query reads the `${datasource}` variable, every panel has a title and every
  data panel a unit, rates and increases use `$__rate_interval`, panel ids are unique, titles are unique in
  a folder (case aside; Grafana stops provisioning a folder with duplicates);
- every PromQL expression parses: Grafana variables are replaced by sample values and the results go
  through `promtool check rules` as recording rules of one synthetic file (one promtool run in all);
- the grafana-foundation-sdk round trip: `Dashboard.from_json` then `to_json` gives the same bytes, so
  no field is unknown to the SDK (misspelled or misplaced) and none that it requires is missing.
Findings name the file, the panel and the query.
"""

from __future__ import annotations

import json
import os
import re
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import yaml

from compiler import conventions as names
from compiler.errors import ToolError
from compiler.output.bundle import Bundle
from compiler.toolcheck import _run
from compiler.toolcheck.record import Record, tool_identity

PROMTOOL = _run.Tool("promtool", "PROMTOOL", "prometheus")
DATASOURCE_UIDS = (f"${{{names.GRAFANA_DATASOURCE_VARIABLE}}}", f"${names.GRAFANA_DATASOURCE_VARIABLE}")
NO_DATA_PANELS = ("row", "text", "alertlist", "dashlist", "news", "annolist")  # no queries, no unit
RATE_RANGES = ("$__rate_interval", "${__rate_interval}")
RANGE_FUNCTIONS = {"rate": RATE_RANGES, "irate": RATE_RANGES, "increase": (*RATE_RANGES, "$__range", "${__range}")}
# Sample values for Grafana's built-in variables, so that promtool can parse what Grafana would send.
BUILTINS = {
    "__rate_interval": "5m",
    "__interval": "1m",
    "__range": "1h",
    "__range_s": "3600",
    "__range_ms": "3600000",
    "__interval_ms": "60000",
}
_VARIABLE = re.compile(r"\$\{(\w+)(?:[.:][^}]*)?\}|\$(\w+)|\[\[(\w+)(?::\w+)?\]\]")
_FUNCTION = re.compile(r"(?<![\w:])(" + "|".join(RANGE_FUNCTIONS) + r")\s*\(")
_PROMTOOL_LINE = re.compile(r'group "(?P<group>[^"]*)", rule (?P<rule>\d+), "[^"]*": (?P<message>.*)$')
_GRAFANA_FUNCTION = re.compile(r"\s*(label_values|label_names|metrics|query_result)\s*\(")  # not PromQL
MAX_SHOWN = 40
_TOP_TITLE = re.compile(r'^  "title": ("(?:[^"\\\n]|\\.)*")', re.MULTILINE)
# libyaml's emitter where PyYAML has it: the same bytes as the pure-Python one for the fleet's 38,000 queries
# (and for odd characters, tests/test_grafana_validation.py), 6x less CPU.
_SAFE_DUMPER: Any = getattr(yaml, "CSafeDumper", yaml.SafeDumper)


@dataclass(frozen=True, order=True)
class Finding:
    file: str
    where: str  # dashboard / panel 12 "Latency" / panel 12 "Latency" query B
    message: str

    def __str__(self) -> str:
        return f"{self.file}: {self.where}: {self.message}"


@dataclass(frozen=True)
class Expression:
    file: str
    where: str
    expr: str


def validate(bundle: Bundle, out_dir: str, record: Record | None = None) -> None:
    """Lint every written dashboard; ToolError (exit 1) listing every finding, exit 3 without promtool.
    With a `record`, dashboards whose exact bytes passed before are not linted again."""
    found: list[Finding] = []
    expressions: list[Expression] = []
    promtool = _run.find(PROMTOOL)
    paths = dashboard_paths(bundle)
    if record is not None:
        hasher, identity = record.hasher(out_dir), tool_identity(promtool)
        paths = record.pending("grafana-lint", ((p, hasher.key(identity, "grafana", [p])) for p in paths))
    titles: dict[str, str] = {}
    for path in paths:
        with open(os.path.join(out_dir, path), encoding="utf-8") as fh:
            text = fh.read()
        data = json.loads(text)
        found += lint(path, data)
        found += round_trip(path, text)
        expressions += list(queries(path, data))
        titles[path] = str(data.get("title") or "") if isinstance(data, dict) else ""
    # Titles compare across files: every dashboard counts, also those whose bytes passed before.
    found += shared_titles({p: titles[p] if p in titles else _title(out_dir, p) for p in dashboard_paths(bundle)})
    found += check_promql(expressions, promtool)
    if found:
        shown = "\n".join(f"  {f}" for f in sorted(found)[:MAX_SHOWN])
        more = f"\n  ... and {len(found) - MAX_SHOWN} more" if len(found) > MAX_SHOWN else ""
        raise ToolError(f"Grafana dashboard lint: {len(found)} finding(s):\n{shown}{more}")


def dashboard_paths(bundle: Bundle) -> list[str]:
    prefix = names.GRAFANA_DASHBOARDS_DIR + "/"
    return [p for p in bundle.paths if p.startswith(prefix) and p.endswith(".json")]


# ---------------------------------------------------------------- our rules


def shared_titles(titles: dict[str, str]) -> list[Finding]:
    """Two dashboards of one folder with one title (case aside): Grafana's provisioning then takes away the
    provider's write permission, and the whole folder (a team's) stops updating."""
    folders: dict[tuple[str, str], list[str]] = {}
    for path, title in sorted(titles.items()):
        if title.strip():
            folders.setdefault((os.path.dirname(path), title.casefold()), []).append(path)
    return [
        Finding(
            path,
            "dashboard",
            f"has the title {titles[path]!r} of {same[0]} in the same folder (Grafana "
            "stops provisioning a folder with duplicate titles)",
        )
        for same in folders.values()
        for path in same[1:]
    ]


def _title(out_dir: str, path: str) -> str:
    """A written dashboard's title: its top-level key at obsc's indent 2 (no JSON parse), else the parsed one."""
    with open(os.path.join(out_dir, path), encoding="utf-8") as fh:
        text = fh.read()
    found = _TOP_TITLE.search(text)
    data = json.loads(found.group(1) if found else text)
    if isinstance(data, str):
        return data
    return str(data.get("title") or "") if isinstance(data, dict) else ""


def objects(value: object) -> list[dict[str, Any]]:
    """The objects of a JSON list. A platform's Jsonnet may write any value where a list of panels, queries or
    variables goes (`targets: 5` was exit 70); the SDK round trip names the wrong shape, the lint reads none."""
    return [item for item in value if isinstance(item, dict)] if isinstance(value, list) else []


def _object(value: object) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def panels(data: dict[str, Any]) -> Iterator[dict[str, Any]]:
    """Every panel, rows and the panels inside collapsed rows included."""
    for panel in objects(data.get("panels")):
        yield panel
        yield from objects(panel.get("panels"))


def describe(panel: dict[str, Any]) -> str:
    return f"panel {panel.get('id')} {json.dumps(panel.get('title', ''), ensure_ascii=False)}"


def lint(path: str, data: Any) -> list[Finding]:
    if not isinstance(data, dict):
        return [Finding(path, "dashboard", "is not a JSON object")]
    found = [Finding(path, "dashboard", m) for m in _dashboard_problems(data)]
    seen: set[object] = set()
    for panel in panels(data):
        where = describe(panel)
        if not isinstance(panel.get("id"), int) or panel["id"] in seen:
            found.append(Finding(path, where, "needs an integer id unique in the dashboard (alerts link to panel ids)"))
        else:
            seen.add(panel["id"])
        if not str(panel.get("title") or "").strip():
            found.append(Finding(path, where, "has no title"))
        if panel.get("type") in NO_DATA_PANELS:
            continue
        if not str(_object(_object(panel.get("fieldConfig")).get("defaults")).get("unit") or "").strip():
            found.append(Finding(path, where, "has no unit (fieldConfig.defaults.unit)"))
        for target in objects(panel.get("targets")):
            found += _target_problems(path, panel, target)
    return found


def _dashboard_problems(data: dict[str, Any]) -> list[str]:
    problems = []
    if not str(data.get("title") or "").strip():
        problems.append("has no title")
    variables = objects(_object(data.get("templating")).get("list"))
    if not any(v.get("name") == names.GRAFANA_DATASOURCE_VARIABLE and v.get("type") == "datasource" for v in variables):
        problems.append(
            f"has no datasource template variable named {names.GRAFANA_DATASOURCE_VARIABLE!r} "
            "(queries must not be tied to one Prometheus)"
        )
    return problems


def _target_problems(path: str, panel: dict[str, Any], target: dict[str, Any]) -> list[Finding]:
    where = f"{describe(panel)} query {target.get('refId', '?')}"
    found = []
    source = target.get("datasource") or panel.get("datasource") or {}
    if not isinstance(source, dict) or source.get("uid") not in DATASOURCE_UIDS:
        found.append(Finding(path, where, f"does not use the datasource variable (uid {DATASOURCE_UIDS[0]})"))
    expr = str(target.get("expr") or "")
    if not expr.strip():
        found.append(Finding(path, where, "has no PromQL expression"))
    for function, window in range_windows(expr):
        if window.split(":", 1)[0].strip() not in RANGE_FUNCTIONS[function]:  # a subquery's range, not its step
            found.append(
                Finding(
                    path,
                    where,
                    f"{function}(...[{window}]) should use [$__rate_interval] (fixed windows hide spikes "
                    "when zoomed out and break below the scrape interval); spec expressions are refused at "
                    "validate, so this query comes from a standard dashboard or from obsc itself",
                )
            )
    return found


def range_windows(expr: str) -> list[tuple[str, str]]:
    """(function, range text) of every rate/irate/increase call: `rate(x[5m])` → ("rate", "5m")."""
    out = []
    for match in _FUNCTION.finditer(expr):
        depth, i, quote = 1, match.end(), ""
        while i < len(expr) and depth:
            ch = expr[i]
            if quote:
                if ch == "\\":
                    i += 1
                elif ch == quote:
                    quote = ""
            elif ch in "\"'`":
                quote = ch
            elif ch in "([{":
                if ch == "[" and depth == 1:
                    close = expr.find("]", i)
                    out.append((match.group(1), expr[i + 1 : close if close >= 0 else len(expr)].strip()))
                    break
                depth += 1
            elif ch in ")]}":
                depth -= 1
            i += 1
    return out


def queries(path: str, data: Any) -> Iterator[Expression]:
    if not isinstance(data, dict):
        return
    for panel in panels(data):
        for target in objects(panel.get("targets")):
            if str(target.get("expr") or "").strip():
                yield Expression(path, f"{describe(panel)} query {target.get('refId', '?')}", str(target["expr"]))
    for variable in objects(_object(data.get("templating")).get("list")):
        query = variable.get("query")
        if variable.get("type") == "query" and isinstance(query, str) and not _GRAFANA_FUNCTION.match(query):
            yield Expression(path, f"variable {variable.get('name')}", query)


# ---------------------------------------------------------------- PromQL through promtool


def to_promql(expr: str) -> str:
    """Replace Grafana variables by values promtool can parse: durations in ranges, words elsewhere."""
    out, last = [], 0
    for match in _VARIABLE.finditer(expr):
        name = next(g for g in match.groups() if g)
        if name in BUILTINS:
            value = BUILTINS[name]
        elif _inside_string(expr, match.start()):
            value = "x"
        else:
            value = "5m" if expr.rfind("[", 0, match.start()) > expr.rfind("]", 0, match.start()) else "x"
        out += [expr[last : match.start()], value]
        last = match.end()
    return "".join(out) + expr[last:]


def _inside_string(expr: str, at: int) -> bool:
    quote, i = "", 0
    while i < at:
        ch = expr[i]
        if quote:
            if ch == "\\":
                i += 1
            elif ch == quote:
                quote = ""
        elif ch in "\"'`":
            quote = ch
        i += 1
    return bool(quote)


def check_promql(expressions: list[Expression], promtool: str) -> list[Finding]:
    """Parse every expression with promtool (one run): each becomes a recording rule of a synthetic file."""
    if not expressions:
        return []
    groups: dict[str, list[Expression]] = {}
    for e in expressions:
        groups.setdefault(e.file, []).append(e)
    ordered = sorted(groups)
    rules = {
        "groups": [
            {
                "name": f"g{i}",
                "rules": [{"record": f"obsc_lint_q{j}", "expr": to_promql(e.expr)} for j, e in enumerate(groups[f])],
            }
            for i, f in enumerate(ordered)
        ]
    }
    with tempfile.TemporaryDirectory(prefix="obsc-grafana-lint-") as tmp:
        rule_file = os.path.join(tmp, "dashboard-queries.yaml")
        with open(rule_file, "w", encoding="utf-8") as fh:
            yaml.dump(rules, fh, Dumper=_SAFE_DUMPER, sort_keys=False, width=1 << 20)
        result = _run.run([promtool, "check", "rules", rule_file])
    if result.returncode == 0 and f"Checking {rule_file}" in result.stdout:  # (a silent stand-in is no pass)
        return []
    found = []
    for line in (result.stdout + "\n" + result.stderr).splitlines():
        match = _PROMTOOL_LINE.search(line)
        if not match:
            continue
        expression = groups[ordered[int(match.group("group")[1:])]][int(match.group("rule")) - 1]
        message = match.group("message").removeprefix("could not parse expression: ")
        found.append(
            Finding(expression.file, expression.where, f"PromQL does not parse: {message} in {expression.expr!r}")
        )
    if not found:
        detail = (result.stderr or result.stdout).strip() or f"no output, exit {result.returncode}"
        found.append(Finding("promtool", "check rules", f"failed on the dashboard queries: {detail[:500]}"))
    return found


# ---------------------------------------------------------------- SDK round trip


def round_trip(path: str, text: str) -> list[Finding]:
    """from_json → to_json must give the same bytes; report the first fields that differ."""
    from grafana_foundation_sdk.cog.plugins import register_default_plugins
    from grafana_foundation_sdk.models.dashboard import Dashboard

    from compiler.targets.grafana import encode

    register_default_plugins()
    original = json.loads(text)
    try:
        again = encode(Dashboard.from_json(original))
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        return [Finding(path, "SDK round trip", f"grafana-foundation-sdk cannot read it: {exc!r}")]
    if again == text:
        return []
    differences = list(_differences(original, json.loads(again), "$"))
    detail = "; ".join(differences[:5]) + (f"; and {len(differences) - 5} more" if len(differences) > 5 else "")
    return [Finding(path, "SDK round trip", detail or "re-encoding changes formatting (use sorted keys, indent 2)")]


def _differences(before: Any, after: Any, at: str) -> Iterator[str]:
    if isinstance(before, dict) and isinstance(after, dict):
        for key in sorted(set(before) | set(after)):
            if key not in after:
                yield f"{at}.{key} is dropped by the SDK (not a field it knows)"
            elif key not in before:
                yield f"{at}.{key} is added by the SDK (a required or defaulted field is missing)"
            else:
                yield from _differences(before[key], after[key], f"{at}.{key}")
    elif isinstance(before, list) and isinstance(after, list) and len(before) == len(after):
        for i, (b, a) in enumerate(zip(before, after, strict=True)):
            yield from _differences(b, a, f"{at}[{i}]")
    elif before != after:
        yield f"{at} changes from {json.dumps(before)[:60]} to {json.dumps(after)[:60]}"
