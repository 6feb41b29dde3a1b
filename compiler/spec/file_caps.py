"""What the documents of one spec file may hold together: what one spec may (docs/input-limits.md).

The schema caps a spec at 100 SLOs and 100 threshold alerts (`maxItems`); a file of many documents is held to the
same totals, or 40 documents of 100 SLOs (233 KB) made 312 MB. Its documents are capped at 100 too (round 48): each
is a service, and a service with no SLO still gets rules, tests, a dashboard and runbooks, so 2,000 documents of
five lines (146 KB) made 2,000 services, 10,022 files and 66 MB, and the 200,000-node YAML budget let one 1.4 MB
file hold 20,000. 100 is as many as a file may hold SLOs: a file of more services with an SLO each was refused
already.
"""

from __future__ import annotations

from collections.abc import Sequence

from compiler.errors import Diagnostic
from compiler.spec import schema
from compiler.spec.document import Document

PER_FILE = ("slos", "threshold_alerts")
MAX_DOCUMENTS = 100


def file_caps(docs: Sequence[Document]) -> list[Diagnostic]:
    """The file's documents over a spec's caps: one problem per cap passed, at the document that passes it."""
    found = []
    if len(docs) > MAX_DOCUMENTS:
        message = (
            f"this file holds {len(docs):,} spec documents; the limit is {MAX_DOCUMENTS} (each is a service, and "
            "each service generates rules, tests, a dashboard and runbooks): split them into files"
        )
        found.append(Diagnostic(docs[MAX_DOCUMENTS].locate(()), (), message))
    properties = schema.schema()["$defs"]["service"]["properties"]
    for key in PER_FILE:
        cap = int(properties[key]["maxItems"])
        total = 0
        for doc in docs[: MAX_DOCUMENTS + 1]:
            items = doc.data.get(key) if isinstance(doc.data, dict) else None
            total += len(items) if isinstance(items, list) else 0
            if total > cap:
                message = (
                    f"this file's documents hold more than {cap} {key.replace('_', ' ')} in all (the cap of one spec, "
                    "as each generates rules, tests, runbooks and panels): split them into files"
                )
                found.append(Diagnostic(doc.locate((key,), key=True), (key,), message))
                break
    return found
