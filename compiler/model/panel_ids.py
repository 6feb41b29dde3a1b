"""Panel ids of a service's dashboard: a function of what each panel shows, never of its place in the spec.

Alerts, their runbooks and the notifications already sent open `viewPanel=<id>`. Ids taken from the spec's
order (SLO i at 100 + 10 i, metric i at 1000 + i) moved when an earlier SLO or metric was removed, added or
reordered, and a page opened another alert's panel. Here each named thing hashes to a place of its own:

- an SLO, by its name, to a block of ten ids (its row, burn rate, SLI, budget... at fixed offsets);
- a business metric, by its name, and a threshold comparison, by what it compares (`compared_key`: the
  recorded signal, read as time left or not, and its lookback), to one id each, in a range of their own.

Two names can hash to one place. Names are placed in sorted order, each at the first free place of its own
probe sequence (the hash of the name with an attempt number), so the set of names decides, never their order
in the spec; a name that collides with no other keeps its place whatever else comes or goes. The spaces are
large enough that this is rare: 20 SLOs share one of 10^8 blocks with odds of about 2 in a million, 50 panels
one of 9 x 10^8 ids about 1.4 in a million. The layout on the grid still follows the spec.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from compiler import conventions as names
from compiler.model.thresholds import compared_key
from compiler.model.types import Service, ThresholdAlert


@dataclass(frozen=True)
class PanelIds:
    slo_blocks: Mapping[str, int]  # SLO name -> the first id of its block
    named: Mapping[str, int]  # metric_key / threshold_key -> id

    def slo(self, slo: str, offset: int = 0) -> int:
        """Panel `offset` of an SLO's block: 0 its burn rate (conventions.SLO_BUDGET_OFFSET... for the others)."""
        return self.slo_blocks[slo] + offset

    def metric(self, metric: str) -> int:
        """A business metric's panel."""
        return self.named[metric_key(metric)]

    def threshold(self, alert: ThresholdAlert) -> int:
        """The panel of what a threshold alert compares, shared by the alerts that compare the same."""
        return self.named[threshold_key(alert)]


def metric_key(metric: str) -> str:
    return json.dumps(["metric", metric])


def threshold_key(alert: ThresholdAlert) -> str:
    return json.dumps(["threshold", *compared_key(alert)])


def panel_ids(service: Service) -> PanelIds:
    """The service's ids, made on the first question and kept on the (frozen) service, like Service.metric:
    every alert's rule, runbook and panel asks."""
    ids: PanelIds | None = service.__dict__.get("_panel_ids")
    if ids is None:
        blocks = assign((slo.name for slo in service.slos), names.SLO_PANEL_BLOCKS)
        named = [metric_key(m.name) for m in service.metrics if m.is_business]
        named += [threshold_key(a) for a in service.threshold_alerts]
        ids = PanelIds(
            {slo: names.SLO_PANEL_BASE + 10 * block for slo, block in blocks.items()},
            {key: names.NAMED_PANEL_BASE + slot for key, slot in assign(named, names.NAMED_PANEL_SLOTS).items()},
        )
        service.__dict__["_panel_ids"] = ids
    return ids


def assign(keys: Iterable[str], slots: int) -> dict[str, int]:
    """A distinct slot below `slots` for each key: the first free one of its probe sequence, keys in sorted order."""
    taken: dict[int, str] = {}
    out: dict[str, int] = {}
    for key in sorted(set(keys)):
        attempt = 0
        while (slot := names.panel_slot(key, attempt, slots)) in taken:
            attempt += 1
        taken[slot] = key
        out[key] = slot
    return out
