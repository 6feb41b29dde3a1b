"""The located warnings on a service's threshold alerts that the build reports after it (Service.sparse_lines):
lines a counter's day cannot hold, `within:` on a past event, x/0 on a limit setting, a share unit against the
scale read, a bare line off the scale a gauge expression's arithmetic says (round 42), a Job's failed pods read as
its failure (round 43). Each compiles; each would page wrongly or stay silent through a real problem."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from compiler.errors import Diagnostic
from compiler.model.bare_scale import bare_scale_lines
from compiler.model.build_context import Ctx
from compiler.model.failed_pods import failed_pod_lines
from compiler.model.past_within import past_within_lines
from compiler.model.ratio_values import infinite_ratio_lines
from compiler.model.sparse_counter_lines import sparse_counter_lines
from compiler.model.types import ThresholdAlert
from compiler.model.unit_scale import declared_scale_lines


def threshold_lines(data: Mapping[str, Any], alerts: Sequence[ThresholdAlert], ctx: Ctx) -> tuple[Diagnostic, ...]:
    checks = (
        *(sparse_counter_lines, past_within_lines, infinite_ratio_lines, declared_scale_lines, bare_scale_lines),
        failed_pod_lines,
    )
    return tuple(line for check in checks for line in check(data, alerts, ctx))
