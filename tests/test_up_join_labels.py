"""Round 40: the pod join of docs/operations.md (`* on (namespace, pod) group_left () group by (namespace, pod)
(up{$selector})`) under a platform whose `defaults.target_labels` says `up` carries neither label (static or
file-SD scrape configs) returns no series: CPU at 100% of its limit never fired (promtool), and the missing-data
twin tickets for good; only `obsc verify` said so. `validate` now warns at the expression; a Kubernetes fleet
(`namespace` declared, `pod` with it) and a fleet that does not say are not warned of."""

from __future__ import annotations

from pathlib import Path

import pytest

from compiler.api import CompileOptions, load_fleet
from compiler.model.up_join_labels import up_join_warnings
from tests.cli_helpers import run_obsc
from tests.platform_text import sink_platform

JOINED = "* on (namespace, pod) group_left () group by (namespace, pod) (up{$selector})"
CPU = (
    f'    cpu: sum(rate(container_cpu_usage_seconds_total{{container!=""}}[$window]) {JOINED})'
    f' / sum(kube_pod_container_resource_limits{{resource="cpu"}} {JOINED})\n'
)
SPEC = "apiVersion: obsc/v1\nservice: cart\nteam: shop\nselector: {job: cart}\nmetrics: {requests: x_total}\n"


def _write(tmp: Path, labels: str | None) -> None:
    declared = "" if labels is None else f"  target_labels: {labels}\n"
    (tmp / "platform.yaml").write_text(sink_platform(before=f"defaults:\n{declared}  metrics:\n{CPU}"))
    (tmp / "cart.yaml").write_text(SPEC)


def _warnings(tmp: Path) -> list[str]:
    fleet, _ = load_fleet([str(tmp)], CompileOptions(), {})
    return [str(d) for d in up_join_warnings(fleet.services)]


@pytest.mark.parametrize("labels, lost", [("[]", "namespace, pod"), ("[cluster]", "namespace, pod")])
def test_a_join_on_labels_up_does_not_carry_is_warned_at_the_expression(tmp_path: Path, labels: str, lost: str) -> None:
    _write(tmp_path, labels)
    said = _warnings(tmp_path)
    line = next(n for n, text in enumerate((tmp_path / "platform.yaml").read_text().splitlines(), 1) if "cpu:" in text)
    assert len(said) == 1 and said[0].startswith(f"{tmp_path / 'platform.yaml'}:{line}:"), said
    assert f"groups each service's (cart) `up` by {lost}, which the platform's defaults.target_labels: " in said[0]
    assert "the alerts over this metric cannot fire" in said[0]


@pytest.mark.parametrize("labels", ["[namespace]", None], ids=["kubernetes", "unsaid"])
def test_what_is_not_warned_of(tmp_path: Path, labels: str | None) -> None:
    _write(tmp_path, labels)
    assert _warnings(tmp_path) == []


def test_validate_says_it_as_a_warning_and_exits_0(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    _write(tmp_path, "[]")
    result = run_obsc(capsys, "validate", str(tmp_path))
    assert result.code == 0, result.err
    assert "$.defaults.metrics.cpu: warning: it groups each service's (cart) `up` by namespace, pod" in result.err


def test_a_grouping_that_drops_labels_is_not_read_as_keeping_them(tmp_path: Path) -> None:
    """`group without (instance) (up{...})` keeps what `up` carries, less `instance`: nothing it names is kept, so
    nothing is lost (reading `without` as `by` warned of the dropped label)."""
    _write(tmp_path, "[]")
    platform = tmp_path / "platform.yaml"
    platform.write_text(platform.read_text().replace("group by (namespace, pod)", "group without (namespace, pod)"))
    assert _warnings(tmp_path) == []


def test_up_in_parentheses_is_read_as_up(tmp_path: Path) -> None:
    _write(tmp_path, "[]")
    platform = tmp_path / "platform.yaml"
    platform.write_text(platform.read_text().replace("(up{$selector})", "((up{$selector}))"))
    assert len(_warnings(tmp_path)) == 1
