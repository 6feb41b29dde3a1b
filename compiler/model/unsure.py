"""What the model builder cannot know because part of the input failed the schema and was left out.

A spec or platform file with schema errors is still built from its sound parts (spec/prune.py), so a
run reports every independent mistake. A check whose verdict needs a part that was left out is
skipped: its error would only repeat the schema error in other words, often in other files (a bad
`weekdays:` in the platform used to make every service report "no receiver for critical alerts").
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

from compiler.spec.document import Path

_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_:]*")


@dataclass(frozen=True)
class Unsure:
    service: frozenset[Path] = frozenset()  # units left out of this spec
    platform: frozenset[Path] = frozenset()  # units left out of the platform file
    no_platform: bool = False  # the platform file exists but could not be read or used at all
    slo_words: frozenset[str] | None = None  # the names the SLOs left out mention (None: any name)

    def team(self, team: str) -> bool:
        """Whether team `team` may be defined in a part of the platform (or the spec) left out."""
        return self._own("team") or self._platform("teams", team)

    def route(self, team: str, tier: str) -> bool:
        """Whether the receiver of `team`'s `tier` alerts may be set in a part left out."""
        return (
            self._own("team")
            or self._own("routing", tier)
            or self._platform("teams", team, "routing")
            or self._platform("defaults", "routing", tier)
            or self._platform("alertmanager", "default_receiver")
        )

    def sli_types(self, metric: str) -> bool:
        """Whether an SLO left out may read `metric` as its SLI does (a gauge or a counter whatever its name): one
        that names it. (Any SLO left out once skipped the check for every metric: a `pg_stat_activity_count`
        without `type:` was told only after the SLO's typo was fixed, a second run.)"""
        return self._own("slos") and (self.slo_words is None or metric in self.slo_words)

    def metric(self, name: str) -> bool:
        """Whether metric `name` may be written in a part left out (the spec's metrics.<name> or the platform's
        defaults.metrics.<name>): reported at its own line, so a reference to it is not "not defined" too."""
        return self._own("metrics", name) or self._platform("defaults", "metrics", name)

    def receiver(self, name: str) -> bool:
        return self._platform("receivers", name)

    def dashboard(self, name: str) -> bool:
        return self._platform("standard_dashboards", name) or self._platform("defaults", "dashboards")

    def secrets(self) -> bool:
        return self._own("team") or self._platform("secrets")

    def receiver_settings(self) -> bool:
        """Whether a spec's inline receivers can be judged: its team's secret root and the platform's
        alertmanager.global (webhook URL files, SMTP settings) are known."""
        return self.secrets() or self.alertmanager_global()

    def alertmanager_global(self) -> bool:
        """Whether the platform's alertmanager.global (SMTP, Slack URL file) may be set in a part left out."""
        return self._platform("alertmanager", "global")

    def alertmanager_global_left_out(self) -> frozenset[str] | None:
        """The keys of alertmanager.global left out (a schema error at `resolve_timeout` removes that key only,
        and the settings beside it are still judged); None when the whole block may be."""
        whole = ("alertmanager", "global")
        if self.no_platform or any(whole[: len(b)] == b for b in self.platform):
            return None
        return frozenset(str(b[2]) for b in self.platform if b[:2] == whole and len(b) > 2)

    def _own(self, *path: str) -> bool:
        return _touches(self.service, path)

    def _platform(self, *path: str) -> bool:
        return self.no_platform or _touches(self.platform, path)


def slo_words(data: object, broken: frozenset[Path]) -> frozenset[str] | None:
    """Every name written in the SLOs `broken` left out of `data` (the spec as written); None when they
    cannot be told apart (`slos:` itself misspelt or not a list)."""
    found: set[str] = set()
    for unit in (b for b in broken if b[:1] == ("slos",)):
        part: Any = data
        for step in unit:
            if isinstance(part, list) and isinstance(step, int) and step < len(part):
                part = part[step]
                continue
            if not isinstance(part, dict) or step not in part:
                return None
            part = part[step]
        found.update(_NAME.findall(json.dumps(part, default=str)))
    return frozenset(found)


def _touches(broken: frozenset[Path], path: tuple[str, ...]) -> bool:
    """True if `path`, an ancestor or a descendant of it was left out."""
    n = len(path)
    return any(b[:n] == path or path[: len(b)] == b for b in broken)


EVERYTHING_KNOWN = Unsure()
