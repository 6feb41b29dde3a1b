"""The vanished-group branch of SLODataMissing (slo_missing.vanished_groups): two groups of the labels `up`
carries report, then every series of one ends while the other reports on (split by several labels: one group
per label reports on, one label apart from the gone one).

The case feeds `up` only, so each SLO's `absent` branch fires too, without group labels: the check reads the
alerts that carry the vanished group's label, which only this branch writes (no latency series is fed, so no
bucket count). Quiet while both groups report (a branch firing for every group seen is caught there), firing
for the vanished group past the lookback delta and the hold. Its end, a day after the group was last seen, is
tests/test_group_vanished.py's (a day of steps in every service's generated tests is not worth it).
"""

from __future__ import annotations

from compiler import conventions as names
from compiler.model.down_groups import vanish_split
from compiler.model.promql import Matcher
from compiler.model.types import Service
from compiler.targets.prometheus.promtool.cases import Case, ExprCheck, InputSeries, steps_after
from compiler.targets.prometheus.promtool.chain import LOOKBACK
from compiler.targets.prometheus.promtool.series import satisfy
from compiler.targets.prometheus.rule_model import Rule, label_selector

GONE, STAYS = "obsc-gone", "obsc-stays"
_SCRAPE = 60


def vanished_case(service: Service, rules: list[Rule], step: int) -> Case | None:
    """One case for every SLODataMissing rule of `rules` with a vanished-group branch; None without one, or
    when the targets' matchers admit no two values of the split labels."""
    splits = {id(r): vanish_split(service, r.source.slo) for r in rules if r.source and r.source.slo}
    watched = [r for r in rules if splits.get(id(r))]
    if not watched:
        return None
    labels = sorted({label for r in watched for label in splits[id(r)]})
    gone = satisfy([*service.targets, *(Matcher(label, "=", GONE) for label in labels)])
    # Split by several labels alike, each group that reports on is one label apart from the gone one: a branch
    # whose `unless on (...)` lost any one label reads one of them as the gone group still reporting.
    apart = len(labels) > 1 and all(len(splits[id(r)]) == len(labels) for r in watched)
    stays_values = [{**dict.fromkeys(labels, GONE), label: STAYS} for label in labels] if apart else [{}]
    stays = [
        satisfy([*service.targets, *(Matcher(k, "=", values.get(k, STAYS)) for k in labels)]) for values in stays_values
    ]
    if gone is None or None in stays:
        return None
    last = 2 * step  # the gone group's last sample, at a step: the quiet check there still sees it
    pending = steps_after(last + LOOKBACK + 1, step)
    fired_at = pending + steps_after(max(r.for_seconds for r in watched), step)
    series = (_up(gone, last // _SCRAPE), *(_up(s, fired_at // _SCRAPE) for s in stays if s is not None))
    alerts = " or ".join(
        f'{names.ALERTS_SERIES}{{alertname="{watched[0].alert}",alertstate="firing",{label}="{GONE}"}}'
        for label in labels
    )
    fired = tuple(sorted((_alert_text(r, {label: GONE for label in splits[id(r)]}), 1.0) for r in watched))
    checks = (ExprCheck(last, alerts, ()), ExprCheck(fired_at, alerts, fired))
    return Case(
        f"{watched[0].alert}: a group whose every series ends while another reports", _SCRAPE, series, (), checks
    )


def _up(labels: dict[str, str], samples: int) -> InputSeries:
    return InputSeries("up", tuple(sorted(labels.items())), f"1x{samples}")


def _alert_text(rule: Rule, group: dict[str, str]) -> str:
    own = {"alertname": rule.alert, "alertstate": "firing", **dict(rule.labels), **group}
    return names.ALERTS_SERIES + label_selector(own)
