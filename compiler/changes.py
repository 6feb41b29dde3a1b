"""What a change to the specs does to operations, for a reviewer: alerts added, removed or changed
(expression, hold, severity, labels), receivers and routes changed, dashboards added or removed.

Reads the files on both sides (the committed output and the freshly compiled bundle) rather than the
model, so it reports what Prometheus and Alertmanager will actually load, whatever obsc version wrote
the old tree. `obsc diff` prints it as Markdown (for a pull-request comment) or JSON.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import yaml

from compiler import conventions as names
from compiler.targets.prometheus import extract_groups, layout_of

# (path, old text or None, new text or None) for every file that differs.
FileDiff = tuple[str, str | None, str | None]


@dataclass(frozen=True)
class Change:
    kind: str  # alert | receiver | route | inhibition | dashboard | file
    action: str  # added | removed | changed
    name: str
    details: tuple[str, ...] = ()


@dataclass
class Summary:
    changes: list[Change] = field(default_factory=list)

    def to_json(self) -> str:
        rows = [{"kind": c.kind, "action": c.action, "name": c.name, "details": list(c.details)} for c in self.changes]
        return json.dumps({"changes": rows, "count": len(rows)}, indent=2, sort_keys=True) + "\n"

    def to_markdown(self) -> str:
        if not self.changes:
            return "**obsc**: no operational change.\n"
        lines = [f"**obsc**: {len(self.changes)} operational change(s)", ""]
        for kind in ("alert", "route", "receiver", "inhibition", "dashboard", "file"):
            rows = [c for c in self.changes if c.kind == kind]
            if not rows:
                continue
            lines += [f"### {kind.capitalize()}s", "", "| | name | what |", "|---|---|---|"]
            for c in rows:
                sign = {"added": "+", "removed": "−", "changed": "~"}[c.action]
                lines.append(f"| {sign} | `{_cell(c.name)}` | {_cell('; '.join(c.details)) or c.action} |")
            lines.append("")
        return "\n".join(lines)


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def summarise(diffs: Iterable[FileDiff]) -> Summary:
    summary = Summary()
    old_alerts: dict[str, dict[str, Any]] = {}
    new_alerts: dict[str, dict[str, Any]] = {}
    for path, old, new in sorted(diffs, key=lambda d: d[0]):
        if layout_of(path):
            old_alerts.update(_alerts(path, old))
            new_alerts.update(_alerts(path, new))
        elif path == names.ALERTMANAGER_CONFIG:
            summary.changes += _alertmanager(_yaml(old), _yaml(new))
        elif path.startswith("grafana/dashboards/") and path.endswith(".json"):
            summary.changes.append(_dashboard(path, old, new))
        elif not path.startswith(("prometheus/tests/", "runbooks/")) and path not in (
            names.MANIFEST,
            names.ROUTING_TESTS,
        ):
            summary.changes.append(Change("file", _action(old, new), path))
    summary.changes[:0] = _compare(
        "alert",
        old_alerts,
        _same_tier(old_alerts, new_alerts),
        ("severity", "for", "expr", "labels", "keep_firing_for"),
    )
    return summary


def _same_tier(old: dict[str, dict[str, Any]], new: dict[str, dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """`new` with an alert whose only tier changed severity keyed as before: reported as its severity changed,
    not as one alert removed and another added."""

    def identity(key: str) -> str:
        return key.rsplit(" [", 1)[0]

    gone = [k for k in old if k not in new]
    came = [k for k in new if k not in old]
    out = dict(new)
    for key in came:
        partners = [g for g in gone if identity(g) == identity(key)]
        if len(partners) == 1 and sum(identity(k) == identity(key) for k in came) == 1:
            out[partners[0]] = out.pop(key)
    return out


def _action(old: object, new: object) -> str:
    return "added" if old is None else "removed" if new is None else "changed"


def _yaml(text: str | None) -> Any:
    if text is None:
        return None
    try:
        return yaml.safe_load(text)
    except yaml.YAMLError:
        return None  # a hand-damaged old file: everything in the new one reads as added


def _alerts(path: str, text: str | None) -> dict[str, dict[str, Any]]:
    """Alert rules by identity (name and labels other than severity): their fields a reviewer cares about."""
    if text is None:
        return {}
    try:
        groups = extract_groups(text, layout_of(path) or "prometheus")
    except (yaml.YAMLError, AttributeError, TypeError):
        return {}
    out: dict[str, dict[str, Any]] = {}
    for group in groups:
        for rule in group.get("rules") or []:
            if "alert" not in rule:
                continue
            labels = {str(k): str(v) for k, v in (rule.get("labels") or {}).items()}
            identity = {k: v for k, v in labels.items() if k not in ("severity",)}
            # one key per tier: a key alert's critical and warning rules share name and labels otherwise, and
            # one overwrote the other (a page removed showed no change); see _same_tier for severity changes
            key = rule["alert"] + _labels_text(identity) + f" [{labels.get('severity', '')}]"
            out[key] = {
                "severity": labels.get("severity", ""),
                "for": str(rule.get("for", "0s")),
                "keep_firing_for": str(rule.get("keep_firing_for", "")),
                "expr": " ".join(str(rule.get("expr", "")).split()),
                "labels": _labels_text(labels),
            }
    return out


def _labels_text(labels: Mapping[str, str]) -> str:
    return "{" + ", ".join(f'{k}="{v}"' for k, v in sorted(labels.items())) + "}" if labels else ""


def _compare(
    kind: str, old: Mapping[str, Mapping[str, Any]], new: Mapping[str, Mapping[str, Any]], fields: Sequence[str]
) -> list[Change]:
    out = []
    for key in sorted(old.keys() | new.keys()):
        before, after = old.get(key), new.get(key)
        if before is None or after is None:
            shown = after if after is not None else before
            assert shown is not None
            details = tuple(f"{f}: {shown[f]}" for f in fields[:2] if shown.get(f) and len(str(shown[f])) <= 80)
            out.append(Change(kind, _action(before, after), key, details))
            continue
        details = tuple(_changed(f, before.get(f), after.get(f)) for f in fields if before.get(f) != after.get(f))
        if details:
            out.append(Change(kind, "changed", key, details))
    return out


_NUMBER = re.compile(r"(?<![\w.])\d+(?:\.\d+)?(?:e[-+]?\d+)?(?![\w.])")


def _changed(name: str, before: object, after: object) -> str:
    if name == "expr" and isinstance(before, str) and isinstance(after, str):
        old_numbers, new_numbers = _NUMBER.findall(before), _NUMBER.findall(after)
        if _NUMBER.sub("#", before) == _NUMBER.sub("#", after):  # same query, other constants: say which
            moved = [f"{a} → {b}" for a, b in zip(old_numbers, new_numbers, strict=True) if a != b]
            return "thresholds: " + ", ".join(dict.fromkeys(moved))
    text = f"{name}: {before} → {after}"
    return text if len(text) <= 200 else f"{name} changed"


def _alertmanager(old: Any, new: Any) -> list[Change]:
    old, new = old if isinstance(old, dict) else {}, new if isinstance(new, dict) else {}

    def receivers(config: dict[str, Any]) -> dict[str, dict[str, Any]]:
        return {
            str(r.get("name")): {
                "integrations": ", ".join(sorted(k.removesuffix("_configs") for k in r if k.endswith("_configs"))),
                **_flatten({k: v for k, v in r.items() if k != "name"}),
            }
            for r in config.get("receivers") or []
            if isinstance(r, dict)
        }

    def routes(config: dict[str, Any]) -> dict[str, dict[str, Any]]:
        out: dict[str, dict[str, Any]] = {}

        def walk(node: dict[str, Any], trail: tuple[str, ...]) -> None:
            here = (*trail, *(str(m) for m in node.get("matchers") or []))
            if "receiver" in node and (node.get("matchers") or not trail):
                out[", ".join(here) or "(root)"] = {"receiver": node["receiver"]}
            for child in node.get("routes") or []:
                if isinstance(child, dict):
                    walk(child, here)

        if isinstance(config.get("route"), dict):
            walk(config["route"], ())
        return out

    changes = _compare("route", routes(old), routes(new), ("receiver",))
    old_receivers, new_receivers = receivers(old), receivers(new)
    settings = sorted({k for r in (*old_receivers.values(), *new_receivers.values()) for k in r} - {"integrations"})
    changes += _compare("receiver", old_receivers, new_receivers, ("integrations", *settings))
    inhibit_old, inhibit_new = old.get("inhibit_rules") or [], new.get("inhibit_rules") or []
    if inhibit_old != inhibit_new:
        changes.append(Change("inhibition", "changed", "inhibit_rules", (f"{len(inhibit_old)} → {len(inhibit_new)}",)))
    return changes


def _flatten(value: Any, prefix: str = "") -> dict[str, str]:
    """Leaves of a receiver as `webhook_configs[0].url: value`, so a change names the setting that moved."""
    if isinstance(value, dict):
        return {
            k: v for key in sorted(value) for k, v in _flatten(value[key], f"{prefix}.{key}" if prefix else key).items()
        }
    if isinstance(value, list):
        return {k: v for i, item in enumerate(value) for k, v in _flatten(item, f"{prefix}[{i}]").items()}
    return {prefix: str(value)}


def _dashboard(path: str, old: str | None, new: str | None) -> Change:
    def title(text: str | None) -> str:
        try:
            data = json.loads(text) if text else {}
        except ValueError:
            return ""
        return str(data.get("title", "")) if isinstance(data, dict) else ""

    shown = title(new) or title(old)
    return Change("dashboard", _action(old, new), path, (f"title: {shown}",) if shown else ())
