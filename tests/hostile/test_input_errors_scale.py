"""A spec full of mistakes is reported in seconds: the work per problem must not grow with the input.

Each of these inputs is within every documented limit (4 MiB, 200,000 nodes) and used to keep `obsc validate`
busy for minutes to hours: the pruning of broken units tested every mark against every removed unit, the
Jsonnet key positions searched every source line once per key, and two message hints split text with a
regex that is quadratic in a run of whitespace. They run in a child (forked: these tests vary no setting obsc
reads at start-up) with a wall-clock timeout, so that on the old code the test fails instead of hanging; the
CPU bound is generous (the real figures are a few seconds, see the messages).
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from compiler.errors import Diagnostic, Location
from compiler.spec import prune, schema
from compiler.spec.document import Document
from tests.cli_helpers import run_forked
from tests.conftest import ROOT

# Two of the hunter's files (tests need no files outside the repository): the platform's teams and receivers.
PLATFORM = """\
apiVersion: obsc/v1
kind: Platform
runbook_url: https://wiki.corp.test/rb/{path}
grafana_url: https://graf.corp.test
secrets:
  team_root: "/etc/alertmanager/secrets/team-{team}/"
  shared_root: /etc/alertmanager/secrets/platform/
teams:
  growth:
    routing:
      warning: {slack: {channel: "#growth-tix"}}
receivers:
  sre-catch: {slack: {channel: "#sre-catch"}}
defaults: {routing: {critical: sre-catch}}
alertmanager:
  default_receiver: sre-catch
  global:
    slack_api_url_file: /etc/alertmanager/secrets/platform/slack
"""
HEAD = "apiVersion: obsc/v1\nservice: promo-web\nteam: growth\ndescription: x\nselector: {job: promo-web}\n"
# Seconds: the old code took 26 minutes to hours here. A hang guard only (the CPU bounds are the checks): at load
# 30 on this 2-core machine a 5 CPU-s validation took 49 s of wall time, 120 s left 2.4x.
WALL_LIMIT = 240
CPU_LIMIT = 30.0
# The linear-time tests below are bounded in multiples of a reference (15,000 plain teams, nothing broken), read on
# the same machine in the same run, not in CPU seconds: a slower or busier CI machine slows both alike. Round 49 at
# load 30: the reference 4.0-4.3 CPU-s, the tests 0.8-1.1x it; the quadratic code took ~5x (broken receivers,
# 21 CPU-s), over 7x (specs naming their teams' hooks, over 30) and over 25x (a sound platform's fallbacks, 100).
LINEAR_SHARE = 3.0


def _validate(folder: Path) -> tuple[int, float, str]:
    """Exit code, CPU seconds (obsc and its Jsonnet workers) and stderr of `obsc validate folder`."""
    before = os.times()
    proc = run_forked("validate", str(folder), cwd=ROOT, timeout=WALL_LIMIT)  # forked: no interpreter start
    after = os.times()
    cpu = (after.children_user - before.children_user) + (after.children_system - before.children_system)
    return proc.returncode, cpu, proc.stderr


def _fleet(tmp_path: Path, spec_name: str, spec: str, platform: str = PLATFORM) -> Path:
    (tmp_path / "platform.yaml").write_text(platform)
    (tmp_path / spec_name).write_text(spec)
    return tmp_path


def _plain_teams(count: int) -> str:
    return "".join(f"  t{i}: {{routing: {{warning: {{slack: {{channel: '#t{i}'}}}}}}}}\n" for i in range(count))


@pytest.fixture(scope="module")
def reference_cpu(tmp_path_factory: pytest.TempPathFactory) -> float:
    """CPU seconds of `obsc validate` on a platform of 15,000 plain teams and one sound spec, this machine now."""
    platform = PLATFORM.replace("teams:\n", "teams:\n" + _plain_teams(15_000))
    spec = HEAD.replace("selector", "slos: []\nmetrics: {}\nselector")
    code, cpu, err = _validate(_fleet(tmp_path_factory.mktemp("reference"), "s.yaml", spec, platform))
    assert code == 0, err
    return cpu


def test_99000_broken_metrics_are_reported_in_seconds(tmp_path: Path) -> None:
    """The hunter's 1.1 MB spec (hostile2 finding 2): 99,000 `kN: 1` metrics took ~26 minutes."""
    spec = HEAD + "slos: []\nmetrics:\n" + "".join(f"  k{i}: 1\n" for i in range(99_000))
    code, cpu, err = _validate(_fleet(tmp_path, "m.yaml", spec))
    assert code == 2, err
    lines = err.splitlines()
    assert lines[0].endswith(f"m.yaml:1:1 $: {schema.STOPPED}")
    assert "m.yaml:8:3 $.metrics: 99,000 entries; at most 100 per spec" in lines[1]
    assert lines[2].startswith(f"{tmp_path}/m.yaml:8:7 $.metrics.k0: 1 is not a metric")
    assert lines[-1] == f"obsc: {schema.MAX_ERRORS + 1} errors; nothing was written"
    assert cpu < CPU_LIMIT, f"{cpu:.1f} s of CPU"


