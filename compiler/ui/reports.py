"""Summaries of a compile or a check, for a person (text on stdout, as before) or a program (JSON on stderr)."""

from __future__ import annotations

import logging
import os
import sys
from collections.abc import Sequence
from typing import Any

from compiler import conventions
from compiler.api import Compilation
from compiler.changes import Change, Summary
from compiler.errors import ExitCode
from compiler.model.backend_reach import backend_reach_warnings
from compiler.model.client_error_counters import client_error_counter_warnings
from compiler.model.cluster_gauges import cluster_gauge_warnings, leader_only_warnings
from compiler.model.committed_shares import committed_share_warnings
from compiler.model.counter_joins import counter_join_warnings
from compiler.model.dns_rcodes import dns_rcode_warnings
from compiler.model.exporter_counters import counter_gauge_warnings
from compiler.model.exporter_jobs import exporter_job_warnings
from compiler.model.exporter_values import exporter_value_warnings
from compiler.model.grpc_codes import grpc_code_warnings
from compiler.model.healthy_lines import inherited_lines_below_budget
from compiler.model.histogram_names import histogram_name_warnings
from compiler.model.http_status_codes import http_status_warnings
from compiler.model.ingress_relays import ingress_relay_warnings
from compiler.model.label_vocabularies import label_vocabulary_warnings
from compiler.model.long_running import long_running_warnings
from compiler.model.mesh_directions import direction_warnings
from compiler.model.mesh_grpc_status import mesh_grpc_status_warnings
from compiler.model.mesh_views import answering_pod_warnings, destination_view_warnings
from compiler.model.micrometer_buckets import micrometer_bucket_warnings
from compiler.model.otel_relays import otel_relay_warnings
from compiler.model.pinned_info import pinned_info_warnings
from compiler.model.probe_readings import failed_probe_warnings
from compiler.model.proxy_buckets import proxy_bucket_warnings
from compiler.model.reachable_pairs import left_out_warnings
from compiler.model.relays import missing_relays
from compiler.model.schedule_times import schedule_time_warnings
from compiler.model.selector_overlap import overlaps
from compiler.model.span_metrics import span_metric_warnings
from compiler.model.state_sets import state_set_warnings
from compiler.model.success_totals import success_total_warnings
from compiler.model.summary_slices import summary_histogram_warnings, summary_slice_warnings
from compiler.model.types import Fleet, Service
from compiler.model.unbounded_groups import group_label_warnings
from compiler.model.up_join_labels import up_join_warnings
from compiler.model.window_mean import window_mean_warnings
from compiler.output import claim, runbook_drift, runbook_moves, swap, writer
from compiler.output.subset import Subset
from compiler.targets import alertmanager as alertmanager_target
from compiler.targets import link_notes
from compiler.targets import prometheus as prometheus_target
from compiler.ui import console, render
from compiler.ui.console import Console
from compiler.ui.recorded import Out, Recorded
from compiler.ui.rerun import Inputs

S = writer.Status
log = logging.getLogger("obsc")


def compiled(out: Console, compilation: Compilation, plan: writer.Plan) -> None:
    fleet = compilation.fleet
    slos = sum(len(s.slos) for s in fleet.services)
    shown = (S.ADDED, S.CHANGED, S.REMOVED, S.UNCHANGED)
    counts: dict[str, Any] = {status.value: plan.count(status) for status in shown}
    out.say(
        f"obsc: {len(fleet.services)} service(s), {slos} SLO(s) -> {plan.out_dir}: "
        + ", ".join(f"{n} {status}" for status, n in counts.items()),
        stdout=True,
        event="compiled",
        services=len(fleet.services),
        slos=slos,
        out=plan.out_dir,
        **counts,
    )
    preserved = [c.path for c in plan.changes if c.status is S.PRESERVED]
    orphaned = [c.path for c in plan.changes if c.status is S.ORPHANED]
    if preserved:
        stale = runbook_drift.outdated(plan, compilation.bundle)
        fields: dict[str, Any] = {"kept": preserved, **({"outdated": stale} if stale else {})}
        out.say(
            f"obsc: kept {len(preserved)} human-edited runbook(s) as they are" + _outdated_text(stale),
            stdout=True,
            **fields,
        )
    moves = runbook_moves.successors(plan) if orphaned else {}
    splits = runbook_moves.split_into(plan) if orphaned else {}
    merges = runbook_moves.merged_into(plan) if orphaned else {}
    for path in orphaned:
        page, parts = moves.get(path) or merges.get(path), splits.get(path, ())
        hint = f"; if its alert was renamed, it now links {page}, a new stub: move your text there" if page else ""
        hint = f"; {_merge_text(page)}: move your text there" if path in merges else hint
        hint += f"; if its service was split, {_split_text(parts)}: copy your text to each" if parts else ""
        out.say(
            f"obsc: runbook {path} was edited by a human but its alert no longer exists; kept it{hint}",
            stdout=True,
            level="warning",
            file=path,
            **({"successor": page} if page else {}),
            **({"successors": list(parts)} if parts else {}),
        )
    if plan.drift and _working_directory_gone():
        out.say(
            f"obsc: note: the working directory was inside {plan.out_dir}, which was replaced whole: run "
            '`cd "$PWD"` to see the new files',
            stdout=True,
        )


