"""Text a spec writes once and obsc copies onto every alert and test case is bounded as a whole, and scanned in
linear time.

Each string is at most 4,096 characters and each map 20 entries, but nothing bounded what one alert carries:
a 108 KB spec with 20 labels of 4,000 characters wrote 632 MB (1.4 GB of memory before a file was written), and
one anchored map of such annotations given to 100 SLOs, 951 MB (2.1 GB, 45 CPU-s). Scanning those annotations
for credentials in URLs took 31 CPU-s: the URL pattern was tried at every letter of a long word.
"""

from __future__ import annotations

import copy
import tempfile
import time
from pathlib import Path
from typing import Any

import pytest
import yaml

from compiler.api import CompileOptions, compile_specs
from compiler.errors import InputError
from compiler.model.alert_text import MAX_ALERT_TEXT
from compiler.model.text_secrets import text_problems
from tests.hostile.test_input_names import PLATFORM, SERVICE

_LONG = {f"l{i}": "v" * 4000 for i in range(20)}  # each value within the 4,096 a string may hold


def _problems(service: dict[str, Any], platform: dict[str, Any] = PLATFORM, text: str | None = None) -> list[str]:
    with tempfile.TemporaryDirectory() as tmp:
        Path(tmp, "svc.yaml").write_text(text if text is not None else yaml.safe_dump(service))
        Path(tmp, "platform.yaml").write_text(yaml.safe_dump(platform))
        try:
            compile_specs([tmp], CompileOptions(jobs=1))
        except InputError as exc:
            return [str(d) for d in exc.diagnostics]
    return []


def _over(problems: list[str]) -> list[str]:
    return [p for p in problems if "characters of labels and annotations on one alert" in p]


def test_long_service_labels_are_one_located_error() -> None:
    service = copy.deepcopy(SERVICE) | {"labels": _LONG}
    problems = _over(_problems(service))
    assert len(problems) == 1, problems
    assert (
        " $.labels: 80,050 characters of labels and annotations on one alert (labels: 80,050); at most 4,096"
        in (problems[0])
    )


def test_one_anchored_map_as_every_slos_annotations_is_refused_at_each_slo() -> None:
    slo = {"objective": 99, "sli": {"errors": "errors", "total": "requests"}}
    rows = "".join(
        f"  - {{name: s{i}, objective: 99, sli: {{errors: errors, total: requests}}, annotations: *A}}\n"
        for i in range(1, 3)
    )
    body = copy.deepcopy(SERVICE)
    body.pop("slos")
    text = yaml.safe_dump(body) + "slos:\n" + f"  - {yaml.safe_dump(slo, default_flow_style=True).strip()[:-1]}, "
    text += "name: s0, annotations: &A {" + ", ".join(f"a{i}: {'y' * 4000}" for i in range(20)) + "}}\n" + rows
    problems = _over(_problems({}, text=text))
    assert [p.split(": ", 1)[0].split(" ", 1)[1] for p in problems] == [
        "$.slos[0].annotations",
        "$.slos[1].annotations",
        "$.slos[2].annotations",
    ], problems
    assert "(labels: 18, tier_labels.critical " not in problems[0]
    assert "the SLO's annotations 80,050)" in problems[0]


def test_tier_labels_count_with_the_tier_and_are_located_there() -> None:
    critical = {"b": "y" * 4000, "c": "z" * 100}  # with the service's label `tier: "2"`: 4,107
    service = copy.deepcopy(SERVICE) | {"tier_labels": {"warning": {"a": "x" * 3000}, "critical": critical}}
    problems = _over(_problems(service))
    assert len(problems) == 1 and " $.tier_labels.critical: " in problems[0], problems
    platform = copy.deepcopy(PLATFORM)
    platform["defaults"]["tier_labels"] = {"critical": {"pager": "p" * 2000}}
    service = copy.deepcopy(SERVICE) | {"tier_labels": {"critical": {"b": "y" * 2500}}}
    problems = _over(_problems(service, platform))
    assert len(problems) == 1 and "the platform's defaults.tier_labels.critical 2,005" in problems[0], problems


def test_a_threshold_alerts_labels_count_with_its_tier_only() -> None:
    service = copy.deepcopy(SERVICE)
    service["metrics"]["lag"] = {"selector": "lag", "type": "gauge", "aggregation": "max"}
    service["tier_labels"] = {"critical": {"c": "c" * 3000}}
    alert = {"name": "LagHigh", "metric": "lag", "above": 10, "labels": {"t": "t" * 2000}}
    assert _over(_problems(service | {"threshold_alerts": [alert]})) == []  # a warning: 2,000 + 6 alone
    problems = _over(_problems(service | {"threshold_alerts": [alert | {"tier": "critical"}]}))
    assert len(problems) == 1 and " $.threshold_alerts[0].labels: 5," in problems[0], problems


