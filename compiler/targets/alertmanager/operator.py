"""`--format prometheus-operator`: one AlertmanagerConfig (monitoring.coreos.com/v1alpha1) per team.

Same decisions as alertmanager.yml (the team's branch of the tree, its receivers, the inhibit
rules), spelled for the operator. Things to know when deploying:
- Secrets: a secret file path maps to a Secret key by the operator's own mount layout. The operator
  mounts `Alertmanager.spec.secrets` at /etc/alertmanager/secrets/<secret>/<key>, so a file
  `.../<secret>/<key>` is key `<key>` of Secret `<secret>` (the Secret name lower-cased, other
  characters turned into '-'); /etc/alertmanager/secrets/payments-pagerduty is key
  `payments-pagerduty` of Secret `secrets`. Below the platform's declared roots, `<secret>` is the
  owner's folder (a team root's folder holding the team name, or the shared root) and the key the
  rest of the path with '/' as '-'. The Secret must live in the AlertmanagerConfig's namespace.
- Slack and email settings that plain Alertmanager takes from `global:` (webhook URL file, SMTP
  host, sender, credentials) are copied into each config: an AlertmanagerConfig cannot rely on the
  base configuration's globals being what the platform file says.
- The operator adds a `namespace="<object namespace>"` matcher to the top route and to inhibit rules
  unless the Alertmanager sets `alertmanagerConfigMatcherStrategy: {type: None}`. obsc's alerts carry no
  `namespace` (its rules aggregate it away, and obsc does not know where the objects are applied), so under
  that default no obsc alert would match: every object says so in an annotation (ANNOTATION_REQUIRES), and
  every compile in this format warns (REQUIREMENT).
- v1alpha1 time intervals have no `location`: business hours outside UTC cannot be expressed, so
  such a team's config carries none and says so in an annotation (alertmanager.yml keeps them).
- Every integration says `sendResolved`, as alertmanager.yml does: left out, the operator leaves it to
  Alertmanager's per-integration default (false for Slack and email), and a page or ticket in a channel
  never said it was over.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from compiler import conventions as names
from compiler.model.operator_secrets import operator_secret_key
from compiler.model.send_resolved import send_resolved
from compiler.model.types import Fleet, Integration, Receiver, SecretPolicy, Tier
from compiler.output.bundle import Artifact
from compiler.targets.alertmanager.inhibit import inhibit_rules
from compiler.targets.alertmanager.routes import (
    Inhibit,
    Interval,
    Match,
    RouteNode,
    business_hours,
    duration,
    receivers_in,
    root_receiver,
    route_tree,
    team_route,
    teams_in_use,
    tiers_of_receivers,
)
from compiler.targets.alertmanager.yaml_emit import to_yaml

API_VERSION = "monitoring.coreos.com/v1alpha1"
KIND = "AlertmanagerConfig"
ANNOTATION_HOURS = "obsc.dev/business-hours"
ANNOTATION_REQUIRES = "obsc.dev/requires"
# Under 300 characters and without ': ', or the YAML writer leaves it to PyYAML.
REQUIREMENT = (
    "the Alertmanager resource must set spec.alertmanagerConfigMatcherStrategy.type to None; obsc's alerts carry "
    "no namespace label, so under the default (OnNamespace) none matches obsc's AlertmanagerConfigs and pages go "
    "to the base config's root receiver"
)
# The time zone database's names for UTC itself (links to Etc/UTC or Etc/GMT: zero offset, never DST).
UTC_NAMES = frozenset(
    {
        *("UTC", "Etc/UTC", "Etc/UCT", "UCT", "Etc/Universal", "Universal", "Etc/Zulu", "Zulu", "GMT", "Etc/GMT"),
        *("Etc/GMT0", "Etc/GMT+0", "Etc/GMT-0", "GMT0", "GMT+0", "GMT-0", "Etc/Greenwich", "Greenwich"),
    }
)
Ref = Callable[[str], dict[str, str]]  # a secret file path -> its SecretKeySelector


def team_configs(fleet: Fleet) -> list[Artifact]:
    tiers = tiers_of_receivers(route_tree(fleet))  # as alertmanager.yml decides each receiver's sendResolved
    return [
        Artifact(f"{names.ALERTMANAGER_OPERATOR_DIR}/{team}.yaml", to_yaml(team_config(fleet, team, services, tiers)))
        for team, services in teams_in_use(fleet)
    ]


def team_config(fleet: Fleet, team: str, services: Any, tiers: dict[str, Tier] | None = None) -> dict[str, Any]:
    tiers = tiers if tiers is not None else tiers_of_receivers(route_tree(fleet))
    route = team_route(fleet, team, services)
    hours = business_hours(fleet.platform.team(team))
    expressible = hours is not None and hours.hours.location in UTC_NAMES
    if hours is not None and not expressible:
        route = _without_intervals(route)
    # The operator requires a receiver on the top route: the team's own catch-all, else the platform default.
    top = RouteNode(
        matchers=route.matchers,
        receiver=route.receiver or root_receiver(fleet),
        group_by=route.group_by,
        routes=route.routes,
    )
    used = sorted({top.receiver or "", *receivers_in(top)} - {""})
    metadata: dict[str, Any] = {
        "name": names.alertmanager_config_name(team),
        "labels": {"app.kubernetes.io/managed-by": "obsc", "obsc.dev/team": team},
    }
    metadata["annotations"] = {ANNOTATION_REQUIRES: REQUIREMENT}
    if hours is not None and not expressible:
        metadata["annotations"][ANNOTATION_HOURS] = (
            f"{hours.hours.location} business hours are not expressible in {API_VERSION} "
            f"(no time zone); warning and info notify at all hours here, alertmanager.yml keeps the hours"
        )
    spec: dict[str, Any] = {
        "route": render_route(top),
        "receivers": [render_receiver(fleet, name, tiers.get(name, Tier.WARNING)) for name in used],
        "inhibitRules": [render_inhibit(rule) for rule in inhibit_rules(fleet)],
    }
    if hours is not None and expressible:
        spec["muteTimeIntervals"] = [render_interval(hours)]
    return {"apiVersion": API_VERSION, "kind": KIND, "metadata": metadata, "spec": spec}


def _without_intervals(node: RouteNode) -> RouteNode:
    return RouteNode(
        matchers=node.matchers,
        receiver=node.receiver,
        group_by=node.group_by,
        timing=node.timing,
        routes=tuple(_without_intervals(child) for child in node.routes),
    )


def render_match(match: Match) -> dict[str, str]:
    return {"name": match.name, "value": match.value, "matchType": match.op}


def render_route(node: RouteNode) -> dict[str, Any]:
    out: dict[str, Any] = {}
    if node.receiver:
        out["receiver"] = node.receiver
    if node.matchers:
        out["matchers"] = [render_match(m) for m in node.matchers]
    if node.group_by is not None:
        out["groupBy"] = list(node.group_by)
    if node.timing is not None:
        out["groupWait"] = duration(node.timing.group_wait)
        out["groupInterval"] = duration(node.timing.group_interval)
        out["repeatInterval"] = duration(node.timing.repeat_interval)
    if node.active_time_intervals:
        out["activeTimeIntervals"] = list(node.active_time_intervals)
    if node.routes:
        out["routes"] = [render_route(child) for child in node.routes]
    return out


def render_inhibit(rule: Inhibit) -> dict[str, Any]:
    return {
        "sourceMatch": [render_match(m) for m in rule.source],
        "targetMatch": [render_match(m) for m in rule.target],
        "equal": list(rule.equal),
    }


def render_interval(interval: Interval) -> dict[str, Any]:
    hours = interval.hours
    window = {
        "weekdays": list(hours.weekdays),
        "times": [{"startTime": t.start, "endTime": t.end} for t in hours.times],
    }
    return {"name": interval.name, "timeIntervals": [window]}


def secret_ref(path: str, policy: SecretPolicy | None = None) -> dict[str, str]:
    """A secret file path → SecretKeySelector, by the operator's mount layout (model/operator_secrets.py)."""
    name, key = operator_secret_key(path, policy)
    return {"name": name, "key": key}