# Every problem `validate` keeps, not the 50 the CLI shows.
_ALL_PROBLEMS = """
import sys
from compiler.spec import loader, schema
(doc,) = loader.load_file(sys.argv[1], loader.JsonnetOptions())
print("\\n".join(str(d) for d in schema.validate(doc)))
"""


def test_which_problems_are_kept_past_the_cap_does_not_depend_on_the_hash_seed(tmp_path: Path) -> None:
    """jsonschema checks unknown keys in a set's order; the cap must keep the same ones on every run."""
    spec = tmp_path / "m.yaml"
    spec.write_text(HEAD + "slos: []\nmetrics:\n" + "".join(f"  k{i}: 1\n" for i in range(3_000)))
    runs = [
        subprocess.run(
            [sys.executable, "-c", _ALL_PROBLEMS, str(spec)],
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=WALL_LIMIT,
            env={**os.environ, "PYTHONHASHSEED": seed},
        ).stdout.splitlines()
        for seed in ("1", "2", "3")
    ]
    assert runs[0] == runs[1] == runs[2]
    assert len(runs[0]) == schema.MAX_ERRORS + 1
    kept = sorted(int(line.split("$.metrics.k")[1].split(":")[0]) for line in runs[0] if "$.metrics.k" in line)
    assert kept == list(range(schema.MAX_ERRORS - 1)), "the first ones in the file, after `$.metrics` itself"


