"""A `selector:` or `targets:` value with white space at an end, copied with the space after it.

Found by the round 53 newcomer hunt: `job: "batch-export "` compiled without a word. Prometheus matches the value as
written, so ServiceDown read `up{job="batch-export "}`, found no target and paged a healthy service, and every SLO
read no data. tests/errors/selector_value_space.yaml pins the message for the mapping forms; here the `targets:`
text form, other white space, and what stays accepted.
"""

from __future__ import annotations

import copy

import pytest

from tests.hostile.test_input_copied_text import _problems
from tests.hostile.test_input_names import SERVICE

SAID = "begins or ends with white space"


@pytest.mark.parametrize(
    ("where", "value"),
    [
        ("selector", "batch-export "),
        ("selector", "\u00a0batch-export"),  # a no-break space, copied from a web page
        ("selector", "\u3000batch-export"),
        ("targets", "batch-export "),
    ],
    ids=["trailing", "no-break", "ideographic", "targets"],
)
def test_a_value_with_space_at_an_end_is_a_located_error(where: str, value: str) -> None:
    service = copy.deepcopy(SERVICE)
    service[where] = {"job": value, "namespace": "jobs"}
    problems = [p for p in _problems(service) if SAID in p]
    assert len(problems) == 1 and f" $.{where}.job: job: " in problems[0], problems
    assert problems[0].endswith("write job: batch-export"), problems


def test_the_targets_text_form_is_judged_too() -> None:
    service = copy.deepcopy(SERVICE)
    service["targets"] = '{job="batch-export ",namespace="jobs"}'
    problems = [p for p in _problems(service) if SAID in p]
    assert len(problems) == 1 and " $.targets: job: 'batch-export '" in problems[0], problems


def test_a_control_character_is_told_once_as_such() -> None:
    service = copy.deepcopy(SERVICE)
    service["selector"] = {"job": "\tbatch-export", "namespace": "jobs"}
    problems = _problems(service)
    assert not [p for p in problems if SAID in p], problems
    assert [p for p in problems if "holds a line break or control character" in p], problems


def test_space_inside_a_value_stays_accepted() -> None:
    service = copy.deepcopy(SERVICE)
    service["selector"] = {"job": "batch export", "namespace": "jobs"}
    assert not [p for p in _problems(service) if SAID in p]


def test_a_value_of_white_space_only_asks_for_the_labels_value() -> None:
    """Nothing is left to suggest once the spaces go (review54: `write job: ` passed every test)."""
    service = copy.deepcopy(SERVICE)
    service["selector"] = {"job": " ", "namespace": "jobs"}
    problems = [p for p in _problems(service) if SAID in p]
    assert len(problems) == 1 and problems[0].endswith("write the label's value"), problems
