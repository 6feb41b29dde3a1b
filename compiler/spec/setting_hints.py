"""Messages for platform settings whose schema pattern said only what the field is.

A secret file written as `${PD_KEY_FILE}` or `secrets/pd` was told "is not valid: Path of a file holding the
secret (secrets are never written inline)", and a runbook link without a placeholder, or with Alertmanager's
`{{ $labels.alertname }}` or a made-up `{alertname}`, "is not valid: Pattern of runbook links; ...": the field's
description, not what is wrong with the value (round 43, a newcomer writing platform.yaml). Each rule here says
what is wrong and what to write, and never repeats a secret file setting's value, which may be the secret."""

from __future__ import annotations

import difflib
import re
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from jsonschema import ValidationError

Path = tuple[str | int, ...]
Defs = dict[str, Any]

_PLACEHOLDERS = ("path", "service", "alert", "slug")
_PLACEHOLDER = re.compile(r"\{([^{}]*)\}")
_EXAMPLE = "https://wiki.acme.example/runbooks/{path}"
TEMPLATE_HINT = "not Alertmanager's templates"  # the runbook link's template message (schema.py holds its follow-ons)


def secret_file(error: ValidationError, defs: Defs, path: Path) -> str | None:
    """A `*_file` setting that is no absolute path."""
    if error.validator != "pattern" or not path or not str(path[-1]).endswith("_file"):
        return None
    if not isinstance(error.instance, str):
        return None
    written = error.instance.strip()
    where = "e.g. /etc/alertmanager/secrets/team-<team>/<name> (below the platform's secrets roots)"
    if re.search(r"\$\{?\w|\{\{|%\(", written):
        return (
            f"the value (not repeated here) is a variable or template: obsc expands neither, and writes the path "
            f"into alertmanager.yml as it is; write the file's absolute path, {where}"
        )
    if "/" in written and not written.startswith(("~", ".")) and " " not in written:
        return (
            f"the value (not repeated here) is a relative path: Alertmanager reads it from its own working "
            f"directory, not from the repository; write the absolute path it has on the Alertmanager host, {where}"
        )
    return (
        f"the value (not repeated here) is no absolute path: if it is the secret itself, put it in a file on the "
        f"Alertmanager host and write that file's path, {where}"
    )


def runbook_url(error: ValidationError, defs: Defs, path: Path) -> str | None:
    """The platform's `runbook_url` without a placeholder that tells one alert's runbook from another's."""
    if path != ("runbook_url",) or error.validator != "pattern" or not isinstance(error.instance, str):
        return None
    given = f"placeholders obsc fills in: {', '.join('{' + p + '}' for p in _PLACEHOLDERS)}"
    if "{{" in error.instance or "$labels" in error.instance:
        return (
            f"obsc fills in the runbook link itself, {TEMPLATE_HINT}: write {{alert}} where the alert's "
            f"name goes, or {{path}} for the stubs obsc writes ({given}), e.g. {_EXAMPLE}"
        )
    unknown = [name for name in _PLACEHOLDER.findall(error.instance) if name not in _PLACEHOLDERS]
    if unknown:
        close = difflib.get_close_matches(unknown[0].lower(), ("alert", "service", "path", "slug"), n=1, cutoff=0.4)
        meant = f": did you mean {{{close[0]}}}?" if close else ""
        return f"{{{unknown[0]}}} is not filled in{meant} ({given}; the link needs {{path}}, {{alert}} or {{slug}})"
    return (
        "every alert would link this same page: add {path} (runbooks/<service>/<slug>.md, the stubs obsc writes), "
        f"or {{alert}} / {{slug}} where your wiki names its pages ({given}), e.g. {_EXAMPLE}"
    )


