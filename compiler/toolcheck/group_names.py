"""A focused test group's files with its names cut out (`group_verdicts`), and named again with proof tokens.

The service's name is cut as `focus_shapes.cut` cuts a family (mark 0, and the Grafana UIDs derived from it as
marks 1..). When the group also holds its team's name (from the model: `team:` of the service's spec), that is
cut too, as TEAM_MARK, so that groups of services of different teams share a shape. A name is cut only where
every place of it in the files is a cut: `focus_shapes.only_at_cuts` for the service's, and for the team's every
place (overlapping ones counted) outlives the service's cut whole, so neither name stands inside the other
or inside a UID. Named with tokens, each token must stand exactly at its own marks (checked on every named file).
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Sequence
from dataclasses import dataclass

from compiler import conventions
from compiler.toolcheck import focus_shapes, shape_verdicts

TEAM_MARK = "\x00t\x00"  # no file obsc hands promtool holds a NUL (`focus_shapes` marks)
_NAME = re.compile(conventions.NAME)
SERVICE_PAIRS = ((shape_verdicts.TOKENS[0], None), (shape_verdicts.TOKENS[1], None))
# Each service token with each team token: either name's order against another word, low or high, in all four
# combinations (`shape_verdicts.bounds` allows an order only over labels holding one name each).
TEAM_PAIRS = tuple((s, t) for s in shape_verdicts.TOKENS for t in shape_verdicts.TEAM_TOKENS)


@dataclass(frozen=True)
class Cut:
    """A group's paths and texts (paths first) with its names cut out, and what was cut."""

    texts: tuple[str, ...]
    values: tuple[str, ...]  # the service's name, then each UID's hex digits (marks 1, 2, ...)
    team: str | None  # the team's name when its places are cut as well

    def digest(self, group: int) -> str:
        """The shape: the group's index in its file, how many UIDs and whether a team is cut, the cut texts."""
        digest = hashlib.sha256(f"{group}:{len(self.values)}:{self.team is not None}".encode())
        for text in self.texts:
            digest.update(f"{len(text)}:".encode())
            digest.update(text.encode("utf-8", "surrogatepass"))
        return digest.hexdigest()

    def named(self, service: str, team: str | None) -> list[str] | None:
        """The texts with the service's places named `service` (its UIDs made from it) and the team's `team`;
        None when either stands anywhere but at its own places (not even overlapping itself)."""
        values = focus_shapes.token_values(service, len(self.values))
        named = [focus_shapes.fill(text, values) for text in self.texts]
        if team is not None:
            named = [text.replace(TEAM_MARK, team) for text in named]
        for value, marked in ((service, focus_shapes.mark(0)), (team, TEAM_MARK)):
            counts = zip(named, self.texts, strict=True)
            if value is not None and any(_places(n, value) != c.count(marked) for n, c in counts):
                return None
        return named


def cut(texts: Sequence[str], name: str, team: str | None) -> Cut | None:
    """`texts` with `name` cut out, and `team` when it is a legal other name that occurs in them and can be cut
    (else the team's places stay as they are); None when the service's name cannot be cut (see the module)."""
    if not focus_shapes.only_at_cuts(texts, name):
        return None
    marked, values = focus_shapes.cut(texts, name)
    usable = team is not None and team != name and _NAME.fullmatch(team) and team not in shape_verdicts.YAML_WORDS
    if not usable or team is None or not any(team in text for text in marked):
        return Cut(tuple(marked), values, None)
    pairs = zip(texts, marked, strict=True)
    if any(_places(whole, team) != _places(text, team) or _overlaps(text, team) for whole, text in pairs):
        return Cut(tuple(marked), values, None)  # the team's name within another's places: not cut
    return Cut(tuple(text.replace(team, TEAM_MARK) for text in marked), values, team)


def _places(text: str, value: str) -> int:
    """How many places of `value` `text` holds, overlapping ones counted."""
    return len(re.findall(f"(?={re.escape(value)})", text))


def _overlaps(text: str, value: str) -> bool:
    return _places(text, value) != text.count(value)
