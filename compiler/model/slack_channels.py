"""Which Slack channels a spec may post to through the platform's Slack URL.

`alertmanager.global.slack_api_url_file` is the platform's credential: a Slack integration without its own
`api_url_file` posts through it, to whatever channel it names. Left open, a spec of one team could post its
alerts into another team's on-call channel (pages that look like theirs) or `#general`, under the platform's
app. So a spec may inherit the URL only for a channel the platform lists for the spec's team
(`teams.<team>.slack_channels`); with no list, not at all. A receiver with its own `api_url_file` (a file
below the team's secret root: the team's own Slack app) posts where it likes. What the platform file writes
(`receivers:`, `defaults.routing`, `teams.<team>.routing`) is the platform's own word and is not checked.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from compiler.model import secrets
from compiler.model.types import Platform, Tier
from compiler.spec.document import Path

GLOBAL_URL = "slack_api_url_file"


def channel_key(channel: str) -> str:
    """One spelling per channel: `#payments` and `payments` are one channel; `@payments` is a person, another
    destination. Case is kept: Slack's channel ids are upper case (`C024BE91L`), names lower case, so folding
    could make a name equal to another channel's id."""
    return channel if channel.startswith("@") else channel.removeprefix("#")


def listed(channel: str, channels: tuple[str, ...]) -> bool:
    """Whether `channel` is one of `channels`, however each spells a channel's leading '#'."""
    return channel_key(channel) in {channel_key(c) for c in channels}


def inherited_url_problems(routing: Mapping[str, Any], team: str, platform: Platform) -> Iterator[tuple[Path, str]]:
    """(path in the spec, message) for each Slack integration of a spec's inline `routing` that would post
    through the platform's Slack URL to a channel the platform does not list for `team`."""
    if not dict(platform.alertmanager.global_settings).get(GLOBAL_URL):
        return  # no URL to inherit: the receiver check already says the integration needs one
    defined = platform.team(team)
    channels = defined.slack_channels if defined is not None else ()
    for tier in Tier:
        receiver = routing.get(tier.value)
        slack = receiver.get("slack") if isinstance(receiver, Mapping) else None
        if not isinstance(slack, Mapping) or slack.get("api_url_file") or not isinstance(slack.get("channel"), str):
            continue
        channel = str(slack["channel"])
        if not listed(channel, channels):
            yield ("routing", tier.value, "slack", "channel"), _message(channel, team, channels, platform)


def _message(channel: str, team: str, channels: tuple[str, ...], platform: Platform) -> str:
    where = platform.secrets.platform_file or secrets.NO_PLATFORM
    root = secrets.team_root(platform.secrets.team_root or secrets.SUGGESTED_TEAM_ROOT, team)
    lists = f"lists only {', '.join(repr(c) for c in channels)}" if channels else "lists none"
    return (
        f"Slack channel {channel!r} would be posted to through the platform's Slack URL "
        f"(alertmanager.global.{GLOBAL_URL} in {where}): a spec may post through it only to the channels listed "
        f"for its team, and teams.{team}.slack_channels {lists}; ask the platform team to add it there, or "
        f"give this receiver its own api_url_file (a file below {root})"
    )
