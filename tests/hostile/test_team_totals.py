"""What one team's specs hold together (round 45): every other bound is per file, so a team could add spec files
at the per-spec limits without end (five files of 100 SLOs: 2,576 output files, 84 MB, and each such service's
promtool run past its 120 s timeout in round 44), in every team's CI. The platform file's `limits: {team_slos:}`
bounds the total; obsc picks no number itself."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.cli_helpers import run_obsc

PLATFORM = """\
apiVersion: obsc/v1
kind: Platform
teams:
  alpha: {routing: {critical: {webhook: {url: "https://hooks.example/alpha"}}, warning: {webhook: {url: "https://hooks.example/alpha"}}}}
  bravo: {routing: {critical: {webhook: {url: "https://hooks.example/bravo"}}, warning: {webhook: {url: "https://hooks.example/bravo"}}}}
"""

SPEC = """\
apiVersion: obsc/v1
service: {service}
team: {team}
description: x
selector: {{job: {service}}}
metrics:
  requests: http_requests_total
  errors: http_requests_total{{code=~"5.."}}
slos:
{slos}"""


def _repository(tmp_path: Path, limits: str, files: dict[str, tuple[str, int]]) -> Path:
    specs = tmp_path / "specs"
    specs.mkdir(parents=True)
    (specs / "platform.yaml").write_text(PLATFORM + limits)
    for service, (team, count) in files.items():
        slos = "".join(
            f"  - {{name: s{n}, objective: 99.9, sli: {{errors: errors, total: requests}}}}\n" for n in range(count)
        )
        (specs / f"{service}.yaml").write_text(SPEC.format(service=service, team=team, slos=slos))
    return specs


FILES = {"a1": ("alpha", 2), "a2": ("alpha", 2), "a3": ("alpha", 1), "b1": ("bravo", 3)}


def test_a_team_past_the_platforms_total_is_refused_at_the_spec_that_crosses_it(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # alpha's running total reaches the limit at a2 (1 + 2 + 2) and passes it at a3: the spec that crosses it is
    # a3's; the largest files are named by size, then name (a0 and a3 hold one each). Two hand mutants of round 45
    # passed every test: the refusal at the spec that reaches the limit, the files named in name order.
    specs = _repository(tmp_path, "limits:\n  team_slos: 5\n", {"a0": ("alpha", 1), **FILES})
    result = run_obsc(capsys, "compile", str(specs), "--out", str(tmp_path / "out"), "--no-validate")
    assert result.code == 2, result.out + result.err
    assert result.err.count("limits.team_slos") == 1  # bravo's 3 are within the limit
    assert (
        f"{specs}/a3.yaml:2:10 $.service: team 'alpha' has 6 SLOs in 4 service(s) across 4 spec file(s), more than "
        f"the 5 limits.team_slos allows ({specs}/platform.yaml:7:14): every SLO adds rules, promtool tests and "
        f"dashboard panels that every team's CI compiles and validates; largest: {specs}/a1.yaml (2), "
        f"{specs}/a2.yaml (2), {specs}/a0.yaml (1) and 1 more. Remove or merge SLOs, or ask the platform owners to "
        "raise the limit"
    ) in result.err
    assert not (tmp_path / "out").exists()


def test_without_the_setting_or_within_it_a_team_compiles(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    for limits, folder in (("", "none"), ("limits:\n  team_slos: 5\n", "within")):
        specs = _repository(tmp_path / folder, limits, FILES)
        result = run_obsc(capsys, "validate", str(specs))
        assert result.code == 0, result.out + result.err


def test_the_setting_is_a_positive_number(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    specs = _repository(tmp_path, "limits:\n  team_slos: 0\n", FILES)
    result = run_obsc(capsys, "validate", str(specs))
    assert result.code == 2
    assert f"{specs}/platform.yaml:7:14 $.limits.team_slos: 0 is less than the minimum of 1" in result.err


def test_a_team_of_many_services_without_slos_is_bounded_by_its_services(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Round 46: `team_slos` counted SLOs only, so files of threshold alerts (five of 100 each, no SLO: 582 files,
    26 MB, 14 CPU-s of promtool each) passed it. `team_services` bounds how often a team repeats the per-spec
    limits, so every kind of thing a spec generates at once."""
    limits = "limits:\n  team_slos: 3\n  team_services: 2\n"
    specs = _repository(tmp_path, limits, {"a1": ("alpha", 0), "a2": ("alpha", 0), "a3": ("alpha", 0)})
    for spec in specs.glob("a*.yaml"):
        spec.write_text(
            spec.read_text().replace("slos:\n", "threshold_alerts:\n  - {name: ErrorsHigh, metric: errors, above: 1}\n")
        )
    result = run_obsc(capsys, "compile", str(specs), "--out", str(tmp_path / "out"), "--no-validate")
    assert result.code == 2, result.out + result.err
    assert "limits.team_slos" not in result.err
    assert (
        f"{specs}/a3.yaml:2:10 $.service: team 'alpha' has 3 services across 3 spec file(s), more than the 2 "
        f"limits.team_services allows ({specs}/platform.yaml:8:18): every service adds a rule file, promtool tests, "
        "a dashboard, runbooks and routes, each up to the per-spec limits, that every team's CI compiles and "
        f"validates; largest: {specs}/a1.yaml (1), {specs}/a2.yaml (1), {specs}/a3.yaml (1). Remove or merge "
        "services, or ask the platform owners to raise the limit"
    ) in result.err
    assert not (tmp_path / "out").exists()


def test_team_services_counts_services_not_what_they_hold(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Two services of three SLOs each are two services: within `team_services: 2` (a hand mutant of round 46
    counting each service's SLOs, as team_slos does, passed every test)."""
    specs = _repository(tmp_path, "limits:\n  team_services: 2\n", {"b1": ("bravo", 3), "b2": ("bravo", 3)})
    result = run_obsc(capsys, "compile", str(specs), "--out", str(tmp_path / "out"), "--no-validate")
    assert result.code == 0, result.out + result.err