# Platform settings written one level off, and where they live. `defaults.min_bad_events` was told only "unknown
# key (allowed: alerts, dashboards, metrics, ...)", `defaults.scrape_interval` the same (round 43).
_IN_DEFAULTS = {
    **dict.fromkeys(
        ("min_bad_events", "budget_left", "scrape_interval", "ingest_delay", "evaluation_interval", "windows"),
        "defaults.slo_alerts",
    ),
    "max_group_labels": "defaults.slo",
    **dict.fromkeys(
        ("error_rate", "latency_p99", "service_down", "traffic_anomaly", "cpu", "memory"), "defaults.alerts"
    ),
    **dict.fromkeys(("disk", "disk_full", "deployment", "new_error_type", "traffic_milestone"), "defaults.alerts"),
    **dict.fromkeys(("critical", "warning", "info"), "defaults.routing"),
}
_AT_TOP = {
    **dict.fromkeys(
        ("period", "metrics", "alerts", "routing", "target_labels", "tier_labels", "slo_alerts", "max_groups"),
        "defaults",
    ),
    **dict.fromkeys(("team_root", "shared_root", "team_spec_dir"), "secrets"),
    **dict.fromkeys(("default_receiver", "receiver_url_prefixes", "receiver_email_domains"), "alertmanager"),
    **dict.fromkeys(("global", "templates", "send_resolved"), "alertmanager"),
    **dict.fromkeys(("resolve_timeout", "slack_api_url_file", "smtp_smarthost", "smtp_from"), "alertmanager.global"),
    **dict.fromkeys(
        ("min_bad_events", "budget_left", "scrape_interval", "ingest_delay", "evaluation_interval"),
        "defaults.slo_alerts",
    ),
}
_GLOBALS = ("resolve_timeout", "slack_api_url_file", "smtp_smarthost", "smtp_from", "smtp_auth_username")
_PER_SLO = "each SLO states its own (slos: [{name: ..., objective: 99.9, ...}] in the service spec)"


def mail_recipients(error: ValidationError, defs: Defs, path: Path) -> str | None:
    """An e-mail receiver's `to:` holding several addresses (a list, or "a, b" as Alertmanager itself reads it) or
    a display name: told "to takes text" or "is not valid: an e-mail address" (round 43, a newcomer: open (4)),
    neither saying that obsc takes one address there and how several people get the mail."""
    if path[-2:] != ("email", "to"):
        return None
    value = error.instance
    addresses = (
        [str(v) for v in value]
        if isinstance(value, list)
        else re.split(r"[,;]", value)
        if isinstance(value, str)
        else []
    )
    addresses = [a.strip() for a in addresses if a.strip()]
    if len(addresses) > 1 and all("@" in a for a in addresses):
        return (
            f"{len(addresses)} addresses in one to: obsc takes one address per e-mail receiver (it checks each "
            "destination against the team the platform gives it to): send to the team's group address (a mailing "
            "list or alias) instead"
        )
    named = re.fullmatch(r"[^<>]*<\s*([^<>\s]+@[^<>\s]+)\s*>", addresses[0]) if addresses else None
    if named:
        return f"a display name in to: write the address alone: to: {named.group(1)}"
    return None


def misplaced_platform_key(key: str, allowed: Sequence[str], path: Path) -> str | None:
    """Where a platform setting written in the wrong mapping lives, or None."""
    if path == ("defaults",) and "slo_alerts" in allowed:
        if key in ("objective", "target", "slo_objective"):
            return f"unknown key '{key}': no objective is set for every service: {_PER_SLO}"
        home = _IN_DEFAULTS.get(key)
    elif path == () and "receivers" in allowed and "kind" in allowed:  # the platform file's top level
        home = _AT_TOP.get(key)
    elif path == ("alertmanager",) and "global" in allowed:
        home = (
            "alertmanager.global"
            if key in _GLOBALS or key.startswith(("smtp_", "slack_", "pagerduty_", "opsgenie_"))
            else None
        )
    else:
        return None
    return f"unknown key '{key}' here: it belongs under {home} ({home}.{key}: ...)" if home else None


def alert_key(key: str, allowed: Sequence[str]) -> str | None:
    """A key-metric alert's hold written beside its tiers (`error_rate: {warning: 2%, for: 10m}`), or a threshold
    alert given a query (`expr:`): both were told "unknown key" with the allowed list only (round 43)."""
    if key == "for" and "warning" in allowed and "critical" in allowed:
        return (
            "unknown key 'for': a hold is set per tier, with its line: e.g. warning: {threshold: 2%, for: 10m} "
            "(a tier's `for:` alone keeps its inherited line)"
        )
    if key in ("expr", "query") and "metric" in allowed and "above" in allowed:
        return (
            f"unknown key '{key}': a threshold alert names a metric of metrics: and says its line itself, e.g. "
            "metrics: {queue: {selector: queue_depth, type: gauge, aggregation: max}} (or {expr: ...} with "
            "$selector) and threshold_alerts: [{name: QueueHigh, metric: queue, above: 100}]"
        )
    return None
