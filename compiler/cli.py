"""The `obsc` command: parse flags, call the library, print, pick the exit code. Nothing else."""

from __future__ import annotations

import logging
import re
import shlex
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager

import click

from compiler import __version__, changes
from compiler.api import Compilation, CompileOptions, compile_specs, options_for_command, stage, validate_specs
from compiler.errors import ExitCode
from compiler.output import writer
from compiler.output.command import regenerate_command
from compiler.output.guard import refuse_unfit_out, refuse_unsafe_out, write_new_file
from compiler.output.session import Session
from compiler.output.subset import Subset, is_subset
from compiler.spec.loader import PLATFORM_STEMS
from compiler.spec.schema import NAME_PATTERN, schema_json
from compiler.staged import committed_out, staged_tree
from compiler.starter import starter_platform, starter_spec
from compiler.ui import cli_options, console, declared_format, failures, logs, render, reports, rerun
from compiler.ui.cli_options import check_prometheus_url, compared_options, lookback_range, output_options, spec_options
from compiler.ui.console import Console
from compiler.ui.recorded import Recorded

log = logging.getLogger("obsc")

EXIT_CODES = """\b
Exit codes:
  0  success
  1  drift (check), findings (verify), or promtool/amtool/the dashboard lint rejected the output
  2  bad input: spec errors (file:line:col $.path: message), bad flags or settings, unwritable output
  3  a required external tool (promtool, amtool) is missing, or older than Prometheus 2.42 / Alertmanager 0.25
     (or PyYAML was built without libyaml, which obsc reads specs with)
  4  --no-wait, and another obsc run is using the same --out
  5  obsc verify: the Prometheus server cannot be reached, or is not a Prometheus API at that URL
  70 internal error in obsc (a bug: please report it)
  130 interrupted (Ctrl-C, SIGTERM or SIGHUP); the output directory is as it was, or fully written"""

# -v, -q, --log-format, --error-format: on the group and on every subcommand, so they go before or after it.
_common = console.global_options


@click.group(cls=console.Group, epilog=EXIT_CODES, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="obsc")
@_common
def cli() -> None:
    """Compile service specs into Prometheus rules, Alertmanager routes, Grafana dashboards and runbooks.

    -v, -q, --log-format and --error-format go before or after the command."""


def _setup() -> int:
    """Once every option is parsed (the group's and the subcommand's): configure logging; the verbosity."""
    settings = console.current()
    if settings.quiet and settings.verbose:  # (quiet won in silence: a `-v` added to debug a CI job showed nothing)
        raise click.UsageError("-q (only errors) and -v (more detail) contradict each other: give one of them")
    logs.configure(settings.verbosity, settings.log_format)
    return settings.verbosity


def _given(parameter: str) -> bool:
    """Whether the option was written on the command line (not left at its default)."""
    return click.get_current_context().get_parameter_source(parameter) is click.core.ParameterSource.COMMANDLINE


def _console() -> Console:
    return Console(console.current())


