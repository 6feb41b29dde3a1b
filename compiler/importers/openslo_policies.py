"""An OpenSLO SLO's alert policies (inline or by reference, with their conditions) read as whether obsc's
burn-rate tiers alert: the policies' own conditions and notification targets are reported, not carried."""

from __future__ import annotations

from compiler.importers.burn_pairs import catalog_text
from compiler.importers.source import Source, shown
from compiler.model.units import parse_duration
from compiler.spec.document import Path


def _catalog(period: str | None) -> str:
    """What obsc pages and tickets at for the period, to read beside the policy's own burn-rate conditions."""
    try:
        return catalog_text(parse_duration(period or ""))
    except ValueError:
        return "page: 1h/5m and 6h/30m; ticket: 1d/2h and 3d/6h"


_POLICY = (
    "obsc alerts with its own multiwindow burn-rate tiers ({catalog}); the policy's conditions and notification "
    "targets are not carried over (routing lives in platform.yaml)"
)
_NOT_BREACHING = (
    "the policy does not alert on a breach (alertWhenBreaching: false), so obsc's burn-rate alerts stay off; its "
    "conditions and notification targets are not carried over"
)


def alert_policies(src: Source, objects: dict[tuple[str, str], Source], period: str | None) -> dict[str, bool]:
    path: Path = ("spec", "alertPolicies")
    why = _POLICY.format(catalog=_catalog(period))
    policies = src.enter_list(path)
    if not policies:
        src.note(path, "no alert policy: obsc's burn-rate alerts are off for this SLO (set alerts: to opt in)")
        return {"critical": False, "warning": False, "info": False}
    # Each policy's source, path and name: inline in the SLO, or an AlertPolicy object by reference.
    found: list[tuple[Source, Path, str]] = []
    for i, policy in enumerate(policies):
        if isinstance(policy, dict) and "alertPolicyRef" in policy:
            ref = src.take((*path, i, "alertPolicyRef"))
            linked = objects.get(("AlertPolicy", str(ref)))
            if linked is None:
                src.error((*path, i, "alertPolicyRef"), f"no AlertPolicy named {ref!r} in the imported files")
            else:
                found.append((linked, ("spec",), str(ref)))
        else:
            found.append((src, (*path, i), ""))
    breaching = [_breaching(owner, at if owner is not src else (*at, "spec")) for owner, at, _ in found]
    on = any(b is not False for b in breaching)  # paging where every policy said not to page on a breach was wrong
    for owner, at, ref in found:
        reason = why if on else _NOT_BREACHING
        if owner is not src:  # an AlertPolicy object: its conditions by reference too
            for j, condition in enumerate(owner.get(("spec", "conditions")) or []):
                name = condition.get("conditionRef") if isinstance(condition, dict) else None
                target = objects.get(("AlertCondition", str(name)))
                if target is not None:
                    target.drop(("spec",), f"a condition of alert policy {ref!r}: {reason}")
                elif name is not None:
                    owner.error(("spec", "conditions", j), f"no AlertCondition named {name!r} in the imported files")
        owner.drop(at, reason)
    return {"critical": on, "warning": on, "info": False}


def _breaching(src: Source, spec: Path) -> bool | None:
    """A policy's `alertWhenBreaching` (unset: true, the policy's point); None after a located error."""
    value = src.get((*spec, "alertWhenBreaching"))
    if value is not None and not isinstance(value, bool):
        src.error((*spec, "alertWhenBreaching"), f"alertWhenBreaching must be true or false, not {shown(value)}")
        return None
    return value is not False
