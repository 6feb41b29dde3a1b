"""`missing: alert | ignore` beside a CPU, memory, disk, p99 latency or error-rate alert's tiers: whether its
missing-data twin fires (model/saturation_twins.py); beside ServiceDown's, whether no `up` series at all reads as
down.

A sidecar scraped for a job that runs now and then, or containers that come and go while the service's
targets stay up, have no series between runs by design: the twin ticketed between every two runs, and the only
way out was switching the alert itself off. `missing: ignore` keeps the alert and drops the twin, as a
threshold alert's does. Where it would change nothing it is a located error, never a silent no-op: on a kind
without a twin, on a service nobody scrapes (it has no twins), on an alert whose tiers are all off, and on
one of the two disk alerts alone (they read one disk signal and share its twin).

A service that scales to zero (Knative, KEDA) has no target and no `up` series while idle: ServiceDown paged
every quiet night, and `service_down: false` also dropped the page for pods that exist and are all down (a
revision in a crash loop). `service_down: {missing: ignore}` keeps that page and reads "no target at all" as
idle (targets/prometheus/service_down.py); the vanished-group watch goes with it (model/down_groups.py).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace
from typing import Any

from compiler.model.build_context import Ctx
from compiler.model.saturation_twins import REQUEST_KIND, TWINNED_KINDS
from compiler.model.types import AlertKind, KeyAlert, Metric
from compiler.spec.document import Path

MISSING = "missing"
_TWINNED = ", ".join(kind.value for kind in TWINNED_KINDS[:-1]) + f" and {TWINNED_KINDS[-1].value}"
# Kinds whose `missing:` means something other than a twin: ServiceDown with no `up` series at all.
_ABSENT_READ = frozenset({AlertKind.SERVICE_DOWN})


def _settings(layers: Sequence[tuple[Mapping[str, Any], Ctx, Path]]) -> dict[AlertKind, tuple[bool, Ctx, Path]]:
    """Each kind's `missing:` after every layer (True: the twin fires), with where it was said; a layer's
    `false` for the kind clears it. Reports it on a kind with no twin."""
    out: dict[AlertKind, tuple[bool, Ctx, Path]] = {}
    for layer, where, base in layers:
        for key, value in layer.items():
            try:
                kind = AlertKind(key)
            except ValueError:
                continue  # not a kind: the schema said so
            if value is False:
                out.pop(kind, None)
            if not isinstance(value, Mapping) or MISSING not in value:
                continue
            path = (*base, key, MISSING)
            if kind not in TWINNED_KINDS and kind not in _ABSENT_READ:
                where.error(
                    path,
                    f"{key} has no missing-data alert for `missing:` to switch: only {_TWINNED} have one (a twin "
                    'labelled data="missing"); on service_down it reads no `up` series as idle',
                )
                continue
            out[kind] = (value[MISSING] != "ignore", where, path)
    return out


def apply_missing(
    layers: Sequence[tuple[Mapping[str, Any], Ctx, Path]],
    alerts: list[KeyAlert],
    has_targets: bool,
    spec: Ctx,
    metrics: Mapping[str, Metric] | None = None,
) -> list[KeyAlert]:
    """`alerts` with `missing_fires` as the layers say, after reporting a `missing:` that would change nothing
    (the spec's own: the platform's defaults are said for every service, and fit most). `metrics`: the service's,
    to refuse it on a request alert whose metric is free PromQL (no series of its own for a twin to ask for)."""
    settings = _settings(layers)
    enabled = {a.kind for a in alerts}
    for kind, (_, where, path) in settings.items():
        if where is not spec:
            continue
        if not has_targets and kind in _ABSENT_READ:
            continue  # service_down itself is refused beside targets: false (build_key_alerts._no_targets)
        if not has_targets:
            where.error(
                path,
                f"{kind.value}: this service declares targets: false, so its signals have no missing-data alert "
                '(without `up`, "not running" cannot be told from "not measured"); remove missing',
            )
        elif kind not in enabled:
            message = "every tier of this alert is off, so there is no missing-data alert to switch; remove missing"
            where.error(path, f"{kind.value}: {message}")
        elif kind in REQUEST_KIND and _free_promql(metrics, REQUEST_KIND[kind]):
            where.error(
                path,
                f"{kind.value}: metrics.{REQUEST_KIND[kind]} is free PromQL, not a series selector, so this alert has "
                "no missing-data alert to switch; remove missing",
            )
    fires = {kind: setting[0] for kind, setting in settings.items()}
    _disks_agree(settings, fires, enabled)
    return [a if fires.get(a.kind, True) else replace(a, missing_fires=False) for a in alerts]


def _free_promql(metrics: Mapping[str, Metric] | None, name: str) -> bool:
    metric = metrics.get(name) if metrics is not None else None
    return metric is not None and metric.selector is None


def _disks_agree(
    settings: Mapping[AlertKind, tuple[bool, Ctx, Path]], fires: Mapping[AlertKind, bool], enabled: set[AlertKind]
) -> None:
    """Both disk alerts on and only one ignoring: they share the disk signal's twin, which cannot both fire and
    not. Said where `ignore` was written."""
    disk, full = AlertKind.DISK, AlertKind.DISK_FULL
    if not {disk, full} <= enabled or fires.get(disk, True) == fires.get(full, True):
        return
    quiet, other = (disk, full) if not fires.get(disk, True) else (full, disk)
    _, where, path = settings[quiet]
    where.error(
        path,
        f"{quiet.value} and {other.value} read one disk signal and share its missing-data alert: set missing: "
        f"ignore on both, or on neither ({other.value} still alerts on missing data)",
    )
