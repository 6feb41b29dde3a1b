"""Which platform file a compile of spec files named one by one reads."""

from __future__ import annotations

import os
from collections.abc import Sequence

from compiler.errors import Diagnostic, Location
from compiler.spec.discovery import PLATFORM_STEMS, SPEC_SUFFIXES


def platform_beside(paths: Sequence[str]) -> list[str]:
    """For spec files named one by one: the platform file in each one's own folder (not its parents: a spec's
    meaning should not depend on files far above it; a directory compile finds it the same way)."""
    found: set[str] = set()
    for path in paths:
        if os.path.isfile(path):
            found.update(_platform_files_in(os.path.dirname(path) or "."))
    return sorted(found)


def _platform_files_in(folder: str) -> list[str]:
    return [
        f
        for stem in PLATFORM_STEMS
        for suffix in SPEC_SUFFIXES
        if os.path.isfile(f := os.path.join(folder, stem + suffix))
    ]


def platform_above(paths: Sequence[str]) -> list[Diagnostic]:
    """A spec named alone with no platform file beside it (or a folder with none in it), below a folder that has
    one (up to the repository's top, the folder holding .git): compiling it would silently drop what that
    platform file says (its routing, secret roots, team_spec_dir, links), which a compile of that folder applies.
    Ask for --platform instead."""
    found = []
    for path in paths:
        if os.path.isdir(path):  # a team's folder (specs/payments) compiled alone, the same way
            folder, where = os.path.abspath(path), "in this folder"
        elif os.path.isfile(path):
            folder, where = os.path.dirname(os.path.abspath(path)), "beside this spec"
        else:
            continue
        while (parent := os.path.dirname(folder)) != folder and not os.path.exists(os.path.join(folder, ".git")):
            folder = parent
            above = sorted(_platform_files_in(folder))
            if above:
                shown = os.path.relpath(above[0])
                found.append(
                    Diagnostic(
                        Location(path),
                        (),
                        f"no platform file {where}, but {shown} is above it (a compile of that folder "
                        f"reads it): pass --platform {shown}",
                    )
                )
                break
    return found


def standard_dashboards_apart(
    spec_files: Sequence[str], platform_file: str, data: object
) -> tuple[list[str], list[tuple[str, str]]]:
    """(spec files, [(file, name)] of the platform's standard dashboards among them). A directory compile finds
    those files beside the specs wherever the platform keeps them; they are `function(service)`, never specs
    (read as one, each failed with "Missing argument: service"). The platform file is read before the schema
    checks it: anything but a mapping of names to text is left to those checks."""
    listed = data.get("standard_dashboards") if isinstance(data, dict) else None
    folder = os.path.dirname(platform_file) or "."
    names = {
        os.path.realpath(os.path.join(folder, file)): str(name)
        for name, file in (listed.items() if isinstance(listed, dict) else ())
        if isinstance(file, str)
    }
    real = [(path, os.path.realpath(path)) for path in spec_files]
    return [path for path, where in real if where not in names], [(p, names[w]) for p, w in real if w in names]


def misnamed_platform(path: str) -> str | None:
    """A platform file named in other letter case (`Platform.yaml`): read as a spec, it was told that platform
    defaults belong in platform.yaml beside the specs, where it already was to a reader's eye."""
    name = os.path.basename(path)
    stem, _, suffix = name.rpartition(".")
    if stem.lower() not in PLATFORM_STEMS or stem in PLATFORM_STEMS or suffix.lower() not in ("yaml", "yml"):
        return None
    lowercase = f"platform.{suffix.lower()}"
    return f"{name} is read as a spec: obsc takes the platform file by its name in lowercase, {lowercase}: rename it"
