"""`targets:` written as label matchers (`'{job=~"search-(blue|green)"}'`), and metrics that read more targets than
ServiceDown watches.

A service scraped as several jobs at once (blue/green, `search-blue` and `search-green`, both live during a switch,
one drained and removed after) cannot name its `up` series with exact values: the metrics read both jobs through
`job=~"search-(blue|green)"`, but ServiceDown read `up{job="search-blue"}` alone, and once blue was removed it paged
from then on while green served every request (promtool replay, round 37). The matchers form says the targets as
the metrics' own selectors do; a metric that widens a target label beyond the `up` series read is a warning.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable

from compiler.errors import Diagnostic
from compiler.model.empty_matchers import never_all_pass
from compiler.model.exact_matchers import matcher_syntax, reads_as_pattern
from compiler.model.fleet_target_labels import ALWAYS
from compiler.model.promql import Matcher, parse_selector
from compiler.model.promql_regex import full_match, regex_problem
from compiler.model.selector_labels import pins, placeholder_problem, selector_label_problems
from compiler.model.types import Metric

# white space at either end that is no control character (those are refused as such, build_thresholds)
_EDGE_SPACE = re.compile(r"\A[^\S\x00-\x1f]|[^\S\x00-\x1f]\Z")
EXAMPLE = "targets: '{job=~\"search-(blue|green)\"}'"


def pattern_advice(key_name: str, label: str, value: str) -> str:
    """What to write for a pattern under `selector:` or `targets:` (`key_name`), whose values are exact."""
    matchers = "'{" + label + "=~" + json.dumps(value, ensure_ascii=False).replace("'", "''") + "}'"
    if key_name == "selector":
        # the metrics alone once read both blue/green jobs while ServiceDown read one, and paged once it was removed
        return (
            f"name the exact value (a pattern goes in each metric's own selector, with =~, and the scrape targets' in "
            f"targets: {matchers})"
        )
    # `targets: {job: "cdn-.*"}` read up{job="cdn-.*"}: no series, so ServiceDown paged from its first evaluation
    return (
        f"name the exact value, or write the targets as label matchers (targets: {matchers}); a label whose value "
        "differs per target (pop, instance) stays out of targets:"
    )


def _selector_text(text: str) -> str:
    stripped = text.strip()
    return "up" + stripped if stripped.startswith("{") else stripped


def parse_targets(text: str) -> tuple[Matcher, ...]:
    """The matchers of `up` a targets text names (checked by targets_text_problems first); () when it is not one."""
    try:
        return tuple(parse_selector(_selector_text(text)).matchers)
    except ValueError:
        return ()


def exact_targets(written: object) -> dict[str, str]:
    """The exact values `targets:` names: a mapping's, or the `=` matchers of a text (a pattern there is a mistake)."""
    if isinstance(written, dict):
        return {str(k): str(v) for k, v in written.items()}
    return {m.label: m.value for m in parse_targets(written) if m.op == "="} if isinstance(written, str) else {}


def targets_text_problems(text: str) -> list[str]:
    """Why a targets text names no usable set of `up` series: not label matchers, a metric other than `up`, a label
    no target carries, a regex Prometheus refuses, or nothing that pins the targets (every job's `up`)."""
    try:
        selector = parse_selector(_selector_text(text))
    except ValueError as exc:
        return [
            f"targets written as text are the label matchers of the service's `up` series, as a metric's selector "
            f"writes them ({EXAMPLE}), or a mapping of exact values (targets: {{job: checkout}}): {exc}"
        ]
    matchers = selector.matchers
    found = [message for _, message in selector_label_problems(dict.fromkeys(m.label for m in matchers), "targets")]
    found += [p for m in matchers if (p := placeholder_problem(m.value))]
    found += [r for m in matchers if "~" in m.op and (r := regex_problem(m.value)) is not None]
    found += [a for label in sorted(ALWAYS) if (a := _only_absent(label, [m for m in matchers if m.label == label]))]
    if not found and not any(pins(m) for m in matchers):
        found.append(
            "no matcher here leaves out other services' targets (a `=` value, or a `=~` some value fails): ServiceDown "
            "would read every target Prometheus scrapes and stay quiet while any of them is up; name this service's "
            "jobs"
        )
    return found


def _only_absent(label: str, matchers: list[Matcher]) -> str | None:
    """Why matchers on a label every target's `up` carries (job, instance) pass only its absence: `job=""`,
    `instance=~""` read no `up` at all, and ServiceDown paged from its first evaluation."""
    if not matchers or not never_all_pass([*((m.op, m.value) for m in matchers), ("!=", "")]):
        return None
    shown = ",".join(m.render() for m in matchers)
    return (
        f"only a missing {label!r} passes {shown}, and Prometheus gives every target's `up` a {label}: ServiceDown "
        f"would read no series and page from its first evaluation; match the {label} values of this service's "
        "targets"
    )


