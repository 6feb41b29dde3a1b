"""The toolcheck's fast paths give what their plain forms give: the `rule_files` key count of a test file
(the test pins it to one key before trusting its rule_files for the record) and the threaded digests."""

from __future__ import annotations

from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from compiler.toolcheck import promtool
from compiler.toolcheck.record import Hasher

PIECES = st.sampled_from(["rule_files", " ", "\t", "\n", "\r", ":", "'", '"', "x", "-", "#"])


@settings(max_examples=3000, deadline=None)
@given(st.lists(PIECES, max_size=30).map("".join))
def test_rule_files_key_count_is_the_regex_count(text: str) -> None:
    assert promtool._rule_files_keys(text) == len(promtool._ANY_RULE_FILES_KEY.findall(text))


def test_a_second_rule_files_key_still_counts() -> None:
    text = '# rule_files is the plain layout\nrule_files:\n  - a.yaml\ntests: []\n"rule_files" :\n  - b.yaml\n'
    assert promtool._rule_files_keys(text) == 2


def test_prefetched_digests_are_the_lazy_ones(tmp_path: Path) -> None:
    for i in range(20):
        (tmp_path / f"f{i}.yaml").write_text("x" * (i * 5000))
    (tmp_path / "link.yaml").symlink_to(tmp_path / "f1.yaml")
    names = [f"f{i}.yaml" for i in range(20)] + ["link.yaml", "missing.yaml"]
    threaded, lazy = Hasher(str(tmp_path)), Hasher(str(tmp_path))
    threaded.prefetch(names, 4)
    assert [threaded.file(n) for n in names] == [lazy.file(n) for n in names]
    assert threaded.file("link.yaml") is None  # never followed through a symlink
