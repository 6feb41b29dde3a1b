"""A careless platform file in a shared repository: one team's alerts delivered to another team's destination by
another name than the other team's receiver (round 33 refused naming that receiver). Found by the round 34 hunt:
each case below compiled (exit 0) and Alertmanager would have delivered the alerts there."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.cli_helpers import run_obsc
from tests.hostile.test_secrets import BATCH, MAIL, _compiles, _errors

SLACK = "/srv/am/secrets/platform/slack"
PLATFORM = MAIL.replace("  global: {", f"  global: {{slack_api_url_file: {SLACK}, ").replace(
    "  t1: {}\n",
    "  t1: {}\n"
    "  alpha:\n"
    "    routing:\n"
    "      warning: {webhook: {url: 'https://tickets.example/hooks/alpha'}}\n"
    "      info: {email: {to: alpha-digest@acme.example}}\n"
    "  bravo: {}\n",
)
SPEC = BATCH.format(team="bravo") + "routing: {critical: fallback}\n"  # pages named: the catch-all unnamed is an error


def _bravo(routing: str, platform: str = PLATFORM) -> str:
    return platform.replace("  bravo: {}\n", f"  bravo: {{routing: {{{routing}}}}}\n")


def test_the_webhook_written_inline_for_another_team_is_refused(tmp_path: Path) -> None:
    assert PLATFORM != MAIL and "slack_api_url_file" in PLATFORM
    platform = _bravo("warning: {webhook: {url: 'https://tickets.example/hooks/alpha'}}")
    assert _errors(tmp_path, SPEC, platform) == [
        "platform.yaml:11:46 $.teams.bravo.routing.warning.webhook.url: 'https://tickets.example/hooks/alpha' is the "
        "URL written inline for team 'alpha' at teams.alpha.routing.warning (platform.yaml:9:7): this receiver sends "
        "the warning alerts of team 'bravo' there, to team alpha's tool; a receiver written in teams.alpha.routing is "
        "that team's alone: to share the destination, define it once under receivers: and name it from "
        "teams.alpha.routing and here"
    ]


@pytest.mark.parametrize(
    "routing",
    [
        "critical: {webhook: {url: 'https://Tickets.example:443//hooks/alpha/?x=1'}}",
        "warning: {webhook: {url: 'https://tickets.example/hooks/alpha/bravo'}}",  # below it: the same handler
        "warning: {email: {to: Alpha-Digest+bravo@ACME.example}}",
        "info: {email: {to: alpha-digest@acme.example}}",
    ],
)
def test_every_spelling_of_another_teams_inline_destination_is_refused(tmp_path: Path, routing: str) -> None:
    errors = _errors(tmp_path, SPEC, _bravo(routing))
    assert len(errors) == 1 and "written inline for team 'alpha'" in errors[0], errors


def test_the_slack_channel_written_inline_for_another_team_is_refused_through_the_same_url(tmp_path: Path) -> None:
    alpha = PLATFORM.replace(
        "      info: {email: {to: alpha-digest@acme.example}}\n", "      info: {slack: {channel: '#alpha'}}\n"
    )
    errors = _errors(tmp_path, SPEC, _bravo("info: {slack: {channel: alpha}}", alpha))
    assert len(errors) == 1 and "'alpha' is the Slack channel written inline for team 'alpha'" in errors[0], errors
    # the same name through each team's own Slack app (its own workspace, maybe) is another destination
    own = alpha.replace("channel: '#alpha'}", "channel: '#alpha', api_url_file: /srv/am/secrets/team-alpha/s}")
    assert _compiles(
        tmp_path, SPEC, _bravo("info: {slack: {channel: alpha, api_url_file: /srv/am/secrets/team-bravo/s}}", own)
    )


@pytest.mark.parametrize(
    ("where", "edit", "located"),
    [
        (
            "defaults.routing",
            (
                "alertmanager:\n",
                "defaults: {routing: {info: {email: {to: alpha-digest@acme.example}}}}\nalertmanager:\n",
            ),
            "$.defaults.routing.info.email.to: 'alpha-digest@acme.example' is the address written inline for team "
            "'alpha' at teams.alpha.routing.info (platform.yaml:10:7): this receiver sends the info alerts of every "
            "team without its own routing.info there",
        ),
        (
            "the default receiver",
            ('url: "https://relay.example/fallback"', 'url: "https://tickets.example/hooks/alpha"'),
            "$.receivers.fallback.webhook.url: 'https://tickets.example/hooks/alpha' is the URL written inline for "
            "team 'alpha' at teams.alpha.routing.warning (platform.yaml:9:7): this receiver sends every alert no "
            "team's routing takes",
        ),
        (
            "a named receiver another team is routed to",
            ("  bravo: {}\n", "  bravo: {routing: {warning: fallback}}\n"),
            None,
        ),
    ],
)
def test_a_named_or_platform_wide_receiver_sending_to_a_teams_inline_destination_is_refused(
    tmp_path: Path, where: str, edit: tuple[str, str], located: str | None
) -> None:
    platform = PLATFORM.replace(*edit)
    if located is None:  # bravo routed to a receiver that posts to alpha's hook
        platform = platform.replace(
            'url: "https://relay.example/fallback"', 'url: "https://tickets.example/hooks/alpha"'
        )
        platform = platform.replace("  default_receiver: fallback\n", "  default_receiver: payments-pager\n")
        platform = platform.replace("team-payments/pagerduty}}\nsecrets", "platform/pd}}\nsecrets")
    assert platform != PLATFORM, where
    errors = _errors(tmp_path, SPEC, platform)
    assert len(errors) == 1 and "written inline for team 'alpha'" in errors[0], (where, errors)
    if located is not None:
        assert located in errors[0], errors
    else:
        assert "this receiver sends the warning alerts of team 'bravo' there" in errors[0], errors


def test_a_route_to_a_receiver_holding_another_teams_secret_file_is_refused(tmp_path: Path) -> None:
    # receivers.payments-pager holds payments' key file: t1's pages would reach payments' PagerDuty service.
    platform = PLATFORM.replace("  t1: {}\n", "  t1: {routing: {critical: payments-pager}}\n")
    assert _errors(tmp_path, BATCH.format(team="t1"), platform) == [
        "platform.yaml:6:28 $.teams.t1.routing.critical: receiver 'payments-pager' (platform.yaml:14:3) uses secret "
        "file '/srv/am/secrets/team-payments/pagerduty', in the secret root of team 'payments': naming it here sends "
        "the critical alerts of team 't1' to team payments's integration; route only team payments to it, or keep "
        "the file of a receiver teams share below secrets.shared_root"
    ]
    for everyone in (
        ("  default_receiver: fallback\n", "  default_receiver: payments-pager\n"),
        ("alertmanager:\n", "defaults: {routing: {critical: payments-pager}}\nalertmanager:\n"),
        (SLACK, "/srv/am/secrets/team-payments/slack"),  # every Slack integration without a URL of its own
    ):
        named = BATCH.format(team="t1") + "routing: {critical: fallback}\n"  # else the catch-all's error too
        errors = _errors(tmp_path, named, PLATFORM.replace(*everyone))
        assert len(errors) == 1 and "in the secret root of team 'payments'" in errors[0], (everyone, errors)


def test_what_the_platform_file_shares_on_purpose_still_compiles(tmp_path: Path) -> None:
    # one receiver under receivers: that both teams' routing names
    hook = "https://tickets.example/hooks/alpha"
    shared = PLATFORM.replace(f"      warning: {{webhook: {{url: '{hook}'}}}}\n", "      warning: tickets\n")
    shared = _bravo(
        "warning: tickets", shared.replace("receivers:\n", f"receivers:\n  tickets: {{webhook: {{url: '{hook}'}}}}\n")
    )
    assert _compiles(tmp_path, SPEC, shared).services
    # two receivers under receivers: with one destination (a relay that files by the team label)
    relay = PLATFORM.replace(
        "receivers:\n",
        "receivers:\n  relay-a: {webhook: {url: 'https://relay.example/in'}}\n  relay-b: {webhook: {url: 'https://relay.example/in'}}\n",
    ).replace("  t1: {}\n", "  t1: {routing: {warning: relay-a}}\n")
    assert _compiles(tmp_path, SPEC, _bravo("warning: relay-b", relay)).services
    # a team's own receiver twice, a URL above another team's (not its handler), payments' pager for payments
    payments = PLATFORM.replace(
        "    routing: {critical: {pagerduty:", "    routing: {warning: payments-pager, critical: {pagerduty:"
    )
    assert payments != PLATFORM
    urls = "critical: {webhook: {url: 'https://tickets.example/hook'}}, warning: {webhook: {url: 'https://tickets.example/hooks/alphabet'}}"
    own = _bravo(urls, payments)
    assert _compiles(tmp_path, SPEC, own).services


def test_the_cli_says_where_and_writes_nothing(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "specs").mkdir()
    (tmp_path / "specs" / "platform.yaml").write_text(_bravo("warning: {email: {to: alpha-digest@acme.example}}"))
    (tmp_path / "specs" / "job.yaml").write_text(SPEC)
    result = run_obsc(capsys, "compile", str(tmp_path / "specs"), "--out", str(tmp_path / "out"), "--no-validate")
    assert result.code == 2 and "Traceback" not in result.err, result.err
    assert f"{tmp_path}/specs/platform.yaml:11:43 $.teams.bravo.routing.warning.email.to:" in result.err, result.err
    assert not (tmp_path / "out").exists()


def test_a_shared_receiver_many_teams_name_is_said_once_and_briefly(tmp_path: Path) -> None:
    teams = "".join(f"  t{i}x: {{routing: {{warning: fallback}}}}\n" for i in range(5))
    platform = PLATFORM.replace("  bravo: {}\n", "  bravo: {}\n" + teams).replace(
        'url: "https://relay.example/fallback"', "url: 'https://tickets.example/hooks/alpha'"
    )
    errors = _errors(tmp_path, SPEC, platform)
    assert len(errors) == 1, errors
    assert (
        "this receiver sends the warning alerts of team 't0x' and the warning alerts of team 't1x' and the warning "
        "alerts of team 't2x' and 3 more there"
    ) in errors[0], errors


def test_a_direct_message_is_a_slack_destination_too(tmp_path: Path) -> None:
    alpha = PLATFORM.replace(
        "      info: {email: {to: alpha-digest@acme.example}}\n", "      info: {slack: {channel: '@alpha-lead'}}\n"
    )
    errors = _errors(tmp_path, SPEC, _bravo("critical: {slack: {channel: '@alpha-lead'}}", alpha))
    assert len(errors) == 1 and "'@alpha-lead' is the Slack channel written inline for team 'alpha'" in errors[0], (
        errors
    )


def test_two_teams_own_destinations_apart_only_by_their_query_compile(tmp_path: Path) -> None:
    """One relay path, a room, stream or topic per team in its query (Zulip's Alertmanager integration reads
    `?api_key=...&stream=<stream>`): two destinations, each team's own. Round 34 compared the platform's inline
    URLs without their query and refused bravo's as alpha's (round 35 review). The same query in another order,
    or none on one side (the handler may not read it), is still the same destination."""
    alpha = "https://chat.example/api/v1/external/alertmanager?stream=alpha&topic=alerts"
    platform = PLATFORM.replace("'https://tickets.example/hooks/alpha'", f"'{alpha}'")
    apart = "warning: {webhook: {url: 'https://chat.example/api/v1/external/alertmanager?stream=bravo&topic=alerts'}}"
    assert _compiles(tmp_path, SPEC, _bravo(apart, platform)).services
    for same in ("?topic=alerts&stream=alpha", "", "/bravo?stream=alpha&topic=alerts"):
        url = f"https://chat.example/api/v1/external/alertmanager{same}"
        errors = _errors(tmp_path, SPEC, _bravo(f"warning: {{webhook: {{url: '{url}'}}}}", platform))
        assert len(errors) == 1 and "written inline for team 'alpha'" in errors[0], (same, errors)


def test_a_destination_of_two_teams_is_said_once_where_another_sends_there(tmp_path: Path) -> None:
    """bravo's URL is alpha's, and below t1's: one error for it, naming the first (round 35 review: a mutant that
    said every owner survived)."""
    t1 = PLATFORM.replace(
        "  t1: {}\n", "  t1: {routing: {warning: {webhook: {url: 'https://tickets.example/hooks'}}}}\n"
    )
    errors = _errors(tmp_path, SPEC, _bravo("warning: {webhook: {url: 'https://tickets.example/hooks/alpha'}}", t1))
    said = [e for e in errors if "$.teams.bravo." in e]
    assert len(said) == 1 and "written inline for team 'alpha'" in said[0], errors
