"""A document of another tool given to obsc as a spec: said once, with the command that converts it.

A Sloth, OpenSLO or Pyrra file copied into the spec folder read as seven schema errors (missing `service`, `team`
and `selector`, an unsupported apiVersion, unknown `metadata` and `spec`...) and none named `obsc import`, the
command that reads it. A Prometheus rule file there (obsc writes those) read as "unknown key 'groups'".
"""

from __future__ import annotations

import difflib
import shlex
from typing import Any

from compiler.errors import Diagnostic
from compiler.spec.document import Document

_WRITTEN = "obsc writes these from specs; it does not read them"
# A library named .jsonnet in the spec folder (its functions are hidden fields, `f(x):: ...`) evaluates to {}: it
# was told "missing required key" four times (round 43).
_NO_FIELDS = (
    "evaluates to an object without a visible field, no spec: a library of functions (`name(x):: ...`)? Name it "
    ".libsonnet, which obsc imports but never reads as a spec; a spec's own fields take one colon (service: ...)"
)
_IMPORT = "`obsc import {tool} {file} --out specs/` converts it into one (docs/importing.md)"


def other_tool(doc: Document) -> Diagnostic | None:
    """The one message for a document written for another tool, or None for one meant for obsc."""
    data = doc.data
    if not isinstance(data, dict):
        return None
    if not data and doc.file.endswith(".jsonnet"):
        return Diagnostic(doc.locate(()), (), _NO_FIELDS)
    api, kind = data.get("apiVersion"), data.get("kind")
    api_text = api if isinstance(api, str) else ""
    found = _identify(data, api_text, kind)
    if found is None:
        return _unrelated(doc, data, api_text, kind)
    key, what, tool = found
    advice = _IMPORT.format(tool=tool, file=shlex.quote(doc.file)) if tool else _ADVICE.get(what, _WRITTEN)
    message = f"this is {what}, not an obsc spec (apiVersion: obsc/v1): {advice}"
    path = (key,)
    return Diagnostic(doc.locate(path, key=True), path, message)


def written_for(data: Any) -> tuple[str, str] | None:
    """(what the document is, its `obsc import` format or "") for another tool's document; ("an obsc spec", "obsc")
    for obsc's own; None when it is neither (`obsc import FORMAT` says which it is instead of only "not a ...")."""
    if not isinstance(data, dict):
        return None
    if data.get("apiVersion") == "obsc/v1":
        return "an obsc spec already", "obsc"
    api = data.get("apiVersion")
    found = _identify(data, api if isinstance(api, str) else "", data.get("kind"))
    return (found[1], found[2]) if found else None


def _identify(data: dict[str, Any], api: str, kind: Any) -> tuple[str, str, str] | None:
    """(the key that tells, what the document is, the `obsc import` format or "")."""
    version = data.get("version")
    if isinstance(version, str) and version.startswith("prometheus/") and "apiVersion" not in data:
        return "version", f"a Sloth spec (version: {version})", "sloth"
    if api.startswith("sloth.slok.dev/"):
        return "apiVersion", f"a Sloth {kind if isinstance(kind, str) else 'resource'} ({api})", "sloth"
    if api.startswith("openslo/"):
        return "apiVersion", f"an OpenSLO {kind if isinstance(kind, str) else 'document'} ({api})", "openslo"
    if api.startswith("pyrra.dev/"):
        return "apiVersion", f"a Pyrra {kind if isinstance(kind, str) else 'resource'} ({api})", "pyrra"
    if api.startswith("monitoring.coreos.com/") and kind == "PrometheusRule":
        return "kind", "a PrometheusRule resource (Prometheus Operator)", ""
    groups = data.get("groups")
    if not api and isinstance(groups, list) and groups and all(isinstance(g, dict) and "rules" in g for g in groups):
        return "groups", "a Prometheus rule file", ""
    return None if api else _beside_specs(data)


