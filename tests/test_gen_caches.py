"""The generation caches of round 6 (issue 15) stay invisible: same answers, fresh ones for new objects, and
a compile of sound specs never loads jsonschema (schema.py asks it only about documents fastcheck does not
prove valid)."""

from __future__ import annotations

import dataclasses
import subprocess
import sys

from compiler import api
from compiler.model import alerts
from tests.conftest import ROOT


def test_a_services_alerts_are_remembered_per_object() -> None:
    fleet = api.compile_specs([str(ROOT / "examples")]).fleet
    service = fleet.services[0]
    first = alerts.service_alerts(service)
    assert alerts.service_alerts(service) is first
    twin = dataclasses.replace(service)  # equal, but another object: asked afresh, same answer
    assert alerts.service_alerts(twin) is not first
    assert alerts.service_alerts(twin) == first
    renamed = dataclasses.replace(service, name=service.name + "-b")
    assert {a.service for a in alerts.service_alerts(renamed)} == {service.name + "-b"}


def test_a_sound_compile_does_not_import_jsonschema() -> None:
    code = "import sys; from compiler import api; api.compile_specs([sys.argv[1]]); print('jsonschema' in sys.modules)"
    out = subprocess.run(
        [sys.executable, "-c", code, str(ROOT / "examples")], capture_output=True, text=True, check=True, cwd=ROOT
    )
    assert out.stdout.strip() == "False", out.stderr
