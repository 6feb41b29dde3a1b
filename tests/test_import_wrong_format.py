"""`obsc import FORMAT` given a file of another format said only "not a Sloth document": an obsc spec, or a Pyrra
file given to `import sloth`, left the reader to guess which command reads it (round 37 newcomer hunt)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.cli_helpers import run_obsc

OBSC = "apiVersion: obsc/v1\nservice: checkout\nteam: payments\nselector: {job: checkout}\n"
SLOTH = 'version: "prometheus/v1"\nservice: checkout\nslos: []\n'
PYRRA = "apiVersion: pyrra.dev/v1alpha1\nkind: ServiceLevelObjective\nmetadata: {name: x}\nspec: {}\n"
OPENSLO = "apiVersion: openslo/v1\nkind: SLO\nmetadata: {name: x}\nspec: {}\n"


@pytest.mark.parametrize(
    ("fmt", "text", "said"),
    [
        (
            "sloth",
            OBSC,
            "not a Sloth document: it is an obsc spec already (`obsc validate` or `obsc compile` reads it)",
        ),
        ("pyrra", OBSC, "not a Pyrra ServiceLevelObjective document: it is an obsc spec already"),
        ("pyrra", SLOTH, "it is a Sloth spec (version: prometheus/v1); `obsc import sloth` reads it"),
        ("sloth", PYRRA, "it is a Pyrra ServiceLevelObjective (pyrra.dev/v1alpha1); `obsc import pyrra` reads it"),
        ("pyrra", OPENSLO, "it is an OpenSLO SLO (openslo/v1); `obsc import openslo` reads it"),
    ],
)
def test_a_file_of_another_format_names_the_command_that_reads_it(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], fmt: str, text: str, said: str
) -> None:
    source = tmp_path / "source.yaml"
    source.write_text(text)
    result = run_obsc(capsys, "import", fmt, str(source), "--out", str(tmp_path / "out"))
    assert result.code == 2 and "Traceback" not in result.err
    assert f"{source}:1:1 $: not a " in result.err and said in result.err
    assert not (tmp_path / "out").exists()
