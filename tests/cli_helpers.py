"""Run the obsc CLI in-process and capture what a user would see."""

from __future__ import annotations

import sys
from dataclasses import dataclass

import pytest

from compiler.cli import main


@dataclass
class Result:
    code: int
    out: str
    err: str


def run_obsc(capsys: pytest.CaptureFixture[str], *args: str) -> Result:
    saved = sys.argv
    sys.argv = ["obsc", *args]
    code = 0
    try:
        main()
    except SystemExit as exc:
        code = int(exc.code or 0)
    finally:
        sys.argv = saved
    captured = capsys.readouterr()
    return Result(code, captured.out, captured.err)
