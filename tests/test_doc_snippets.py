"""Every YAML block in README.md and docs/*.md that shows a spec or a platform file compiles as shown.

A newcomer copies them first. A full spec is compiled beside `examples/platform.yaml` (the README points
there for the platform); a fragment is laid over a minimal spec or over that platform file, key by key, and
an elided line (`...`) takes the minimal SLO's keys. Blocks that are no obsc input (CI workflows, a
Kubernetes resource) are listed as such, so a new block must be classified here before it can go unchecked."""

from __future__ import annotations

import re
import shutil
from pathlib import Path
from typing import Any

import click
import pytest
import yaml

from compiler.cli import cli
from tests.cli_helpers import run_obsc
from tests.conftest import ROOT

SPEC, SPEC_FRAGMENT, PLATFORM_FRAGMENT, NOT_OBSC = "spec", "spec fragment", "platform fragment", "not obsc input"

# (file, n-th ```yaml block in it) -> what it shows
BLOCKS = {
    ("README.md", 0): SPEC,
    ("docs/ci.md", 0): NOT_OBSC,  # a GitHub Actions workflow (tests/test_ci_recipes.py runs it)
    ("docs/ci.md", 1): NOT_OBSC,  # a GitLab CI file (likewise)
    ("docs/grouped-slos.md", 0): SPEC_FRAGMENT,
    ("docs/notifications.md", 0): PLATFORM_FRAGMENT,  # teams.<team>.slack_channels
    ("docs/notifications.md", 1): NOT_OBSC,  # the Alertmanager resource of the Prometheus operator
    ("docs/operations.md", 0): PLATFORM_FRAGMENT,  # defaults.target_labels
    ("docs/operations.md", 1): PLATFORM_FRAGMENT,  # cpu joined to the service's pods on up
    ("docs/operations.md", 2): SPEC_FRAGMENT,  # disk joined to the claims of the service's pods
    ("docs/operations.md", 3): SPEC_FRAGMENT,  # service_down: {missing: ignore}
    ("docs/operations.md", 4): PLATFORM_FRAGMENT,  # secret roots
    ("docs/operations.md", 5): NOT_OBSC,  # a Prometheus scrape job dropping ALERTS at scrape
    ("docs/slo-kinds.md", 0): SPEC_FRAGMENT,
    ("docs/slo-kinds.md", 1): SPEC,  # the CloudWatch recipe
    ("docs/slo-kinds.md", 2): SPEC_FRAGMENT,  # a service behind a relay names it (round 49)
    ("docs/threshold-alerts.md", 0): SPEC_FRAGMENT,
    ("docs/threshold-alerts.md", 1): SPEC_FRAGMENT,
}

MINIMAL_SPEC = {
    "apiVersion": "obsc/v1",
    "service": "checkout",
    "team": "payments",
    "description": "Takes payment and creates the order.",
    "selector": {"job": "checkout"},
    "metrics": {"requests": "http_requests_total", "errors": 'http_requests_total{code=~"5.."}'},
    "slos": [{"name": "availability", "objective": 99.9, "sli": {"errors": "errors", "total": "requests"}}],
}
ELIDED = "objective: 99.9\nsli: {errors: errors, total: requests}"


def _yaml_blocks(doc: Path) -> list[tuple[int, str]]:
    """(line of the opening fence, text) of each ```yaml block."""
    blocks, lines = [], doc.read_text(encoding="utf-8").splitlines()
    for i, line in enumerate(lines):
        if line.strip() == "```yaml":
            end = next(j for j in range(i + 1, len(lines)) if lines[j].strip() == "```")
            blocks.append((i + 1, "\n".join(lines[i + 1 : end]) + "\n"))
    return blocks


def _all_blocks() -> dict[tuple[str, int], tuple[int, str]]:
    docs = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
    return {(doc.relative_to(ROOT).as_posix(), n): block for doc in docs for n, block in enumerate(_yaml_blocks(doc))}


def _example_platform() -> str:
    return (ROOT / "examples" / "platform.yaml").read_text(encoding="utf-8")