def widened_target_warnings(metrics: Iterable[Metric], targets: tuple[Matcher, ...]) -> tuple[Diagnostic, ...]:
    """A located warning for the first metric (in spec order) of each `=~` that reads more targets than ServiceDown
    watches (widened_targets): every metric of a blue/green service repeats it."""
    said: set[str] = set()
    out = []
    for metric in sorted(metrics, key=lambda m: (m.location.file, m.location.line, m.location.col)):
        if metric.selector is None:
            continue
        for m in metric.selector.matchers:
            if m.render() in said or not (message := widened_targets([(metric.name, (m,))], targets)):
                continue
            said.add(m.render())
            out.append(Diagnostic(metric.location, ("metrics", metric.name), message[0]))
    return tuple(out)


def widened_targets(metrics: Iterable[tuple[str, tuple[Matcher, ...]]], targets: tuple[Matcher, ...]) -> list[str]:
    """Messages for metrics whose `=~` on a target label replaces the targets' exact value with a pattern that
    passes it and other values (`job=~"search-(blue|green)"` over `job: search-blue`): the metrics read targets
    ServiceDown does not watch, and when the named one is removed it pages while the others serve."""
    exact = {m.label: m.value for m in targets if m.op == "="}
    out: list[str] = []
    for name, matchers in metrics:
        for m in matchers:
            if m.op != "=~" or m.label not in exact:
                continue
            if m.value == exact[m.label] or full_match(m.value, exact[m.label]) is not True:
                continue  # the same value, or another job's series (an exporter's): not this service's targets
            up = ",".join(t.render() for t in targets)
            widened = ",".join((m if t.label == m.label else t).render() for t in targets)
            out.append(
                f"metric {name!r} reads {m.render()}, but ServiceDown and the checks that ask whether the targets are "
                f"up read up{{{up}}} alone: the targets of the other {m.label} values are not watched, and when "
                f"{exact[m.label]!r} is drained and removed (a blue/green switch) ServiceDown pages while the others "
                f"serve; declare targets: '{{{widened}}}'"
            )
    return out


# `${JOB}`, `$JOB`: a shell or CI variable nothing expanded. `$` is legal in a label value, but no exporter writes
# this, and the SLOs and alerts would read nothing for good (round 43, a newcomer: open (3)). obsc's own
# `$window` and `$selector` have a message of their own.
_VARIABLE = re.compile(r"\$\{\w+\}|^\$(?!(?:window|selector)$)[A-Za-z_]\w*$")


def unexpanded_variable(key: str, value: str) -> str | None:
    """The message for a selector value that reads as a variable nothing expanded, or None."""
    if not _VARIABLE.search(value):
        return None
    return (
        f"{key}: {value!r} reads as a variable nothing expanded: obsc expands none, and it would select only "
        "series labelled with this very text; write the value itself (to build specs from one source, write "
        "them in Jsonnet)"
    )


def value_problem(key: str, value: str, key_name: str) -> str | None:
    """The message for a `selector:`/`targets:` value no series has (`key_name` says which): one written as a
    PromQL matcher (`=~cart`, `"cart"`) or as a pattern, each with the value to write; None for a fine value."""
    if _EDGE_SPACE.search(value):  # `job: "shop "`, copied with its space: no target has it, ServiceDown pages
        said = f"{key}: {value!r} begins or ends with white space, and {key_name} values are exact label values"
        stripped = value.strip()
        return f"{said}, matched as written (no series has this text): " + (
            f"write {key}: {stripped}" if stripped else "write the label's value"
        )
    found = matcher_syntax(value)
    operator, meant = found if found else (None, value)
    negative = operator in ("!=", "!~")
    if meant and not negative and reads_as_pattern(meant):
        return (
            f"{key}: {value!r} reads as a pattern, and {key_name} values are exact (no series has this text): "
            f"{pattern_advice(key_name, key, meant)}"
        )
    if found is None:
        return None
    holds = f"starts with PromQL's {operator} operator" if operator else "holds its own quotes"
    said = f"{key}: {value!r} {holds}, and {key_name} values are exact label values, matched as written"
    if negative:
        matcher = Matcher(key, str(operator), meant).render()
        return (
            f"{said} (no series has this text): list the labels every series of the service carries; a value to "
            f"leave out goes in each metric's own selector ({matcher})"
        )
    return f"{said} (no series has this text): write {key}: {meant}" if meant else f"{said}: write the value alone"
