"""Which labels the fleet's service discovery puts on `up`: the platform's `defaults.target_labels`, or a guess.

Prometheus gives every target's `up` its `job` and `instance`; anything else comes from service discovery and
relabelling. Kubernetes service discovery (a ServiceMonitor) adds `namespace`, `pod`, `service`; a static or
file-SD scrape config adds nothing, and federation adds what the federating job keeps (a `cluster` external
label). A selector `{job: ledger, namespace: finance}` read whole on `up` matches no static target, and
ServiceDown paged with every target up (promtool, round 37); read without `namespace` under Kubernetes, it
stayed quiet while finance's ledger was down and staging's was up. Only the platform can tell which: when it
does not, obsc keeps the old guess and says so at each guessed label. `pod` is never a service's `up` label:
pods come and go with every rollout.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from compiler.model.ambiguous_targets import AMBIGUOUS_LABELS, ambiguous_left_out
from compiler.model.promql import Matcher

# Prometheus puts these on every target's `up`, whatever discovers it.
ALWAYS = frozenset({"job", "instance"})

# One pod's name: a new one after every rollout, so never a service-level `up` label, whoever lists it (a
# narrower set than down_groups.CHURNING_LABELS, the labels that never split ServiceDown: instance is on `up`).
NEVER_ON_SERVICE_UP = frozenset({"pod"})

SETTING = "defaults.target_labels"


def fleet_target_labels(defaults: Mapping[str, Any]) -> frozenset[str] | None:
    """The platform's `target_labels` (besides job and instance); None when it does not say."""
    written = defaults.get("target_labels")
    return None if written is None else frozenset(str(label) for label in written)


def fleet_up_labels(fleet: frozenset[str]) -> frozenset[str]:
    """The labels a declared fleet's targets carry on `up` that a service may be told apart by."""
    return (ALWAYS | fleet) - NEVER_ON_SERVICE_UP


def said(fleet: frozenset[str]) -> str:
    """The setting as written, for messages: `defaults.target_labels: [namespace]`."""
    return f"{SETTING}: [{', '.join(sorted(fleet))}]"


def guessed_onto_up(label: str, up: str, without: str) -> str:
    """The warning for a usual service-discovery label read on `up` although the platform did not say its
    targets carry it (`without`: the targets' labels without it)."""
    return (
        f"{label!r} is read on `up` as a guess (Kubernetes service discovery and federation put it there): a static "
        f"or file-SD scrape config does not, and ServiceDown would read up{{{up}}}, match nothing and page with "
        f"every target up; say which labels the fleet's targets carry in the platform's {SETTING} ([{label}] "
        f"under Kubernetes, [] for static scrape configs), or targets: {{{without or 'job: ...'}}} in this spec"
    )


def not_on_fleet_up(label: str, up: str, kept: str, written: str, fleet: frozenset[str]) -> str:
    """The warning for a selector label the platform's `target_labels` leave out of `up`."""
    return (
        f"{label!r} is not among the labels this fleet's targets carry ({said(fleet)}, besides job and instance), "
        f"so ServiceDown and the checks that ask whether the targets are up read up{{{up}}} without it; if these "
        f"targets carry it too, declare targets: {{{kept}, {written}}}, or targets: {{{kept}}} to say only the "
        "metrics carry it"
    )


def pod_left_out(label: str, up: str) -> str:
    """The warning for `pod` in a selector: never read on the service's `up`."""
    return (
        f"{label!r} names one pod, and pods come and go with every rollout: read on `up`, ServiceDown would page "
        f"after the next rollout with every new pod up, so it reads up{{{up}}} without it; declare targets: to "
        "choose the labels of this service's `up`"
    )


def none_on_fleet_up(selector_labels: list[str], fleet: frozenset[str]) -> str:
    """Why the targets cannot be told under a declared fleet: no selector label is on its `up`."""
    return (
        f"none of the selector's labels ({', '.join(selector_labels)}) is among the labels this fleet's targets "
        f"carry (job, instance and {said(fleet)}), and ServiceDown reads `up` with them"
    )


def left_out_reason(m: Matcher, up: str, kept: str, fleet: frozenset[str] | None) -> str:
    """Why a selector label is not read on `up`: one pod's name, an app's own tag, or not a target label."""
    written = f"{m.label}: {m.value}"
    if m.label in NEVER_ON_SERVICE_UP:
        return pod_left_out(m.label, up)
    if fleet is not None:
        return not_on_fleet_up(m.label, up, kept, written, fleet)
    if m.label in AMBIGUOUS_LABELS:
        return ambiguous_left_out(m.label, up, kept, written)
    return (
        f"{m.label!r} is not a usual scrape-target label, so ServiceDown and the checks that ask whether the "
        f"targets are up read up{{{up}}} without it: if the targets carry it too (relabelled onto them, as "
        f"hosts get a role), ServiceDown stays quiet while any other target there is up; declare targets: "
        f"{{{kept}, {written}}} then, or targets: {{{kept}}} if only the metrics carry it"
    )
