"""The smallest platform file a test compiles a spec against: every alert to one webhook that no one reads."""

from __future__ import annotations

_HEAD = "apiVersion: obsc/v1\nkind: Platform\n"
_SINK = 'receivers: {sink: {webhook: {url: "http://127.0.0.1:9/"}}}\nalertmanager: {default_receiver: sink}\n'


def sink_platform(before: str = "", after: str = "") -> str:
    """The platform text with top-level keys `before` and `after` the sink receiver (YAML text, each line ended)."""
    return _HEAD + before + _SINK + after