@cli.command("compile", epilog=EXIT_CODES)
@cli_options.specs_argument
@output_options
@spec_options
@click.option(
    "--validate/--no-validate",
    default=True,
    show_default=True,
    help="Check the output with promtool, amtool and the dashboard lint before it replaces --out.",
)
@click.option(
    "--revalidate-all",
    is_flag=True,
    help="Ignore the record of bytes that passed (--out/.obsc-validated); run each promtool test file whole.",
)
@cli_options.record_base_option
@click.option("--prune", is_flag=True, help="Named spec files own --out: remove other services' files.")
@_common
def compile_cmd(
    specs: tuple[str, ...],
    out_dir: str,
    fmt: str | None,
    jpath: tuple[str, ...],
    platform_file: str | None,
    validate: bool,
    revalidate_all: bool,
    record_base: str | None,
    prune: bool,
    wait: bool,
    adopt: bool,
) -> None:
    """Compile SPECS (files or directories) into --out."""
    verbosity = _setup()
    base = cli_options.validation_base(validate, revalidate_all, record_base, out_dir)  # before any work
    _refuse_unsafe_out(out_dir, specs, jpath, platform_file)
    refuse_unfit_out(out_dir, adopt)  # a mount point, or a folder of files not obsc's
    named = is_subset(specs, out_dir) and not prune  # spec files named one by one: their services' files only
    layout = reports.compile_format(_console(), out_dir, fmt, subset=named)
    with Session(out_dir, wait=wait, on_wait=_say) as session:
        cold = None if named else session.cold_staging  # a whole compile into an empty --out: written as generated
        options = options_for_command(specs, jpath, platform_file, layout, out_dir, fmt is not None, verbosity >= 1)
        warned = reports.recorded_fleet_warnings if verbosity >= 0 else None  # worked out in the generation pool
        live = None if named else session.real  # compared by the workers, under the lock cold_staging took
        compilation = compile_specs(specs, options, cold, warned, live)
        declared_format.refuse_other_layout(_console(), compilation, fmt, out_dir, named)
        _explain(compilation, verbosity)
        _warn_links(compilation, verbosity)

        def check_tree(tree: str) -> None:
            from compiler.toolcheck import validate_bundle  # late: `check` and --no-validate never need it

            with stage("toolcheck", compilation.timings):  # the record of what passed is read from out_dir
                teams = {service.name: service.team for service in compilation.fleet.services}
                validate_bundle(compilation.written(subset), tree, out_dir, revalidate_all, base, teams)

        with stage("write", compilation.timings):
            # Validation runs on the finished tree before it replaces the old one: rejected output never lands.
            subset = compilation.subset(specs, out_dir, prune)
            plan = session.compile(compilation.bundle, check_tree if validate else None, subset)
    _warn(plan, verbosity)
    if verbosity >= 0:
        reports.compiled(_console(), compilation, plan)
    if subset and subset.kept_fleet_wide and verbosity >= 0:
        _console().say(
            f"obsc: kept fleet-wide {', '.join(subset.kept_fleet_wide)}: compile the spec directory to update",
            stdout=True,
            kept=list(subset.kept_fleet_wide),
        )


_STAGED_HELP = "Read what the next commit holds (the git index), not the working tree: for pre-commit hooks."


@contextmanager
def _reading(staged: bool) -> Iterator[Callable[[str], str]]:
    """Run the body on the working tree, or with --staged on a copy of the git index (compiler/staged.py)."""
    if not staged:
        yield lambda path: path
        return
    with staged_tree() as counterpart:
        yield counterpart


@cli.command("check", epilog=EXIT_CODES)
@cli_options.specs_argument
@compared_options
@spec_options
@click.option("--staged", is_flag=True, help=_STAGED_HELP)
@_common
def check_cmd(
    specs: tuple[str, ...],
    out_dir: str,
    fmt: str | None,
    jpath: tuple[str, ...],
    platform_file: str | None,
    wait: bool,
    staged: bool,
) -> None:
    """Regenerate in memory and compare with --out (writes nothing); exit 1 on any difference."""
    verbosity = _setup()
    with _reading(staged) as at:
        specs, out_dir, jpath = tuple(map(at, specs)), committed_out(at(out_dir), staged), tuple(map(at, jpath))
        platform_file = at(platform_file) if platform_file else None
        compilation, subset, plan, fmt = _compare(specs, out_dir, fmt, jpath, platform_file, wait, ExitCode.DRIFT)
        drift, given = plan.drift or plan.strangers, rerun.Inputs(specs, out_dir, fmt, jpath, platform_file)
        kept = subset.kept_fleet_wide if subset else ()
        if not drift:
            if verbosity >= 0:
                files = len(compilation.bundle.artifacts) - len(kept)
                whose = " for the named spec files" if kept else ""
                _console().say(f"obsc check: {out_dir} is up to date{whose} ({files} files)", stdout=True, files=files)
                reports.check_not_compared(_console(), kept, given)
            return
        if verbosity >= 0:  # before the drift: a failed run's last line is its verdict (with `exit` in JSON)
            reports.check_not_compared(_console(), kept, given)
        advice = given.compile()
        if staged:  # the working tree may be right already: what is missing is in the commit
            advice += f" && git add -A {shlex.join([*specs, out_dir])}"
        reports.drift(_console(), plan, advice)
        sys.exit(ExitCode.DRIFT)


