"""Whether an existing `--out` folder is obsc's to compile into.

obsc keeps every file it did not write, but a compile into a folder of someone's own files (a project's git
checkout, `--out .` typed in the wrong shell, a folder of notes) still lays prometheus/, alertmanager/, grafana/
and runbooks/ among them, and at every swap moves each of their entries into the new tree and back: a file
another process creates there in those milliseconds goes with the old tree, and a shell or editor working in
the folder is left in a deleted one. Such a folder is refused until the user says it is meant for obsc's output.

An existing folder is obsc's when it holds a manifest (even one the writer does not trust, a link or a file
of other lines: it prunes nothing); a missing folder, or one holding only git's placeholders, becomes obsc's.
Found by the round 34 output-safety hunt: a compile into a project checkout (`src/`, `README.md`, `.git`)
wrote 50 files among the project's, exit 0.
"""

from __future__ import annotations

import os
import stat

from compiler import conventions
from compiler.errors import OutputError

ADOPT_FLAG = "--adopt-out"
# Files that keep an empty folder in git, or say how git treats it: they make no folder anyone's.
PLACEHOLDERS = frozenset({".gitkeep", ".keep", ".gitignore", ".gitattributes"})
_SHOWN = 4


def refuse_unclaimed(out_dir: str, adopt: bool) -> None:
    """Raise OutputError when `out_dir` is an existing folder that holds entries other than git's placeholders
    and no manifest, unless the user adopts it (`adopt`). A missing path, or one that is not a folder, is left to
    the writer (it makes the one, and refuses the other)."""
    found = [] if adopt else _unclaimed_entries(out_dir)
    if not found:
        return
    shown = ", ".join(text for _, text in found[:_SHOWN])
    if len(found) > _SHOWN:
        shown += f" and {len(found) - _SHOWN} more"
    raise OutputError(
        f"--out {out_dir}: not an obsc output folder: it holds {shown} and no {conventions.MANIFEST} (the list of "
        "the files obsc wrote there), and a compile would put prometheus/, alertmanager/, grafana/ and runbooks/ "
        "among those files. Compile into a new or empty folder (e.g. generated/ beside the specs); if this folder "
        f"is meant to hold obsc's output (a deploy repository's checkout, or an output whose {conventions.MANIFEST} "
        f"was lost), pass {ADOPT_FLAG}: obsc then keeps every file it did not write and refuses to replace one at "
        "a path it writes. Nothing was written"
    )


def unclaimed(out_dir: str) -> bool:
    """Whether `out_dir` is an existing folder a compile would refuse without ADOPT_FLAG (`check` says so)."""
    return bool(_unclaimed_entries(out_dir))


def _unclaimed_entries(out_dir: str) -> list[tuple[str, str]]:
    """The entries (name, as shown) of an existing folder with no manifest, git's placeholders left out; [] for a
    missing path, a file, an unreadable folder (the writer says why) or one obsc's manifest claims."""
    real = os.path.realpath(out_dir)
    if not os.path.isdir(real) or os.path.lexists(os.path.join(real, conventions.MANIFEST)):
        return []
    try:
        with os.scandir(real) as listing:
            return sorted((entry.name, _shown(entry)) for entry in listing if not _placeholder(entry))
    except OSError:
        return []


def _placeholder(entry: os.DirEntry[str]) -> bool:
    return entry.name in PLACEHOLDERS and entry.is_file(follow_symlinks=False)


def _shown(entry: os.DirEntry[str]) -> str:
    """The entry's name as listed, a folder with a trailing slash; a control character would break the line."""
    try:
        folder = stat.S_ISDIR(entry.stat(follow_symlinks=False).st_mode)
    except OSError:
        folder = False
    return repr(entry.name) if not entry.name.isprintable() else entry.name + ("/" if folder else "")
