"""Synthetic input series for generated promtool tests.

Two needs: label sets that a spec's selector matches (and, for "good" traffic, that the errors selector
does not), and counter values in promtool's expanding notation (`0+15x60`) built from per-minute
increments. Label synthesis tries a few candidate values per label and checks every matcher, so a
selector it cannot satisfy is reported (the caller skips that raw-series test) rather than guessed.
"""

from __future__ import annotations

import functools
import itertools
import re
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal, localcontext

from compiler.model.promql import Matcher
from compiler.model.promql_regex import full_match
from compiler.model.queries import unlabelled_labels
from compiler.model.types import Sli
from compiler.model.units import decimal_text

_FILLER = "obsc"  # a label value no real matcher is likely to want


def passes(matcher: Matcher, value: str) -> bool:
    """Whether a series whose label holds `value` ("" when it lacks it) passes `matcher`."""
    return matches(matcher, value)


def matches(matcher: Matcher, value: str) -> bool:
    if matcher.op == "=":
        return value == matcher.value
    if matcher.op == "!=":
        return value != matcher.value
    hit = full_match(matcher.value, value)  # RE2, as Prometheus: the spec picks both regex and candidates
    if hit is None:
        return False
    return hit if matcher.op == "=~" else not hit


def selects(matchers: Sequence[Matcher], labels: dict[str, str]) -> bool:
    """Whether a series with `labels` is selected by every matcher (a missing label reads as "")."""
    return all(matches(m, labels.get(m.label, "")) for m in matchers)


def _alternatives(pattern: str) -> list[str]:
    """Top-level `a|b|c` branches, outer parentheses removed."""
    depth, start, out = 0, 0, []
    for i, ch in enumerate(pattern):
        if ch == "(":
            depth += 1
        elif ch == ")":
            depth -= 1
        elif ch == "|" and depth == 0:
            out.append(pattern[start:i])
            start = i + 1
    out.append(pattern[start:])
    branches = []
    for branch in out:
        if branch.startswith("(") and branch.endswith(")") and branch.count("(") == 1:
            branches.extend(_alternatives(branch[1:-1]))
        else:
            branches.append(branch)
    return branches


@functools.lru_cache(maxsize=1024)  # a fleet's regex matchers are a few patterns (`5..`) in every service's selectors
def _regex_candidates(pattern: str) -> tuple[str, ...]:
    found = []
    for branch in _alternatives(pattern):
        found.extend([branch, _literal(branch)])
    # a group inside a branch (`search-(blue|green)`): its first alternative, `search-blue`
    found.extend(_literal(_GROUP.sub(r"\1", branch)) for branch in _alternatives(pattern) if _GROUP.search(branch))
    return tuple(found)


_GROUP = re.compile(r"\((?:\?:)?([^()|]*)(?:\|[^()]*)?\)")  # an unnested group, `(a|b)` or `(?:a|b)`


def _literal(branch: str) -> str:
    literal = re.sub(r"\\d", "0", branch)
    literal = re.sub(r"\[([^\]])[^\]]*\]", r"\1", literal)
    literal = re.sub(r"(?<!\\)\.", "0", literal).replace("\\", "")
    return re.sub(r"[*+?^$()]", "", literal)


def _candidates(label: str, matchers: Sequence[Matcher]) -> list[str]:
    values = [""]
    for m in matchers:
        if m.label != label:
            continue
        if m.op in ("=", "!="):
            values.append(m.value)
        else:
            values.extend(_regex_candidates(m.value))
    values.append(_FILLER)
    return list(dict.fromkeys(values))


def spelled(matchers: Sequence[Matcher]) -> list[str]:
    """The values `matchers` write out (an `=` value, each branch of a `=~` list), whatever their labels."""
    return [v for m in matchers for v in _candidates(m.label, (m,)) if v != _FILLER]


def labelled(sli: Sli) -> tuple[Matcher, ...]:
    """`label!=""` for each label a total-events series must carry for a ratio SLI's good selector to see it
    (queries.unlabelled_labels): synthetic total series have it, else SLODataMissing fires for them."""
    return tuple(Matcher(label, "!=", "") for label in unlabelled_labels(sli))


