"""A service's `dashboards:` list: its own, else the platform's default, each name checked against the
dashboards the platform publishes."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from compiler.model.build_context import Ctx, Layer, builtin_defaults, did_you_mean
from compiler.model.types import Platform
from compiler.model.unsure import Unsure
from compiler.spec.document import Path


def service_dashboards(
    data: Mapping[str, Any], defaults: Layer, platform: Platform, ctx: Ctx, unsure: Unsure
) -> tuple[str, ...]:
    names: Any
    where: Ctx
    base: Path
    if "dashboards" in data:
        names, where, base = data["dashboards"], ctx, ("dashboards",)
    else:
        names, where, base = (
            defaults.data.get("dashboards", builtin_defaults()["dashboards"]),
            defaults.ctx,
            (*defaults.base, "dashboards"),
        )
    known = ["service", *(name for name, _ in platform.standard_dashboards)]
    for i, name in enumerate(names):
        if name not in known and not unsure.dashboard(name):
            where.error(
                (*base, i),
                f"dashboard {name!r} is neither 'service' nor a platform standard dashboard"
                + did_you_mean(name, known),
            )
    return tuple(names)
