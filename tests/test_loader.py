"""Loader: positions, YAML features, limits, Jsonnet evaluation and confinement."""

from __future__ import annotations

from pathlib import Path

import pytest

from compiler.errors import InputError
from compiler.spec.loader import MAX_NODES, JsonnetOptions, discover, load_file, load_yaml_text


def test_positions_of_keys_and_values() -> None:
    doc = load_yaml_text("s.yaml", "a: 1\nslos:\n  - name: x\n    objective: 99\n")[0]
    assert str(doc.locate(("slos", 0, "objective"))) == "s.yaml:4:16"
    assert str(doc.locate(("slos", 0, "objective"), key=True)) == "s.yaml:4:5"
    assert str(doc.locate(("slos", 0, "missing"))) == "s.yaml:3:5"  # nearest located ancestor


def test_merge_keys_override_without_a_duplicate_error() -> None:
    doc = load_yaml_text("s.yaml", "base: &b {x: 1, y: 2}\nm:\n  <<: *b\n  y: 3\n")[0]
    assert doc.data["m"] == {"x": 1, "y": 3}
    assert str(doc.locate(("m", "y"))) == "s.yaml:4:6"


def test_list_merge_keys_follow_the_yaml_merge_spec_whatever_the_pyyaml_version() -> None:
    # PyYAML 6.0.4 (yaml/pyyaml#953) let the later mapping win, and only for keys longer than one character.
    text = (
        "a: &a {t: one, tier: one}\nb: &b {t: two, tier: two, extra: b}\n"
        "l: {<<: [*a, *b]}\n"
        "slos:\n  - &s {objective: 99.9, name: availability}\n  - <<: [*s, {objective: 90}]\n    name: avail4\n"
        "nested: {<<: {<<: *a, t: inner}, tier: own}\n"
    )
    data = load_yaml_text("s.yaml", text)[0].data
    assert data["l"] == {"t": "one", "tier": "one", "extra": "b"}  # the earlier mapping wins, every key
    assert data["slos"][1] == {"objective": 99.9, "name": "avail4"}
    assert data["nested"] == {"t": "inner", "tier": "own"}


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("m: {<<: [{x: 1}, 3]}\n", r"s.yaml:1:18 \$: .*expected a sequence of mappings, found scalar"),
        ("m: {<<: 3}\n", r"s.yaml:1:9 \$: .*expected a mapping, found scalar"),
        ("m: {<<: {}, <<: {x: 2}}\n", r"s.yaml:1:13 \$: .*a second merge key"),
    ],
)
def test_merge_keys_that_merge_nothing_sound_are_located_errors(text: str, message: str) -> None:
    with pytest.raises(InputError, match=message):
        load_yaml_text("s.yaml", text)


def test_duplicate_keys_are_errors() -> None:
    with pytest.raises(InputError, match=r"s.yaml:2:1 \$.a: duplicate key \(first defined on line 1\)"):
        load_yaml_text("s.yaml", "a: 1\na: 2\n")


def test_non_string_keys_are_errors() -> None:
    with pytest.raises(InputError, match=r"key on is read as true, not text: quote it \('on':\)"):
        load_yaml_text("s.yaml", "alerts:\n  on: 1\n")


def test_multi_document_files_and_empty_documents() -> None:
    docs = load_yaml_text("s.yaml", "---\na: 1\n---\n---\nb: 2\n")
    assert [d.data for d in docs] == [{"a": 1}, {"b": 2}]


def test_alias_bomb_is_refused_quickly() -> None:
    lines = ['a: &a ["x","x","x","x","x","x","x","x","x","x"]']
    for i in range(1, 9):
        prev = chr(ord("a") + i - 1)
        lines.append(f"{chr(ord('a') + i)}: &{chr(ord('a') + i)} [" + ",".join([f"*{prev}"] * 10) + "]")
    with pytest.raises(InputError, match=f"more than {MAX_NODES:,} nodes"):
        load_yaml_text("bomb.yaml", "\n".join(lines))


def test_recursive_alias_is_refused() -> None:
    with pytest.raises(InputError):
        load_yaml_text("r.yaml", "a: &a [*a]\n")


@pytest.mark.parametrize(
    ("literal", "shown"),
    [
        ("1" + "0" * 5000, "100000000000...: an integer of 5,001 characters"),  # Python's 4,300-digit limit
        ("-2" + "0" * 309, "-20000000000... is too large"),
    ],
)
def test_integers_beyond_the_largest_float_are_located_errors(literal: str, shown: str) -> None:
    with pytest.raises(InputError) as caught:
        load_yaml_text("s.yaml", f"a: 1\nslos:\n  - {{min_bad_events: {literal}}}\n")
    (problem,) = caught.value.diagnostics
    assert str(problem).startswith(f"s.yaml:3:22 $.slos[0].min_bad_events: {shown}")
    assert "stay below 1.8e308" in problem.message


