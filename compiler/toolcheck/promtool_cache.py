"""`promtool test rules` results remembered by content, so that an unchanged service is not tested again.

A test file passed once with this promtool binary, these test bytes and the bytes of the rule files it
loads passes again: promtool evaluates deterministically. Only passes are remembered. The cache lives in
$OBSC_PROMTOOL_CACHE (a directory, or `off`), else $XDG_CACHE_HOME/obsc/promtool-tests; it is off by
default under CI=true, where every run tests everything.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import re
from dataclasses import dataclass
from pathlib import Path

ENV = "OBSC_PROMTOOL_CACHE"
_RULE_FILES = re.compile(r"^rule_files:\n((?:[ \t]+- .*\n)+)", re.M)


@dataclass(frozen=True)
class TestCache:
    root: Path
    identity: str  # the promtool binary: path, size, modification time

    def key(self, workdir: str, test: str) -> str:
        text = Path(workdir, test).read_bytes()
        digest = hashlib.sha256(self.identity.encode() + b"\0" + text)
        found = _RULE_FILES.search(text.decode("utf-8", "replace"))
        for line in found.group(1).splitlines() if found else []:
            rule_file = Path(workdir, os.path.dirname(test), line.strip()[2:].strip().strip("'\""))
            digest.update(b"\0" + (rule_file.read_bytes() if rule_file.is_file() else b"<missing>"))
        return digest.hexdigest()

    def passed(self, key: str) -> bool:
        return (self.root / key).exists()

    def remember(self, key: str) -> None:
        with contextlib.suppress(OSError):  # a cache that cannot be written only costs time
            (self.root / key).touch()


def open_cache(promtool: str) -> TestCache | None:
    setting = os.environ.get(ENV, "").strip()
    in_ci = os.environ.get("CI", "").lower() in ("1", "true", "yes")
    if setting == "off" or (not setting and in_ci):
        return None
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    root = Path(setting) if setting else Path(base, "obsc", "promtool-tests")
    try:
        root.mkdir(parents=True, exist_ok=True)
        info = os.stat(promtool)
    except OSError:
        return None
    return TestCache(root, f"{os.path.realpath(promtool)}:{info.st_size}:{info.st_mtime_ns}")