@cli.command("diff", epilog=EXIT_CODES)
@cli_options.specs_argument
@compared_options
@spec_options
@click.option(
    "--as",
    "shape",
    type=click.Choice(["markdown", "json"]),
    default="markdown",
    show_default=True,
    help="Markdown for a pull-request comment, JSON for tools.",
)
@click.option(
    "--max-chars",
    type=click.IntRange(min=0),
    default=changes.COMMENT_CHARS,
    show_default=True,
    help="Markdown: cut the rows to fit this many characters (GitHub refuses a comment over 65,536), keeping "
    "every section's heading and count; 0: never cut. JSON is never cut.",
)
@_common
def diff_cmd(
    specs: tuple[str, ...],
    out_dir: str,
    fmt: str | None,
    jpath: tuple[str, ...],
    platform_file: str | None,
    shape: str,
    max_chars: int,
    wait: bool,
) -> None:
    """Summarise what compiling SPECS would change in --out for operations: alerts (expression, hold, severity,
    recording rules read), recording rules, route settings, receivers, time intervals, inhibitions, global
    settings, dashboards. Writes nothing; exit 0 (2 when --format differs from the one --out was written with)."""
    _setup()
    if shape == "json" and _given("max_chars"):
        raise click.UsageError("--max-chars cuts the Markdown comment, JSON is never cut: drop one of them")
    _, subset, plan, fmt = _compare(specs, out_dir, fmt, jpath, platform_file, wait, ExitCode.BAD_INPUT)
    reports.absent_out(_console(), plan)
    summary = changes.summarise((c.path, c.old, c.new) for c in plan.drift)
    reports.stranded_runbooks(summary, plan)
    reports.not_compared(summary, subset, rerun.Inputs(specs, out_dir, fmt, jpath, platform_file))
    # spec text a CI log must not read as a runner's command (Markdown: changes.summary.code)
    console.echo(render.json_inert(summary.to_json()) if shape == "json" else summary.to_markdown(max_chars), nl=False)


def _compare(
    specs: tuple[str, ...],
    out_dir: str,
    fmt: str | None,
    jpath: tuple[str, ...],
    platform_file: str | None,
    wait: bool,
    format_clash: ExitCode,
) -> tuple[Compilation, Subset | None, writer.Plan, str]:
    """check's and diff's read: compile in memory in the layout --out was written with, and plan against it;
    says the plan's warnings (a folder or someone's file where obsc writes one, a symlink not followed)."""
    verbosity = console.current().verbosity
    _refuse_unsafe_out(out_dir, specs, jpath, platform_file)
    given = fmt is not None or writer.recorded_format(out_dir) is not None  # else the platform's layout, if any
    fmt = reports.written_format(_console(), out_dir, fmt, format_clash)
    compilation = compile_specs(specs, options_for_command(specs, jpath, platform_file, fmt, out_dir, given))
    fmt = declared_format.compared_layout(_console(), compilation, out_dir, format_clash)
    _explain(compilation, verbosity)
    with stage("diff", compilation.timings):
        subset = compilation.subset(specs, out_dir)  # named files: only their services' files are compared
        plan = writer.check_against(compilation.bundle, out_dir, wait=wait, on_wait=_say, subset=subset)
    _warn(plan, verbosity)
    return compilation, subset, plan, fmt


