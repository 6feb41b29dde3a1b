"""`obsc verify`: check specs against a live Prometheus (read-only), each finding located at the spec line.

The face: `verify_specs(paths, options) -> list[Diagnostic]`. Raises InputError for bad specs and
`Unreachable` when the server does not answer within the bounded retries.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from dataclasses import dataclass

from compiler.api import CompileOptions, load_fleet
from compiler.errors import Diagnostic, InputError
from compiler.spec import loader
from compiler.spec.document import Document
from compiler.verify.checks import Context, check_service
from compiler.verify.client import Prometheus, QueryRejected, Unreachable

__all__ = ["QueryRejected", "Unreachable", "VerifyOptions", "verify_specs"]


@dataclass(frozen=True)
class VerifyOptions:
    prometheus: str
    lookback: str = "1h"
    timeout: float = 5.0
    retries: int = 2
    jsonnet_paths: tuple[str, ...] = ()
    platform_file: str | None = None


def verify_specs(paths: Sequence[str], options: VerifyOptions) -> list[Diagnostic]:
    compile_options = CompileOptions(jsonnet_paths=options.jsonnet_paths, platform_file=options.platform_file, jobs=1)
    fleet, _ = load_fleet(paths, compile_options, {})
    docs = _documents(paths, options)
    prometheus = Prometheus(options.prometheus, options.timeout, options.retries)

    @functools.cache
    def metric_names() -> list[str]:
        return sorted(prometheus.label_values("__name__"))

    ctx = Context(prometheus, options.lookback, metric_names)
    findings: list[Diagnostic] = []
    for service in fleet.services:
        findings.extend(check_service(service, docs.get(service.name), ctx))
    return sorted(set(findings))


def _documents(paths: Sequence[str], options: VerifyOptions) -> dict[str, Document]:
    """Each service's spec document, to locate findings at the exact key (the model keeps coarser places)."""
    specs, _, _ = loader.discover(paths)
    out: dict[str, Document] = {}
    for path in specs:
        try:
            docs = loader.load_file(path, loader.JsonnetOptions(options.jsonnet_paths))
        except InputError:
            continue  # load_fleet has reported it already
        for doc in docs:
            if isinstance(doc.data, dict) and isinstance(doc.data.get("service"), str):
                out.setdefault(doc.data["service"], doc)
    return out
