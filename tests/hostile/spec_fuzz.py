"""A structure-aware fuzzer of spec and platform files: a valid spec set (examples/, specs/) with one field
changed to what a hostile or careless contributor writes (PromQL nested past any walk, 10 MB strings, `1e400`,
`.nan`, aliases, deep flow nesting, control and invisible characters, `99999999999d`, Jsonnet that would never
end), or one file spoiled as a whole (a byte order mark, tabs, a byte that is no UTF-8, cut in half).

A mutation is (set, file, path of one field, value); `mutations(seed, count)` draws them reproducibly. The value
is raw file text put where the field's value was, so YAML-level forms (`&a`, `!!binary`, `[[[[`) reach the
loader as written. What must hold for each (tests/hostile/test_input_fuzz.py): exit 0, or exit 2 with a
located message (`file:line:col $.path: ...`) and nothing written; never an internal error (70) or a traceback.
`make fuzz FUZZ_MUTATIONS=2000` runs more of them than the suite does; `make fuzz FUZZ_SWEEP=1` every value in
every field where PromQL goes (~2,000).
"""

from __future__ import annotations

import json
import random
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from tests.conftest import ROOT

SETS = ("examples", "specs")
SENTINEL = "fuzzsentinel43"  # a plain scalar: YAML writes it unquoted


def _deep(opened: str, inner: str, closed: str, depth: int) -> str:
    return opened * depth + inner + closed * depth


# Raw values for any field: (name, YAML text). `{orig}` is the field's own value as a flow scalar.
VALUES: tuple[tuple[str, str], ...] = (
    ("parens_1900", json.dumps(_deep("(", "up{$selector}", ")", 1900))),
    ("parens_1900_around", json.dumps(_deep("(", "{orig}", ")", 1900))),
    ("metric_expr_1900", "{expr: " + json.dumps(_deep("(", "up{$selector}", ")", 1900) + " * 100") + ", type: gauge}"),
    ("parens_64", json.dumps(_deep("(", "{orig}", ")", 64))),
    ("parens_33", json.dumps(_deep("(", "{orig}", ")", 33))),
    ("chain_300", json.dumps(" + ".join(["{orig}"] * 301))),
    ("chain_1000", json.dumps("-" * 1000 + "up")),
    ("parens_and_chain", json.dumps(_deep("(", " * ".join(["up"] * 290), ")", 60))),
    ("rate_nest", json.dumps(_deep("rate(", "x[5m]", ")[5m:1m])", 600))),
    ("regex_groups_1900", json.dumps('x{a=~"' + _deep("(", "a", ")", 1900) + '"}')),
    ("regex_value_1900", json.dumps(_deep("(", "a", ")", 1900))),
    ("template_1900", json.dumps("{{ " + _deep("(", "$labels.x", ")", 1900) + " }}")),
    ("template_nested", json.dumps(_deep("{{ if true }}", "x", "{{ end }}", 300))),
    ("matchers_many", json.dumps("x{" + ",".join(f'l{i}="v"' for i in range(600)) + "}")),
    ("regex_catastrophic", json.dumps('x{a=~"(a+)+(b*)*$|' + "(.*)" * 40 + '"}')),
    ("string_5k", json.dumps("a" * 5000)),
    ("string_10mb", json.dumps("b" * 10_000_000)),
    ("nul", '"a\\0b"'),
    ("rtl_zero_width", '"ab\\u202ecd\\u200b\\ufeff"'),
    ("emoji", '"\U0001f525-\U0001f4a5"'),
    ("newline", '"a\\nb: c"'),
    ("template", '"{{ range $x := . }}{{ template \\"y\\" }}{{ end }}"'),
    ("grafana_vars", '"x{job=\\"$__interval\\"} [[ds]] ${a:raw}"'),
    ("duration_huge", "99999999999d"),
    ("duration_float", "1e400s"),
    ("duration_negative", "-5m"),
    ("objective_nines", "99.9999999999999999"),
    ("number_1e400", "1e400"),
    ("number_minus_1e400", "-1e400"),
    ("int_huge", "9" * 400),
    ("nan", ".nan"),
    ("inf", ".inf"),
    ("ninf", "-.inf"),
    ("zero", "0"),
    ("negative", "-1"),
    ("sexagesimal", "1:30"),
    ("hex", "0x1F"),
    ("bool", "yes"),
    ("null", "~"),
    ("empty_list", "[]"),
    ("empty_map", "{}"),
    ("flow_deep", _deep("[", "1", "]", 5000)),
    ("map_deep", _deep("{a: ", "1", "}", 3000)),
    ("alias_undefined", "*nowhere"),
    ("alias_self", "&self [*self]"),
    ("tag_binary", "!!binary aGVsbG8="),
    ("tag_python", "!!python/object:os.system ls"),
    ("tag_custom", "!Ref x"),
    ("complex_key", "{? [a, b] : c}"),
    ("list_of_many", "[" + ", ".join(["x"] * 20000) + "]"),
    ("map_of_many", "{" + ", ".join(f"k{i}: 1" for i in range(5000)) + "}"),
    ("promql_offset_huge", '"up offset 99999999999d"'),
    ("promql_at_inf", '"up @ 1e400"'),
    ("promql_range_huge", '"rate(x[99999999999d])"'),
    ("promql_unbalanced", '"sum(rate(x{a=\\"b\\"}[5m]"'),
    ("promql_comment", '"up # )"'),
    ("promql_name_regex", "'{__name__=~\".+\"}'"),
    ("label_name_bad", '"a-b=\\"c\\""'),
)

