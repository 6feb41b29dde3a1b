"""The text a spec puts on each of its alerts (extra labels and annotations), bounded as a whole.

Every alert rule carries the spec's `labels:`, its tier's `tier_labels` and its SLO's `labels` and `annotations`
(or its threshold alert's `labels`), and the generated promtool cases, hold tests and Alertmanager routing tests
repeat them for each case. One string is at most 4,096 characters and one map 20 entries, but their product was
not bounded: a 100 KB spec with 20 labels of 4,000 characters made 632 MB of output (1.4 GB of memory before
anything was written), and one anchored map given as every SLO's `annotations` 951 MB (2.1 GB). Labels are
names to route, group and silence by; prose belongs in a description or the runbook. The service's `selector:`
and `targets:` are copied the same way, into every expression that reads the service's series (and each runbook
query): 19 selector values of 4,000 characters made 540 MB (1.6 GB); they share the bound. An SLO's or threshold
alert's `by:` label names are copied more still (into every aggregation of its rules and every series of each of
its generated test cases, about 26 times as many bytes per character as a label): they have a bound of their own.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from compiler.model.build_context import Layer
from compiler.model.types import Tier
from compiler.spec.document import Path

MAX_ALERT_TEXT = 4096  # characters of label and annotation names and values a spec adds to one alert
MAX_GROUP_TEXT = 256  # characters of the label names one SLO's or threshold alert's `by:` names, together


def alert_text_problems(data: Mapping[str, Any], defaults: Layer) -> Iterator[tuple[Path, str]]:
    """(path, message): once for the service when its labels and tier labels alone exceed the bound on an alert
    of some tier, else once for each SLO or threshold alert whose own labels or annotations take it over."""
    service = _texts(data.get("labels"))
    platform_tiers = _mapping(defaults.data.get("tier_labels"))
    spec_tiers = _mapping(data.get("tier_labels"))
    tiers = {tier: {**_texts(platform_tiers.get(tier.value)), **_texts(spec_tiers.get(tier.value))} for tier in Tier}
    widest = max(Tier, key=lambda tier: _size({**service, **tiers[tier]}))
    parts = _parts(service, tiers[widest], platform_tiers, spec_tiers, widest)
    if _size({**service, **tiers[widest]}) > MAX_ALERT_TEXT:
        yield _largest_spec_part(parts, ("labels",)), _message({**service, **tiers[widest]}, {}, parts)
        return
    for i, slo in _items(data.get("slos")):
        own, notes = _texts(slo.get("labels")), _texts(slo.get("annotations"))
        yield from _over(("slos", i), own, notes, service, tiers, list(Tier), "the SLO's")
    for i, alert in _items(data.get("threshold_alerts")):
        tier = next((t for t in Tier if t.value == alert.get("tier", Tier.WARNING.value)), Tier.WARNING)
        yield from _over(("threshold_alerts", i), _texts(alert.get("labels")), {}, service, tiers, [tier], "its")


def matcher_text_problems(data: Mapping[str, Any]) -> Iterator[tuple[Path, str]]:
    """(path, message) for a `selector:` or `targets:` whose label names and values exceed the bound."""
    for key in ("selector", "targets"):
        size = _size(_texts(data.get(key)))
        if size > MAX_ALERT_TEXT:
            yield (
                (key,),
                (
                    f"{size:,} characters of label names and values; at most {MAX_ALERT_TEXT:,}: every rule that reads "
                    "the service's series, each generated test series and each runbook query repeats them (19 values "
                    "of 4,000 characters made 540 MB of output); match the service by short values (job, namespace)"
                ),
            )


def group_text_problems(data: Mapping[str, Any]) -> Iterator[tuple[Path, str]]:
    """(path, message) for each SLO or threshold alert whose `by:` label names exceed the bound together."""
    for key in ("slos", "threshold_alerts"):
        for i, item in _items(data.get(key)):
            by = item.get("by")
            size = sum(len(str(label)) for label in by) if isinstance(by, list) else 0
            if size > MAX_GROUP_TEXT:
                yield (
                    (key, i, "by"),
                    (
                        f"{size:,} characters of group label names; at most {MAX_GROUP_TEXT:,} together: every "
                        "aggregation of its rules and each series of its generated test cases repeat them (100 "
                        "threshold alerts by 10 names of 256 characters made 31 MB of output from a 20 KB spec); "
                        "group by fewer or shorter labels"
                    ),
                )


def _over(
    path: Path,
    own: dict[str, str],
    notes: dict[str, str],
    service: dict[str, str],
    tiers: Mapping[Tier, dict[str, str]],
    alert_tiers: list[Tier],
    whose: str,
) -> Iterator[tuple[Path, str]]:
    if not own and not notes:
        return
    tier = max(alert_tiers, key=lambda t: _size({**service, **tiers[t], **own}))
    labels = {**service, **tiers[tier], **own}
    if _size(labels) + _size(notes) <= MAX_ALERT_TEXT:
        return
    parts = {"labels:": _size(service), f"tier_labels.{tier.value}": _size(tiers[tier])}
    parts |= {f"{whose} labels": _size(own), f"{whose} annotations": _size(notes)}
    where = (*path, "annotations") if _size(notes) > _size(own) else (*path, "labels")
    yield where, _message(labels, notes, parts)


def _parts(
    service: dict[str, str],
    merged: dict[str, str],
    platform_tiers: Mapping[str, Any],
    spec_tiers: Mapping[str, Any],
    tier: Tier,
) -> dict[str, int]:
    return {
        "labels:": _size(service),
        f"tier_labels.{tier.value}": _size(_texts(spec_tiers.get(tier.value))),
        f"the platform's defaults.tier_labels.{tier.value}": _size(_texts(platform_tiers.get(tier.value))),
    }


def _largest_spec_part(parts: Mapping[str, int], fallback: Path) -> Path:
    spec_parts = {name: size for name, size in parts.items() if not name.startswith("the platform's")}
    name = max(spec_parts, key=lambda part: spec_parts[part])
    if name.startswith("tier_labels.") and spec_parts[name]:
        return ("tier_labels", name.split(".", 1)[1])
    return fallback


def _message(labels: Mapping[str, str], notes: Mapping[str, str], parts: Mapping[str, int]) -> str:
    shown = ", ".join(f"{name} {size:,}" for name, size in parts.items() if size)
    return (
        f"{_size(labels) + _size(notes):,} characters of labels and annotations on one alert ({shown}); at most "
        f"{MAX_ALERT_TEXT:,}: every alert rule and each of its generated test cases and routing tests repeats them "
        "(20 labels of 4,000 characters made 632 MB of output from a 100 KB spec); keep label values short (names "
        "to route and group by) and put prose in the description or the runbook"
    )


def _size(texts: Mapping[str, str]) -> int:
    return sum(len(key) + len(value) for key, value in texts.items())


def _texts(value: Any) -> dict[str, str]:
    return {str(k): str(v) for k, v in value.items()} if isinstance(value, Mapping) else {}


def _mapping(value: Any) -> Mapping[str, Any]:
    return value if isinstance(value, Mapping) else {}


def _items(value: Any) -> Iterator[tuple[int, Mapping[str, Any]]]:
    if isinstance(value, list):
        yield from ((i, item) for i, item in enumerate(value) if isinstance(item, Mapping))
