"""Services of one shape share their generation (compiler/targets/shapes.py).

The oracle is generation in full (OBSC_SHARE_SHAPES=0): every fleet here compiles to the same bytes with
sharing on, including fleets built to trip a renaming (names YAML reads as booleans, names that are PromQL
words or substrings of other names, the tokens themselves, the longest legal name), every golden feature
set, and targets whose files depend on the name in ways a renaming cannot follow. And sharing does happen
where it should, or the benchmark's figure would quietly fall back to full generation.
"""

from __future__ import annotations

import dataclasses
import hashlib
import logging
from collections.abc import Sequence
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from compiler import api, workers
from compiler.model.types import Fleet, RenderedDashboard, Service
from compiler.output.bundle import Artifact
from compiler.targets import TargetOptions, all_targets, prometheus, shapes
from compiler.targets.base import ServiceArtifacts
from tests.bench.fleet import platform_text, write_fleet
from tests.conftest import ROOT

GOLDEN = ROOT / "tests" / "golden"
CASES = sorted([*(p / "specs" for p in GOLDEN.iterdir() if (p / "specs").is_dir()), ROOT / "examples"])

# Names a renaming could get wrong: YAML words, PromQL words and label names, the tokens and names holding
# them, a prefix of another name, the longest legal name, one letter.
HOSTILE = (
    "null",
    "yes",
    "on",
    "n",
    "a",
    "up",
    "rate",
    "job",
    "sum",
    "service",
    "errors",
    "latency",
    shapes.FIRST_TOKEN,
    f"b{shapes.FIRST_TOKEN}9",
    shapes.SECOND_TOKEN,
    "x" * 63,
    "zz9",
)


def _fleet(specs: Path) -> Fleet:
    fleet, _ = api.load_fleet([str(specs)], api.CompileOptions(jobs=1), {})
    return fleet


def _files(
    fleet: Fleet, share: bool, monkeypatch: pytest.MonkeyPatch, fmt: str = "prometheus", jobs: int = 1
) -> list[tuple[str, str]]:
    monkeypatch.setenv("OBSC_SHARE_SHAPES", "1" if share else "0")
    return [(a.path, a.content) for a in api.generate(fleet, TargetOptions(format=fmt), jobs)]


def _with_clones(fleet: Fleet, names: Sequence[str]) -> Fleet:
    """The fleet and, for each service, copies of it under `names` (suffixed where names repeat)."""
    taken = {s.name for s in fleet.services}
    services = list(fleet.services)
    for original in fleet.services:
        for name in names:
            clone = name if name not in taken else f"{name[:60]}-{len(taken)}"
            taken.add(clone)
            services.append(shapes.shape(original, clone))
    return dataclasses.replace(fleet, services=tuple(sorted(services, key=lambda s: s.name)))


