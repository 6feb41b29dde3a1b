"""A Pyrra objective's metadata labels and annotations named `pyrra.dev/<name>`: Pyrra writes them, as `<name>`,
on every rule it generates for the objective, its alerts included, so a team's routes and silences may match
them (`pyrra.dev/team: payments` is `team="payments"` on every Pyrra alert). They go on the SLO's alerts; the
other metadata is Kubernetes' own (labels select the generated PrometheusRule) and is reported.
"""

from __future__ import annotations

import re

from compiler.importers.common import RESERVED_ANNOTATIONS, RESERVED_LABELS, owned_label_message
from compiler.importers.source import Source
from compiler.spec.document import Path

PREFIX = "pyrra.dev/"
_LABEL = re.compile(r"^[a-zA-Z_][a-zA-Z0-9_]*$")
_KUBERNETES = {
    "labels": "Kubernetes labels select the generated PrometheusRule; obsc writes files",
    "annotations": "Kubernetes annotations have no meaning in an obsc spec",
}


def propagated(src: Source, kind: str) -> dict[str, str]:
    """The `pyrra.dev/` entries of metadata.labels or metadata.annotations (`kind`), without the prefix; the
    team label is left to the caller (it names the owning team) and every other entry is reported."""
    path: Path = ("metadata", kind)
    raw = src.get(path)
    if not isinstance(raw, dict) or not any(str(k).startswith(PREFIX) for k in raw):
        src.drop(path, _KUBERNETES[kind])
        return {}
    src.enter(path)
    out: dict[str, str] = {}
    for key, value in raw.items():
        at: Path = (*path, key)
        name = str(key)
        if not name.startswith(PREFIX):
            src.drop(at, _KUBERNETES[kind])
            continue
        name = name.removeprefix(PREFIX)
        if kind == "labels" and name == "team" and value not in (None, ""):
            continue  # the owning team (the caller's)
        if kind == "labels" and name in RESERVED_LABELS:
            src.drop(at, f"Pyrra writes it on its alerts as {name!r}, but {owned_label_message(name, str(value), at)}")
            continue
        problem = _problem(name, value, kind)
        if problem:
            src.drop(at, f"Pyrra writes it on its alerts as {name!r}, but {problem}")
            continue
        src.take(at)
        out[name] = src.text_of(at)
    return out


def _problem(name: str, value: object, kind: str) -> str | None:
    if kind == "annotations" and name in RESERVED_ANNOTATIONS:
        return f"obsc writes {name!r} on its own alerts (put the text in the objective's description)"
    if kind == "labels" and (not _LABEL.match(name) or name.startswith("__")):
        return "it is not a Prometheus label name"
    if value is None or value == "" or isinstance(value, dict | list):
        return "it has no text value"
    if kind == "annotations" and "{{" in str(value):
        return "it is a Go template (obsc refuses templates in spec strings)"
    return None