def test_100000_keys_made_by_parse_json_behind_1000_lines(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The hunter's Jsonnet spec (hostile2 finding 3): keys named nowhere in the source took 88 CPU-seconds."""
    # The evaluation's own wall-clock bound (10 s) is not what this measures (CPU_LIMIT is): on a loaded 2-core
    # machine the 100,000-key evaluation passed it (round 44's mid-round CI, load ~20).
    monkeypatch.setenv("OBSC_JSONNET_TIMEOUT", "60")
    keys = "std.join(',', ['\"k' + i + '\":1' for i in std.range(1, 100000)])"
    spec = "//\n" * 1000 + (
        "{ apiVersion: 'obsc/v1', service: 'promo-api', team: 'growth', description: 'x', selector: { job: 'x' },\n"
        f"  slos: [], metrics: std.parseJson('{{' + {keys} + '}}') }}\n"
    )
    code, cpu, err = _validate(_fleet(tmp_path, "promo.jsonnet", spec))
    assert code == 2, err
    assert "promo.jsonnet:1002:13 $.metrics: 100,000 entries; at most 100 per spec" in err
    assert "promo.jsonnet:1002:13 $.metrics.k1: 1 is not a metric" in err  # the nearest located key
    assert cpu < CPU_LIMIT, f"{cpu:.1f} s of CPU"


def test_a_platform_with_many_broken_receivers_is_pruned_in_linear_time(tmp_path: Path, reference_cpu: float) -> None:
    """999 broken receivers (under the cap: all reported, and the platform is built without them) among 15,000
    sound teams: each of ~300,000 positions was tested against every removed unit (21 CPU-s; now ~4, most of
    it reading the YAML and jsonschema)."""
    teams = _plain_teams(15_000)
    receivers = "".join(f"  r{i}: 1\n" for i in range(999))
    platform = PLATFORM.replace("teams:\n", "teams:\n" + teams).replace("receivers:\n", "receivers:\n" + receivers)
    spec = HEAD.replace("selector", "slos: []\nmetrics: {}\nselector")
    code, cpu, err = _validate(_fleet(tmp_path, "s.yaml", spec, platform))
    assert code == 2, err
    lines = err.splitlines()
    first = 8 + 15_000 + 3 + 2  # teams:, its 15,000 + growth's 3 lines, receivers:, r0
    shown = f"{tmp_path}/platform.yaml:{first}:7 $.receivers.r0: 1: r0 takes a mapping of keys: write them"
    assert lines[0].startswith(shown), lines[:3]
    assert lines[-1] == "obsc: 999 errors; nothing was written"
    # its own bound: CPU_LIMIT sits above the old code's 21 CPU-s, so it could not catch the regression it guards
    assert cpu < LINEAR_SHARE * reference_cpu, f"{cpu:.1f} s of CPU, the reference {reference_cpu:.1f}"


def test_a_sound_platform_of_many_teams_routes_in_linear_time(tmp_path: Path, reference_cpu: float) -> None:
    """15,000 sound teams, each with an inline pager and a shared ticket receiver: each team's fallback looked
    its team up by a scan of every team (Platform.team), once per team and tier, over 100 CPU-s; now ~5."""
    teams = "".join(
        f"  t{i}: {{routing: {{critical: {{webhook: {{url: 'https://h.corp.test/t{i}'}}}}, warning: sre-catch}}}}\n"
        for i in range(15_000)
    )
    code, cpu, err = _validate(_fleet(tmp_path, "s.yaml", HEAD, PLATFORM.replace("teams:\n", "teams:\n" + teams)))
    assert code == 0, err
    assert cpu < LINEAR_SHARE * reference_cpu, f"{cpu:.1f} s of CPU, the reference {reference_cpu:.1f}"


def test_pruning_takes_time_in_proportion_to_the_marks_not_marks_times_removed_units() -> None:
    """The test above without the rest of obsc: 1,000 broken receivers, 121,000 key and value positions each.
    The old test of every position against every removed unit took 28 CPU-s here; now about 1."""
    teams = {f"t{i}": {"routing": {"warning": {"slack": "#t"}}} for i in range(40_000)}
    doc = Document(file="p.yaml", data={"teams": teams, "receivers": {f"r{i}": 1 for i in range(1_000)}})
    for i in range(40_000):
        for n, path in enumerate(
            [("teams", f"t{i}"), ("teams", f"t{i}", "routing"), ("teams", f"t{i}", "routing", "warning")]
        ):
            doc.value_marks[path] = doc.key_marks[path] = (i + 1, n + 1)
    for i in range(1_000):
        doc.value_marks[("receivers", f"r{i}")] = doc.key_marks[("receivers", f"r{i}")] = (40_001 + i, 3)
    problems = [Diagnostic(Location("p.yaml", 40_001 + i, 3), ("receivers", f"r{i}"), "broken") for i in range(1_000)]
    start = time.process_time()
    pruned = prune.prune(doc, problems, platform=True)
    cpu = time.process_time() - start
    assert pruned is not None
    assert len(pruned.broken) == 1_000
    assert len(pruned.doc.value_marks) == len(pruned.doc.key_marks) == 120_000  # every team position kept
    assert pruned.doc.value_marks[("teams", "t39999", "routing", "warning")] == (40_000, 3)
    assert cpu < 10.0, f"{cpu:.2f} s of CPU"


def test_hints_on_a_megabyte_of_whitespace_take_no_time(tmp_path: Path) -> None:
    """`selector: "{ \\t \\t ... a"` and a weekday written the same way: the hints' re.split(r"\\s*,\\s*")
    and re.split(r"\\s*(?:-|:|\\.\\.|to)\\s*") were quadratic in the run (32,000 characters: 4 and 30 s)."""
    blank = " \\t" * 500_000
    platform = PLATFORM.replace(
        "  growth:\n",
        f'  growth:\n    business_hours: {{weekdays: ["mon{blank}x"], times: [{{start: "08:00", end: "18:00"}}]}}\n',
    )
    spec = HEAD.replace("{job: promo-web}", f'"{{{blank}a"') + "slos: []\nmetrics: {}\n"
    code, cpu, err = _validate(_fleet(tmp_path, "s.yaml", spec, platform))
    assert code == 2, err
    assert "s.yaml:5:11 $.selector: selector is a mapping of label names to values, not text" in err
    assert "platform.yaml:10:33 $.teams.growth.business_hours.weekdays[0]: 'mon" in err
    assert "x' is not a weekday or a range; write e.g. 'monday'" in err
    assert cpu < CPU_LIMIT, f"{cpu:.1f} s of CPU"


def test_a_spec_with_thousands_of_target_labels_is_refused_before_it_is_compiled(tmp_path: Path) -> None:
    """Found by the round-29 team hunt: `targets:` was the one mapping of a spec without a bound. Every label is
    a matcher of every ServiceDown rule, and the generated promtool cases search each label's values against
    every matcher: 6,000 labels (a 100 KB spec) compiled for ~20 s, 12,000 for ~43 s, all of it in the one
    compile every team's pull request waits for. Bounded at 20 like `selector:`."""
    labels = ", ".join(f"l{i}: v{i}" for i in range(6_000))
    spec = (
        HEAD
        + f"targets: {{job: promo-web, {labels}}}\n"
        + (
            "metrics: {requests: r_total, errors: 'r_total{code=~\"5..\"}'}\n"
            "slos: [{name: availability, objective: 99.9, sli: {errors: errors, total: requests}}]\n"
        )
    )
    (tmp_path / "specs").mkdir()
    folder = _fleet(tmp_path / "specs", "t.yaml", spec)
    out = tmp_path / "out"
    before = os.times()
    proc = run_forked("compile", str(folder), "--out", str(out), "--no-validate", cwd=ROOT, timeout=WALL_LIMIT)
    after = os.times()
    cpu = (after.children_user - before.children_user) + (after.children_system - before.children_system)
    assert proc.returncode == 2, proc.stderr
    assert "t.yaml:6:10 $.targets: 6,001 entries; at most 20 per spec" in proc.stderr
    assert not out.exists()
    assert cpu < CPU_LIMIT, f"{cpu:.1f} s of CPU"


def test_a_long_service_selector_list_is_refused_in_seconds(tmp_path: Path) -> None:
    """Found by the round-29 team hunt: `service_selector:` (the service labels a metric keeps) had no bound,
    and each label it named that the selector lacks was found again by a scan of the list: 30,000 names (a
    230 KB spec) kept `obsc validate` busy ~11 CPU-s, 100,000 past two minutes. At most 20 now, as the
    selector it picks from."""
    names = ", ".join(f"l{i}" for i in range(100_000))
    requests = f"{{selector: r_total, service_selector: [job, {names}]}}"
    spec = HEAD + (
        f"metrics: {{requests: {requests}, errors: 'r_total{{code=\"5\"}}'}}\n"
        "slos: [{name: availability, objective: 99.9, sli: {errors: errors, total: requests}}]\n"
    )
    code, cpu, err = _validate(_fleet(tmp_path, "s.yaml", spec))
    assert code == 2, err
    assert "s.yaml:6:59 $.metrics.requests.service_selector: 100,001 entries; at most 20 per spec" in err
    assert cpu < CPU_LIMIT, f"{cpu:.1f} s of CPU"


def test_specs_naming_their_teams_receivers_on_a_platform_of_many_teams_take_linear_time(
    tmp_path: Path, reference_cpu: float
) -> None:
    """15,000 teams routed to 50 named hooks, and 100 specs each naming its own team's hook: every spec read the
    platform's 15,000 teams' destinations again (model/destinations.py: ~0.25 CPU-s a spec, over 30 in all);
    now once per compile."""
    teams = "".join(f"  t{i}: {{routing: {{warning: hook{i % 50}}}}}\n" for i in range(15_000))
    hooks = "".join(f"  hook{i}: {{webhook: {{url: 'https://h.corp.test/hook/{i}'}}}}\n" for i in range(50))
    platform = PLATFORM.replace("teams:\n", "teams:\n" + teams).replace("receivers:\n", "receivers:\n" + hooks)
    for i in range(100):
        spec = f"apiVersion: obsc/v1\nservice: s{i}\nteam: t{i}\nselector: {{job: s{i}}}\n"
        spec += f"routing: {{warning: hook{i % 50}}}\n"
        (tmp_path / f"s{i}.yaml").write_text(spec)
    code, cpu, err = _validate(_fleet(tmp_path, "s0.yaml", (tmp_path / "s0.yaml").read_text(), platform))
    assert code == 0, err
    assert cpu < LINEAR_SHARE * reference_cpu, f"{cpu:.1f} s of CPU, the reference {reference_cpu:.1f}"