def render_receiver(fleet: Fleet, name: str, tier: Tier = Tier.WARNING) -> dict[str, Any]:
    """One receiver; `tier` is the most urgent tier routed to it, which decides its sendResolved."""
    receiver = fleet.receiver(name)
    out: dict[str, Any] = {"name": name}
    if receiver is None:
        return out  # the empty receiver (obsc-unrouted): what reaches it notifies nobody
    am_global = dict(fleet.platform.alertmanager.global_settings)
    policy = fleet.platform.secrets

    def ref(path: str) -> dict[str, str]:
        return secret_ref(path, policy)

    resolved = dict(fleet.platform.alertmanager.send_resolved)
    for kind, key in _CONFIG_KEYS.items():
        configs = [
            {**_INTEGRATIONS[kind](i, am_global, ref), "sendResolved": send_resolved(kind, tier, resolved)}
            for i in _of_kind(receiver, kind)
        ]
        if configs:
            out[key] = configs
    return out


def _of_kind(receiver: Receiver, kind: str) -> list[Integration]:
    return [i for i in receiver.integrations if i.kind == kind]


def _text(integration: Integration, key: str) -> str | None:
    value = integration.get(key)
    return None if value is None else str(value)


def _pagerduty(i: Integration, am_global: dict[str, Any], ref: Ref) -> dict[str, Any]:
    out: dict[str, Any] = {"routingKey": ref(str(i.get("routing_key_file")))}
    url = _text(i, "url") or am_global.get("pagerduty_url")
    if url:
        out["url"] = str(url)
    return out


