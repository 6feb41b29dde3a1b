"""Every mistake in one run, none twice, none as a consequence of another; capped, sorted output.

tests/errors/ten_mistakes/ holds ten independent mistakes (schema, references, duplicates, platform,
PromQL); tests/errors/platforms/<case>.yaml are broken platform files whose golden (<case>.txt) must
name only the platform file: the valid spec beside them (platforms/service/) reports nothing.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from compiler.api import CompileOptions, load_fleet
from compiler.errors import Diagnostic, InputError, Location, sort_key
from compiler.ui import render
from tests.cli_helpers import run_obsc
from tests.conftest import ROOT, UPDATE_GOLDENS

ERRORS = Path("tests/errors")
TEN = ERRORS / "ten_mistakes"
PLATFORM_CASES = sorted(p.name for p in (ROOT / ERRORS / "platforms").glob("*.yaml"))

# file, line:col and path of each mistake but the PromQL one (that needs the promql branch).
NINE = {
    "a-threshold.yaml:8:71 $.slos[0].sli.threshold",  # schema: a duration without unit
    "b-undefined-metric.yaml:8:57 $.slos[0].sli.errors",  # reference: undefined metric
    "d-team.yaml:3:7 $.team",  # reference: undefined team
    "e-dup-slo.yaml:10:12 $.slos[1].name",  # duplicate SLO name
    "f-two.yaml:3:10 $.service",  # duplicate service across files, in a file with a schema error
    "f-two.yaml:5:11 $.selector",  # schema: selector as text
    "h-percent.yaml:10:37 $.slos[0].objective",  # schema: objective with a % sign
    "h-percent.yaml:12:13 $.routing.critical",  # reference: undefined receiver, in a file with a schema error
    "platform.yaml:6:18 $.teams.payments.business_hours.weekdays[0]",  # platform: `mon-fri`
}
PROMQL = "g-raw.yaml:"  # unbalanced parenthesis in a raw SLI


@pytest.fixture(autouse=True)
def _in_repo_root(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)


def _located(err: str) -> list[str]:
    """`file:line:col $.path` of each error line, file relative to the case directory."""
    out = []
    for line in err.splitlines():
        if line.startswith("obsc:"):
            continue
        where, path = line.split(" ")[:2]
        out.append(f"{where.removeprefix(str(TEN) + '/')} {path.rstrip(':')}")
    return out


def test_ten_independent_mistakes_are_reported_in_one_run(capsys: pytest.CaptureFixture[str]) -> None:
    result = run_obsc(capsys, "validate", str(TEN))
    assert result.code == 2, result.err
    located = _located(result.err)
    assert len(located) == len(set(located)), "an error reported twice"
    others = [x for x in located if not x.startswith(PROMQL)]
    assert set(others) == NINE, result.err  # none missing, none spurious (no cascade from the platform)
    assert len(located) - len(others) == 1  # the PromQL syntax error in the raw SLI


def test_the_tenth_mistake_is_the_promql_syntax_error(capsys: pytest.CaptureFixture[str]) -> None:
    result = run_obsc(capsys, "validate", str(TEN))
    located = _located(result.err)
    assert [x for x in located if x.startswith(PROMQL)], result.err
    assert any(".raw.errors" in x for x in located if x.startswith(PROMQL))
    assert len(located) == 10 and "obsc: 10 errors" in result.err


@pytest.mark.parametrize("case", PLATFORM_CASES)
def test_broken_platform_reports_itself_and_nothing_in_the_services(
    case: str, capsys: pytest.CaptureFixture[str]
) -> None:
    platform = ERRORS / "platforms" / case
    result = run_obsc(capsys, "validate", "--platform", str(platform), str(ERRORS / "platforms" / "service"))
    assert result.code == 2 and "Traceback" not in result.err
    for line in result.err.splitlines()[:-1]:
        assert line.startswith(f"{platform}:"), f"cascade into a service: {line}"
    golden = ROOT / platform.with_suffix(".txt")
    if UPDATE_GOLDENS:
        golden.write_text(result.err)
    assert golden.exists(), f"missing {golden}; run `make goldens`"
    assert result.err == golden.read_text(), f"message changed; if intended run `make goldens`\n{result.err}"


def test_the_valid_spec_beside_the_platform_cases_is_valid(capsys: pytest.CaptureFixture[str]) -> None:
    # Else the cases above would prove nothing.
    service = str(ERRORS / "platforms" / "service")
    result = run_obsc(capsys, "validate", "--platform", str(ERRORS / "platform.yaml"), service)
    assert result.code == 0, result.err


SERVICE = """\
apiVersion: obsc/v1
service: {name}
team: payments
selector: {{job: {name}}}
metrics:
  requests: http_requests_total
  errors: http_requests_total{{code=~"5.."}}
