"""The `obsc` command: parse flags, call the library, print, pick the exit code. Nothing else."""

from __future__ import annotations

import logging
import os
import re
import sys
import traceback
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import click

from compiler import __version__, changes, logs
from compiler.api import Compilation, CompileOptions, compile_specs, load_fleet, regenerate_command, stage
from compiler.errors import ExitCode, InputError, OutputError, ToolError, json_path
from compiler.output import writer
from compiler.output.guard import refuse_unsafe_out
from compiler.output.lock import LockBusy
from compiler.spec.schema import NAME_PATTERN, schema_json
from compiler.starter import starter_spec

log = logging.getLogger("obsc")

EXIT_CODES = """\b
Exit codes:
  0  success
  1  drift (check), or promtool/amtool rejected the generated output
  2  bad input: spec errors (file:line:col $.path: message), bad flags, unwritable output
  3  a required external tool (promtool, amtool) is missing
  4  --no-wait, and another obsc run is using the same --out
  5  obsc verify: the Prometheus server cannot be reached
  70 internal error in obsc (a bug: please report it)"""

F = TypeVar("F", bound=Callable[..., Any])


def _common(func: F) -> F:
    func = click.option(
        "-v", "--verbose", count=True, help="More detail: -v explains choices and timings, -vv debugs."
    )(func)
    func = click.option("-q", "--quiet", is_flag=True, help="Only errors.")(func)
    func = click.option(
        "--log-format",
        type=click.Choice(["text", "json"]),
        default="text",
        show_default=True,
        help="Log lines on stderr as text or one JSON object per line (with stage timings).",
    )(func)
    return func


def _spec_options(func: F) -> F:
    func = click.option(
        "--platform",
        "platform_file",
        type=click.Path(dir_okay=False),
        default=None,
        help="Platform defaults file (default: platform.yaml beside the specs).",
    )(func)
    func = click.option(
        "-J",
        "--jpath",
        multiple=True,
        type=click.Path(file_okay=False),
        help="Jsonnet library path (repeatable); imports may not leave these or the spec's folder.",
    )(func)
    return func


def _output_options(func: F) -> F:
    func = click.option(
        "--format",
        "fmt",
        type=click.Choice(["prometheus", "prometheus-operator", "mimir"]),
        default="prometheus",
        show_default=True,
        help="Layout of the rule files.",
    )(func)
    func = click.option(
        "--out",
        "out_dir",
        required=True,
        type=click.Path(file_okay=False),
        help="Output directory (replaced atomically; files obsc does not own are kept as they are).",
    )(func)
    func = click.option(
        "--wait/--no-wait",
        default=True,
        show_default=True,
        help="When another obsc run uses the same --out: wait for it, or fail at once (exit 4).",
    )(func)
    return func


@click.group(epilog=EXIT_CODES, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="obsc")
def cli() -> None:
    """Compile service specs into Prometheus rules, Alertmanager routes, Grafana dashboards and runbooks."""


def _setup(verbose: int, quiet: bool, log_format: str) -> int:
    verbosity = -1 if quiet else verbose
    logs.configure(verbosity, log_format)
    return verbosity


def _options(
    specs: tuple[str, ...], jpath: tuple[str, ...], platform_file: str | None, fmt: str, out_dir: str
) -> CompileOptions:
    command = regenerate_command(specs, out_dir, fmt)
    return CompileOptions(jsonnet_paths=jpath, platform_file=platform_file, format=fmt, regenerate_command=command)


