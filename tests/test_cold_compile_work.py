"""Work a cold compile of a fleet made from one template does once, not once per service (issue 15's 5 s).

Each test counts the work it is about on a small fleet, with the bytes checked against the way that did the
work every time: a renamed file written straight as bytes, a raw body's window-mean reading parsed once for the
fleet, shape keys kept as one object per shape, the `-v` notes worked out only for `-v`.
"""

from __future__ import annotations

import random
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import promql_parser
import pytest

from compiler import api
from compiler.model import window_mean
from compiler.output import direct
from compiler.output.bundle import Artifact, Ownership, finish
from compiler.targets import shapes
from tests.bench.fleet import write_fleet
from tests.cli_helpers import run_obsc

SERVICES = 6  # one team: one shape, proven (PROVE_FOR more services follow its first) and renamed for the rest


@pytest.fixture(scope="module")
def specs(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_fleet(tmp_path_factory.mktemp("fleet"), SERVICES, teams=1, rich=True)


def _counting(patch: pytest.MonkeyPatch, owner: Any, name: str) -> list[int]:
    calls: list[int] = []
    real: Callable[..., Any] = getattr(owner, name)

    def counted(*args: Any, **kwargs: Any) -> Any:
        calls.append(1)
        return real(*args, **kwargs)

    patch.setattr(owner, name, counted)
    return calls


def test_services_of_one_shape_hold_one_shape_key_object(specs: Path) -> None:
    # A key is hundreds of items: as a tuple per service it was hashed again at every lookup (five per service
    # and target) and compared item by item with the equal key of the shape's first service.
    fleet, _ = api.load_fleet([str(specs)], api.CompileOptions(jobs=1), {})
    keys = [shapes._cached_shape_key(s) for s in fleet.services]
    assert keys[0] is not None
    assert all(key is keys[0] for key in keys)


def test_a_raw_body_is_read_for_its_window_mean_once_per_fleet(specs: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    window_mean._surely_a_window_mean.cache_clear()
    window_mean.promql_tree.parse.cache_clear()  # the trees earlier tests made are kept (one parse per text)
    parses: list[str] = []

    class Counted:  # the parser as promql_tree sees it, counting every parse (window_mean's told by their window)
        def __getattr__(self, name: str) -> Any:
            return getattr(promql_parser, name)

        def parse(self, text: str) -> Any:
            parses.append(text)
            return promql_parser.parse(text)

    monkeypatch.setattr(window_mean.promql_tree, "pp", Counted())  # every tree is made there (round 43)
    api.load_fleet([str(specs)], api.CompileOptions(jobs=1), {})
    mine = [text for text in parses if f"[{window_mean._SENTINEL_SECONDS}s]" in text]  # its `$window` stand-in
    assert len(mine) == 2  # the errors and the total query of the rich fleet's raw SLI; was 2 per service


def test_a_body_that_is_no_window_mean_is_still_warned_in_every_service(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # The stand-in selector only says "surely nothing to warn of"; a culprit is found on each service's own text.
    specs = write_fleet(tmp_path, 3, teams=1, rich=True)
    for spec in specs.glob("svc-*.yaml"):
        summed = 'errors: sum(rate(jobs_total{$selector,outcome="failed"}[$window]))'
        counted = 'errors: count(rate(jobs_total{$selector,outcome="failed"}[$window]) > 0)'
        spec.write_text(spec.read_text().replace(summed, counted))
    result = run_obsc(capsys, "validate", str(specs))
    assert result.code == 0, result.err
    warned = [line for line in result.err.splitlines() if "$.slos[2].sli.raw.errors:" in line and "count()" in line]
    assert len(warned) == 3, result.err


def test_notes_are_worked_out_only_for_v(
    specs: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    explained = _counting(monkeypatch, api, "explain_skipped")
    quiet = run_obsc(capsys, "compile", str(specs), "--out", str(tmp_path / "a"), "--no-validate")
    assert quiet.code == 0 and explained == []
    verbose = run_obsc(capsys, "-v", "compile", str(specs), "--out", str(tmp_path / "b"), "--no-validate")
    assert verbose.code == 0 and len(explained) == SERVICES
    assert "svc-0000: " in verbose.err  # the notes are said at -v as before


def test_a_cold_compile_writes_renamed_files_without_making_their_text(
    specs: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("OBSC_JOBS", "1")
    made = _counting(monkeypatch, shapes._Text, "named")
    encoded = _counting(monkeypatch, shapes._Text, "encoded")
    out, full = tmp_path / "out", tmp_path / "full"
    assert run_obsc(capsys, "compile", str(specs), "--out", str(out), "--no-validate").code == 0
    cold, cold_bytes = len(made), len(encoded)
    files = sum(1 for p in out.rglob("*") if p.is_file())
    assert cold_bytes > files // 2  # most files are renamed, each written from its template's bytes
    # Again into the same output: planned against the files there as bytes (round 49), so no renamed file's text
    # is made either; the texts made are the same paths and proofs' texts as in the cold compile
    assert run_obsc(capsys, "compile", str(specs), "--out", str(out), "--no-validate").code == 0
    assert len(made) - cold == cold and len(encoded) - cold_bytes > files // 2
    monkeypatch.setenv("OBSC_SHARE_SHAPES", "0")  # every file generated as text: the same bytes
    assert run_obsc(capsys, "compile", str(specs), "--out", str(full), "--no-validate").code == 0
    for path in out.rglob("*"):
        if path.is_file():
            shared, alone = path.read_bytes(), (full / path.relative_to(out)).read_bytes()
            assert _REGENERATE.sub(b"", shared) == _REGENERATE.sub(b"", alone), path


_REGENERATE = re.compile(rb"Regenerate with: .*")  # (names --out, which differs here)


@pytest.mark.parametrize("ownership", list(Ownership))
def test_rendered_bytes_are_the_finished_texts_bytes(ownership: Ownership) -> None:
    text = shapes._Text.of(f"a {shapes._mark(0)} é {shapes._mark(1)}-x {shapes._mark(0)}\n")
    values = ("svc-1", "uid-1")
    rendered = Artifact.rendered("prometheus/rules/x.yaml", ownership, shapes._Named(text, values))
    plain = Artifact("prometheus/rules/x.yaml", text.named(values), ownership)
    assert direct.finished_bytes(rendered, "obsc compile") == direct.finished_bytes(plain, "obsc compile")
    assert finish(rendered, "obsc compile") == finish(plain, "obsc compile")


def test_a_text_that_does_not_encode_is_made_as_text() -> None:
    text = shapes._Text.of(f"a {shapes._mark(0)} \udcff\n")  # a lone surrogate: written as its byte, as before
    assert text.data is None
    rendered = Artifact.rendered("x.yaml", Ownership.GENERATED, shapes._Named(text, ("svc",)))
    assert rendered.encoded(b"") is None
    assert direct.finished_bytes(rendered, "c").endswith(b"a svc \xff\n")


def test_a_template_reads_each_distinct_line_once_for_its_words(monkeypatch: pytest.MonkeyPatch) -> None:
    # A shape's promtool tests repeat most of their lines (series, a case per window): the words a service
    # name must not equal were read from every text whole, most of a template's making (a rich shape: 495 KB
    # of text, 1,256 distinct lines in 7,917).
    real, read = shapes._WORD, []

    class Counted:
        def findall(self, text: str) -> list[str]:
            read.append(len(text))
            return real.findall(text)

    monkeypatch.setattr(shapes, "_WORD", Counted())
    line = f'  - series: up{{job="{shapes.FIRST_TOKEN}", stage="canary"}}\n    values: 1x60\n'
    files = [Artifact(f"prometheus/tests/{shapes.FIRST_TOKEN}-{i}.yaml", line * 200) for i in range(3)]
    template = shapes._Template.of(files, shapes.FIRST_TOKEN, ())
    assert template is not None and {"series", "up", "job", "stage", "canary", "values"} <= template.fixed
    assert sum(read) < sum(len(a.path) + len(a.content) for a in files) // 50  # was all of it


_ALPHABET = "ab-z09\n\r\t \u2028é" + shapes.FIRST_TOKEN


def test_a_templates_words_are_those_of_its_whole_texts() -> None:
    # The words of the distinct lines are the words of the texts (a word never spans a newline): checked
    # against the whole-text reading on texts of words, marks, carriage returns and other line breaks.
    rng = random.Random(45)
    for _ in range(300):
        texts = ["".join(rng.choice(_ALPHABET) for _ in range(rng.randrange(40))) for _ in range(4)]
        files = [Artifact(f"p/{i}", text) for i, text in enumerate(texts)]
        template = shapes._Template.of(files, shapes.FIRST_TOKEN, ())
        assert template is not None
        marked = [t.replace(shapes.FIRST_TOKEN, shapes._mark(0)) for a in files for t in (a.path, a.content)]
        assert template.fixed == frozenset(w for t in marked for w in shapes._WORD.findall(t)), texts
