"""A large fleet's YAML spec files are read and parsed by the workers that check them, not the parent."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from compiler import workers
from compiler.api import CompileOptions, load_fleet
from compiler.spec import loader
from tests.bench.fleet import write_fleet


@pytest.mark.skipif(not workers.can_fork(), reason="worker processes need fork (Linux)")
def test_spec_files_are_parsed_in_the_workers(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    specs = write_fleet(tmp_path / "fleet", services=60)
    log = tmp_path / "loads.txt"
    real = loader.load_file

    def recorded(path: str, jsonnet: loader.JsonnetOptions) -> list[loader.Document]:
        with open(log, "a") as fh:  # a worker's memory is lost: its pid goes to a file
            fh.write(f"{os.getpid()} {Path(path).name}\n")
        return real(path, jsonnet)

    monkeypatch.setattr(loader, "load_file", recorded)
    two, _ = load_fleet([str(specs)], CompileOptions(jobs=2), {})
    rows = [line.split() for line in log.read_text().splitlines()]
    parent = str(os.getpid())
    assert {name for pid, name in rows if pid == parent} <= {"platform.yaml"}
    assert len({pid for pid, _ in rows} - {parent}) == 2  # both workers parsed files
    assert len([name for _, name in rows if name.startswith("svc-")]) == 60  # each file once
    log.unlink()
    one, _ = load_fleet([str(specs)], CompileOptions(jobs=1), {})
    assert two == one
