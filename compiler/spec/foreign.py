"""A document of another tool given to obsc as a spec: said once, with the command that converts it.

A Sloth, OpenSLO or Pyrra file copied into the spec folder read as seven schema errors (missing `service`, `team`
and `selector`, an unsupported apiVersion, unknown `metadata` and `spec`...) and none named `obsc import`, the
command that reads it. A Prometheus rule file there (obsc writes those) read as "unknown key 'groups'".
"""

from __future__ import annotations

import shlex
from typing import Any

from compiler.errors import Diagnostic
from compiler.spec.document import Document

_WRITTEN = "obsc writes these from specs; it does not read them"
_IMPORT = "`obsc import {tool} {file} --out specs/` converts it into one (docs/importing.md)"


def other_tool(doc: Document) -> Diagnostic | None:
    """The one message for a document written for another tool, or None for one meant for obsc."""
    data = doc.data
    if not isinstance(data, dict):
        return None
    api, kind = data.get("apiVersion"), data.get("kind")
    api_text = api if isinstance(api, str) else ""
    found = _identify(data, api_text, kind)
    if found is None:
        return None
    key, what, tool = found
    advice = _IMPORT.format(tool=tool, file=shlex.quote(doc.file)) if tool else _WRITTEN
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
    return None