def test_integers_up_to_the_largest_float_load() -> None:
    largest = int(1.7e308)
    assert load_yaml_text("s.yaml", f"a: {largest}\nb: -{largest}\nc: 1_000\n")[0].data == {
        "a": largest,
        "b": -largest,
        "c": 1000,
    }


@pytest.mark.parametrize(
    "literal",
    [
        "1:39",  # base 60: 99
        "1:30.5",  # a base-60 float: 90.5
        "0143",  # octal: 99
        "0x63",  # hex: 99
        "0b1100011",  # binary: 99
        "0x" + "f" * 5000,  # was converted, then unprintable in a message
        ":".join(["59"] * 3000),  # was converted in quadratic time
    ],
)
def test_yaml_1_1_numbers_in_other_bases_stay_the_text_written(literal: str) -> None:
    """Found by the round 20 user hunt: `objective: 1:39` loaded as 99 and passed; `period: 1:30` read "90 has
    no unit. Did you mean 90d?". Kept as text, the schema names what was written."""
    assert load_yaml_text("s.yaml", f"a: {literal}\n")[0].data == {"a": literal}


def test_timestamps_stay_text() -> None:
    assert load_yaml_text("s.yaml", "d: 2024-01-01\n")[0].data == {"d": "2024-01-01"}


def test_discover_splits_platform_and_specs_and_skips_hidden_and_jsonnet_libraries(tmp_path: Path) -> None:
    for rel in ("a.yaml", "b.jsonnet", "platform.yaml", "lib/x.jsonnet", "lib/g/y.jsonnet", ".hidden/c.yaml", "n.txt"):
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / rel).write_text("{}")
    skipped: list[str] = []
    specs, platforms, problems = discover([str(tmp_path)], skipped)
    assert [Path(s).name for s in specs] == ["a.yaml", "b.jsonnet"]
    assert [Path(p).name for p in platforms] == ["platform.yaml"]
    assert problems == []
    assert sorted(Path(s).relative_to(tmp_path).as_posix() for s in skipped) == ["lib/g/y.jsonnet", "lib/x.jsonnet"]


def test_yaml_specs_in_a_lib_folder_and_upper_case_suffixes_are_read(tmp_path: Path) -> None:
    # A folder renamed to lib/ deleted its services' output without a word; AUTH.YAML was never read.
    for rel in ("payments/lib/ledger.yaml", "lib/x.yml", "AUTH.YAML", "b.Yml", "c.JSONNET"):
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / rel).write_text("{}")
    specs, _, problems = discover([str(tmp_path)])
    assert sorted(Path(s).relative_to(tmp_path).as_posix() for s in specs) == [
        "AUTH.YAML",
        "b.Yml",
        "c.JSONNET",
        "lib/x.yml",
        "payments/lib/ledger.yaml",
    ]
    assert problems == []


def test_symlinked_folders_are_followed_inside_and_reported_outside_or_looping(tmp_path: Path) -> None:
    specs_dir, outside = tmp_path / "specs", tmp_path / "team-x"
    (specs_dir / "sub").mkdir(parents=True)
    outside.mkdir()
    (specs_dir / "sub" / "a.yaml").write_text("{}")
    (outside / "secret.yaml").write_text("{}")
    (specs_dir / "sublink").symlink_to("sub")
    (specs_dir / "team-x").symlink_to(outside)
    (specs_dir / "sub" / "up").symlink_to("..")
    specs, _, problems = discover([str(specs_dir)])
    assert sorted(Path(s).relative_to(specs_dir).as_posix() for s in specs) == ["sub/a.yaml"]  # read once (round 52)
    assert sorted(str(d) for d in problems) == [
        f"{specs_dir}/sub/up $: is a symlink to a folder that contains it (a loop); not read",
        f"{specs_dir}/sublink/a.yaml $: is {specs_dir}/sub/a.yaml again, reached through a symlink: a file is read "
        "once, at that path; not read here",
        f"{specs_dir}/sublink/up $: is a symlink to a folder that contains it (a loop); not read",
        f"{specs_dir}/team-x $: is a symlink to a folder outside {specs_dir}; not read",
    ]


def test_a_jsonnet_spec_with_an_upper_case_suffix_is_evaluated(tmp_path: Path) -> None:
    (tmp_path / "a.JSONNET").write_text("local n = 'a'; { service: n }")
    assert load_file(str(tmp_path / "a.JSONNET"), JsonnetOptions())[0].data == {"service": "a"}