def _beside_specs(data: dict[str, Any]) -> tuple[str, str, str] | None:
    """Files people keep beside their monitoring config: a Docker Compose file (its `services:` read as a
    misspelt `service:`, `version:` as `apiVersion:`), an Alertmanager configuration (`route:` as `routing:`), a
    promtool test file, a GitHub Actions workflow (its `on:` read as true). Each read as four to six schema errors
    (round 43, a newcomer's spec folder)."""
    services = data.get("services")
    if isinstance(services, dict) and services and all(_compose_service(s) for s in services.values()):
        return "services", _COMPOSE, ""
    if isinstance(data.get("route"), dict) and isinstance(data.get("receivers"), list):
        return "route", _ALERTMANAGER, ""
    if isinstance(data.get("tests"), list) and "rule_files" in data:
        return "tests", "a promtool test file", ""
    if isinstance(data.get("jobs"), dict) and any(key in ("on", True) for key in data):
        return "jobs", _WORKFLOW, ""
    return None


def workflow_key(key: Any, written: str, siblings: list[str]) -> str | None:
    """The message for a top-level `on:` (read as true by YAML 1.1) in a document that also holds `jobs:`: a GitHub
    Actions workflow, told so before the loader's "quote it", which would only lead to the same advice one fix
    later (round 43's newcomer, open (1))."""
    if key is True and written.lower() == "on" and "jobs" in siblings:
        return f"this is {_WORKFLOW}, not an obsc spec (apiVersion: obsc/v1): {_ADVICE[_WORKFLOW]}"
    return None


def _compose_service(service: Any) -> bool:
    return isinstance(service, dict) and bool(_COMPOSE_KEYS.intersection(service))


_COMPOSE_KEYS = frozenset(("image", "build", "ports", "volumes", "command", "environment", "depends_on"))
_COMPOSE = "a Docker Compose file"
_ALERTMANAGER = "an Alertmanager configuration"
_WORKFLOW = "a GitHub Actions workflow"
_MOVE = "obsc reads every .yaml, .yml and .jsonnet file below a spec folder as a spec: move it out of the spec folder"
_ADVICE = {
    _COMPOSE: f"{_MOVE} (beside it, or into a folder of its own)",
    _ALERTMANAGER: (
        "obsc writes alertmanager.yml from the specs' routing and platform.yaml's receivers (docs/notifications.md); "
        f"{_MOVE}"
    ),
    _WORKFLOW: f"{_MOVE}, into .github/workflows/ (docs/ci.md has obsc's CI recipes)",
}


# The keys only an obsc spec or platform file (or an attempt at one, in Sloth's or OpenSLO's words) would hold: a
# document with none of them is another file that happens to sit in the spec folder.
_OBSC_KEYS = frozenset(
    (
        *("service", "team", "selector", "slos", "slo", "objectives", "metrics", "alerts", "routing", "targets"),
        *("threshold_alerts", "targets_via", "tier_labels", "dashboards", "objective", "sli", "period", "owner"),
        *("defaults", "teams", "receivers", "alertmanager", "secrets", "standard_dashboards", "runbook_url"),
        "grafana_url",
    )
)
_ELSEWHERE = (
    "obsc reads every .yaml, .yml and .jsonnet file below a spec folder as a spec (names starting with a dot "
    "aside): move it out of the spec folder, or start the spec from `obsc init SERVICE`"
)


def _obsc_like(key: object) -> bool:
    """One of obsc's keys, or a near miss of one (`servce:`, `selectors:`), which its did-you-mean says better."""
    return isinstance(key, str) and (key in _OBSC_KEYS or bool(difflib.get_close_matches(key, _OBSC_KEYS, 1, 0.8)))


def _unrelated(doc: Document, data: dict[str, Any], api: str, kind: Any) -> Diagnostic | None:
    """A Kubernetes manifest or a Helm values file in the spec folder read as six schema
    errors ("missing required key 'service'", "unknown key 'resources'"...), none saying it is no spec at all."""
    if not data or api.startswith("obsc") or any(_obsc_like(key) for key in data):
        return None
    if not api:
        keys = ", ".join(str(key) for key in list(data)[:3])
        said = f"not an obsc spec: none of its keys ({keys}) is a spec's (apiVersion: obsc/v1, service, team, selector)"
        return Diagnostic(doc.locate(()), (), f"{said}; {_ELSEWHERE}")
    what = f"a {kind} document ({api})" if isinstance(kind, str) else f"a document of apiVersion {api}"
    path = ("apiVersion",)
    said = f"this is {what}, not an obsc spec (apiVersion: obsc/v1); {_ELSEWHERE}"
    return Diagnostic(doc.locate(path, key=True), path, said)
