"""What every page of one SLO repeats: its budget line, the opening of its Meaning section and the queries
its Diagnosis ends with. Made once per SLO of the service being written, not once per page."""

from __future__ import annotations

from dataclasses import dataclass

from compiler.model.types import Service, Slo
from compiler.model.units import decimal_text, format_duration
from compiler.targets import markdown
from compiler.targets.runbooks.diagnosis import Query, closing_queries
from compiler.targets.runbooks.groups import group_note
from compiler.targets.runbooks.impact import budget_line
from compiler.targets.runbooks.slice_diagnosis import SLICE_KINDS


@dataclass(frozen=True)
class SloText:
    slo: Slo
    budget_line: str
    meaning_head: tuple[str, ...]  # before the lines of the page's own alerts
    closing_queries: tuple[Query, ...]


def slo_texts(service: Service) -> tuple[SloText, ...]:
    """One per SLO of the service, in its order."""
    return tuple(SloText(slo, *_sentences(slo), tuple(closing_queries(slo))) for slo in service.slos)


def _sentences(slo: Slo) -> tuple[str, tuple[str, ...]]:
    """The budget line and the Meaning opening: they read no metric, so SLOs alike in name and numbers share them."""
    key = (slo.name, str(slo.objective), slo.period_seconds, slo.sli.kind, slo.description, slo.by)  # all they read
    found = _SENTENCES.get(key)
    if found is None:
        if len(_SENTENCES) >= _SENTENCES_KEPT:
            _SENTENCES.clear()
        found = _SENTENCES[key] = (budget_line(slo), tuple(_meaning_head(slo)))
    return found


_SENTENCES: dict[tuple[object, ...], tuple[str, tuple[str, ...]]] = {}
_SENTENCES_KEPT = 1024


def text_of(texts: tuple[SloText, ...], slo: Slo) -> SloText:
    return next(text for text in texts if text.slo is slo)


def _meaning_head(slo: Slo) -> list[str]:
    budget = decimal_text(slo.error_budget * 100)
    out = [
        f"SLO **{slo.name}**: {decimal_text(slo.objective)}% of {_counted(slo)} good over "
        f"{format_duration(slo.period_seconds)} (error budget {budget}%)."
    ]
    if slo.description:
        out += ["", markdown.text(slo.description)]
    out += group_note(slo)
    out.append("")
    return out


def _counted(slo: Slo) -> str:
    return "time slices (rule evaluations)" if slo.sli.kind in SLICE_KINDS else "events"