@cli.command("validate", epilog=EXIT_CODES)
@cli_options.specs_argument
@spec_options
@click.option("--staged", is_flag=True, help=_STAGED_HELP)
@_common
def validate_cmd(
    specs: tuple[str, ...],
    jpath: tuple[str, ...],
    platform_file: str | None,
    staged: bool,
) -> None:
    """Check SPECS (schema and meaning, and the standard dashboards they ask for); writes nothing."""
    verbosity = _setup()
    with _reading(staged) as at:
        options = CompileOptions(
            jsonnet_paths=tuple(map(at, jpath)), platform_file=at(platform_file) if platform_file else None
        )
        fleet, notes = validate_specs(tuple(map(at, specs)), options)
    if verbosity >= 1:
        _console().lines(f"note: {note}" for note in notes)
    if verbosity >= 0:
        reports.fleet_diagnostics(_console(), fleet)
        services, slos = len(fleet.services), sum(len(s.slos) for s in fleet.services)
        _console().say(f"obsc validate: {services} service(s), {slos} SLO(s): OK", stdout=True, services=services)


@cli.command("schema")
@_common
def schema_cmd() -> None:
    """Print the spec JSON Schema (draft 2020-12), for editors."""
    console.echo(schema_json(), nl=False)


@cli.command("init", epilog=EXIT_CODES)
@click.argument("service", required=False)
@click.option("--platform", "platform", is_flag=True, help="Write the platform file DIR/platform.yaml instead.")
@click.option("--team", default="my-team", show_default=True, help="Owning team (with --platform: its first team).")
@click.option(
    "--dir",
    "directory",
    default="specs",
    type=cli_options.FOLDER,
    show_default=True,
    help="Folder to write into (created when missing): specs/, where the Makefile, hooks and CI recipes look.",
)
@_common
def init_cmd(service: str | None, platform: bool, team: str, directory: str) -> None:
    """Write a commented starter: the spec DIR/SERVICE.yaml, or with --platform the platform file
    DIR/platform.yaml (defaults, teams, receivers, secret roots). Never overwrites a file."""
    verbosity = _setup()
    if platform == (service is not None):
        raise click.UsageError("give a SERVICE name, or --platform for the platform file (not both)")
    if service in PLATFORM_STEMS:
        raise click.UsageError(
            f"{service}.yaml is the platform file's name: `obsc init --platform` writes it; name the service otherwise"
        )
    for label, value in (("service", service or ""), ("team", team)):
        if not re.fullmatch(NAME_PATTERN, value) and (value or not platform):
            raise click.BadParameter(
                f"{value!r}: use lowercase letters, digits and '-' (it becomes file names)", param_hint=label
            )
    text = starter_platform(team) if platform else starter_spec(service or "", team)
    name = f"{PLATFORM_STEMS[0]}.yaml" if platform else f"{service}.yaml"
    target = write_new_file(directory, name, text, "--dir")
    then = f"obsc validate {target}"
    if platform:
        then = f"obsc init SERVICE --dir {directory}, then obsc validate {directory}"
    if verbosity >= 0:  # (-q: only errors, as every other command)
        _console().say(f"wrote {target}; edit it, then run: {then}", stdout=True, file=str(target))


def _refuse_unsafe_out(out_dir: str, specs: tuple[str, ...], jpath: tuple[str, ...], platform_file: str | None) -> None:
    refuse_unsafe_out(out_dir, [*specs, *jpath, *([platform_file] if platform_file else [])])
    regenerate_command(specs, out_dir)  # refuses paths its header comment cannot hold, before anything is made


def _say(message: str) -> None:
    _console().say(message, level="warning")


def _warn(plan: writer.Plan, verbosity: int) -> None:
    if verbosity >= 0:
        reports.warnings(_console(), plan)


