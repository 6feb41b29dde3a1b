"""Specs of one shape share their build (compiler/model/shared_builds.py).

The oracle is a build per spec (OBSC_SHARE_BUILDS=0): every fleet here loads to the same model (value by value,
types and spellings of numbers included), the same notes and the same located errors with sharing on, including
fleets built to trip a renaming (names that are words of metric names, label values in PromQL, names holding
each other and their team, the tokens, names in descriptions, URLs, labels and regexes, a label matched against
the name and something else, located warnings, one member of a shape in error). And sharing does happen where it
should, or the benchmark's figure would quietly fall back to a build per spec.
"""

from __future__ import annotations

import re
import shutil
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from compiler import api
from compiler.errors import InputError
from compiler.model import build, shared_builds
from compiler.spec.document import Document
from tests.bench.fleet import RICH_SERVICE, platform_text, write_fleet
from tests.conftest import ROOT

GOLDEN = ROOT / "tests" / "golden"
CASES = sorted([*(p / "specs" for p in GOLDEN.iterdir() if (p / "specs").is_dir()), ROOT / "examples"])


def _load(specs: Path, share: bool, monkeypatch: pytest.MonkeyPatch, jobs: int = 1) -> Any:
    """The model, receivers and notes a build makes, or its located errors."""
    monkeypatch.setenv("OBSC_SHARE_BUILDS", "1" if share else "0")
    try:
        fleet, notes = api.load_fleet([str(specs)], api.CompileOptions(jobs=jobs), {})
    except InputError as exc:
        return [str(d) for d in exc.diagnostics]
    return fleet.services, fleet.receivers, repr(fleet.platform), notes


def _same_either_way(specs: Path, monkeypatch: pytest.MonkeyPatch, jobs: int = 1) -> Any:
    shared = _load(specs, True, monkeypatch, jobs)
    assert shared_builds.same(shared, _load(specs, False, monkeypatch, 1)), specs
    return shared


def _with_clones(source: Path, into: Path, clones: int = 5) -> Path:
    """`source`'s specs and, for each YAML spec, `clones` copies under other names (the name replaced wherever
    it stands as a word): shapes of five or more, so each is proven and renamed."""
    shutil.copytree(source, into)
    for path in sorted(into.glob("*.yaml")):
        text = path.read_text()
        found = re.search(r"^service: *\"?([a-z0-9-]+)", text, re.M)
        if found is None:
            continue
        name = found.group(1)
        for i in range(clones):
            clone = f"{name}-c{i}" + "x" * i
            renamed = re.sub(rf"(?<![\w-]){re.escape(name)}(?![\w-])", clone, text)
            (into / f"{clone}.yaml").write_text(renamed)
    return into