def test_jsonnet_imports_from_the_library_path(tmp_path: Path) -> None:
    lib = tmp_path / "vendor"
    lib.mkdir()
    (lib / "svc.libsonnet").write_text("{ make(n):: { service: n } }")
    spec = tmp_path / "specs" / "a.jsonnet"
    spec.parent.mkdir()
    spec.write_text("(import 'svc.libsonnet').make('a')")
    doc = load_file(str(spec), JsonnetOptions((str(lib),)))[0]
    assert doc.data == {"service": "a"}


def test_jsonnet_import_outside_the_allowed_paths_is_refused(tmp_path: Path) -> None:
    (tmp_path / "secret.libsonnet").write_text("{ token: 'x' }")
    spec = tmp_path / "specs" / "a.jsonnet"
    spec.parent.mkdir()
    spec.write_text("import '../secret.libsonnet'")
    with pytest.raises(InputError, match="escapes the allowed library paths"):
        load_file(str(spec), JsonnetOptions())


def test_jsonnet_symlink_escape_is_refused(tmp_path: Path) -> None:
    (tmp_path / "secret.libsonnet").write_text("{ token: 'x' }")
    spec_dir = tmp_path / "specs"
    spec_dir.mkdir()
    (spec_dir / "link.libsonnet").symlink_to(tmp_path / "secret.libsonnet")
    (spec_dir / "a.jsonnet").write_text("import 'link.libsonnet'")
    with pytest.raises(InputError, match="escapes"):
        load_file(str(spec_dir / "a.jsonnet"), JsonnetOptions())


def test_jsonnet_keys_point_at_the_first_place_the_source_names_them(tmp_path: Path) -> None:
    # Jsonnet output has no positions: a key is placed where the source first writes `key:`, `'key':` or
    # `"key":` (found from one index of the source; searching it once per key took hours for 100k keys).
    spec = tmp_path / "a.jsonnet"
    spec.write_text(
        "// xslos: a word that ends in a key does not name it\n"
        "local m = { 'reqs': 'a', \"errs\": 'b' };\n"
        '{ slos: [], metrics: m + std.parseJson(\'{"ne\' + \'w": "c", "lit": "d"}\') + { errs+: \'x\' } }\n'
    )
    (doc,) = load_file(str(spec), JsonnetOptions())
    assert doc.key_marks == {
        ("slos",): (3, 3),
        ("metrics",): (3, 13),
        ("metrics", "reqs"): (2, 13),
        ("metrics", "errs"): (3, 77),  # `errs+:` inside `metrics:` (round 29: a merge names its key too)
        ("metrics", "lit"): (3, 59),  # inside a string, but written as a key: good enough
    }  # `new` is named nowhere: its problems point at `metrics`
    assert doc.value_marks == doc.key_marks
    assert str(doc.locate(("metrics", "new"))) == f"{spec}:3:13"


def test_jsonnet_errors_are_located(tmp_path: Path) -> None:
    spec = tmp_path / "a.jsonnet"
    spec.write_text("{\n  a: 1,\n  b: error 'no b for you',\n}\n")
    with pytest.raises(InputError) as info:
        load_file(str(spec), JsonnetOptions())
    (diagnostic,) = info.value.diagnostics
    assert diagnostic.location.line == 3
    assert "no b for you" in diagnostic.message


def test_jsonnet_file_names_are_the_same_from_any_working_directory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`std.thisFile` named the file as the command line spelled it (`specs/web.jsonnet`, `repo/specs/...`), and
    a library's by its absolute path: a spec that quotes it compiled to other bytes from another directory, and
    `obsc check` reported drift on identical specs. Jsonnet now sees each file relative to the spec's folder."""
    (tmp_path / "repo" / "specs").mkdir(parents=True)
    (tmp_path / "repo" / "libs").mkdir()
    (tmp_path / "repo" / "libs" / "where.libsonnet").write_text("{ file: std.thisFile }")
    spec = tmp_path / "repo" / "specs" / "web.jsonnet"
    spec.write_text('local lib = import "where.libsonnet"; { spec: std.thisFile, lib: lib.file }')
    seen = []
    for cwd, path, lib in [
        (tmp_path / "repo", "specs/web.jsonnet", "libs"),
        (tmp_path, "repo/specs/./web.jsonnet", str(tmp_path / "repo" / "libs")),
        (tmp_path / "repo" / "specs", "web.jsonnet", "../libs"),
    ]:
        monkeypatch.chdir(cwd)
        seen.append(load_file(path, JsonnetOptions((lib,)))[0].data)
    assert seen == [{"spec": "web.jsonnet", "lib": "../libs/where.libsonnet"}] * 3
