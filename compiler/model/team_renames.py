"""A team renamed in the platform file alone: its specs are refused as naming a team that "is not defined", and
each spec is checked alone, so none could say which defined team took its place. Once the whole fleet is read,
one undefined name beside one defined team that no spec names is most likely that rename: the refusals say so.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Iterable

from compiler.errors import Diagnostic
from compiler.model.teams import defined_teams
from compiler.model.types import Platform, Service

# team_problem's wording (compiler.model.teams): the spec's team, quoted as Python quotes it
_UNDEFINED = re.compile(r"team '([^']*)' is not defined under teams: in ")


def with_rename_hint(
    diagnostics: list[Diagnostic], services: Iterable[Service], platform: Platform
) -> list[Diagnostic]:
    """`diagnostics` with each "team 'x' is not defined" told of the one defined team no spec names, when exactly
    one name is undefined and exactly one defined team is unnamed."""
    undefined = {m.group(1) for d in diagnostics if (m := _UNDEFINED.match(d.message))}
    if len(undefined) != 1:
        return diagnostics
    named = {service.team for service in services} | undefined
    spare = [team for team in defined_teams(platform) if team not in named]
    if len(spare) != 1:
        return diagnostics
    (old,), new = undefined, spare[0]
    hint = (
        f"; the platform file defines team {new!r}, which no spec names: if {old!r} was renamed to {new!r} there, "
        f"rename it in each of its specs too (team: {new}; with team_spec_dir, move them to its folder)"
    )
    # a name spelled like the spare team is already told "did you mean" it: a typo, not a rename to explain
    told = f"did you mean {new!r}?"
    return [
        dataclasses.replace(d, message=d.message + hint) if _UNDEFINED.match(d.message) and told not in d.message else d
        for d in diagnostics
    ]