# Jsonnet put where a field's value was, in a Jsonnet copy of the spec.
JSONNET_VALUES: tuple[tuple[str, str], ...] = (
    ("jsonnet_recursion", "(local f(x) = f(x + 1); f(0))"),
    ("jsonnet_make_array", "std.makeArray(1e9, function(i) i)"),
    ("jsonnet_long_string", "std.join('', std.makeArray(1e7, function(i) 'aaaaaaaaaa'))"),
    ("jsonnet_deep", "(local f(n) = if n == 0 then 1 else [f(n - 1)]; f(100000))"),
    ("jsonnet_error", "error 'boom'"),
    ("jsonnet_nan", "std.parseJson('1e400')"),
    ("jsonnet_import", "import '/etc/passwd'"),
    ("jsonnet_importstr", "importstr '/dev/zero'"),
    ("jsonnet_ext_var", "std.extVar('x')"),
    ("jsonnet_function", "function(x) x"),
)

# The whole file spoiled: (name, how).
FILE_SPOILERS = ("bom", "tabs", "not_utf8", "crlf", "cut_half", "nul_byte", "doc_twice", "alias_bomb")


@dataclass(frozen=True)
class Mutation:
    set_name: str
    file: str
    path: tuple[str | int, ...]  # () for a whole-file spoiler
    value: str  # a VALUES / JSONNET_VALUES name or a FILE_SPOILERS name

    def __str__(self) -> str:
        where = ".".join(str(p) for p in self.path) or "(whole file)"
        return f"{self.set_name}/{self.file} {where} = {self.value}"


def spec_files(set_name: str) -> list[str]:
    return sorted(p.name for p in (ROOT / set_name).glob("*.yaml"))


def leaf_paths(data: Any, prefix: tuple[str | int, ...] = ()) -> Iterator[tuple[str | int, ...]]:
    """Every field (mapping value or list item, leaves and branches alike) of a loaded spec."""
    items = data.items() if isinstance(data, dict) else enumerate(data) if isinstance(data, list) else ()
    for key, value in items:
        yield (*prefix, key)
        yield from leaf_paths(value, (*prefix, key))


