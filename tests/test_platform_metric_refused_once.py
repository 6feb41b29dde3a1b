"""Round 35: a platform default metric written as an expression where a selector goes was refused at its line in
the platform file, and every spec naming it was told as well "metric 'requests' is not defined under metrics:
(defined: errors)", a second error pointing at a spec that is right. A metric refused where it is written is
said once, there (as a spec's own refused metric already was)."""

from __future__ import annotations

from pathlib import Path

from compiler.api import CompileOptions, load_fleet
from compiler.errors import InputError
from tests.platform_text import sink_platform

PLATFORM = sink_platform(
    before="""\
defaults:
  metrics:
    requests: sum(rate(http_requests_total{$selector}[$window]))
    errors: http_requests_total{code=~"5.."}
"""
)
SPEC = """\
apiVersion: obsc/v1
service: api
team: payments
selector: {job: api}
slos: [{name: ok, objective: 99.9, sli: {errors: errors, total: requests}}]
"""


def test_a_refused_platform_metric_is_said_once_in_the_platform_file(tmp_path: Path) -> None:
    (tmp_path / "platform.yaml").write_text(PLATFORM)
    (tmp_path / "api.yaml").write_text(SPEC)
    try:
        load_fleet([str(tmp_path)], CompileOptions(), {})
    except InputError as error:
        said = [str(d) for d in error.diagnostics]
    else:
        raise AssertionError("the fleet loaded")
    assert len(said) == 1, said
    assert said[0].startswith(f"{tmp_path / 'platform.yaml'}:") and "not a series selector" in said[0], said