@cli.command("compile", epilog=EXIT_CODES)
@click.argument("specs", nargs=-1, required=True)
@_output_options
@_spec_options
@click.option("--validate/--no-validate", default=True, show_default=True, help="Run promtool/amtool on the output.")
@click.option("--revalidate-all", is_flag=True, help="Ignore the record of bytes that passed (--out/.obsc-validated).")
@click.option("--prune", is_flag=True, help="Named spec files own --out: remove other services' files.")
@_common
def compile_cmd(
    specs: tuple[str, ...],
    out_dir: str,
    fmt: str,
    jpath: tuple[str, ...],
    platform_file: str | None,
    validate: bool,
    revalidate_all: bool,
    prune: bool,
    wait: bool,
    verbose: int,
    quiet: bool,
    log_format: str,
) -> None:
    """Compile SPECS (files or directories) into --out."""
    verbosity = _setup(verbose, quiet, log_format)
    _refuse_unsafe_out(out_dir, specs, jpath, platform_file)
    compilation = compile_specs(specs, _options(specs, jpath, platform_file, fmt, out_dir))
    _explain(compilation, verbosity)

    def check_tree(tree: str) -> None:
        from compiler.toolcheck import validate_bundle  # late: `check` and --no-validate never need it
        with stage("toolcheck", compilation.timings):  # the record of what passed is read from out_dir
            validate_bundle(compilation.written(subset), tree, out_dir, revalidate_all)

    with stage("write", compilation.timings):
        # Validation runs on the finished tree before it replaces the old one: rejected output never lands.
        subset = compilation.subset(specs, prune)
        plan = writer.compile_into(
            compilation.bundle, out_dir, check_tree if validate else None, wait=wait, on_wait=_say, subset=subset
        )
    _warn(plan, verbosity)
    if verbosity >= 0:
        _report(compilation, plan)
    if subset and subset.kept_fleet_wide and verbosity >= 0:
        click.echo(f"obsc: kept fleet-wide {', '.join(subset.kept_fleet_wide)}: compile the spec directory to update")


@cli.command("check", epilog=EXIT_CODES)
@click.argument("specs", nargs=-1, required=True)
@_output_options
@_spec_options
@_common
def check_cmd(
    specs: tuple[str, ...],
    out_dir: str,
    fmt: str,
    jpath: tuple[str, ...],
    platform_file: str | None,
    wait: bool,
    verbose: int,
    quiet: bool,
    log_format: str,
) -> None:
    """Regenerate in memory and compare with --out; exit 1 on any difference."""
    verbosity = _setup(verbose, quiet, log_format)
    _refuse_unsafe_out(out_dir, specs, jpath, platform_file)
    compilation = compile_specs(specs, _options(specs, jpath, platform_file, fmt, out_dir))
    _explain(compilation, verbosity)
    with stage("diff", compilation.timings):
        subset = compilation.subset(specs)  # named files: only their services' files are compared
        plan = writer.check_against(compilation.bundle, out_dir, wait=wait, on_wait=_say, subset=subset)
    _warn(plan, verbosity)
    drift = plan.drift
    if not drift:
        if verbosity >= 0:
            click.echo(f"obsc check: {out_dir} is up to date ({len(compilation.bundle.artifacts)} files)")
        return
    for change in drift:
        click.echo(f"{change.status.value}: {change.path}")
    for change in drift:
        click.echo(change.diff(), nl=False)
    command = _options(specs, jpath, platform_file, fmt, out_dir).regenerate_command
    click.echo(f"obsc check: {len(drift)} file(s) differ from the specs; run `{command}`", err=True)
    sys.exit(ExitCode.DRIFT)


@cli.command("diff", epilog=EXIT_CODES)
@click.argument("specs", nargs=-1, required=True)
@_output_options
@_spec_options
@click.option(
    "--as",
    "shape",
    type=click.Choice(["markdown", "json"]),
    default="markdown",
    show_default=True,
    help="Markdown for a pull-request comment, JSON for tools.",
)
@_common
def diff_cmd(
    specs: tuple[str, ...],
    out_dir: str,
    fmt: str,
    jpath: tuple[str, ...],
    platform_file: str | None,
    shape: str,
    wait: bool,
    verbose: int,
    quiet: bool,
    log_format: str,
) -> None:
    """Summarise what compiling SPECS would change in --out for operations: alerts added, removed or changed
    (expression, hold, severity), routes, receivers, inhibitions and dashboards. Informational: exit 0."""
    verbosity = _setup(verbose, quiet, log_format)
    _refuse_unsafe_out(out_dir, specs, jpath, platform_file)
    compilation = compile_specs(specs, _options(specs, jpath, platform_file, fmt, out_dir))
    _explain(compilation, verbosity)
    with stage("diff", compilation.timings):
        subset = compilation.subset(specs)  # named files: only their services' files are compared
        plan = writer.check_against(compilation.bundle, out_dir, wait=wait, on_wait=_say, subset=subset)
    summary = changes.summarise((c.path, c.old, c.new) for c in plan.drift)
    click.echo(summary.to_json() if shape == "json" else summary.to_markdown(), nl=False)


