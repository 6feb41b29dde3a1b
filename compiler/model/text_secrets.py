"""Credentials in the free text a spec writes: URLs in descriptions, titles, alert summaries, labels and annotations.

That text is copied into committed files (rules, dashboards, runbooks) and into every notification, so a URL
there that carries a credential leaks it as surely as a receiver URL would. The same test as for links
(`secrets.credential_problem`) applies to each URL found in the text, whatever its scheme, except that a user
name alone (`ssh://git@host`) is no secret: only a password after it is. PromQL and selectors are not read:
they name series that exist whatever obsc writes.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from typing import Any

from compiler.model.secrets import Problems, credential_problem

# A URL in prose: a scheme, `://`, then anything up to white space or a character that closes it in a sentence.
# A scheme starts at the first letter of a run of scheme characters, never inside one: tried at every letter of
# a 4,096-character word, the scan was quadratic (13 ms a string; 31 CPU-s for a spec of such annotations).
_URL = re.compile(r"(?<![A-Za-z0-9+.-])[0-9+.-]*([A-Za-z][A-Za-z0-9+.-]*://[^\s<>\"'`]+)")
_PROSE_END = ".,;:!?)]}"  # a sentence's punctuation after a URL, not part of it
_WRITTEN_INTO = "the generated rules, dashboards or runbooks and the notifications"
_FIX = "leave the credential out (link to a page that asks for a login itself)"

Path = tuple[str | int, ...]


def text_problems(data: Mapping[str, Any], *, platform: bool) -> Problems:
    """(path, message) for each free-text field of a spec (or the platform file) holding a URL with a credential."""
    found: Problems = []
    for path, text in _free_text(data, platform):
        for url in _URL.findall(text):
            # As written and without a sentence's last marks: `(see https://u:pw@h/)` and `http://u:pw@[::1]` both.
            problems = (credential_problem(u, _WRITTEN_INTO, _FIX, receiver=False, user_ok=True) for u in _forms(url))
            message = next((m for m in problems if m), None)
            if message:
                found.append((path, message))
                break
    return found


def _forms(url: str) -> tuple[str, ...]:
    stripped = url.rstrip(_PROSE_END)
    return (stripped, url) if stripped != url else (url,)


def _free_text(data: Mapping[str, Any], platform: bool) -> Iterator[tuple[Path, str]]:
    if platform:
        defaults = _mapping(data.get("defaults"))
        yield from _metric_titles(defaults.get("metrics"), ("defaults", "metrics"))
        yield from _tier_labels(defaults.get("tier_labels"), ("defaults", "tier_labels"))
        return
    yield from _strings(data, ("description",), ())
    yield from _metric_titles(data.get("metrics"), ("metrics",))
    yield from _values(data.get("labels"), ("labels",))
    yield from _tier_labels(data.get("tier_labels"), ("tier_labels",))
    for i, slo in _items(data.get("slos")):
        yield from _strings(slo, ("description",), ("slos", i))
        yield from _values(slo.get("labels"), ("slos", i, "labels"))
        yield from _values(slo.get("annotations"), ("slos", i, "annotations"))
    for i, alert in _items(data.get("threshold_alerts")):
        yield from _strings(alert, ("summary", "description"), ("threshold_alerts", i))
        yield from _values(alert.get("labels"), ("threshold_alerts", i, "labels"))


def _mapping(value: Any) -> Mapping[str, Any]:
    return value if isinstance(value, Mapping) else {}


def _items(value: Any) -> Iterator[tuple[int, Mapping[str, Any]]]:
    for i, item in enumerate(value if isinstance(value, list) else ()):
        if isinstance(item, Mapping):
            yield i, item


def _strings(body: Mapping[str, Any], keys: tuple[str, ...], base: Path) -> Iterator[tuple[Path, str]]:
    for key in keys:
        if isinstance(body.get(key), str):
            yield (*base, key), body[key]


def _values(body: Any, base: Path) -> Iterator[tuple[Path, str]]:
    for key, value in _mapping(body).items():
        if isinstance(value, str):
            yield (*base, key), value


def _metric_titles(metrics: Any, base: Path) -> Iterator[tuple[Path, str]]:
    for name, body in _mapping(metrics).items():
        yield from _strings(_mapping(body), ("title",), (*base, name))


def _tier_labels(tiers: Any, base: Path) -> Iterator[tuple[Path, str]]:
    for tier, labels in _mapping(tiers).items():
        yield from _values(labels, (*base, tier))