def _fill_elisions(text: str) -> str:
    def filler(match: re.Match[str]) -> str:
        return "\n".join(match.group(1) + line for line in ELIDED.splitlines())

    return re.sub(r"^( *)\.\.\.$", filler, text, flags=re.M)


def _over(base: dict[str, Any], fragment: dict[str, Any]) -> dict[str, Any]:
    """`fragment` laid over `base`: mappings merge key by key, anything else replaces."""
    out = dict(base)
    for key, value in fragment.items():
        out[key] = _over(out[key], value) if isinstance(value, dict) and isinstance(out.get(key), dict) else value
    return out


def test_every_yaml_block_is_classified() -> None:
    assert set(_all_blocks()) == set(BLOCKS)


@pytest.mark.parametrize(
    "key", sorted(k for k, kind in BLOCKS.items() if kind != NOT_OBSC), ids=lambda k: f"{k[0]}#{k[1]}"
)
def test_block_compiles(key: tuple[str, int], tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    line, text = _all_blocks()[key]
    kind = BLOCKS[key]
    shown = yaml.safe_load(_fill_elisions(text))  # a syntax error in the doc fails here, naming it
    platform = yaml.safe_load(_example_platform())
    spec = shown if kind == SPEC else _over(MINIMAL_SPEC, shown) if kind == SPEC_FRAGMENT else MINIMAL_SPEC
    if kind == PLATFORM_FRAGMENT:
        platform = _over(platform, shown)
    specs = tmp_path / "specs"
    team_dir = str((platform.get("secrets") or {}).get("team_spec_dir", "")).replace("{team}", spec["team"])
    (specs / team_dir).mkdir(parents=True)
    # Written as shown where nothing was laid over it, so the errors' lines are the doc's.
    platform_text = yaml.safe_dump(platform, sort_keys=False) if kind == PLATFORM_FRAGMENT else None
    (specs / "platform.yaml").write_text(platform_text or _example_platform(), encoding="utf-8")
    spec_text = text if kind == SPEC else yaml.safe_dump(spec, sort_keys=False)
    (specs / team_dir / f"{spec['service']}.yaml").write_text(spec_text, encoding="utf-8")
    shutil.copytree(ROOT / "examples" / "lib", specs / "lib")  # the example platform's standard dashboard
    result = run_obsc(capsys, "compile", str(specs), "--out", str(tmp_path / "out"), "--no-validate")
    assert result.code == 0, f"{key[0]}:{line}: the {kind} shown there does not compile:\n{result.err}"


_COMMANDS = "compile|check|diff|validate|import|verify|init|schema"
# `obsc [global options] COMMAND ...` up to the next obsc command, the end of a code span or of the line
_INVOCATION = re.compile(rf"\bobsc\s+((?:-\S+\s+)*)({_COMMANDS})\b(.*?)(?=\bobsc\s+(?:-\S+\s+)*(?:{_COMMANDS})\b|`|$)")


def _long_options(command: click.Command) -> set[str]:
    params = [p for p in command.params if isinstance(p, click.Option)]
    return {o for p in params for o in (*p.opts, *p.secondary_opts) if o.startswith("--")}


def test_every_option_the_docs_show_exists() -> None:
    """A flag shown beside `obsc COMMAND` in README.md, CONTRIBUTING.md or docs/ is one that command takes."""
    every = _long_options(cli)
    unknown = []
    for doc in [ROOT / "README.md", ROOT / "CONTRIBUTING.md", *sorted((ROOT / "docs").glob("*.md"))]:
        for number, line in enumerate(doc.read_text(encoding="utf-8").splitlines(), 1):
            for match in _INVOCATION.finditer(line):
                command = cli.commands[match.group(2)]
                for option in re.findall(r"(?<![\w-])--[a-z][a-z-]*", match.group(1) + match.group(3)):
                    if option not in _long_options(command) | every:
                        unknown.append(f"{doc.relative_to(ROOT)}:{number}: obsc {match.group(2)} {option}")
    assert not unknown