@cli.command("validate", epilog=EXIT_CODES)
@click.argument("specs", nargs=-1, required=True)
@_spec_options
@_common
def validate_cmd(
    specs: tuple[str, ...],
    jpath: tuple[str, ...],
    platform_file: str | None,
    verbose: int,
    quiet: bool,
    log_format: str,
) -> None:
    """Check SPECS only (schema and meaning); writes nothing."""
    verbosity = _setup(verbose, quiet, log_format)
    fleet, notes = load_fleet(specs, CompileOptions(jsonnet_paths=jpath, platform_file=platform_file), {})
    if verbosity >= 1:
        for note in notes:
            click.echo(f"note: {note}", err=True)
    if verbosity >= 0:
        slos = sum(len(s.slos) for s in fleet.services)
        click.echo(f"obsc validate: {len(fleet.services)} service(s), {slos} SLO(s): OK")


@cli.command("schema")
def schema_cmd() -> None:
    """Print the spec JSON Schema (draft 2020-12), for editors."""
    click.echo(schema_json(), nl=False)


@cli.command("init", epilog=EXIT_CODES)
@click.argument("service")
@click.option("--team", default="my-team", show_default=True)
@click.option("--dir", "directory", default=".", type=click.Path(file_okay=False), show_default=True)
def init_cmd(service: str, team: str, directory: str) -> None:
    """Write a commented starter spec DIR/SERVICE.yaml (never overwrites)."""
    for label, value in (("service", service), ("team", team)):
        if not re.fullmatch(NAME_PATTERN, value):
            raise click.BadParameter(
                f"{value!r}: use lowercase letters, digits and '-' (it becomes file names)", param_hint=label
            )
    text = starter_spec(service, team)
    target = Path(directory, f"{service}.yaml")
    if target.exists():
        raise click.UsageError(f"{target} already exists; not overwriting it")
    Path(directory).mkdir(parents=True, exist_ok=True)
    target.write_text(text, encoding="utf-8")
    click.echo(f"wrote {target}; edit it, then run: obsc validate {target}")


def _refuse_unsafe_out(
    out_dir: str, specs: tuple[str, ...], jpath: tuple[str, ...], platform_file: str | None
) -> None:
    refuse_unsafe_out(out_dir, [*specs, *jpath, *([platform_file] if platform_file else [])])


def _say(message: str) -> None:
    click.echo(message, err=True)


def _warn(plan: writer.Plan, verbosity: int) -> None:
    if verbosity >= 0:
        for warning in plan.warnings:
            click.echo(f"obsc: warning: {plan.out_dir}/{warning}", err=True)
@cli.command("import", epilog=EXIT_CODES)
@click.argument("fmt", metavar="sloth|openslo|pyrra", type=click.Choice(["sloth", "openslo", "pyrra"]))
@click.argument("files", nargs=-1, required=True, type=click.Path(dir_okay=False))
@click.option("--out", "out_dir", required=True, type=click.Path(file_okay=False), help="Directory for the specs.")
@click.option("--team", default=None, help="Owning team of every imported service (default: from the source).")
@click.option("--period", default="30d", show_default=True, help="SLO period of Sloth specs (Sloth's default).")
@click.option("--force", is_flag=True, help="Replace spec files that already exist in --out.")
@_common
def import_cmd(
    fmt: str,
    files: tuple[str, ...],
    out_dir: str,
    team: str | None,
    period: str,
    force: bool,
    verbose: int,
    quiet: bool,
    log_format: str,
) -> None:
    """Convert Sloth, OpenSLO or Pyrra specs into obsc specs in --out (one per service, plus a platform
    skeleton when --out has none). Every source field that cannot be carried over is reported."""
    from compiler import importing

    verbosity = _setup(verbose, quiet, log_format)
    written, report = importing.run(fmt, files, out_dir, team=team, period=period, force=force)
    for line in report:
        click.echo(line, err=True)
    if verbosity >= 0:
        click.echo(f"obsc import: wrote {', '.join(written)} in {out_dir}; next: obsc validate {out_dir}")