@pytest.mark.parametrize("specs", CASES, ids=lambda p: p.parent.name if p.name == "specs" else p.name)
def test_every_golden_fleet_with_clones_builds_the_same_model(
    specs: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _same_either_way(_with_clones(specs, tmp_path / "specs"), monkeypatch)


def _write(root: Path, name: str, team: str, text: str = RICH_SERVICE, extra: str = "") -> None:
    spec = text.format(name=name, team="X").replace("team: team-X", f"team: {team}") + extra
    (root / f"{name}.yaml").write_text(spec)


def _hostile(root: Path, error: bool = False) -> Path:
    """Groups of names that a renaming could get wrong (see the module)."""
    root.mkdir(parents=True)
    (root / "platform.yaml").write_text(platform_text(rich=True))
    for name in ["http", "requests", "jobs", "total", "latency", "errors", "availability", "outcome", "disk"]:
        _write(root, name, "team-a")  # words of metric names, SLO names and metric keys
    for name in ["failed", "passed", "ok", "done", "skipped"]:  # a label value in PromQL
        _write(root, name, "team-b", RICH_SERVICE.replace('outcome="failed"', 'outcome="{name}"'))
    for name in ["svc", "svc-1", "svc-10", "svc-100", "svc-1000", "team-1", "team-10"]:  # holding each other
        _write(root, name, "team-1" if name != "team-1" else "team-10")
    for i in range(5):  # in a description, a link, a label value
        name = f"web-{i}" + "x" * i
        text = f'description: "{name} serves {name}"\nlinks: {{dash: "https://g.example/d/{name}?x={name}"}}\n'
        _write(root, name, "team-a", extra=text + f"labels: {{owner: {name}}}\n")
    for i in range(5):  # the selector's label matched against the name and something else
        _write(root, f"canary-{i}", "team-b", RICH_SERVICE.replace('code=~"5.."', 'code=~"5..",job!="canary"'))
    for i in range(5):  # the name inside a regex
        _write(root, f"rx-{i}", "team-b", RICH_SERVICE.replace('code=~"5.."', 'code=~"5..",instance=~"{name}.*"'))
    for name in [*shared_builds.NAME_TOKENS, *shared_builds.TEAM_TOKENS, "team-b-api", "on-call"]:
        _write(root, name, "team-b")
    for i in range(6):  # located warnings (a second selector label), names of many lengths, two teams
        block = RICH_SERVICE.replace("selector: {{job: {name}}}", "selector:\n  env: prod\n  job: {name}")
        _write(root, "w" * (i + 1) + f"-{i}", f"team-w{i % 2}", block)
    for i in range(6):  # one member in error: its own file:line:col
        _write(
            root,
            f"err-{i}",
            "team-e",
            RICH_SERVICE.replace("objective: 99.5", "objective: 150") if error and i == 4 else RICH_SERVICE,
        )
    return root


class _Builds:
    """Counts the specs built (build.build_service), by service name."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.names: list[str] = []
        real = build.build_service

        def counted(doc: Document, *args: Any, **kwargs: Any) -> Any:
            self.names.append(str(doc.data.get("service")))
            return real(doc, *args, **kwargs)

        monkeypatch.setattr(build, "build_service", counted)


@pytest.mark.parametrize("jobs", [1, 2])
def test_a_hostile_fleet_builds_the_same_model_and_shares_only_where_safe(
    jobs: int, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    specs = _hostile(tmp_path / "specs")
    builds = _Builds(monkeypatch)
    services = _load(specs, True, monkeypatch, jobs)[0]
    built = list(builds.names)
    assert shared_builds.same(services, _load(specs, False, monkeypatch)[0])
    if jobs == 1:
        for name in ["http", "jobs", "latency", "canary-3", "rx-3", shared_builds.NAME_TOKENS[0], "team-b-api"]:
            assert name in built  # unsafe to rename (or a shape too small): built for real
        for name in ["passed", "web-3xxx", "wwww-3", "err-3"]:
            assert name not in built  # renamed from its shape's proven build
        warned = [d for s in services if s.name.startswith("w") for d in s.targets_guess]
        assert {d.location.file.rsplit("/", 1)[-1] for d in warned} >= {f"{'w' * (i + 1)}-{i}.yaml" for i in range(6)}


def test_an_error_in_one_member_of_a_shape_is_located_in_its_own_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    errors = _same_either_way(_hostile(tmp_path / "specs", error=True), monkeypatch)
    assert [e.split(" ", 1)[0].rsplit("/", 1)[-1] for e in errors] == ["err-4.yaml:15:16"]


def test_a_template_fleet_is_built_once_per_shape_and_piece(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Twelve specs in twelve teams are one shape (the team is a token where the platform never names it): built
    once for real and twice under tokens, the rest renamed."""
    specs = write_fleet(tmp_path, services=12, teams=12, rich=True)
    builds = _Builds(monkeypatch)
    _load(specs, True, monkeypatch)
    assert len(builds.names) == 3
    assert builds.names[0] == "svc-0000"


def test_a_fleet_without_repeats_builds_each_spec_once(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    specs = write_fleet(tmp_path, services=8, rich=True, distinct=True)
    builds = _Builds(monkeypatch)
    _load(specs, True, monkeypatch)
    assert sorted(builds.names) == [f"svc-{i:04d}" for i in range(8)]


def _key(text: str, platform: str = "") -> object:
    doc = Document("/specs/x.yaml", __import__("yaml").safe_load(text))
    shared = shared_builds.SharedBuilds(lambda d: ([], None, []), platform)
    shared.plan([doc])
    return shared._keys[id(doc)]


SPEC = "service: shop\nteam: web\nselector: {job: shop}\nmetrics: {requests: 'http_requests_total{job=\"shop\"}'}\n"


@pytest.mark.parametrize(
    "text",
    [
        SPEC.replace("requests:", "shop:"),  # the name as a key
        SPEC.replace('job="shop"', 'job=~"shop.*"'),  # inside a regex
        SPEC.replace('job="shop"', 'job="shop",job!="canary"'),  # a label matched against more
        SPEC.replace('job="shop"', "job=~`shop.*`"),  # inside a regex in backquotes
        SPEC.replace('job="shop"', 'job="shop",job!~`c.*`'),  # a label matched against more, in backquotes
        SPEC.replace("http_requests_total", "shop_requests_total"),  # part of a word
        SPEC.replace("http_requests_total", "http-shop-total"),  # part of a word
        SPEC.replace("team: web", "team: shop-team"),  # the team holds the name
        SPEC.replace("http_requests_total", shared_builds.NAME_TOKENS[0]),  # a token in the spec
        SPEC.replace("team: web", "team: a0"),  # a team inside a token
    ],
)
def test_a_name_where_renaming_could_change_the_meaning_has_no_shape(text: str) -> None:
    assert _key(SPEC) is not None
    assert _key(text) is None


def test_a_name_the_platform_mentions_has_no_shape_and_a_team_it_mentions_is_kept() -> None:
    assert _key(SPEC, platform="teams\nweb\nshop") is None
    assert _key(SPEC, platform='up{job!~"s.*"}') is None  # the name's label matched against a pattern
    assert _key(SPEC, platform='up{code!~"s.*"}') is not None
    named = _key(SPEC, platform="teams\nweb")
    assert named is not None and named[1].names == ("shop",)
    assert _key(SPEC)[1].names == ("shop", "web")  # type: ignore[index]


def test_renaming_more_specs_of_a_shape_asks_for_no_field_lists(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A renamed spec's walk knows each model class's fields once (issue 15: `dataclasses.fields` builds its answer
    anew at each call, ~40,000 calls for the bench fleet): six more specs of the proven shape ask for none."""
    asked: list[str] = []
    fields = shared_builds.dataclasses.fields
    monkeypatch.setattr(shared_builds.dataclasses, "fields", lambda of: (asked.append("fields"), fields(of))[1])
    counts = []
    for services in (6, 6, 12):  # the first load meets each class for the first time
        asked.clear()
        _load(write_fleet(tmp_path / str(len(counts)), services=services, teams=1, rich=True), True, monkeypatch)
        counts.append(Counter(asked))
    assert counts[2] == counts[1]  # the same proof, six more specs renamed
    assert counts[1]["fields"] > 0  # (the proof compares models field by field: the count does see the walk)