def _working_directory_gone() -> bool:
    """Whether the working directory was in the old tree, deleted after the swap (the shell still holds it)."""
    try:
        os.getcwd()
    except FileNotFoundError:
        return True
    return False


def _merge_text(page: str | None) -> str:
    return f"if its service was merged into another, its alert now links {page}"


def _split_text(parts: Sequence[str]) -> str:
    return "its alerts now link " + ", ".join(parts[:-1]) + f" and {parts[-1]}, new stubs"


def _outdated_text(pages: list[str]) -> str:
    if not pages:
        return ""
    shown = ", ".join(pages[:5]) + (f" and {len(pages) - 5} more" if len(pages) > 5 else "")
    return (
        f"; {len(pages)} written from a stub obsc has changed since (its alert's lines, queries, links or "
        f"receivers): {shown} (to compare, move a page away and compile; once a page is up to date, delete its "
        "first line, the obsc:stub marker)"
    )


def absent_out(out: Console, plan: writer.Plan) -> None:
    """`obsc diff` against an --out that does not exist read every alert as added (82 changes for one service),
    with no word that there was nothing to compare with (round 43); so did one against a folder obsc never
    compiled into, a checkout of another repository (round 44: 160 changes for a 6-service fleet, exit 0, where
    `check` names the folder). Said on stderr: the PR comment is unchanged."""
    if not os.path.lexists(plan.out_dir):
        out.say(
            f"obsc diff: {plan.out_dir} does not exist (a relative --out is read from the current directory): every "
            "alert, route and dashboard reads as added; compile and commit the output first, or name the folder "
            "it was written to",
            level="warning",
        )
    elif claim.unclaimed(plan.out_dir):
        out.say(
            f"obsc diff: {plan.out_dir} is not an obsc output folder (it holds other files and no "
            f"{conventions.MANIFEST}): every alert, route and dashboard reads as added; name the folder obsc wrote, "
            f"or, if this one is meant to hold obsc's output, compile into it with {claim.ADOPT_FLAG} and commit "
            "what it writes first",
            level="warning",
        )


def stranded_runbooks(summary: Summary, plan: writer.Plan) -> None:
    """`obsc diff` rows for edited runbooks that no alert will link: the PR comment is where a reviewer sees
    that a rename leaves the team's page behind (compile says it once, to whoever runs it)."""
    splits, merges = runbook_moves.split_into(plan), runbook_moves.merged_into(plan)
    for path, page in runbook_moves.successors(plan).items():
        details = ["edited by a human; no alert links it after this change (kept as it is)"]
        if page:
            details.append(f"if its alert was renamed, it links {page}, a new stub: move the text there")
        if path in merges:
            details.append(f"{_merge_text(merges[path])}: move the text there")
        if path in splits:
            details.append(f"if its service was split, {_split_text(splits[path])}: copy the text to each")
        summary.changes.append(Change("runbook", "kept", path, tuple(details)))


def warnings(out: Console, plan: writer.Plan) -> None:
    for warning in plan.warnings:
        out.say(f"obsc: warning: {plan.out_dir}/{warning}", level="warning")
    for tree in plan.left_behind:
        out.say(f"obsc: warning: {tree}: {swap.undeletable(tree)}", level="warning")
    for tree in plan.killed:  # in a deploy checkout, `git add -A` would commit it (round 44)
        out.say(
            f"obsc: warning: {tree}: left by a compile that was killed (SIGKILL, a crash); not part of the output, "
            "which is compared as it is: the next `obsc compile` repairs the output from it and removes it; do not "
            "commit it",
            level="warning",
        )