routing:
  warning: {{slack: {{channel: "#pay", api_url_file: /etc/alertmanager/secrets/team-payments/slack}}}}
  critical: pager
dashboards: [service, golden-signals]
"""


@pytest.mark.parametrize(
    ("platform", "expected"),
    [
        ("apiVersion: obsc/v1\nkind: Platform\nteams: [\n", ["platform.yaml:4:1 $: YAML syntax error"]),
        ("- apiVersion: obsc/v1\n", ["platform.yaml:1:1 $: "]),
        (
            "apiVersion: obsc/v1\nkind: Platfrm\n",
            ["platform.yaml:2:7 $.kind: a platform file needs kind: Platform"],  # once, at the value (round 43)
        ),
    ],
    ids=["yaml-syntax", "not-a-mapping", "wrong-kind"],
)
def test_unusable_platform_skips_every_check_that_needs_it(
    platform: str, expected: list[str], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Teams, receivers, secret roots and standard dashboards are unknown: the spec's references to them are
    not errors (they were before: "no receiver for critical alerts", "secret file cannot be used"...)."""
    (tmp_path / "platform.yaml").write_text(platform)
    (tmp_path / "api.yaml").write_text(SERVICE.format(name="api"))
    result = run_obsc(capsys, "validate", str(tmp_path))
    lines = [line.removeprefix(f"{tmp_path}/") for line in result.err.splitlines()[:-1]]
    assert result.code == 2
    assert len(lines) == len(expected), result.err
    for line, start in zip(lines, expected, strict=True):
        assert line.startswith(start), result.err


