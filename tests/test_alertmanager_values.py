"""Found by a routing hunt: values obsc accepted but Alertmanager 0.25 refuses, so one team's typo stopped
alertmanager.yml from building for every team (or, with --no-validate, wrote a file Alertmanager would not
load). Each is now a located error at its spec line; amtool is the judge of what Alertmanager accepts."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from compiler.api import CompileOptions, load_fleet
from compiler.errors import InputError
from compiler.model.go_glob import glob_problem
from compiler.model.go_url import go_url_problem
from compiler.model.mail_addresses import recipient_problem, sender_problem
from compiler.model.secrets import url_problem
from compiler.model.types import SecretPolicy
from tests.cli_helpers import run_forked
from tests.conftest import require_tool

PLATFORM = """\
apiVersion: obsc/v1
kind: Platform
secrets: {team_root: "/s/am/t-{team}/", shared_root: /s/am/shared/}
teams: {ledger: {}}
receivers: {noc: {webhook: {url: "https://noc.corp.example/in"}}}
alertmanager:
  default_receiver: noc
"""
SPEC = """\
apiVersion: obsc/v1
service: svc
team: ledger
selector: {job: x}
metrics: {requests: r_total, errors: 'r_total{e="1"}'}
slos: [{name: a, objective: 99, sli: {errors: errors, total: requests}}]
routing: {critical: noc, warning: {webhook: WEBHOOK}}
"""
WEBHOOK_CONFIG = "route: {receiver: r}\nreceivers:\n- name: r\n  webhook_configs:\n"


@pytest.fixture
def amtool_bin() -> str:
    return require_tool("amtool", "AMTOOL")


def _amtool_accepts(amtool: str, tmp_path: Path, config: str) -> tuple[bool, str]:
    (tmp_path / "am").mkdir(exist_ok=True)
    path = tmp_path / "am" / "alertmanager.yml"
    path.write_text(config)
    run = subprocess.run([amtool, "check-config", str(path)], capture_output=True, text=True, timeout=30)
    return run.returncode == 0, run.stdout + run.stderr


def _webhooks(urls: list[str], extra: str = "") -> str:
    return WEBHOOK_CONFIG + "".join(f"  - url: {json.dumps(u)}\n{extra}" for u in urls)


def _errors(tmp_path: Path, webhook: str, platform: str = PLATFORM) -> list[str]:
    (tmp_path / "platform.yaml").write_text(platform)
    (tmp_path / "s.yaml").write_text(SPEC.replace("WEBHOOK", webhook))
    with pytest.raises(InputError) as caught:
        load_fleet([str(tmp_path)], CompileOptions(), {})
    return [str(d).replace(str(tmp_path) + "/", "") for d in caught.value.diagnostics]


# The hunter's values, and what amtool said of each.
REFUSED_URLS = [
    ("https://tix.corp.example/%zz", "invalid URL escape '%zz' in the path"),
    ("https://tix.corp.example/a%", "invalid URL escape '%' in the path"),
    ("https://tix.corp.example/a%2", "invalid URL escape '%2' in the path"),
    ("https://ex%41mple.com/", "invalid URL escape '%41': a host may escape only non-ASCII bytes"),
    ("https://tix.corp.example/a#frag%zz", "invalid URL escape '%zz' in the fragment"),
    ("https://a{b.example/", "invalid character '{' in host name"),
    ("https://tix.corp.example\\x/", "invalid character '\\\\' in host name"),
]


@pytest.mark.parametrize(("url", "why"), REFUSED_URLS)
def test_a_url_alertmanager_refuses_is_a_located_error(amtool_bin: str, tmp_path: Path, url: str, why: str) -> None:
    accepted, said = _amtool_accepts(amtool_bin, tmp_path, _webhooks([url]))
    assert not accepted, said  # the premise: Alertmanager refuses it
    (spec_dir := tmp_path / "specs").mkdir()
    errors = _errors(spec_dir, "{url: " + json.dumps(url) + "}")
    assert len(errors) == 1
    assert errors[0].startswith("s.yaml:7:51 $.routing.warning.webhook.url: ")
    assert f"is not a URL Alertmanager 0.25 accepts ({why}" in errors[0]


def test_a_url_in_the_platform_global_is_checked_too(tmp_path: Path) -> None:
    platform = PLATFORM + '  global: {pagerduty_url: "https://events.example/v2/%zz"}\n'
    errors = _errors(tmp_path, '{url: "https://tix.corp.example/ok"}', platform)
    assert len(errors) == 1 and errors[0].startswith("platform.yaml:8:27 $.alertmanager.global.pagerduty_url: ")


# What amtool accepts, however odd, stays accepted: a query is kept as written, non-ASCII is allowed.
ACCEPTED_URLS = [
    "https://tix.corp.example/?q=%zz",
    "https://tix.corp.example/é",
    "https://ex%C3%A4mple.com/",
    "https://[fe80::1%25en0]/",
    "https://[::1]:8080/x",
    "https://t_c.corp.example/",
    "https://tix.corp.example/[x]",
    "https://tix.corp.example/a%25b#x%41",
]


def test_urls_alertmanager_accepts_are_accepted(amtool_bin: str, tmp_path: Path) -> None:
    accepted, said = _amtool_accepts(amtool_bin, tmp_path, _webhooks(ACCEPTED_URLS))
    assert accepted, said
    assert [u for u in ACCEPTED_URLS if url_problem(u, "webhook", "url", SecretPolicy())] == []


@pytest.mark.parametrize(
    ("value", "accepted_by_amtool"),
    [("100000000000000000000000", False), ("3000000000", True)],  # 3e9: amtool's uint64, not the CRD's int32
)
def test_max_alerts_beyond_int32_is_a_located_error(
    amtool_bin: str, tmp_path: Path, value: str, accepted_by_amtool: bool
) -> None:
    config = _webhooks(["https://tix.corp.example/a"], f"    max_alerts: {value}\n")
    assert _amtool_accepts(amtool_bin, tmp_path, config)[0] is accepted_by_amtool
    (spec_dir := tmp_path / "specs").mkdir()
    errors = _errors(spec_dir, '{url: "https://tix.corp.example/a", max_alerts: ' + value + "}")
    assert errors == [
        f"s.yaml:7:93 $.routing.warning.webhook.max_alerts: {value} is greater than the maximum of 2147483647"
    ]


def test_the_largest_max_alerts_obsc_takes_is_taken_by_amtool(amtool_bin: str, tmp_path: Path) -> None:
    config = _webhooks(["https://tix.corp.example/a"], "    max_alerts: 2147483647\n")
    assert _amtool_accepts(amtool_bin, tmp_path, config)[0]
    (spec_dir := tmp_path / "specs").mkdir()
    (spec_dir / "platform.yaml").write_text(PLATFORM)
    (spec_dir / "s.yaml").write_text(
        SPEC.replace("WEBHOOK", '{url: "https://tix.corp.example/a", max_alerts: 2147483647}')
    )
    assert load_fleet([str(spec_dir)], CompileOptions(), {})[0].services


@pytest.mark.parametrize(
    ("setting", "where"),
    [
        ("smtp_smarthost: mail.corp.example", "$.alertmanager.global.smtp_smarthost: 'mail.corp.example' is not valid"),
        ("smtp_smarthost: 'mail.corp.example:'", "$.alertmanager.global.smtp_smarthost: 'mail.corp.example:' is not"),
        ("resolve_timeout: 300y", "$.alertmanager.global.resolve_timeout: '300y' is longer than 100y"),
    ],
)
def test_global_values_alertmanager_refuses_are_located(
    amtool_bin: str, tmp_path: Path, setting: str, where: str
) -> None:
    config = f"global: {{{setting}, smtp_from: am@corp.example}}\nroute: {{receiver: r}}\nreceivers:\n- name: r\n"
    accepted, said = _amtool_accepts(amtool_bin, tmp_path, config)
    assert not accepted, said
    (spec_dir := tmp_path / "specs").mkdir()
    platform = PLATFORM + f"  global: {{{setting}, smtp_from: am@corp.example}}\n"
    errors = _errors(spec_dir, '{url: "https://tix.corp.example/a"}', platform)
    assert len(errors) == 1 and errors[0].startswith("platform.yaml:8:") and where in errors[0], errors


# ---------------------------------------------------------------- property: obsc never looser than amtool

_PIECES = st.sampled_from(
    [*"aZ09zCF%.-_~!$&'()*+,;=:<>\"{}|\\^` é", "%2", "%41", "%zz", "%C3%A4", "%25", "/", "[", "]", "?", "#"]
)
_TEXT = st.lists(_PIECES, max_size=6).map("".join)


@st.composite
def _urls(draw: st.DrawFn) -> str:
    host = draw(_TEXT.filter(lambda h: not any(c in h for c in "/?#[]@")))
    return f"https://{host or 'h'}{'/' + draw(_TEXT)}"


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow]
)
@given(urls=st.lists(_urls(), min_size=1, max_size=8))
def test_any_url_obsc_accepts_amtool_accepts(amtool_bin: str, tmp_path: Path, urls: list[str]) -> None:
    """Any receiver URL obsc takes, Alertmanager takes; and Go's parser mirror refuses only what amtool does
    (hosts here have no IPv6 literal or userinfo, where the mirror is deliberately stricter)."""
    taken = [u for u in urls if url_problem(u, "webhook", "url", SecretPolicy()) is None]
    if taken:
        accepted, said = _amtool_accepts(amtool_bin, tmp_path, _webhooks(taken))
        assert accepted, (taken, said)
    for url in urls:
        if go_url_problem(url) is not None:
            accepted, said = _amtool_accepts(amtool_bin, tmp_path, _webhooks([url]))
            assert not accepted, (url, go_url_problem(url))


# E-mail addresses as a real Alertmanager 0.25 treated them when it sent (amtool check-config passes every one of
# them: it never parses an address): True sent, False "parse 'to' / 'from' addresses" and no e-mail at all.
SENT_TO = {
    "ops@corp.example": True,
    "o+ps@corp.example": True,
    "o'ps@x.example": True,
    "o{ps}@x.example": True,
    "ops@x.exam_ple": True,
    "é@x.example": True,
    "ops@corp.example,": True,
    "a@b,c": False,
    "ops@corp.example;x": False,
    "ops@corp..example": False,
    "ops@corp.example.": False,
    "ops.@corp.example": False,
    ".ops@corp.example": False,
    "ops@[1.2.3.4]": False,
    "ops@x.example>": False,
    "<ops@x.example": False,
    "ops@x:example": False,
}
SENT_FROM = {
    "am@corp.example": True,
    "Alertmanager <am@corp.example>": True,
    '"Ops, Inc" <am@corp.example>': True,
    "Ops Inc. <am@corp.example>": True,
    "<am@corp.example>": True,
    'Ops "x" <am@corp.example>': True,
    "Opé <am@corp.example>": True,
    "am": False,
    "am <am@corp..example>": False,
    "Ops <am@corp.example> x": False,
}


@pytest.mark.parametrize(("to", "sent"), SENT_TO.items())
def test_an_email_to_alertmanager_cannot_send_to_is_refused(to: str, sent: bool) -> None:
    assert (recipient_problem(to) is None) is sent


@pytest.mark.parametrize(("sender", "sent"), SENT_FROM.items())
def test_an_smtp_from_alertmanager_cannot_send_from_is_refused(sender: str, sent: bool) -> None:
    assert (sender_problem(sender) is None) is sent


def test_a_long_smtp_from_without_an_address_is_refused_at_once(tmp_path: Path) -> None:
    """Found in round 26: the display-name pattern could split a run of letters into words every way there is,
    so a 30-character smtp_from without `<` took minutes to refuse, and the platform's compile (every team's)
    seemed to hang. Run as obsc runs, in a process of its own that this test can stop."""
    (spec_dir := tmp_path / "specs").mkdir()
    (spec_dir / "platform.yaml").write_text(PLATFORM + "  global: {smtp_from: " + "alertmanager" * 4 + "}\n")
    (spec_dir / "svc.yaml").write_text(SPEC.replace("WEBHOOK", '{url: "https://tix.corp.example/a"}'))
    done = run_forked("validate", str(spec_dir), cwd=tmp_path, timeout=60)
    assert done.returncode == 2, done.stderr
    assert "platform.yaml:8:" in done.stderr and "has no @" in done.stderr, done.stderr


# Template globs: amtool (Go's filepath.Glob) refused the malformed ones with exit 1 and no location.
TEMPLATE_GLOBS = [
    "[", "[]", "[]a]", "[a]", "[^a]", "[a-]", "[-a]", "[a-z", "a\\", "[\\]]", "*.tmpl", "[a-z].tmpl", "x]", "[!a]",
    "[^]", "[a\\", "a[b-c]d", "[\\-]", "[a-\\]]", "[ab-]x", "[z-a]", "/etc/am/*/[abc]*.tmpl",
]  # fmt: skip


@pytest.mark.parametrize("pattern", TEMPLATE_GLOBS)
def test_a_template_glob_is_refused_exactly_when_amtool_refuses_it(
    amtool_bin: str, tmp_path: Path, pattern: str
) -> None:
    accepted, said = _amtool_accepts(
        amtool_bin, tmp_path, f"route: {{receiver: r}}\nreceivers: [{{name: r}}]\ntemplates: [{json.dumps(pattern)}]\n"
    )
    assert (glob_problem(pattern) is None) is accepted, said