def recorded_fleet_warnings(fleet: Fleet, fmt: str) -> Recorded:
    """`fleet_warnings`, kept to be said by the parent: a compile works them out in its generation pool."""
    said = Recorded()
    fleet_warnings(said, fleet, fmt)
    return said


def fleet_warnings(out: Out, fleet: Fleet, fmt: str) -> None:
    """What a compile warns of the fleet it compiled (none for a fleet without services): links, routing, specs."""
    if fleet.services:
        link_warnings(out, fleet)
        for warning in alertmanager_target.routing_warnings(fleet, fmt):
            out.problem(f"obsc: warning: {warning}", code="routing", level="warning")
        spec_warnings(out, fleet)


def spec_warnings(out: Out, fleet: Fleet) -> None:
    """What compiles but may not be meant: selectors that overlap another service's, then fleet_diagnostics."""
    for warning in overlaps(fleet.services):
        out.problem(f"obsc: warning: {warning}", code="overlap", level="warning")
    for warning in missing_relays(fleet.services):
        out.problem(f"obsc: warning: {warning}", code="overlap", level="warning")
    fleet_diagnostics(out, fleet)


def link_warnings(out: Out, fleet: Fleet) -> None:
    """Links an alert carries that a notification cannot open, and a runbook_url that joins pages (located)."""
    for warning in link_notes.unopenable(fleet.platform):
        out.problem(f"obsc: warning: {warning}", code="links", level="warning")
    out.diagnostics(link_notes.shared_pages(fleet), severity="warning", code="links")


def fleet_diagnostics(out: Out, fleet: Fleet) -> None:
    """spec_diagnostics, then the standard dashboards left out of a service's files because they render no panel
    for it (located): what `compile` and `validate` both say."""
    spec_diagnostics(out, fleet.services)
    out.diagnostics(fleet.dashboard_warnings, severity="warning", code="dashboards")


def layout_warnings(out: Console, compilation: Compilation) -> None:
    """What the rule engine of `--format` will refuse unless it is configured for obsc's rules."""
    if compilation.options is not None and compilation.options.format == "mimir":
        for warning in prometheus_target.ruler_limit_warnings(compilation.bundle.artifacts):
            out.problem(f"obsc: warning: {warning}", code="layout", level="warning")


