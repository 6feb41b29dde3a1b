"""Hosts that read as another name in review are refused (round 47, a hostile contributor).

Before: `https://hooks.exаmple/bravo` (a Cyrillic 'а') under `teams.bravo.routing` in the platform file compiled
(exit 0): a reviewer reads bravo's hook, and Alertmanager calls the IDNA form of that name, another domain, with
bravo's pages. The same in a spec's link, and an e-mail receiver's domain. tests/errors/host_look_alike.yaml holds
the spec's cases; these are the platform file's, the e-mail domain and the ASCII form that still compiles.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.cli_helpers import run_obsc

PLATFORM = """\
apiVersion: obsc/v1
kind: Platform
alertmanager:
  global: {{smtp_smarthost: "smtp.example.com:587", smtp_from: "alerts@example.com"}}
teams:
  bravo:
    routing:
      critical: {{webhook: {{url: "{hook}"}}}}
      warning: {{email: {{to: "{mail}"}}}}
"""
SPEC = """\
apiVersion: obsc/v1
service: search
team: bravo
description: search
selector: {job: search}
metrics: {requests: search_total, errors: 'search_total{code=~"5.."}'}
slos:
  - {name: availability, objective: 99.9, sli: {errors: errors, total: requests}}
"""
HOOK, MAIL = "https://hooks.example/bravo", "oncall@example.com"


def _compile(tmp_path: Path, capsys: pytest.CaptureFixture[str], hook: str, mail: str) -> tuple[int, str]:
    specs = tmp_path / "specs"
    specs.mkdir()
    (specs / "platform.yaml").write_text(PLATFORM.format(hook=hook, mail=mail))
    (specs / "search.yaml").write_text(SPEC)
    result = run_obsc(capsys, "compile", str(specs), "--out", str(tmp_path / "out"), "--no-validate")
    assert (tmp_path / "out").exists() == (result.code == 0)
    return result.code, result.err


CRITICAL, WARNING = "8:33 $.teams.bravo.routing.critical.webhook.url", "9:29 $.teams.bravo.routing.warning.email.to"


@pytest.mark.parametrize(
    ("hook", "mail", "said"),
    [
        (
            "https://hooks.exаmple/bravo",
            MAIL,
            f"{CRITICAL}: host 'hooks.exаmple' reads as another name in review: it mixes CYRILLIC and LATIN letters "
            "('а' is CYRILLIC SMALL LETTER A), and the name called is its IDNA form, another domain; write it as "
            "'hooks.xn--exmple-4nf' if that name is meant",
        ),
        (
            HOOK,
            "oncall@exаmple.com",
            f"{WARNING}: host 'exаmple.com' reads as another name in review: it mixes CYRILLIC and LATIN letters",
        ),
        (
            "https://рау.example/bravo",
            MAIL,
            f"{CRITICAL}: host 'рау.example' reads as another name in review: its CYRILLIC letters each read as a "
            "Latin one ('р' is CYRILLIC SMALL LETTER ER)",
        ),
    ],
)
def test_a_look_alike_host_in_the_platforms_team_routing_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], hook: str, mail: str, said: str
) -> None:
    code, err = _compile(tmp_path, capsys, hook, mail)
    assert code == 2, err
    assert f"platform.yaml:{said}" in err


@pytest.mark.parametrize(
    ("hook", "mail"),
    [
        ("https://hooks.xn--exmple-4nf/bravo", "oncall@xn--exmple-4nf.com"),  # the look-alike's own xn-- form
        ("https://bücher.example/bravo", "oncall@пример.example"),  # international names, one script each
        # A label with no letter (a symbol, another script's digits) looks like no Latin one: exit 70 in round 47
        ("https://☃.example/bravo", "oncall@١٢٣.example"),
        # a query is no host (no path before it), and an ideographic full stop parts labels as IDNA reads it
        ("https://hooks.example?room=пример", "oncall@пример\u3002example"),
    ],
)
def test_what_reads_as_what_it_is_still_compiles(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], hook: str, mail: str
) -> None:
    code, err = _compile(tmp_path, capsys, hook, mail)
    assert code == 0, err
