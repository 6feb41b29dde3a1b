"""Selector labels that may be on `up` or only on the metrics: a service discovery's label, or an app's own tag.

`service`, `app`, `env` and `environment` are labels Kubernetes service discovery (a ServiceMonitor's
`service`, a relabelled `app`) puts on scrape targets, and also labels apps write on their own series
(Micrometer's common tags, an OpenTelemetry service name, an app's environment). A static scrape config gives
`up` only `job` and `instance`, so ServiceDown read `up{service="billing-api"}`, matched nothing and paged
forever. Guessed, such a label is left out of `up` when another label names the targets (`job`), and said at the
label; when it is what names them, obsc cannot tell and asks for `targets:`.
"""

from __future__ import annotations

from compiler.model.promql import Matcher

AMBIGUOUS_LABELS = frozenset({"service", "app", "env", "environment"})

_WHY = (
    "put on scrape targets by Kubernetes service discovery (a ServiceMonitor's `service`) and also written by "
    "apps on their own series (Micrometer's common tags, an app's own label), and a static scrape config gives "
    "`up` only job and instance"
)


def ambiguous_left_out(label: str, up: str, kept: str, written: str) -> str:
    """The warning for an ambiguous label the guessed targets leave out of `up` (another label names them)."""
    return (
        f"{label!r} is {_WHY}: ServiceDown and the checks that ask whether the targets are up read up{{{up}}} "
        f"without it; if the targets carry it too, declare targets: {{{kept}, {written}}}, or targets: "
        f"{{{kept}}} to say only the metrics carry it (or list it in the platform's defaults.target_labels if "
        "every target of the fleet carries it)"
    )


def ambiguous_unknown(kept: tuple[Matcher, ...]) -> str:
    """Why the targets cannot be told when an ambiguous label is what names the service (`kept`: the selector's
    usual target labels): read on `up`, a static scrape config's targets never match and ServiceDown pages
    forever; left out, `up` is every target of the place."""
    labels = sorted(m.label for m in kept if m.label in AMBIGUOUS_LABELS)
    written = ", ".join(f"{m.label}: {m.value}" for m in kept)
    verb = "are" if len(labels) > 1 else "is"
    return (
        f"{', '.join(repr(label) for label in labels)} {verb} {_WHY}: read on `up`, ServiceDown would page forever "
        f"under a static scrape config; declare targets: {{{written}}} if the targets carry it (a ServiceMonitor), "
        "or targets: {job: ...} with the job of its scrape config (or list it in the platform's "
        "defaults.target_labels if every target of the fleet carries it)"
    )