def mutations(seed: int, count: int) -> list[Mutation]:
    """`count` mutations drawn with `seed`: one field of one file of one set each (a tenth spoil a whole file)."""
    rng = random.Random(seed)
    names = [n for n, _ in VALUES]
    found: list[Mutation] = []
    while len(found) < count:
        set_name = rng.choice(SETS)
        file = rng.choice(spec_files(set_name))
        kind = rng.random()
        if kind < 0.1:
            found.append(Mutation(set_name, file, (), rng.choice(FILE_SPOILERS)))
            continue
        data = yaml.safe_load((ROOT / set_name / file).read_text())
        paths = list(leaf_paths(data))
        texts = [p for p in paths if _reads_as_query(p, data)]
        path = rng.choice(texts if texts and rng.random() < 0.5 else paths)  # half of them where PromQL goes
        if kind < 0.2:
            found.append(Mutation(set_name, file, path, rng.choice([n for n, _ in JSONNET_VALUES])))
        else:
            found.append(Mutation(set_name, file, path, rng.choice(names)))
    return found


# where a string reaches a query, a regex or a template although it holds no `{`, `(` or `$`
_TEXT_KEYS = {"selector", "targets", "matchers", "labels", "annotations", "summary", "description", "idle_while"}


def sweep() -> list[Mutation]:
    """Every value of VALUES in every field of every file of both sets where PromQL (or a `by:`, labels) goes."""
    found = []
    for set_name in SETS:
        for file in spec_files(set_name):
            data = yaml.safe_load((ROOT / set_name / file).read_text())
            for path in leaf_paths(data):
                if _reads_as_query(path, data):
                    found += [Mutation(set_name, file, path, name) for name, _ in VALUES]
    return found


def _reads_as_query(path: tuple[str | int, ...], data: Any) -> bool:
    for key in path:
        data = data[key]
    if path[-1] in ("by", "labels", "annotations") or not isinstance(data, str):
        return path[-1] in ("by", "labels", "annotations")
    return any(c in data for c in "{($") or bool(_TEXT_KEYS & {str(k) for k in path})


def write_set(mutation: Mutation, into: Path) -> Path:
    """The mutation's set copied into `into` with its one change; the path of the changed file."""
    source = ROOT / mutation.set_name
    for item in source.rglob("*"):
        if item.is_file() and "generated" not in item.parts:
            target = into / item.relative_to(source)
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(item.read_bytes())
    target = into / mutation.file
    if not mutation.path:
        target.write_bytes(spoiled(target.read_bytes(), mutation.value))
        return target
    data = yaml.safe_load(target.read_text())
    parent = data
    for key in mutation.path[:-1]:
        parent = parent[key]
    original = parent[mutation.path[-1]]
    parent[mutation.path[-1]] = SENTINEL
    flow = json.dumps(original if isinstance(original, str | int | float) else "up")
    jsonnet = dict(JSONNET_VALUES)
    if mutation.value in jsonnet:
        target.unlink()
        target = target.with_suffix(".jsonnet")
        text = json.dumps(data, indent=2, sort_keys=False).replace(json.dumps(SENTINEL), jsonnet[mutation.value])
    else:
        raw = dict(VALUES)[mutation.value].replace("{orig}", flow.strip('"'))
        text = yaml.safe_dump(data, sort_keys=False, width=1 << 20, allow_unicode=True).replace(SENTINEL, raw, 1)
    target.write_text(text)
    return target


def spoiled(data: bytes, how: str) -> bytes:
    if how == "bom":
        return b"\xef\xbb\xbf" + data
    if how == "tabs":
        return data.replace(b"\n  ", b"\n\t")
    if how == "not_utf8":
        at = data.find(b": ", len(data) // 2) + 2
        return data[:at] + b"\xff\xfe" + data[at:]
    if how == "crlf":
        return data.replace(b"\n", b"\r\n")
    if how == "cut_half":
        return data[: len(data) // 2]
    if how == "nul_byte":
        return data[: len(data) // 2] + b"\x00" + data[len(data) // 2 :]
    if how == "doc_twice":
        return data + b"\n---\n" + data
    assert how == "alias_bomb"
    laughs = "".join(f"l{i}: &l{i} [" + ", ".join([f"*l{i - 1}" if i else '"lol"'] * 9) + "]\n" for i in range(9))
    return data + b"\n" + laughs.encode()
