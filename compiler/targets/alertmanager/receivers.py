"""Receivers for alertmanager.yml (Alertmanager 0.25 field names), from Fleet.receivers.

Secrets are only ever paths: the spec language has no inline secret fields, and each `*_file`
setting is copied to the 0.25 field that reads the file at notification time. Each integration also
gets its notification content (templates.py) and `send_resolved` for the most urgent tier the
receiver serves (a receiver is shared by routes; the setting belongs to the receiver, not the route).
"""

from __future__ import annotations

from typing import Any

from compiler import conventions as names
from compiler.model.send_resolved import send_resolved
from compiler.model.types import Fleet, Integration, Receiver, Tier
from compiler.targets.alertmanager.templates import content_fields

CONFIG_KEYS = {
    "email": "email_configs",
    "opsgenie": "opsgenie_configs",
    "pagerduty": "pagerduty_configs",
    "slack": "slack_configs",
    "webhook": "webhook_configs",
}

# Spec settings that live deeper in the 0.25 config than their flat spelling in the spec.
# (Webhook `url_file` would be the natural home for a webhook secret, but it is 0.26+.)
_NESTED: dict[tuple[str, str], tuple[str, ...]] = {
    ("webhook", "credentials_file"): ("http_config", "authorization", "credentials_file"),
}


def receivers(fleet: Fleet, tiers: dict[str, Tier]) -> list[dict[str, Any]]:
    """Every receiver of the fleet, sorted by name, plus the empty one when a route names it.

    `tiers` maps each receiver a route names to the most urgent tier it serves.
    """
    resolved = dict(fleet.platform.alertmanager.send_resolved)
    out = [receiver_config(r, tiers.get(r.name, Tier.WARNING), resolved) for r in fleet.receivers]
    if names.UNROUTED_RECEIVER in tiers:  # a platform receiver of that name is refused (model checks)
        out.append({"name": names.UNROUTED_RECEIVER})  # no integrations: Alertmanager accepts and drops what reaches it
    return sorted(out, key=lambda r: str(r["name"]))


def receiver_config(receiver: Receiver, tier: Tier, resolved: dict[str, bool]) -> dict[str, Any]:
    config: dict[str, Any] = {"name": receiver.name}
    for kind in sorted({i.kind for i in receiver.integrations}):
        configs = [integration_config(i, tier, resolved) for i in receiver.integrations if i.kind == kind]
        config[CONFIG_KEYS[kind]] = configs
    return config


def integration_config(integration: Integration, tier: Tier, resolved: dict[str, bool]) -> dict[str, Any]:
    config: dict[str, Any] = {}
    for key, value in integration.settings:
        path = _NESTED.get((integration.kind, key), (key,))
        node = config
        for part in path[:-1]:
            node = node.setdefault(part, {})
        node[path[-1]] = value
    config["send_resolved"] = send_resolved(integration.kind, tier, resolved)
    for key, value in content_fields(integration.kind).items():
        config.setdefault(key, value)
    return dict(sorted(config.items()))
