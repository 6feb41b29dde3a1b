"""PrometheusRule objects the Prometheus Operator can load: its rule-file size cap, checked at compile time.

The operator writes each PrometheusRule's `spec` (re-encoded: keys sorted, block style, multi-line text as
literal blocks) as one rule file into ConfigMaps of at most 512 KiB (half Kubernetes' 1 MiB cap), and a file
over that fails its whole reconcile ("rule file ... is too large for a single Kubernetes ConfigMap"): no
rule of any PrometheusRule that Prometheus selects is updated until the object shrinks, so one team's large
service would freeze every team's rules. A service's object is its three groups; past the cap it is a
located error (split the service, or use another layout). Only files big enough to come near the cap are
re-encoded: the operator's encoding is shorter than obsc's (no list indent, fewer quotes).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

import yaml

from compiler import conventions as names
from compiler.errors import Diagnostic
from compiler.model.types import Service
from compiler.output.bundle import Artifact

RULE_FILE_LIMIT = 512 * 1024  # the operator's maxConfigMapDataSize: 0.5 x Kubernetes' 1 MiB (MaxSecretSize)
_LOADER: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_DUMPER: Any = getattr(yaml, "CSafeDumper", yaml.SafeDumper)


class _OperatorDumper(_DUMPER):  # type: ignore[misc]
    """As the operator encodes a spec (Go YAML): multi-line text as a literal block."""


def _text(dumper: Any, data: str) -> Any:
    return dumper.represent_scalar("tag:yaml.org,2002:str", data, style="|" if "\n" in data else None)


_OperatorDumper.add_representer(str, _text)


def operator_encoded_size(content: str) -> int:
    """Bytes of the rule file the operator makes of a written PrometheusRule object (its `spec`)."""
    spec = (yaml.load(content, Loader=_LOADER) or {}).get("spec") or {}
    text = yaml.dump(spec, Dumper=_OperatorDumper, sort_keys=True, width=1 << 30, allow_unicode=True)
    return len(text.encode("utf-8"))


def oversized_objects(services: Sequence[Service], artifacts: Iterable[Artifact]) -> list[Diagnostic]:
    """One located error per service whose PrometheusRule the operator would refuse as too large."""
    by_path = {names.prometheus_rules_path(s.name, "prometheus-operator"): s for s in services}
    found = []
    for artifact in artifacts:
        service = by_path.get(artifact.path)
        if service is None or len(artifact.content) <= RULE_FILE_LIMIT // 2:  # the encoding is never 2x shorter
            continue
        size = operator_encoded_size(artifact.content)
        if size > RULE_FILE_LIMIT:
            message = (
                f"with --format prometheus-operator the service's PrometheusRule ({artifact.path}) makes a rule file "
                f"of {size:,} bytes, and the operator refuses one over {RULE_FILE_LIMIT:,} (512 KiB, its ConfigMap "
                f"share) and then updates no rule of the Prometheus that selects it; split the service's "
                f"{len(service.slos)} SLOs over more services, or use --format prometheus"
            )
            found.append(Diagnostic(service.location, ("service",), message))
    return found
