"""Another spelling of another team's destination host: the one the client connects to is the one compared.

Found by a hunt (round 41, a hostile contributor in a shared repository): obsc compared a webhook's host as
written, lowercased. Team alpha's spec could post to bravo's hook at `https://[2001:db8::1]/hooks/pay` as
`https://[2001:0db8:0:0:0:0:0:1]/hooks/pay`, bravo's `https://10.1.2.3/...` as `https://[::ffff:10.1.2.3]/...`
(Go dials an IPv4-mapped address over IPv4), or bravo's `https://xn--bcher-kva.example/...` as
`https://bücher.example/...` (Go's HTTP client sends IDNA's ASCII form): exit 0, and bravo's queue got alpha's
alerts. An e-mail domain is read the same way. A DNS alias or a second name of the same relay is not caught.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from compiler.model.destinations import destination_key
from tests.cli_helpers import run_obsc
from tests.hostile.test_spec_destinations import _repository

SAME = [
    ("https://[2001:db8::1]/hooks/pay", "https://[2001:0DB8:0:0:0:0:0:1]/hooks/pay"),
    ("https://[2001:db8::1]/hooks/pay", "https://[2001:db8::1%25eth0]:443/hooks/pay"),
    ("https://10.1.2.3/hooks/pay", "https://[::ffff:10.1.2.3]/hooks/pay"),
    ("https://10.1.2.3/hooks/pay", "https://[::ffff:a01:203]/hooks/pay"),
    ("https://10.1.2.3/hooks/pay", "https://0x0a.1.2.3/hooks/pay"),  # inet_aton's forms (a cgo resolver)
    ("https://10.1.2.3/hooks/pay", "https://167838211/hooks/pay"),
    ("https://10.1.2.3/hooks/pay", "https://012.1.2.3/hooks/pay"),
    ("https://xn--bcher-kva.example/hooks/pay", "https://bücher.example/hooks/pay"),
    ("https://xn--bcher-kva.example/hooks/pay", "https://B%C3%9Ccher.example./hooks/pay"),
    ("https://hooks.example/pay", "https://ｈｏｏｋｓ．example/pay"),  # full-width letters and dot
    ("https://hooks.example/pay", "https://x@hooks.example。/pay"),  # userinfo, ideographic full stop
]


@pytest.mark.parametrize(("written", "other"), SAME)
def test_every_spelling_of_one_host_is_one_destination(written: str, other: str) -> None:
    assert destination_key("webhook", other) == destination_key("webhook", written)


@pytest.mark.parametrize(
    ("written", "other"),
    [
        ("payments@[10.1.2.3]", "payments@[IPv6:::ffff:10.1.2.3]"),
        ("payments@xn--bcher-kva.example", "Payments@Bücher.example"),
    ],
)
def test_every_spelling_of_one_mail_domain_is_one_destination(written: str, other: str) -> None:
    assert destination_key("email", other) == destination_key("email", written)


@pytest.mark.parametrize(
    ("written", "other"),
    [
        ("https://10.1.2.3/hooks/pay", "https://10.1.2.4/hooks/pay"),
        ("https://[2001:db8::1]/hooks/pay", "https://[2001:db8::2]/hooks/pay"),
        ("https://10.1.2.3/hooks/pay", "https://10.1.2.3:8443/hooks/pay"),  # another port: perhaps another relay
        ("https://[2001:db8::1]:8443/hooks/pay", "https://[2001:db8::1:8443]/hooks/pay"),
        ("https://1.2.3.4.5/hooks/pay", "https://1.2.3.4/hooks/pay"),
        ("https://bücher.example/hooks/pay", "https://bucher.example/hooks/pay"),
        # what inet_aton refuses is a name, not a number read past its limits (round 42's hand mutants)
        ("https://1.2.3.4/hooks/pay", "https://1.2.3.4.0/hooks/pay"),  # five parts
        ("https://1.2.4.0/hooks/pay", "https://1.2.3.256/hooks/pay"),  # a part over 255
        ("https://8.1.2.3/hooks/pay", "https://08.1.2.3/hooks/pay"),  # 8 is no octal digit
        ("https://0.1.2.3/hooks/pay", "https://0x.1.2.3/hooks/pay"),  # `0x` without digits (a traceback, exit 70)
    ],
)
def test_other_hosts_stay_apart(written: str, other: str) -> None:
    assert destination_key("webhook", other) != destination_key("webhook", written)


def test_an_ipv6_spelling_of_another_teams_spec_hook_is_a_located_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bravo = "{webhook: {url: 'https://[2001:db8::1]/hooks/pay'}}"
    specs = _repository(tmp_path, "{webhook: {url: 'https://[2001:0db8:0:0:0:0:0:1]/hooks/pay'}}", bravo=bravo)
    result = run_obsc(capsys, "compile", str(specs), "--out", str(tmp_path / "out"), "--no-validate")
    assert result.code == 2, result.err
    cart = specs / "teams" / "alpha" / "cart.yaml"
    assert f"{cart}:11:11 $.routing.critical.webhook.url: 'https://[2001:0db8:0:0:0:0:0:1]/hooks/pay' is" in result.err
    assert "of a spec of team 'bravo'" in result.err
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize(
    "other",
    [
        "https://tickets.example/hooks/PAY",
        "https://tickets.example/Hooks/Pay/cart",
        "https://tickets.example/hooks/%50ay",
    ],
)
def test_another_teams_hook_path_in_another_case_is_a_located_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], other: str
) -> None:
    """Round 54 (a hostile contributor): bravo's spec sends to `https://tickets.example/hooks/pay`; alpha's spec
    wrote `/hooks/PAY` and compiled, exit 0. A hook server whose routes ignore case (Express's default router,
    ASP.NET, IIS) files alpha's alerts in bravo's queue, as bravo's."""
    specs = _repository(tmp_path, f"{{webhook: {{url: '{other}'}}}}")
    result = run_obsc(capsys, "compile", str(specs), "--out", str(tmp_path / "out"), "--no-validate")
    assert result.code == 2, result.err
    cart = specs / "teams" / "alpha" / "cart.yaml"
    assert f"{cart}:11:11 $.routing.critical.webhook.url: '{other}' is" in result.err, result.err
    assert "of a spec of team 'bravo'" in result.err
    assert not (tmp_path / "out").exists()


def test_a_hook_path_in_another_case_is_one_destination() -> None:
    assert destination_key("webhook", "https://hooks.example/Hooks/PAY/") == destination_key(
        "webhook", "https://hooks.example/hooks/pay"
    )


def test_a_hex_prefix_without_digits_is_a_name_not_an_internal_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """`https://0x.1.2.3/` (a name to inet_aton) was read as a hex number: int('0x', 16) raised, exit 70 for any
    spec or platform file writing such a host (round 42). Spelled in another case it is still bravo's host."""
    bravo = "{webhook: {url: 'https://0x.1.2.3/hooks/pay'}}"
    specs = _repository(tmp_path, "{webhook: {url: 'https://0X.1.2.3/hooks/pay'}}", bravo=bravo)
    result = run_obsc(capsys, "compile", str(specs), "--out", str(tmp_path / "out"), "--no-validate")
    assert result.code == 2, result.err
    cart = specs / "teams" / "alpha" / "cart.yaml"
    assert f"{cart}:11:11 $.routing.critical.webhook.url: 'https://0X.1.2.3/hooks/pay' is" in result.err
