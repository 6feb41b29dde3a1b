"""A whole-directory compile says a duplicate service name or a dashboard UID clash at the spec that is new in
--out, not at whichever spec the file order reads second (round 51).

Round 50 left it: `teams/alpha` sorts before `teams/bravo`, so team alpha's new spec taking bravo's name (or a name
meeting bravo's UID) was read first and the error landed on bravo's spec, the one already compiled, telling it to
rename its service. The UID twins are round 15's (tests/hostile/test_shared_repository.py).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.cli_helpers import run_obsc
from tests.hostile.test_shared_repository import TWIN, VICTIM, _repository


def _compile(capsys: pytest.CaptureFixture[str], specs: Path, out: Path) -> tuple[int, str]:
    result = run_obsc(capsys, "compile", str(specs), "--out", str(out), "--no-validate")
    return result.code, result.err


def test_a_duplicate_name_is_said_at_the_newcomer(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    specs = _repository(tmp_path, {"search": "bravo"})
    out = tmp_path / "out"
    assert _compile(capsys, specs, out)[0] == 0
    (specs / "teams" / "alpha").mkdir()
    newcomer = specs / "teams" / "alpha" / "search.yaml"
    newcomer.write_text((specs / "teams" / "bravo" / "search.yaml").read_text().replace("team: bravo", "team: alpha"))
    code, said = _compile(capsys, specs, out)
    assert code == 2, said
    bravo = specs / "teams" / "bravo" / "search.yaml"
    assert f"{newcomer}:2:10 $.service: service 'search' is already defined at {bravo}:2:10" in said


def test_a_dashboard_uid_clash_is_said_at_the_newcomer(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    specs = _repository(tmp_path, {VICTIM: "bravo"})
    out = tmp_path / "out"
    assert _compile(capsys, specs, out)[0] == 0
    (specs / "teams" / "alpha").mkdir()
    twin = specs / "teams" / "alpha" / f"{TWIN}.yaml"
    text = (specs / "teams" / "bravo" / f"{VICTIM}.yaml").read_text()
    twin.write_text(text.replace(VICTIM, TWIN).replace("team: bravo", "team: alpha"))
    code, said = _compile(capsys, specs, out)
    assert code == 2, said
    assert f"{twin}:2:10 $.service: dashboard 'service' of service '{TWIN}' would have Grafana UID" in said
    assert f"of service '{VICTIM}'" in said and said.count("would have Grafana UID") == 1, said


def test_without_an_output_the_file_order_decides_as_before(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """The control: nothing compiled yet, no newcomer: the spec read second (bravo's) is the one said."""
    specs = _repository(tmp_path, {"search": "bravo", "other": "alpha"})
    alpha = specs / "teams" / "alpha" / "other.yaml"
    alpha.write_text(alpha.read_text().replace("service: other", "service: search"))
    code, said = _compile(capsys, specs, tmp_path / "out")
    assert code == 2, said
    assert f"{specs / 'teams' / 'bravo' / 'search.yaml'}:2:10 $.service: service 'search' is already defined" in said
