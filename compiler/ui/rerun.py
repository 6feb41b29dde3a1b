"""The obsc commands a message tells the user to run next, with the inputs the run was given.

A suggested command that drops the run's `-J` or `--platform` fails (a Jsonnet import not found, "no platform
file beside this spec") or reads another platform file; one that names the folder of a spec file nested below
the platform's folder (`specs/payments/`) is not the fleet, so its check reports every other service's files.
"""

from __future__ import annotations

import os
import shlex
from collections.abc import Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class Inputs:
    """A check's or diff's arguments as the user spelled them (they work from where that run was started)."""

    specs: Sequence[str]
    out_dir: str
    fmt: str | None
    jpath: Sequence[str] = ()
    platform_file: str | None = None

    def command(self, verb: str, specs: Sequence[str]) -> str:
        flags = [*(w for path in self.jpath for w in ("-J", path))]
        flags += ["--platform", self.platform_file] if self.platform_file else []
        flags += ["--format", self.fmt] if self.fmt and self.fmt != "prometheus" else []
        return shlex.join(["obsc", verb, *specs, "--out", self.out_dir, *flags])

    def compile(self) -> str:
        """The compile that brings --out up to date, with the paths as given."""
        return self.command("compile", self.specs)

    def whole_fleet(self, verb: str) -> str:
        """`obsc VERB` over the fleet's folder: the named --platform file's folder when it holds every named
        spec (a directory compile of it reads the same platform), else the folders of the spec files."""
        folders = list(dict.fromkeys(p if os.path.isdir(p) else os.path.dirname(p) or "." for p in self.specs))
        if self.platform_file:
            home = os.path.dirname(self.platform_file) or "."
            if all(_within(folder, home) for folder in folders):
                folders = [home]
        return self.command(verb, folders)


def _within(path: str, folder: str) -> bool:
    real, top = os.path.realpath(path), os.path.realpath(folder)
    return real == top or real.startswith(top.rstrip(os.sep) + os.sep)