def test_labels_and_annotations_up_to_the_bound_compile() -> None:
    service = copy.deepcopy(SERVICE)
    service["labels"] = {f"l{i}": "v" * 40 for i in range(20)}
    service["tier_labels"] = {"critical": {"pager": "primary"}}
    service["slos"][0]["labels"] = {"component": "export-writer"}
    written = [*service["labels"].items(), ("pager", "primary"), ("component", "export-writer"), ("playbook", "")]
    left = MAX_ALERT_TEXT - sum(len(k) + len(v) for k, v in written)
    service["slos"][0]["annotations"] = {"playbook": "p" * left}
    assert _problems(service) == []
    service["slos"][0]["annotations"] = {"playbook": "p" * (left + 1)}
    assert len(_over(_problems(service))) == 1


@pytest.mark.parametrize("word", ["a" * 4096, "ab" * 2048, "a1" * 2048, "x" * 4090 + " y://"])
def test_free_text_is_scanned_for_urls_in_linear_time(word: str) -> None:
    spec = {"slos": [{"annotations": {f"a{i}": word for i in range(20)}} for _ in range(100)]}
    started = time.process_time()
    assert text_problems(spec, platform=False) == []
    assert time.process_time() - started < 3.0  # quadratic: ~30 CPU-s for the 2,000 strings of 4,096 characters


def test_a_url_is_still_found_where_the_word_starts_with_digits_or_marks() -> None:
    for text in ("see 1https://u:pw@h.example/x", "-.https://u:pw@h.example/", "(https://u:pw@h.example/)"):
        assert text_problems({"description": text}, platform=False), text


@pytest.mark.parametrize("key", ["selector", "targets"])
def test_a_long_selector_or_targets_is_one_located_error(key: str) -> None:
    service = copy.deepcopy(SERVICE)
    service[key] = {"job": "batch-export", **{f"l{i}": "v" * 4000 for i in range(19)}}
    problems = [p for p in _problems(service) if "characters of label names and values; at most 4,096" in p]
    assert len(problems) == 1 and f" $.{key}: 76," in problems[0], problems


def test_a_selector_up_to_the_bound_compiles() -> None:
    service = copy.deepcopy(SERVICE)
    service["selector"] = {"job": "batch-export", "namespace": "n" * (MAX_ALERT_TEXT - len("jobbatch-exportnamespace"))}
    assert _problems(service) == []


@pytest.mark.parametrize("fill", ["v", "é", "日", "😀"])
def test_service_labels_are_bounded_in_characters_at_exactly_the_bound(fill: str) -> None:
    """The bound counts characters (as each string's 4,096 does), whatever their UTF-8 size: 4,096 of them on an
    alert compile, one more is the one error at `labels:`."""
    service = copy.deepcopy(SERVICE)
    service["tier_labels"] = {"critical": {"pager": "primary"}}  # the widest tier: 12 characters more
    left = MAX_ALERT_TEXT - len("tier2") - len("pagerprimary") - len("note")
    service["labels"] = {"tier": "2", "note": fill * left}
    assert _over(_problems(service)) == []
    service["labels"]["note"] += fill
    problems = _over(_problems(service))
    assert len(problems) == 1 and " $.labels: 4,097 characters of labels and annotations" in problems[0], problems


def test_service_labels_over_the_bound_are_not_said_again_at_each_slo_that_adds_its_own() -> None:
    service = copy.deepcopy(SERVICE) | {"labels": _LONG}
    service["slos"][0] |= {"labels": {"component": "x"}, "annotations": {"playbook": "y"}}
    problems = _over(_problems(service))
    assert len(problems) == 1 and " $.labels: " in problems[0], problems


def _long_names(count: int, length: int) -> list[str]:
    return [(f"l{i}_" + "x" * length)[:length] for i in range(count)]


@pytest.mark.parametrize("where", ["slos", "threshold_alerts"])
def test_long_group_label_names_are_a_located_error(where: str) -> None:
    # `by:` names are repeated in every aggregation and every generated test series of the alert: 100 threshold
    # alerts by 10 names of 256 characters (a 20 KB spec, one anchored list) wrote 31 MB, 27 MB of it those names
    service = copy.deepcopy(SERVICE)
    service["metrics"]["lag"] = {"selector": "lag", "type": "gauge", "aggregation": "max"}
    if where == "slos":
        service["slos"][0]["by"] = _long_names(2, 256)
    else:
        service["threshold_alerts"] = [{"name": "LagHigh", "metric": "lag", "above": 10, "by": _long_names(10, 256)}]
    problems = [p for p in _problems(service) if "characters of group label names; at most 256 together" in p]
    assert len(problems) == 1 and f" $.{where}[0].by: " in problems[0], problems


def test_group_label_names_up_to_the_bound_compile() -> None:
    service = copy.deepcopy(SERVICE)
    service["metrics"]["lag"] = {"selector": "lag", "type": "gauge", "aggregation": "max"}
    alert = {"name": "LagHigh", "metric": "lag", "above": 10, "by": [*_long_names(9, 25), "x" * 31]}  # 256
    assert _problems(service | {"threshold_alerts": [alert]}) == []
    alert["by"][-1] += "x"
    assert len(_problems(service | {"threshold_alerts": [alert]})) == 1
