"""Rule groups as data: what the Prometheus generators build and the layouts and test generator read."""

from __future__ import annotations

import functools
from dataclasses import dataclass

from compiler.model.alerts import AlertDef
from compiler.model.promql import equal_matcher


@dataclass(frozen=True)
class Rule:
    """A recording rule (`record`) or an alerting rule (`alert`, with the catalog entry it implements)."""

    expr: str
    record: str = ""
    alert: str = ""
    for_seconds: int = 0
    keep_firing_seconds: int = 0
    labels: tuple[tuple[str, str], ...] = ()
    annotations: tuple[tuple[str, str], ...] = ()
    source: AlertDef | None = None

    # A fleet builds ~120 rules per service. The generated frozen `__init__` sets each field through
    # `object.__setattr__`, half the cost of a rule; this one fills the instance dict in one call (the
    # dataclass keeps its own `__init__` when the class defines one; `replace` calls this one).
    def __init__(
        self,
        expr: str,
        record: str = "",
        alert: str = "",
        for_seconds: int = 0,
        keep_firing_seconds: int = 0,
        labels: tuple[tuple[str, str], ...] = (),
        annotations: tuple[tuple[str, str], ...] = (),
        source: AlertDef | None = None,
    ) -> None:
        self.__dict__.update(
            expr=expr,
            record=record,
            alert=alert,
            for_seconds=for_seconds,
            keep_firing_seconds=keep_firing_seconds,
            labels=labels,
            annotations=annotations,
            source=source,
        )

    @property
    def name(self) -> str:
        return self.alert or self.record

    def label_dict(self) -> dict[str, str]:
        return dict(self.labels)

    def annotation_dict(self) -> dict[str, str]:
        return dict(self.annotations)


@dataclass(frozen=True)
class Group:
    name: str
    rules: tuple[Rule, ...]
    interval_seconds: int = 0  # 0: the server's global evaluation interval


@dataclass(frozen=True)
class ServiceRules:
    """Every group of one service, in evaluation order (tests pin the same order)."""

    service: str
    groups: tuple[Group, ...]

    # Read by every case builder of the service's tests (a dozen times over its ~120 rules): found once.
    @functools.cached_property
    def alert_rules(self) -> tuple[Rule, ...]:
        return tuple([r for g in self.groups for r in g.rules if r.alert])


def record(name: str, expr: str, labels: dict[str, str]) -> Rule:
    return Rule(expr=expr, record=name, labels=tuple(sorted(labels.items())))


def label_selector(labels: dict[str, str]) -> str:
    """`{a="x",b="y"}`: `series(name, labels)` is `name` followed by this, so a caller that selects many
    series of the same labels (an SLO's windows) sorts and renders them once."""
    return "{" + ",".join(equal_matcher(k, v) for k, v in sorted(labels.items())) + "}"


def series(name: str, labels: dict[str, str]) -> str:
    """`name{a="x",b="y"}` with labels sorted: how rules and tests select recorded series."""
    return _series(name, tuple(sorted(labels.items())))


@functools.lru_cache(maxsize=1 << 14)
def _series(name: str, labels: tuple[tuple[str, str], ...]) -> str:
    # render_matchers' text for `=` matchers, without making a Matcher per label (most calls miss the cache:
    # the labels name the service).
    return f"{name}{{{','.join(equal_matcher(k, v) for k, v in labels)}}}"
