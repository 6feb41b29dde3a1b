"""The proof a shape's build must pass before it is renamed (compiler/model/shared_builds.py) decides.

The eligibility checks turn away every name the real build is known to read as more than a word, so on the suite's
fleets the proof never refused: removing it passed every test. Here a build that reads the name's length or sort
order (what the proof is the net for) is refused by it, and a shape's specs in two folders are two shapes.
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from pathlib import Path

import pytest
import yaml

from compiler.model import shared_builds
from compiler.model.types import Service
from compiler.spec.document import Document
from tests.test_shared_builds import _same_either_way

SPEC = "service: {name}\nteam: web\nselector: {{job: {name}}}\n"


def _service(name: str, description: str) -> Service:
    return Service(name, "web", description, (), (), (), (), (), (), ())


def _shared(names: list[str], build: Callable[[Document], Service]) -> tuple[list[Service], list[Service], int]:
    """Each spec's service with sharing on, each built on its own, and how many were renamed."""
    docs = [Document(f"/specs/{n}.yaml", yaml.safe_load(SPEC.format(name=n))) for n in names]
    shared = shared_builds.SharedBuilds(lambda doc: ([], build(doc), []), "")
    shared.plan(docs)
    on = [shared(doc)[1] for doc in docs]
    return on, [build(doc) for doc in docs], shared.renamed  # type: ignore[return-value]


def _truncating(doc: Document) -> Service:  # a title cut at 12 characters: the long token is cut, a short name not
    return _service(doc.data["service"], f"{doc.data['service'][:12]} dashboard")


def _sorting(doc: Document) -> Service:  # the name's place in sort order against a word the spec does not hold
    return _service(doc.data["service"], "before" if doc.data["service"] < "m" else "after")


@pytest.mark.parametrize("build", [_truncating, _sorting], ids=["length", "order"])
def test_a_build_that_reads_the_name_beyond_its_words_is_never_renamed(build: Callable[[Document], Service]) -> None:
    names = ["shop", "cart", "pay", "search", "recommendations-api"]  # all eligible: one shape
    on, alone, renamed = _shared(names, build)
    assert renamed == 0
    assert all(shared_builds.same(a, b) for a, b in zip(on, alone, strict=True))


def test_a_build_that_reads_the_name_only_as_a_word_is_renamed() -> None:
    """The same fleet with a build that only copies the name: the proof holds and the later specs are renamed,
    so the refusals above are the proof's, not the eligibility checks'."""
    on, alone, renamed = _shared(["shop", "cart", "pay", "search", "recommendations-api"], _copying)
    assert renamed == 4
    assert all(shared_builds.same(a, b) for a, b in zip(on, alone, strict=True))


def _copying(doc: Document) -> Service:
    return _service(doc.data["service"], f"{doc.data['service']} dashboard")


PLATFORM = """\
apiVersion: obsc/v1
kind: Platform
secrets: {team_spec_dir: "{team}/"}
teams:
  web:
    routing:
      critical: {webhook: {url: "http://127.0.0.1:9/critical"}}
      warning: {webhook: {url: "http://127.0.0.1:9/warning"}}
      info: {webhook: {url: "http://127.0.0.1:9/info"}}
"""

SERVICE = """\
apiVersion: obsc/v1
service: {name}
team: web
selector: {{job: {name}}}
metrics:
  requests: http_requests_total
  errors: http_requests_total{{code=~"5.."}}
slos:
  - {{name: availability, objective: 99.9, sli: {{errors: errors, total: requests}}}}
"""


def test_one_shape_in_two_folders_is_two_shapes(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Specs alike but for their name, in the team's folder and in another: only the team's folder may say
    `team: web` (secrets.team_spec_dir), so the others are located errors, not renamed from the first."""
    specs = tmp_path / "specs"
    for folder, names in (("web", ["shop"]), ("wrong", ["cart", "pay", "search"])):
        (specs / folder).mkdir(parents=True)
        for name in names:
            (specs / folder / f"{name}.yaml").write_text(SERVICE.format(name=name))
    (specs / "platform.yaml").write_text(PLATFORM)
    errors = _same_either_way(specs, monkeypatch)
    assert [e.split(":", 1)[0].rsplit("/", 2)[-2:] for e in errors] == [
        ["wrong", f"{n}.yaml"] for n in ("cart", "pay", "search")
    ]


REFUSING = "app_build_info{job!~Qs.*Q}"  # refuses the service `shop`, not `alpha` nor either token


@pytest.mark.parametrize(
    ("where", "quote"),
    [("platform", '"'), ("platform", "`"), ("spec", "'"), ("spec", "`")],
)
def test_a_regex_the_name_is_matched_against_keeps_its_refusal(
    where: str, quote: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`job!~"s.*"` beside `job: shop` is an error, beside `job: alpha` none, and the proof's tokens pass it too:
    only the eligibility checks can see it. They read double quotes in the spec alone, so a platform default
    reading it, or a spec writing it in PromQL's other quotes, had `shop` renamed from `alpha`, its error lost."""
    specs = tmp_path / "specs"
    specs.mkdir()
    metric = REFUSING.replace("Q", quote)
    platform = PLATFORM.replace('secrets: {team_spec_dir: "{team}/"}\n', "")
    if where == "platform":
        platform = platform.replace("teams:\n", f"defaults:\n  metrics:\n    build_info: '{metric}'\nteams:\n")
    (specs / "platform.yaml").write_text(platform)
    own = f"  build_info: {metric!r}\n" if where == "spec" else ""
    for name in ["alpha", "beta", "gamma", "delta", "shop"]:
        (specs / f"{name}.yaml").write_text(SERVICE.format(name=name).replace("metrics:\n", "metrics:\n" + own))
    errors = _same_either_way(specs, monkeypatch)
    assert [e.split(":", 1)[0].rsplit("/", 1)[-1] for e in errors] == [
        f"{where}.yaml" if where == "platform" else "shop.yaml"
    ]
    assert 'refuses job="shop"' in errors[0]


def test_same_tells_spellings_of_a_number_apart() -> None:
    """The proof and every sharing test's oracle compare by `same`: a 0.30 rendered as 0.3 (or -0 as 0) is a
    change of output, which `==` would miss."""
    assert shared_builds.same((Decimal("0.30"), 1.0), (Decimal("0.30"), 1.0))
    for left, right in ((Decimal("0.30"), Decimal("0.3")), (-0.0, 0.0), (1, 1.0), (True, 1)):
        assert left == right
        assert not shared_builds.same((left,), (right,))


def test_a_name_long_enough_to_take_the_labels_over_their_bound_is_refused_in_its_own_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The real build reads the name's length: the labels' 4,096-character bound (model/alert_text.py). Beside
    the name they hold 4,063 characters: names up to 28 characters pass, the second token (63) and a name of 40 do
    not, so the proof's second build refuses the shape and the long name keeps its error."""
    specs = tmp_path / "specs"
    specs.mkdir()
    (specs / "platform.yaml").write_text(PLATFORM.replace('secrets: {team_spec_dir: "{team}/"}\n', ""))
    labels = f"labels:\n  pad: {'x' * 4060}\n  owner: {{name}}\n"
    long = "e-" + "q" * 38
    for name in ["a-1", "b-2", "c-3", "d-4", long]:
        (specs / f"{name}.yaml").write_text((SERVICE + labels).format(name=name))
    errors = _same_either_way(specs, monkeypatch)
    assert [e.split(":", 1)[0].rsplit("/", 1)[-1] for e in errors] == [f"{long}.yaml"]
    assert "4,108 characters of labels" in errors[0]
