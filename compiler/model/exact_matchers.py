"""Exact matchers whose value is written as a regular expression: `code="5.."` matches the text `5..`, which no
status code is, so an errors selector so written counts no failure and its SLO never pages, in silence."""

from __future__ import annotations

import re

from compiler.model.promql import Matcher, parse_selector

# What a label value does not hold and a pattern does: `.*`, `.+`, `..` (as in 5..), an alternation, a range
# class (`5[0-9][0-9]`; a route template's `[id]` is a value), `\d`.
_PATTERN = re.compile(r"\.[*+.]|\||\[\^?\w-\w\]|\\d")
# A value that is written with pipes: an Envoy cluster as Istio names it, `outbound|9080||reviews.bookinfo.svc.
# cluster.local` (direction, port, subset, host; `envoy_cluster_name`, `cluster_name`). It was refused as a pattern,
# and the advised `=~` needs each pipe and dot escaped.
_ENVOY_CLUSTER = re.compile(r"(?:inbound|outbound)(?:-vip)?\|\d*\|[\w-]*\|(?:[\w-]+(?:\.[\w-]+)*)?")


def reads_as_pattern(value: str) -> bool:
    return bool(_PATTERN.search(value)) and not _ENVOY_CLUSTER.fullmatch(value)


def regex_as_exact(selector: str) -> list[str]:
    """A message per `=`/`!=` matcher of `selector` whose value reads as a pattern."""
    try:
        matchers = parse_selector(selector).matchers
    except ValueError:
        return []  # reported where the metric is built
    found = []
    for m in matchers:
        if m.op in ("=", "!=") and reads_as_pattern(m.value):
            pattern = Matcher(m.label, "=~" if m.op == "=" else "!~", m.value)
            found.append(
                f"{m.render()} compares {m.label} with the text {m.value!r} exactly, not as a pattern: write "
                f"{pattern.render()} for a regular expression (or, if {m.value!r} really is a {m.label} value, "
                f"{pattern.op} with its special characters escaped)"
            )
    return found


# A selector value written in PromQL's matcher syntax (`job: "=~cart"`, `job: '"cart"'`): obsc quotes each value
# itself and compares it exactly, so the operator or the quotes became part of the text no series has: every SLO
# of the service read nothing, in silence (round 45, a newcomer).
_OPERATOR = re.compile(r"(=~|!~|!=|==|=|~)\s*")
_QUOTED = re.compile(r"([\"'`])(.*)\1", re.DOTALL)


def matcher_syntax(value: str) -> tuple[str | None, str] | None:
    """(the operator written or None for quotes alone, the value as meant) for a value written as a PromQL matcher,
    or None."""
    operator = _OPERATOR.match(value)
    rest = value[operator.end() :] if operator else value
    quoted = _QUOTED.fullmatch(rest.strip())
    if operator is None and quoted is None:
        return None
    return (operator[1] if operator else None), (quoted[2] if quoted else rest.strip())