@cli.command("import", epilog=EXIT_CODES)
@click.argument("fmt", metavar="sloth|openslo|pyrra", type=click.Choice(["sloth", "openslo", "pyrra"]))
@click.argument("files", metavar="FILES_OR_DIRS...", nargs=-1, required=True, type=cli_options.SPECS)
@click.option("--out", "out_dir", required=True, type=cli_options.FOLDER, help="Directory for the specs.")
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
) -> None:
    """Convert Sloth, OpenSLO or Pyrra specs into obsc specs in --out (one per service, plus a platform
    skeleton when --out has none). Every source field that cannot be carried over is reported. A directory
    stands for every YAML file below it; there, files of other kinds are skipped with a note."""
    from compiler import importing

    verbosity = _setup()
    if fmt != "sloth" and _given("period"):  # (ignored in silence: the source's own window was imported)
        raise click.UsageError(f"--period is for Sloth specs, which have no period; {fmt} SLOs carry their own")
    written, report = importing.run(fmt, files, out_dir, team=team, period=period, force=force)
    for line in report:
        _console().say(line, level="warning" if line.startswith("dropped:") else "info")
    if verbosity >= 0:
        done = f"obsc import: wrote {', '.join(written)} in {out_dir}; next: obsc validate {out_dir}"
        _console().say(done, stdout=True, files=written)


@cli.command("verify", epilog=EXIT_CODES)
@cli_options.specs_argument
@click.option(
    "--prometheus", "url", required=True, help="Base URL of the Prometheus server, e.g. http://127.0.0.1:9090"
)
@click.option(
    "--lookback", default="1h", show_default=True, help="How far back a series counts as present (at least 1s)."
)
@click.option(
    "--timeout", default=5.0, show_default=True, type=cli_options.SECONDS_PER_REQUEST, help="Seconds per request."
)
@click.option("--retries", default=2, show_default=True, type=click.IntRange(0, 5), help="Retries per request.")
@spec_options
@_common
def verify_cmd(
    specs: tuple[str, ...],
    url: str,
    lookback: str,
    timeout: float,
    retries: int,
    jpath: tuple[str, ...],
    platform_file: str | None,
) -> None:
    """Check SPECS against a live Prometheus (read-only queries): every metric has series, every latency
    threshold is a bucket, the selector finds targets on `up`, obsc's loaded rules are healthy and match the specs.
    Findings (and notices) on stdout in the --error-format. Exit 1 when anything is found, 5 when the server cannot
    be reached or is not a Prometheus API at that URL."""
    from compiler.verify import NotPrometheus, QueryRejected, Unreachable, VerifyOptions, verify

    verbosity = _setup()
    check_prometheus_url(url)
    options = VerifyOptions(url, lookback_range(lookback), timeout, retries, jpath, platform_file)
    try:
        report = verify(specs, options)
    except (Unreachable, QueryRejected) as exc:  # QueryRejected: of a query obsc builds itself (label values)
        what = "not a Prometheus API" if isinstance(exc, NotPrometheus) else "cannot reach Prometheus"
        what = what if isinstance(exc, Unreachable) else f"{url} rejects a query obsc makes (is it Prometheus 2.x?)"
        _console().problem(f"obsc verify: {what}: {exc}", code="unreachable", exit=5)
        sys.exit(ExitCode.UNREACHABLE)
    _console().diagnostics(report.findings, code="verify", stdout=True)
    if verbosity >= 0:
        _console().diagnostics(report.notes, severity="notice", code="verify", stdout=True)
    if report.findings:
        said = f"obsc verify: {len(report.findings)} finding(s) against {url}"
        _console().say(said, level="error", code="verify", exit=1)
        sys.exit(ExitCode.DRIFT)
    if verbosity >= 0:
        _console().say(f"obsc verify: every metric, bucket and target was found on {url}")


def _warn_links(compilation: Compilation, verbosity: int) -> None:
    if verbosity >= 0 and compilation.fleet.services:
        assert isinstance(compilation.alongside, Recorded)  # reports.recorded_fleet_warnings
        compilation.alongside.replay(_console())
        reports.layout_warnings(_console(), compilation)


def _explain(compilation: Compilation, verbosity: int) -> None:
    for note in compilation.notes if verbosity >= 1 else ():  # -v explains choices
        log.info(note)


def main() -> None:
    """Entry point: map every failure to a message and an exit code; never show a traceback."""
    failures.run(lambda settings: cli.main(sys.argv[1:], standalone_mode=False, obj=settings), sys.argv[1:])