def test_broken_team_name_does_not_cascade_into_its_routing(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # `team: Payments` is one mistake; its receivers' secrets and the team lookup are not judged without it.
    platform = ERRORS / "platform.yaml"
    (tmp_path / "api.yaml").write_text(SERVICE.format(name="api").replace("team: payments", "team: Payments"))
    result = run_obsc(capsys, "validate", "--platform", str(platform), str(tmp_path / "api.yaml"))
    lines = result.err.splitlines()[:-1]
    assert [line.split(" ")[1] for line in lines] == ["$.team:", "$.dashboards[1]:"], result.err
    assert "write 'payments'" in lines[0]


def test_later_items_keep_their_paths_and_lines_when_an_earlier_one_is_left_out(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    spec = tmp_path / "api.yaml"
    spec.write_text(
        SERVICE.format(name="api").split("routing:")[0]
        + "slos:\n"
        + "  - {name: a, objective: 99.9%, sli: {errors: errors, total: requests}}\n"  # line 9: schema
        + "  - {name: b, objective: 99.9, sli: {errors: errors, total: requests}}\n"
        + "  - {name: c, objective: 99.9, sli: {errors: nope, total: requests}}\n"  # line 11: reference
        + "  - {name: b, objective: 99, sli: {errors: errors, total: requests}}\n"  # line 12: duplicate of slos[1]
        + "  - {name: d, objective: 50, sli: {errors: errors, total: requests}}\n"  # line 13: unreachable burn alert
    )
    result = run_obsc(capsys, "validate", "--platform", str(ERRORS / "platform.yaml"), str(spec))
    lines = [line.removeprefix(f"{spec}:") for line in result.err.splitlines()[:-1]]
    assert [line.split(": ")[0] for line in lines] == [
        "9:26 $.slos[0].objective",
        "11:46 $.slos[2].sli.errors",
        "12:12 $.slos[3].name",
        "13:26 $.slos[4].objective",
    ], result.err
    assert "first defined on line 10" in lines[2]


def test_a_metric_left_out_does_not_make_its_slos_report_it_undefined(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    spec = tmp_path / "api.yaml"
    spec.write_text(
        SERVICE.format(name="api").split("metrics:")[0]
        + "metrics:\n  requests: http_requests_total\n  errors: {type: countr, selector: http_errors_total}\n"
        + "slos:\n  - {name: a, objective: 99.9, sli: {errors: errors, total: requests}}\n"
    )
    result = run_obsc(capsys, "validate", "--platform", str(ERRORS / "platform.yaml"), str(spec))
    assert result.err.count("\n") == 2 and "$.metrics.errors.type" in result.err, result.err


def test_output_is_capped_with_a_count_of_the_rest(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    slos = "".join(f"  - {{name: s{i}, objective: high, sli: {{errors: e, total: t}}}}\n" for i in range(60))
    (tmp_path / "api.yaml").write_text(SERVICE.format(name="api").split("metrics:")[0] + "slos:\n" + slos)
    result = run_obsc(capsys, "validate", "--platform", str(ERRORS / "platform.yaml"), str(tmp_path / "api.yaml"))
    lines = result.err.splitlines()
    assert len(lines) == 52, result.err
    assert lines[-2] == "obsc: ... and 10 more error(s) not shown"
    assert lines[-1] == "obsc: 60 errors; nothing was written"
    assert "$.slos[0].objective" in lines[0] and "$.slos[49].objective" in lines[49]


def test_input_errors_sort_by_file_line_column_deduplicate_and_cap() -> None:
    a = Diagnostic(Location("b.yaml", 2, 1), ("x", 0), "m")
    b = Diagnostic(Location("b.yaml", 2, 1), ("x", "y"), "m")  # same place, a path part of another type
    c = Diagnostic(Location("a.yaml", 10, 3), (), "m")
    d = Diagnostic(Location("b.yaml", 1, 9), (), "m")
    assert InputError([a, b, c, d, a]).diagnostics == (c, d, b, a)  # then by path text: `$.x.y` before `$.x[0]`
    assert render.cap(InputError([a, b, c, d]).diagnostics, limit=2) == ((c, d), 2)
    assert sorted([a, b], key=sort_key) == [b, a]


@pytest.mark.parametrize(
    ("number", "unit", "expected"),
    [("0.25", "s", "250ms"), ("1.5", "h", "90m"), ("30", "d", "30d"), ("0.0001", "ms", ""), ("2.5", "w", "420h")],
)
def test_durations_are_suggested_in_whole_units(number: str, unit: str, expected: str) -> None:
    from decimal import Decimal

    from compiler.spec.hints import _whole

    assert _whole(Decimal(number), unit) == expected


def test_hostile_numbers_get_no_suggestion_and_no_billion_digit_message() -> None:
    from compiler.spec.hints import _number, objective_problem

    assert _number("1e999999999") is None and _number("nan") is None and _number(True) is None
    assert objective_problem(0.999) is not None and objective_problem(99.9) is None and objective_problem(50) is None


@pytest.mark.parametrize("jobs", [1, 2])
def test_a_platform_default_metrics_error_is_reported_whether_services_are_built_here_or_in_workers(
    tmp_path: Path, jobs: int
) -> None:
    """Defaults are read while each service is built: in a forked worker their errors used to be lost, so
    `validate` said OK on a 2-CPU machine and failed with OBSC_JOBS=1."""
    (tmp_path / "platform.yaml").write_text(
        "apiVersion: obsc/v1\nkind: Platform\nteams: {t: {}}\n"
        "defaults:\n  metrics:\n    queue: {selector: queue_depth, type: gauge, buckets: [1]}\n"
    )
    for name in ("a", "b", "c"):
        (tmp_path / f"{name}.yaml").write_text(
            f"apiVersion: obsc/v1\nservice: {name}\nteam: t\nselector: {{job: {name}}}\n"
            "routing: {critical: {webhook: {url: 'http://relay:8080/p'}},\n"
            "  warning: {webhook: {url: 'http://relay:8080/t'}}, info: {webhook: {url: 'http://relay:8080/i'}}}\n"
        )
    with pytest.raises(InputError) as caught:
        load_fleet([str(tmp_path)], CompileOptions(jobs=jobs), {})
    assert [str(d) for d in caught.value.diagnostics] == [
        f"{tmp_path}/platform.yaml:6:58 $.defaults.metrics.queue.buckets: "
        "buckets are for histograms; 'queue' is a gauge"
    ]


def test_a_spec_without_any_platform_file_is_told_there_is_none(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Forgetting platform.yaml: the message said "not defined under teams: in the platform file", a file
    the newcomer never wrote, and did not say how to get one. (Run from a copy: tests/errors/platform.yaml,
    another case's, is above the folder here, and a folder compiled below a platform file is asked for it.)"""
    folder = ERRORS / "no_platform"
    shutil.copytree(ROOT / folder, tmp_path / folder)
    monkeypatch.chdir(tmp_path)
    result = run_obsc(capsys, "validate", str(folder))
    assert result.code == 2 and "Traceback" not in result.err
    golden = ROOT / folder / "expected.txt"
    if UPDATE_GOLDENS:
        golden.write_text(result.err)
    assert result.err == golden.read_text(), f"message changed; if intended run `make goldens`\n{result.err}"
