"""Where a human's runbook text should go when its alert went away in a rename.

A renamed service or SLO removes its alerts and adds alerts of the new name: an edited page stays where it
was (obsc never deletes a human's text), no alert links it any more, and the alert links a fresh stub. The
plan cannot know that a rename happened, only that one new stub looks like the old page's successor: the
same page name in another service's folder (a renamed service), or the same alert in the same folder with
another SLO suffix (a renamed SLO), else the same alert anywhere (both renamed at once: in the folder that
took the old folder's other pages, when one did), else the one new stub of the folder whose one page went (a
renamed threshold alert). Only a single such stub is named; several, or none, name nothing, except the same
page name in several other folders: a service split in two, whose every part may need the text.

A service merged into another leaves no new stub of the page's name: its alert is the other service's, whose
page was there before (round 44: signup folded into auth-login left signup's edited ServiceHighErrorRate page
named by nothing). When the page's whole folder went and one folder that was there before took new stubs (the
merged service's SLOs), that folder's page of the same name, else its one new stub of the same alert, is named.
"""

from __future__ import annotations

import posixpath

from compiler import conventions
from compiler.output.writer import Plan, Status


def successors(plan: Plan) -> dict[str, str | None]:
    """Each edited runbook whose alert went (ORPHANED) → the one new stub that likely took its alert, or None."""
    return {path: pages[0] if len(pages) == 1 else None for path, pages in _candidates(plan).items()}


def split_into(plan: Plan) -> dict[str, tuple[str, ...]]:
    """Each edited runbook whose alert went → the new stubs of its page name in several other folders (its
    service split in two: each part's alert links its own stub), when no single successor was found."""
    return {path: pages for path, pages in _candidates(plan).items() if len(pages) > 1}


def _candidates(plan: Plan) -> dict[str, tuple[str, ...]]:
    prefix = conventions.RUNBOOK_DIR + "/"
    added = [c.path for c in plan.changes if c.status is Status.ADDED and c.path.startswith(prefix)]
    orphaned = [c.path for c in plan.changes if c.status is Status.ORPHANED]
    gone = [c.path for c in plan.changes if c.status in (Status.ORPHANED, Status.REMOVED) and c.path.startswith(prefix)]
    out: dict[str, tuple[str, ...]] = {}
    for path in orphaned:
        folder, name = posixpath.split(path)
        moved = [p for p in added if posixpath.basename(p) == name and posixpath.dirname(p) != folder]
        alert, _, slo = name.removesuffix(".md").partition("-")
        same_alert = _same_alert(path, alert, added, gone) if slo else []
        renamed = [p for p in same_alert if posixpath.dirname(p) == folder]
        # the folder's one new stub, when this is its one page that went (two: which took which cannot be told)
        only = [p for p in orphaned if posixpath.dirname(p) == folder] == [path]
        alone = [p for p in added if posixpath.dirname(p) == folder] if only else []
        found = moved or renamed or same_alert or alone  # same_alert: service and SLO renamed at once
        out[path] = tuple(found) if len(found) == 1 or found is moved else ()
    return out


def _same_alert(path: str, alert: str, added: list[str], gone: list[str]) -> list[str]:
    """New stubs of `alert` (service and SLO renamed at once). When the folder's other pages went by the same
    names to one other folder (the service renamed), only that folder's stubs, less those same names: the
    service's other SLOs' stubs are their own pages' successors, not this one's."""
    folder = posixpath.dirname(path)
    names = {posixpath.basename(p) for p in gone if posixpath.dirname(p) == folder}
    found = [p for p in added if _alert(p) == alert]
    into = {posixpath.dirname(p) for p in added if posixpath.basename(p) in names and posixpath.dirname(p) != folder}
    if len(into) != 1:
        return found
    return [p for p in found if posixpath.dirname(p) in into and posixpath.basename(p) not in names]


def _alert(path: str) -> str:
    """The alert a page is for: runbooks/<service>/<Alert>[-<slo>].md (alert names hold no `-`)."""
    return posixpath.basename(path).removesuffix(".md").partition("-")[0]


_KEPT = (Status.ADDED, Status.CHANGED, Status.UNCHANGED, Status.PRESERVED)


def merged_into(plan: Plan) -> dict[str, str]:
    """Each edited runbook whose alert went, with no successor or split named → the page of its alert in the one
    folder that was there before and took new stubs, when the page's own folder went whole (a merged service)."""
    prefix = conventions.RUNBOOK_DIR + "/"
    kept = {c.path for c in plan.changes if c.status in _KEPT and c.path.startswith(prefix)}
    added = [c.path for c in plan.changes if c.status is Status.ADDED and c.path.startswith(prefix)]
    grown = {posixpath.dirname(p) for p in added} & {posixpath.dirname(p) for p in kept if p not in added}
    out: dict[str, str] = {}
    for path, pages in _candidates(plan).items():
        folder, name = posixpath.split(path)
        if pages or len(grown) != 1 or any(posixpath.dirname(p) == folder for p in kept):
            continue
        (into,) = grown
        same = posixpath.join(into, name)
        alike = [p for p in added if posixpath.dirname(p) == into and _alert(p) == _alert(path)]
        page = same if same in kept else alike[0] if len(alike) == 1 else None
        if page is not None:
            out[path] = page
    return out
