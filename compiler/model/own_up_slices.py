"""A time-slice or freshness SLI over the service's own scrape targets' `up`: refused, located.

Its SLODataMissing asks for the SLI's series while those targets are up, so it could never fire, and with no
target at all the gauge has no sample and no slice counts. The gauge need not be written as the targets'
selector to read every target: matchers that every target's `up` passes (`instance=~".+"`, `instance!="b:1"`,
`env!="dev"` where the targets name no `env`) read the same series, and the compile crashed or failed its own
tests on them. One exact instance, or a label value the targets do not all carry, is a subset: read as any gauge.
"""

from __future__ import annotations

from collections.abc import Sequence

from compiler.model.promql import Matcher
from compiler.model.promql_regex import full_match
from compiler.model.types import SliKind, Slo
from compiler.spec.document import Path

INSTANCE = "instance"  # on every `up` series, one value per target


def own_up_slice_problems(slos: Sequence[Slo], targets: tuple[Matcher, ...]) -> list[tuple[Path, str]]:
    """(path, message) for each SLI whose gauge reads every up series of the service's own targets."""
    found: list[tuple[Path, str]] = []
    for i, slo in enumerate(slos):
        gauge = slo.sli.gauge.selector if slo.sli.gauge is not None else None
        if not targets or gauge is None or gauge.metric != "up" or not reads_every_target(gauge.matchers, targets):
            continue
        field = "good_when" if slo.sli.kind is SliKind.TIME_SLICE else "last_success"
        found.append(
            (
                ("slos", i, "sli", field),
                f"the SLI reads the up series of the service's own scrape targets ({gauge.render()}): with no target "
                "at all it has no sample, so no slice counts (an outage reads neither good nor bad), and its "
                "SLODataMissing, which waits for those targets to be up, could never fire; measure from outside "
                "(a blackbox probe's probe_success), or declare targets: false so that no target at all fires "
                "SLODataMissing (there is then no ServiceDown: the SLO's burn alerts page for targets that are down)",
            )
        )
    return found


def reads_every_target(gauge: Sequence[Matcher], targets: Sequence[Matcher]) -> bool:
    """Whether an `up` selector with these matchers passes the up series of every one of the targets: each
    matcher is one of the targets' or passes their value of its label (none where they name none)."""
    pinned = {t.label: t.value for t in targets if t.op == "="}
    written = {t.label for t in targets}
    for matcher in gauge:
        if matcher in targets:
            continue
        if matcher.label == INSTANCE:
            if not _takes_new_instances(matcher):
                return False
            continue
        if matcher.label in written and matcher.label not in pinned:
            return False  # a pattern beside a pattern: cannot tell, read as any gauge
        if not _passes(matcher, pinned.get(matcher.label, "")):
            return False
    return True


def _takes_new_instances(matcher: Matcher) -> bool:
    """A matcher on `instance` that a target added tomorrow passes: a negative one (`!=""`, `!~"b:.*"`, which
    leave out only the instances it names) or a pattern any value passes (`=~".+"`); `instance="a:9090"` or a
    list of instances is a subset."""
    return matcher.op in ("!=", "!~") or (matcher.op == "=~" and matcher.value in (".+", ".*"))


def _passes(matcher: Matcher, value: str) -> bool:
    if matcher.op in ("=", "!="):
        return (matcher.value == value) == (matcher.op == "=")
    matched = full_match(matcher.value, value)
    return matched is not None and matched == (matcher.op == "=~")