def _opsgenie(i: Integration, am_global: dict[str, Any], ref: Ref) -> dict[str, Any]:
    out: dict[str, Any] = {"apiKey": ref(str(i.get("api_key_file")))}
    url = _text(i, "api_url") or am_global.get("opsgenie_api_url")
    if url:
        out["apiURL"] = str(url)
    if i.get("priority") is not None:
        out["priority"] = _text(i, "priority")
    return out


def _slack(i: Integration, am_global: dict[str, Any], ref: Ref) -> dict[str, Any]:
    out: dict[str, Any] = {"channel": _text(i, "channel")}
    url_file = _text(i, "api_url_file") or am_global.get("slack_api_url_file")
    if url_file:
        out["apiURL"] = ref(str(url_file))
    return out


def _webhook(i: Integration, am_global: dict[str, Any], ref: Ref) -> dict[str, Any]:
    del am_global
    out: dict[str, Any] = {"url": _text(i, "url")}
    credentials = _text(i, "credentials_file")
    if credentials:
        out["httpConfig"] = {"authorization": {"credentials": ref(credentials)}}
    if i.get("max_alerts") is not None:
        out["maxAlerts"] = i.get("max_alerts")
    return out


def _email(i: Integration, am_global: dict[str, Any], ref: Ref) -> dict[str, Any]:
    out: dict[str, Any] = {"to": _text(i, "to")}
    for key, field in (("smtp_from", "from"), ("smtp_smarthost", "smarthost"), ("smtp_auth_username", "authUsername")):
        if am_global.get(key):
            out[field] = str(am_global[key])
    password = _text(i, "auth_password_file") or am_global.get("smtp_auth_password_file")
    if password:
        out["authPassword"] = ref(str(password))
    if am_global.get("smtp_require_tls") is not None:
        out["requireTLS"] = bool(am_global["smtp_require_tls"])
    return out


_CONFIG_KEYS = {
    "email": "emailConfigs",
    "opsgenie": "opsgenieConfigs",
    "pagerduty": "pagerdutyConfigs",
    "slack": "slackConfigs",
    "webhook": "webhookConfigs",
}
_INTEGRATIONS = {"email": _email, "opsgenie": _opsgenie, "pagerduty": _pagerduty, "slack": _slack, "webhook": _webhook}