@cli.command("verify", epilog=EXIT_CODES)
@click.argument("specs", nargs=-1, required=True)
@click.option("--prometheus", "url", required=True, help="Base URL of the Prometheus server, e.g. http://127.0.0.1:9090")
@click.option("--lookback", default="1h", show_default=True, help="How far back a series counts as present.")
@click.option("--timeout", default=5.0, show_default=True, type=click.FloatRange(0.1, 120), help="Seconds per request.")
@click.option("--retries", default=2, show_default=True, type=click.IntRange(0, 5), help="Retries per request.")
@_spec_options
@_common
def verify_cmd(
    specs: tuple[str, ...],
    url: str,
    lookback: str,
    timeout: float,
    retries: int,
    jpath: tuple[str, ...],
    platform_file: str | None,
    verbose: int,
    quiet: bool,
    log_format: str,
) -> None:
    """Check SPECS against a live Prometheus (read-only queries): every metric has series, every latency
    threshold is a bucket, the selector finds targets on `up`, obsc's loaded rules are healthy.
    Exit 1 when anything is found, 5 when the server cannot be reached."""
    import json

    from compiler.model.units import parse_duration
    from compiler.verify import Unreachable, VerifyOptions, verify_specs

    verbosity = _setup(verbose, quiet, log_format)
    try:
        parse_duration(lookback)
    except ValueError:
        raise click.BadParameter(f"{lookback!r} is not a duration like 1h or 30m", param_hint="--lookback") from None
    if not re.match(r"^https?://[^\s/]+", url):
        raise click.BadParameter(f"{url!r} is not an http(s) URL", param_hint="--prometheus")
    options = VerifyOptions(url, lookback, timeout, retries, jpath, platform_file)
    try:
        findings = verify_specs(specs, options)
    except Unreachable as exc:
        click.echo(f"obsc verify: cannot reach Prometheus: {exc}", err=True)
        sys.exit(ExitCode.UNREACHABLE)
    for finding in findings:
        if log_format == "json":
            loc = finding.location
            record = {"file": loc.file, "line": loc.line, "col": loc.col, "message": finding.message}
            click.echo(json.dumps({**record, "path": json_path(finding.path)}, sort_keys=True))
        else:
            click.echo(str(finding))
    if findings:
        click.echo(f"obsc verify: {len(findings)} finding(s) against {url}", err=True)
        sys.exit(ExitCode.DRIFT)
    if verbosity >= 0:
        click.echo(f"obsc verify: every metric, bucket and target was found on {url}", err=True)


def _explain(compilation: Compilation, verbosity: int) -> None:
    if verbosity >= 1:
        for note in compilation.notes:
            log.info(note)


def _report(compilation: Compilation, plan: writer.Plan) -> None:
    fleet = compilation.fleet
    S = writer.Status
    slos = sum(len(s.slos) for s in fleet.services)
    click.echo(
        f"obsc: {len(fleet.services)} service(s), {slos} SLO(s) -> {plan.out_dir}: "
        f"{plan.count(S.ADDED)} added, {plan.count(S.CHANGED)} changed, {plan.count(S.REMOVED)} removed, "
        f"{plan.count(S.UNCHANGED)} unchanged"
    )
    preserved = [c.path for c in plan.changes if c.status is S.PRESERVED]
    orphaned = [c.path for c in plan.changes if c.status is S.ORPHANED]
    if preserved:
        click.echo(f"obsc: kept {len(preserved)} human-edited runbook(s) as they are")
    for path in orphaned:
        click.echo(f"obsc: runbook {path} was edited by a human but its alert no longer exists; kept it")


def main() -> None:
    """Entry point: map every failure to a message and an exit code; never show a traceback."""
    try:
        cli.main(standalone_mode=False)
    except InputError as exc:
        for diagnostic in exc.diagnostics:
            click.echo(str(diagnostic), err=True)
        count = len(exc.diagnostics)
        click.echo(f"obsc: {count} error{'s' if count != 1 else ''}; nothing was written", err=True)
        sys.exit(ExitCode.BAD_INPUT)
    except LockBusy as exc:
        click.echo(f"obsc: {exc}", err=True)
        sys.exit(ExitCode.BUSY)
    except OutputError as exc:
        click.echo(f"obsc: error: {exc}", err=True)
        sys.exit(ExitCode.BAD_INPUT)
    except ToolError as exc:
        click.echo(f"obsc: {exc}", err=True)
        sys.exit(exc.exit_code)
    except click.exceptions.Abort:
        click.echo("obsc: aborted", err=True)
        sys.exit(ExitCode.BAD_INPUT)
    except click.ClickException as exc:
        exc.show()
        sys.exit(ExitCode.BAD_INPUT)
    except click.exceptions.Exit as exc:
        sys.exit(exc.exit_code)
    except KeyboardInterrupt:
        sys.exit(130)
    except Exception:  # a bug: keep the traceback out of the user's way unless asked for
        if os.environ.get("OBSC_DEBUG"):
            traceback.print_exc()
        else:
            click.echo(
                "obsc: internal error (this is a bug in obsc). Re-run with OBSC_DEBUG=1 for the traceback "
                "and report it.",
                err=True,
            )
        sys.exit(ExitCode.INTERNAL)