@pytest.mark.parametrize("specs", CASES, ids=lambda p: p.parent.name if p.name == "specs" else p.name)
def test_every_golden_fleet_with_hostile_clones_compiles_to_the_same_bytes(
    specs: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    fleet = _with_clones(_fleet(specs), HOSTILE)
    assert _files(fleet, True, monkeypatch) == _files(fleet, False, monkeypatch)


@pytest.mark.parametrize("fmt", ["prometheus-operator", "mimir", "vmalert"])
def test_every_layout_compiles_to_the_same_bytes(fmt: str, monkeypatch: pytest.MonkeyPatch) -> None:
    fleet = _with_clones(_fleet(ROOT / "examples"), HOSTILE[:6])
    assert _files(fleet, True, monkeypatch, fmt) == _files(fleet, False, monkeypatch, fmt)


def test_workers_sharing_write_what_one_process_generating_in_full_writes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    # 50 services of 2 teams (one shape each): the fewest that cut into pieces of 4 (2 workers x 8 pieces), so
    # each piece proves its shape (PROVE_FOR more follow) and a worker's later pieces rename from its earlier
    # ones. 150 services (pieces of 10) proved the same thing at three times the CPU (~15 CPU-s).
    fleet = _with_clones(_fleet(write_fleet(tmp_path, services=10, teams=2, rich=True)), HOSTILE[:4])
    caplog.set_level(logging.INFO, logger="obsc")
    shared = _files(fleet, True, monkeypatch, jobs=2)
    said = [r for r in caplog.records if getattr(r, "target", "") == "prometheus" and getattr(r, "renamed", 0)]
    assert said and said[0].generated < len(fleet.services) // 2, caplog.messages  # renaming did happen
    assert shared == _files(fleet, False, monkeypatch, jobs=1)


def _spec(name: str, extra: str = "") -> str:
    return f"""\
apiVersion: obsc/v1
service: "{name}"
team: shop
selector: {{job: "{name}"}}
metrics:
  requests: http_requests_total
  errors: http_requests_total{{code=~"5.."}}
slos:
  - {{name: availability, objective: 99.9, sli: {{errors: errors, total: requests}}}}
{extra}"""


def _specs(tmp_path: Path, specs: dict[str, str]) -> Path:
    root = tmp_path / "specs"
    root.mkdir()
    (root / "platform.yaml").write_text(platform_text())
    for name, text in specs.items():
        (root / f"{name}.yaml").write_text(text)
    return root


class _Counting:
    """A target part that records which services it was asked to generate."""

    def __init__(self, part: ServiceArtifacts | None = None) -> None:
        self.asked: list[str] = []
        self._part = part or prometheus.service_artifacts

    def __call__(self, fleet: Fleet, services: Sequence[Service], options: TargetOptions) -> list[Artifact]:
        self.asked.extend(s.name for s in services)
        return self._part(fleet, services, options)


def _shared(fleet: Fleet, part: _Counting) -> list[Artifact]:
    shared = shapes.SharedShapes(part, fleet, TargetOptions())
    return [a for files in shared.piece(fleet.services)[0] for a in files]


def test_a_repeated_shape_is_proven_once_and_renamed_for_the_rest(tmp_path: Path) -> None:
    names = [f"shop-{i}" for i in range(8)]
    fleet = _fleet(_specs(tmp_path, {n: _spec(n) for n in names}))
    part = _Counting()
    # The first for real and under both tokens (seven more of its shape follow), the others renamed.
    out = _shared(fleet, part)
    assert part.asked == ["shop-0", shapes.FIRST_TOKEN, shapes.SECOND_TOKEN]  # the other seven renamed
    assert out == prometheus.service_artifacts(fleet, fleet.services, TargetOptions())


def test_verbose_says_how_many_services_were_renamed(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # -v explains choices: a fleet that quietly falls back to full generation (a guard, a failed proof) is
    # a cold compile several times slower, and this line is where an SRE sees why.
    names = [f"shop-{i}" for i in range(6)]
    fleet = _fleet(_specs(tmp_path, {n: _spec(n) for n in names}))
    said: list[logging.LogRecord] = []
    handler = logging.Handler()
    handler.emit = said.append  # type: ignore[method-assign]
    logger = logging.getLogger("obsc")
    level = logger.level
    logger.setLevel(logging.INFO)
    logger.addHandler(handler)
    try:
        _files(fleet, True, monkeypatch)
        _files(fleet, False, monkeypatch)
    finally:
        logger.removeHandler(handler)
        logger.setLevel(level)
    lines = [r.getMessage() for r in said if getattr(r, "target", None) == "prometheus" and hasattr(r, "renamed")]
    assert lines == [
        "prometheus: 5 of 6 services renamed from 1 proven shapes, 1 generated (0 shapes failed their proof)",
        "prometheus: 6 services generated (sharing off: OBSC_SHARE_SHAPES=0)",
    ]


@pytest.mark.parametrize(
    "extra",
    [
        "description: NAME serves the checkout",  # free text: renaming it could rewrite a word
        "labels: {app: NAME}",  # a label value outside a selector
    ],
)
def test_a_name_outside_its_places_is_generated_in_full(extra: str, tmp_path: Path) -> None:
    names = [f"alpha-{i}" for i in range(5)]
    fleet = _fleet(_specs(tmp_path, {n: _spec(n, extra.replace("NAME", n)) for n in names}))
    part = _Counting()
    assert _shared(fleet, part) == prometheus.service_artifacts(fleet, fleet.services, TargetOptions())
    assert part.asked == names  # each in full, no tokens


@pytest.mark.parametrize("word", ["on", "yes", "null"])
def test_a_name_yaml_reads_as_a_word_is_generated_in_full(word: str, tmp_path: Path) -> None:
    # Quoted where the tokens are plain: renamed, it would be read back as a boolean or null.
    names = ["alpha-1", "alpha-2", "alpha-3", "alpha-4", word]
    fleet = _fleet(_specs(tmp_path, {n: _spec(n) for n in names}))
    part = _Counting()
    assert _shared(fleet, part) == prometheus.service_artifacts(fleet, fleet.services, TargetOptions())
    assert word in part.asked


def _named_like(text: str) -> _Counting:
    """A part whose one file holds `text(name)`: a dependence on the name a renaming may not follow."""

    def part(fleet: Fleet, services: Sequence[Service], options: TargetOptions) -> list[Artifact]:
        return [
            Artifact(f"x/{s.name}.txt", f"{s.name}\n{text.format(name=s.name, hash=_sha(s.name))}\n") for s in services
        ]

    return _Counting(part)  # type: ignore[arg-type]


def _sha(name: str) -> str:
    return hashlib.sha256(name.encode()).hexdigest()[:8]


@pytest.mark.parametrize(
    "text",
    [
        "{hash}",  # a hash of the name
        "{name:.10}",  # a truncation
        "{name:>30}",  # a padding
    ],
)
def test_a_file_that_is_not_a_renaming_of_the_name_is_generated_in_full(text: str, tmp_path: Path) -> None:
    names = [f"shop-{i}" for i in range(4)]
    fleet = _fleet(_specs(tmp_path, {n: _spec(n) for n in names}))
    part = _named_like(text)
    assert _shared(fleet, part) == [a for s in fleet.services for a in part(fleet, [s], TargetOptions())]
    assert part.asked[:3] == ["shop-0", shapes.FIRST_TOKEN, shapes.SECOND_TOKEN]
    assert part.asked[3:6] == names[1:]  # the proof failed: the others in full too


def test_an_order_that_depends_on_the_name_is_generated_in_full(tmp_path: Path) -> None:
    def part(fleet: Fleet, services: Sequence[Service], options: TargetOptions) -> list[Artifact]:
        return [Artifact(f"x/{s.name}", " ".join(sorted([s.name, "m"]))) for s in services]

    fleet = _fleet(_specs(tmp_path, {n: _spec(n) for n in ["billing", "shop-0", "shop-1", "shop-2"]}))
    # A worker's first service of a shape may sort last: here it sorts after "m", and so do both tokens
    # if they were not on either side of every name.
    fleet = dataclasses.replace(fleet, services=fleet.services[::-1])
    counting = _Counting(part)  # type: ignore[arg-type]
    assert _shared(fleet, counting) == [a for s in fleet.services for a in part(fleet, [s], TargetOptions())]


def test_a_service_with_fleet_data_kept_by_its_name_is_generated_in_full(tmp_path: Path) -> None:
    def part(fleet: Fleet, services: Sequence[Service], options: TargetOptions) -> list[Artifact]:
        mine = {r.service: r.json_text for r in fleet.rendered_dashboards}
        return [Artifact(f"x/{s.name}", mine.get(s.name, "none")) for s in services]

    names = ["shop-0", "shop-1", "shop-2", "shop-3", "shop-4"]
    fleet = _fleet(_specs(tmp_path, {n: _spec(n) for n in names}))
    fleet = dataclasses.replace(fleet, rendered_dashboards=(RenderedDashboard("shop-4", "board", "b.jsonnet", "{}"),))
    counting = _Counting(part)  # type: ignore[arg-type]
    out = _shared(fleet, counting)
    assert out == [a for s in fleet.services for a in part(fleet, [s], TargetOptions())]
    assert [a.content for a in out] == ["none", "none", "none", "none", "{}"]


def test_every_target_that_shares_reads_no_fleet_data_by_service_name_but_the_rendered_dashboards() -> None:
    # The proofs check one real name; data kept per service name elsewhere in the fleet would differ for
    # the others. Fleet (and so what a target can read) has these fields: a new one must be looked at here.
    # dashboard_warnings (round 46) is written by the standard dashboards' rendering and read by the reports only.
    fields = ["services", "platform", "receivers", "rendered_dashboards", "dashboard_warnings"]
    assert [f.name for f in dataclasses.fields(Fleet)] == fields
    assert {t.name for t in all_targets() if t.shares_shapes} == {"prometheus", "grafana", "runbooks"}


@settings(max_examples=200, deadline=None)
@given(st.lists(st.sampled_from("abcdefg"), max_size=120), st.integers(1, 4))
def test_pieces_hold_whole_teams_unless_a_team_is_larger_than_a_share(keys: list[str], count: int) -> None:
    pieces = workers.chunks_of_groups(keys, count)
    assert sorted(i for piece in pieces for i in piece) == list(range(len(keys)))  # each service once
    share = max(1, -(-len(keys) // (count * workers.CHUNKS_PER_WORKER if count > 1 else 1)))
    assert all(0 < len(piece) <= share for piece in pieces)
    for key in set(keys):
        holding = [p for p, piece in enumerate(pieces) if any(keys[i] == key for i in piece)]
        assert len(holding) <= -(-keys.count(key) // share) + 1  # a team is cut only where it must be


def test_a_fleet_without_repeats_generates_each_service_once(tmp_path: Path) -> None:
    fleet = _fleet(write_fleet(tmp_path, services=6, rich=True, distinct=True))
    part = _Counting()
    assert _shared(fleet, part) == prometheus.service_artifacts(fleet, fleet.services, TargetOptions())
    assert part.asked == [s.name for s in fleet.services]  # no proofs, no tokens


def test_numbers_equal_in_value_but_written_apart_are_not_one_shape(tmp_path: Path) -> None:
    # Decimal("0.300") == Decimal("0.3") and 0.0 == -0.0: a key comparing values would give a service the
    # text of another that writes the number another way (a latency threshold is matched to `le` as written).
    fleet = _fleet(_specs(tmp_path, {"shop-0": _spec("shop-0")}))
    service = fleet.services[0]
    slo = service.slos[0]
    for a, b in ((Decimal("99.9"), Decimal("99.90")), (0.0, -0.0), (1, 1.0), (1, True)):
        one = dataclasses.replace(service, slos=(dataclasses.replace(slo, objective=a),))
        other = dataclasses.replace(service, slos=(dataclasses.replace(slo, objective=b),))
        assert shapes.shape_key(one) != shapes.shape_key(other), (a, b)


def _fleet_of(tmp_path: Path, spec: str, names: Sequence[str]) -> Fleet:
    return _fleet(_specs(tmp_path, {n: spec.replace("NAME", n) for n in names}))


CANARY = """\
apiVersion: obsc/v1
service: NAME
team: shop
selector: {namespace: prod}
metrics:
  requests: http_requests_total{job=~"NAME|NAME-v2",job!~".*-canary"}
  errors: http_requests_total{job=~"NAME|NAME-v2",job!~".*-canary",code=~"5.."}
slos:
  - {name: availability, objective: 99.9, sli: {errors: errors, total: requests}}
"""

DELIVERIES = """\
apiVersion: obsc/v1
service: NAME
team: shop
selector: {job: NAME}
metrics:
  disk: 1 - sum(node_filesystem_avail_bytes{$selector}) / sum(node_filesystem_size_bytes{$selector})
  failed: {selector: 'deliveries{outcome="error"}', type: counter}
threshold_alerts:
  - {name: DeliveriesFailing, metric: failed, above: 1, for: 1h}
"""


DELIVERIES_BY_NAME = DELIVERIES.replace(
    "node_filesystem_avail_bytes{$selector}", '{__name__="free",$selector,mountpoint="/data"}'
).replace("for: 1h", "for: 2h")


@pytest.mark.parametrize(
    ("spec", "names"),
    [
        # A label matched against the name and against a pattern: the tests' series are made for each name
        # and the canary's `job="shop-canary"` can never pass `job!~".*-canary"` (its `-v2` job can: a selector
        # no job passes is refused).
        (CANARY, ["shop-1", "shop-2", "shop-3", "shop-canary"]),
        # A word of the name that is also a series name: which test cases may run side by side was read
        # from every word of the rules, the name's included.
        (DELIVERIES, ["svc-1", "svc-2", "svc-3", "svc-deliveries"]),
        # The same through a rule that reads a series by `__name__` (its strings were kept whole).
        (DELIVERIES_BY_NAME, ["svc-1", "svc-2", "svc-3", "svc-deliveries"]),
        # A name that is a PromQL word (`or`, `unless`) inside the rules' strings.
        (_spec("NAME"), ["shop-1", "shop-2", "svc-or", "unless-me", "by", "without"]),
    ],
    ids=["regex-on-the-name", "word-of-the-name", "word-beside-name-matcher", "promql-words"],
)
def test_a_name_whose_content_the_targets_read_gets_its_own_files(
    spec: str, names: list[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    fleet = _fleet_of(tmp_path, spec, names)
    for fmt in ("prometheus", "vmalert"):
        assert _files(fleet, True, monkeypatch, fmt) == _files(fleet, False, monkeypatch, fmt)


def test_a_name_equal_to_a_word_the_files_hold_gets_its_own_files(tmp_path: Path) -> None:
    # A target that tells the name apart from a value it writes anyway (the tests' series of "another
    # service"): renaming the shape's files would give that service the others' answer.
    def part(fleet: Fleet, services: Sequence[Service], options: TargetOptions) -> list[Artifact]:
        return [Artifact(f"x/{s.name}", f"other: obsc-x\n{s.name}: {s.name == 'obsc-x'}\n") for s in services]

    fleet = _fleet(_specs(tmp_path, {n: _spec(n) for n in ["shop-1", "shop-2", "shop-3", "obsc-x"]}))
    fleet = dataclasses.replace(fleet, services=tuple(sorted(fleet.services, key=lambda s: s.name != "obsc-x")[::-1]))
    counting = _Counting(part)  # type: ignore[arg-type]
    assert _shared(fleet, counting) == [a for s in fleet.services for a in part(fleet, [s], TargetOptions())]