def spec_diagnostics(out: Out, services: Sequence[Service]) -> None:
    """Located warnings `compile` and `validate` both say: burn pairs left out, raw queries whose long windows
    are no mean of their 5m values, scrape-target labels guessed,
    inherited error-rate lines that fire on a healthy SLO, counter lines under a few events a day,
    exporter series read by the service's own job, the caller's gRPC codes, HTTP statuses and DNS answers counted as
    failures, matchers in another exporter's spelling (HAProxy's classes, numbers, upper-case verbs),
    an installation's gauges summed over the processes that each write them,
    Istio's calls counted in the server's view only or by an HTTP status that gRPC's failures leave at 200,
    Linkerd's counted in both directions,
    watches and streams timed with short requests, counter expressions joined with `+`/`-`, exporters' error
    counters that count 4xx, latency histograms whose name does not say their unit, Micrometer timers at a
    threshold they write no bucket for, span metrics that mix span kinds or count an unset status as failed, totals
    that count only successes, probe gauges whose condition a failed probe passes,
    memory shares of what a runtime has committed, state-set gauges read across every state,
    backend exporters read with nothing paging when they cannot reach the backend, time slices over a summary's
    quantile combined across series."""
    out.diagnostics(left_out_warnings(services), severity="warning", code="burn")
    out.diagnostics(window_mean_warnings(services), severity="warning", code="burn")
    out.diagnostics([d for s in services for d in s.targets_guess], severity="warning", code="targets")
    out.diagnostics([d for s in services for d in inherited_lines_below_budget(s)], severity="warning", code="lines")
    out.diagnostics([d for s in services for d in s.sparse_lines], severity="warning", code="lines")
    out.diagnostics(exporter_job_warnings(services), severity="warning", code="selector")
    out.diagnostics(grpc_code_warnings(services), severity="warning", code="selector")
    out.diagnostics(http_status_warnings(services), severity="warning", code="selector")
    out.diagnostics(dns_rcode_warnings(services), severity="warning", code="selector")
    out.diagnostics(exporter_value_warnings(services), severity="warning", code="selector")
    out.diagnostics(label_vocabulary_warnings(services), severity="warning", code="selector")
    out.diagnostics(destination_view_warnings(services), severity="warning", code="selector")
    out.diagnostics(mesh_grpc_status_warnings(services), severity="warning", code="selector")
    out.diagnostics(direction_warnings(services), severity="warning", code="selector")
    out.diagnostics(answering_pod_warnings(services), severity="warning", code="selector")
    out.diagnostics(long_running_warnings(services), severity="warning", code="selector")
    out.diagnostics(histogram_name_warnings(services), severity="warning", code="selector")
    out.diagnostics(micrometer_bucket_warnings(services), severity="warning", code="selector")
    out.diagnostics(proxy_bucket_warnings(services), severity="warning", code="selector")
    out.diagnostics(group_label_warnings(services), severity="warning", code="selector")
    out.diagnostics(up_join_warnings(services), severity="warning", code="selector")
    out.diagnostics(counter_join_warnings(services), severity="warning", code="selector")
    out.diagnostics(client_error_counter_warnings(services), severity="warning", code="selector")
    out.diagnostics(span_metric_warnings(services), severity="warning", code="selector")
    out.diagnostics(ingress_relay_warnings(services), severity="warning", code="selector")
    out.diagnostics(otel_relay_warnings(services), severity="warning", code="selector")
    out.diagnostics(success_total_warnings(services), severity="warning", code="selector")
    out.diagnostics(failed_probe_warnings(services), severity="warning", code="selector")
    out.diagnostics(committed_share_warnings(services), severity="warning", code="selector")
    out.diagnostics(state_set_warnings(services), severity="warning", code="selector")
    out.diagnostics(cluster_gauge_warnings(services), severity="warning", code="selector")
    out.diagnostics(leader_only_warnings(services), severity="warning", code="selector")
    out.diagnostics(backend_reach_warnings(services), severity="warning", code="selector")
    out.diagnostics(summary_slice_warnings(services), severity="warning", code="selector")
    out.diagnostics(summary_histogram_warnings(services), severity="warning", code="selector")
    out.diagnostics(counter_gauge_warnings(services), severity="warning", code="selector")
    out.diagnostics(pinned_info_warnings(services), severity="warning", code="selector")
    out.diagnostics(schedule_time_warnings(services), severity="warning", code="selector")


def label(change: writer.FileChange, plan: writer.Plan) -> str:
    """What a check says of a file: a file the previous compile wrote (it is in the manifest) and that is
    gone now was deleted from --out: "missing", not "added"."""
    if change.status is S.ADDED and change.path in plan.owned:
        return "missing"
    return change.status.value


def not_compared(summary: Summary, subset: Subset | None, given: Inputs) -> None:
    """A diff of spec files compares only their services' files: it names the fleet-wide ones it kept as
    they are (never a silent "no change" for a receiver that moved) and the `obsc diff` that compares them,
    over the fleet's folder (a folder is the whole fleet)."""
    kept = subset.kept_fleet_wide if subset else ()
    if not kept:
        return
    summary.not_compared, summary.compare_all = tuple(kept), given.whole_fleet("diff")


def check_not_compared(out: Console, kept: Sequence[str], given: Inputs) -> None:
    """The same for `check`: its "up to date" (exit 0) is about the named services' files, and a receiver that
    moved in platform.yaml is drift only the directory's check sees; said on every run, drift or not."""
    if kept:
        command = given.whole_fleet("check")
        out.say(
            f"obsc check: not compared (spec files named, not the fleet): {', '.join(kept)}; run `{command}` to "
            "compare them",
            stdout=True,
            not_compared=list(kept),
            compare_all=command,
        )