def satisfy(required: Sequence[Matcher], avoid: Sequence[Matcher] = ()) -> dict[str, str] | None:
    """Labels matched by every `required` matcher and not by all of `avoid` (when given); None if none found."""
    found = _satisfy(tuple(required), tuple(avoid))
    return None if found is None else dict(found)


# A service's raw-counter and data-missing cases ask for the same selectors' labels (a search over candidates)
@functools.lru_cache(maxsize=1024)
def _satisfy(required: tuple[Matcher, ...], avoid: tuple[Matcher, ...]) -> tuple[tuple[str, str], ...] | None:
    labels = sorted({m.label for m in (*required, *avoid)})
    pools = [_candidates(label, (*required, *avoid)) for label in labels]
    for combo in itertools.islice(itertools.product(*pools), 5000):
        values = dict(zip(labels, combo, strict=True))
        if not all(matches(m, values.get(m.label, "")) for m in required):
            continue
        if avoid and all(matches(m, values.get(m.label, "")) for m in avoid):
            continue
        return tuple((k, v) for k, v in values.items() if v)
    return None


@dataclass(frozen=True)
class Phase:
    """A stretch of traffic: `minutes` long, `total` and `bad` events per minute."""

    minutes: int
    total: int
    bad: int

    def per_minute(self, role: str) -> int:
        return {"total": self.total, "bad": self.bad, "good": self.total - self.bad}[role]


def counter_values(phases: Sequence[Phase], role: str) -> str:
    """A counter sampled every minute from 0, rising by each phase's per-minute count for `role`."""
    parts: list[str] = []
    value = 0
    for i, phase in enumerate(phases):
        step = phase.per_minute(role)
        if i == 0:
            parts.append(f"0+{step}x{phase.minutes}")
            value = step * phase.minutes
        else:
            first = value + step
            parts.append(f"{first}+{step}x{phase.minutes - 1}")
            value = first + step * (phase.minutes - 1)
    return " ".join(parts)


def constant(value: Decimal | float | int, samples: int) -> str:
    """`v+0xn`: the same value at n + 1 sample times."""
    text = (
        decimal_text(value) if isinstance(value, Decimal) else repr(value) if isinstance(value, float) else str(value)
    )
    return f"{text}+0x{samples}"


def exposed_le(le: Decimal) -> str:
    """A bucket bound as client_golang exposes it (strconv 'g', shortest): 0.25, 300000, and from 1e6 or
    below 1e-4 in exponent form, 3e+08, 1.5e-05: the generated tests read the buckets real exporters write."""
    _, digits, exponent = le.normalize().as_tuple()
    assert isinstance(exponent, int)
    power = exponent + len(digits) - 1
    if -4 <= power < 6:
        return decimal_text(le)
    mantissa = str(digits[0]) + ("." + "".join(map(str, digits[1:])) if len(digits) > 1 else "")
    return f"{mantissa}e{'-' if power < 0 else '+'}{abs(power):02d}"


_FED = Decimal("1e-15")


def fed(value: Decimal) -> Decimal:
    """`value` to 15 decimals, as a case feeds it, at any size: in Decimal's 28 digits a rate over 1e13 could not be
    held, and a tiny line with many min_bad_events asks for more (10^6 bad events at 1.25x a line of 1.4e-14 over an
    hour: 1.5e16 events/s; the compile exited 70, round 38). Values of 28 digits or fewer come out as before. Below
    1e-6, at least 10 significant digits: 15 decimals left a 14-nines line of 1.25e-14 at 1.2e-14, which a time-slice
    SLI's windows feed as written (round 39: the cases expected 1.2e-12% where promtool showed 1.25e-12%)."""
    with localcontext() as context:
        context.prec = 80
        return value.quantize(_FED if not value else min(_FED, _FED.scaleb(value.adjusted() + 6))).normalize()
