"""The fleet table shows each SLO's objective as written: 99.99, not 100.0.

The table's values are in percent under the unit `short` with no decimals set, so Grafana chose them per value
(@grafana/data valueFormats `toFixed`): one decimal for any value from 10 to 100, two from 1 to 10, and
`Math.round` to them. 99.99, 99.95 and 99.999 all read "100.0", an objective no SLO can have, beside 99.9 as
"99.9". `grafana_text` below follows those rules; the Objective column must give every objective of the fleet
back exactly.
"""

from __future__ import annotations

import json
import math
from decimal import Decimal
from pathlib import Path
from typing import Any

from compiler import conventions as names
from compiler.api import compile_specs
from compiler.targets.grafana import fleet

SPEC = """apiVersion: obsc/v1
service: NAME
team: core
selector: {job: NAME}
metrics:
  requests: NAME_requests_total
  errors: NAME_requests_total{code=~"5.."}
slos:
SLOS
routing:
  critical: {webhook: {url: "http://relay:8080/page"}}
  warning: {webhook: {url: "http://relay:8080/ticket"}}
  info: {webhook: {url: "http://relay:8080/digest"}}
"""
OBJECTIVES = {"api": ["99.99", "99.95", "99.5"], "batch": ["95", "99.999", "99.9"]}


def _auto_decimals(value: float) -> int:
    """Grafana's decimals for a value when the field sets none (getDecimalsForValue)."""
    decimals = -math.floor(math.log10(abs(value))) + 1
    if abs(value) / 10.0**-decimals > 2.25:  # "special case for 2.5": always true, the quotient is 10 to 100
        decimals += 1
    return 0 if value % 1 == 0 else max(0, decimals)


def grafana_text(value: float, decimals: int | None) -> str:
    """What a `short` cell shows for a value below 1000 (toFixed): rounded half up, padded with zeros."""
    places = _auto_decimals(value) if decimals is None else decimals
    factor = 10**places
    rounded = math.floor(value * factor + 0.5) / factor
    text = str(int(rounded)) if rounded == int(rounded) else repr(rounded)
    shown = len(text) - text.index(".") - 1 if "." in text else 0
    return text + ("" if shown else ".") + "0" * (places - shown) if shown < places else text


def _decimals(table: dict[str, Any], column: str) -> int | None:
    """The decimals Grafana applies to a column: its override's, else the field defaults'."""
    found = table["fieldConfig"]["defaults"].get("decimals")
    for override in table["fieldConfig"].get("overrides", []):
        if column in override["matcher"]["options"].get("names", []):
            for prop in override["properties"]:
                if prop["id"] == "decimals":
                    found = prop["value"]
    return found


def test_the_fleet_table_shows_every_objective_as_written(tmp_path: Path) -> None:
    for name, objectives in OBJECTIVES.items():
        slos = "\n".join(
            f"  - {{name: s{i}, objective: {o}, sli: {{errors: errors, total: requests}}}}"
            for i, o in enumerate(objectives)
        )
        (tmp_path / f"{name}.yaml").write_text(SPEC.replace("SLOS", slos).replace("NAME", name))
    files = {a.path: a.content for a in compile_specs([str(tmp_path)]).bundle.artifacts}
    board = json.loads(files[names.GRAFANA_FLEET_PATH])
    table = next(p for p in board["panels"] if p["id"] == fleet.TABLE_ID)
    decimals = _decimals(table, f"{fleet.OBJECTIVE} %")
    # the query's value: 100 × the recorded ratio, in float64 as Prometheus computes it
    shown = {o: grafana_text(100 * float(Decimal(o) / 100), decimals) for os in OBJECTIVES.values() for o in os}
    assert {o: Decimal(text) for o, text in shown.items()} == {o: Decimal(o) for o in shown}, shown


def test_grafana_text_follows_grafanas_rules() -> None:
    """Values from @grafana/data's valueFormats tests and the rules above: the model must be right to judge."""
    assert grafana_text(99.99, None) == "100.0"
    assert grafana_text(99.9, None) == "99.9"
    assert grafana_text(2.5, None) == "2.50"
    assert grafana_text(1.5, None) == "1.50"
    assert grafana_text(0.0125, None) == "0.0125"
    assert grafana_text(100, None) == "100"
    assert grafana_text(99.99, 3) == "99.990"
    assert grafana_text(90, 2) == "90.00"