def drift(out: Console, plan: writer.Plan, command: str) -> None:
    """`check` found differences: the list and unified diffs on stdout (machine output, the same in every
    format); on stderr one problem per file when errors are JSON or GitHub annotations, then the total."""
    changes = plan.drift
    # No output folder at all (never compiled, or --out read from another folder): every file's diff is the file
    # whole, thousands of lines of CI log that say less than its name.
    absent = not os.path.lexists(plan.out_dir)
    # A folder obsc never compiled into (another tool's, a project checkout): the same, and compile would refuse it.
    foreign = not absent and claim.unclaimed(plan.out_dir)
    try:
        for change in changes:  # paths and diff lines hold spec text: none may read as a CI runner's command
            console.echo(render.terminal_line(f"{label(change, plan)}: {change.path}"))
        for path in plan.strangers:  # a file name may hold a line break: one line each
            console.echo(render.terminal_line(f"{UNOWNED}: {path}"))
        for change in changes if not (absent or foreign) else ():
            console.echo(render.ci_inert(change.diff()), nl=False)
    except console.StdoutError as exc:
        if not exc.closed_by_reader:
            raise
        console.silence_stdout()  # `obsc check | head`: the reader has what it wanted; the verdict is still drift
    fixes = {change.path: (label(change, plan), f"run `{command}`") for change in changes}
    fixes.update((path, (UNOWNED, "move it out of the output")) for path in plan.strangers)
    if out.settings.errors != "text":
        for path, (status, fix) in fixes.items():
            out.problem(
                f"obsc check: {path}: {_meaning[status]}; {fix}",
                code="drift",
                file=os.path.join(plan.out_dir, path),
                status=status,
            )
    verdict = f"{len(changes)} file(s) differ from the specs; run `{command}`" if changes else ""
    if absent:
        verdict = (
            f"{plan.out_dir} does not exist (a relative --out is read from the current directory): the specs produce "
            f"{len(changes)} file(s) there; run `{command}` and commit what it writes, or name the folder it wrote"
        )
    if foreign:
        verdict = (
            f"{plan.out_dir} is not an obsc output folder (it holds other files and no {conventions.MANIFEST}): the "
            f"specs produce {len(changes)} file(s) there; if it is meant to hold obsc's output, run "
            f"`{command} {claim.ADOPT_FLAG}` and commit what it writes, or name the folder obsc wrote"
        )
    if plan.strangers:
        verdict += "; " if verdict else ""
        loaded = "where Prometheus, Grafana or Alertmanager load the output"
        verdict += f"{len(plan.strangers)} file(s) no spec produced, {loaded}; move them out"
    out.say(f"obsc check: {verdict}", level="error", code="drift", files=len(fixes), exit=1)


UNOWNED = "unowned"  # check's word for a loaded stranger (output/strangers.py)


_meaning = {
    "missing": "deleted from the output; the specs still produce it",
    "added": "the specs produce it, the output does not have it",
    "changed": "differs from what the specs produce",
    "removed": "no spec produces it any more",
    UNOWNED: (
        "not obsc's, where Prometheus, Grafana or Alertmanager load the output: it would be deployed with no spec "
        "behind it"
    ),
}


def written_format(out: Console, out_dir: str, fmt: str | None, mismatch: ExitCode) -> str:
    """The --format to compare in: the one --out's manifest records unless given; a different one given is
    refused with one line (comparing layouts would print every file as changed)."""
    recorded = writer.recorded_format(out_dir)
    if fmt is None:
        return _as_recorded(recorded, out_dir, "comparing")
    if recorded is not None and recorded != fmt:
        message = f"obsc: {out_dir} was written with --format {recorded}; pass --format {recorded} or recompile"
        out.problem(
            f"{message} with --format {fmt}", code="format", recorded=recorded, requested=fmt, exit=int(mismatch)
        )
        sys.exit(mismatch)
    return fmt


def compile_format(out: Console, out_dir: str, fmt: str | None, subset: bool) -> str:
    """The --format a compile writes in: the one --out was written with unless given (as check and diff
    compare). A compile of spec files one by one (`subset`) may not change it: it would move its own services'
    rule files into the new layout and leave every other service's in the old one."""
    recorded = writer.recorded_format(out_dir)
    if fmt is None:
        return _as_recorded(recorded, out_dir, "compiling")
    if subset and recorded is not None and recorded != fmt:
        message = (
            f"obsc: {out_dir} was written with --format {recorded}; spec files named one by one cannot change "
            f"its layout (the other services' rule files would stay in the old one): compile the spec directory "
            f"with --format {fmt}, or add --prune"
        )
        out.problem(message, code="format", recorded=recorded, requested=fmt, exit=int(ExitCode.BAD_INPUT))
        sys.exit(ExitCode.BAD_INPUT)
    return fmt


def _as_recorded(recorded: str | None, out_dir: str, doing: str) -> str:
    """No --format given: the layout --out's manifest records, else the plain one."""
    if recorded not in (None, "prometheus"):
        log.info("%s in --format %s, the format %s was compiled with", doing, recorded, out_dir)
    return recorded or "prometheus"
