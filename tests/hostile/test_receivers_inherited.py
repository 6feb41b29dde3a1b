"""A hostile contributor and the platform's shared notification settings: a spec's receiver must not borrow
the platform's credential to notify wherever it likes (docs/notifications.md, "Who is notified")."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.hostile.test_secrets import BATCH, MAIL, ROOTED, _compiles, _errors

SLACK_URL = "  global: {slack_api_url_file: /srv/am/secrets/platform/slack}\n"
PLATFORM = ROOTED + SLACK_URL


def _spec(routing: str, team: str = "t1") -> str:
    # the team's own pager for its pages: a listed team's pages may not fall to the catch-all (round 34)
    pager = f"{{pagerduty: {{routing_key_file: /srv/am/secrets/team-{team}/pagerduty}}}}"
    return BATCH.format(team=team) + f"routing:\n  warning: {routing}\n  critical: {pager}\n"


def _listing(channels: str) -> str:
    return PLATFORM.replace("  t1: {}\n", f"  t1: {{slack_channels: {channels}}}\n")


# ---------------------------------------------------------------- Slack through the platform's URL


def test_a_spec_cannot_post_through_the_platforms_slack_url_to_a_channel_not_listed_for_its_team(
    tmp_path: Path,
) -> None:
    assert _errors(tmp_path, _spec('{slack: {channel: "#payments-oncall"}}'), PLATFORM) == [
        "job.yaml:12:30 $.routing.warning.slack.channel: Slack channel '#payments-oncall' would be posted to through "
        "the platform's Slack URL (alertmanager.global.slack_api_url_file in platform.yaml): a spec may post through "
        "it only to the channels listed for its team, and teams.t1.slack_channels lists none; ask the platform team "
        "to add it there, or give this receiver its own api_url_file (a file below /srv/am/secrets/team-t1/)"
    ]
    listed = _listing("['#t1-alerts']")
    for other in ("#payments-oncall", "@payments-lead", "@t1-alerts", "T1-ALERTS", "t1-alerts.x"):
        errors = _errors(tmp_path, _spec(f'{{slack: {{channel: "{other}"}}}}'), listed)
        assert len(errors) == 1 and "lists only '#t1-alerts'" in errors[0], (other, errors)
    # another team's list is not this team's
    payments = PLATFORM.replace("  t1: {}\n", "  t1: {}\n  finance: {slack_channels: ['#payments-oncall']}\n")
    assert len(_errors(tmp_path, _spec('{slack: {channel: "#payments-oncall"}}'), payments)) == 1


@pytest.mark.parametrize("channel", ["#t1-alerts", "t1-alerts"])
def test_a_listed_channel_may_be_posted_to_with_or_without_its_hash(tmp_path: Path, channel: str) -> None:
    fleet = _compiles(tmp_path, _spec(f'{{slack: {{channel: "{channel}"}}}}'), _listing("[t1-alerts, '@t1-lead']"))
    assert fleet.services[0].routes[1].receiver == "nightly-export-warning"
    assert _compiles(tmp_path, _spec('{slack: {channel: "@t1-lead"}}'), _listing("[t1-alerts, '@t1-lead']"))


def test_the_teams_own_slack_url_posts_anywhere(tmp_path: Path) -> None:
    own = '{slack: {channel: "#anything", api_url_file: /srv/am/secrets/team-t1/slack}}'
    assert _compiles(tmp_path, _spec(own), PLATFORM).services


def test_the_platform_files_own_receivers_need_no_listing(tmp_path: Path) -> None:
    platform = PLATFORM.replace("  t1: {}\n", "  t1: {routing: {info: {slack: {channel: '#t1-digest'}}}}\n").replace(
        "receivers:\n", "receivers:\n  sre: {slack: {channel: '#sre'}}\n"
    )
    assert _compiles(tmp_path, _spec("sre"), platform).services


def test_without_a_global_url_only_the_missing_url_is_reported(tmp_path: Path) -> None:
    errors = _errors(tmp_path, _spec('{slack: {channel: "#payments-oncall"}}'), ROOTED)
    assert len(errors) == 1 and "slack needs a webhook URL file" in errors[0], errors


def test_the_missing_url_says_the_channel_list_the_global_url_needs(tmp_path: Path) -> None:
    """Round 45 (a newcomer): told to set the global URL, they did, and were refused next for the channel their team
    does not list; the first message now names both."""
    errors = _errors(tmp_path, _spec('{slack: {channel: "#payments-oncall"}}'), ROOTED)
    assert "a spec then posts through it only to the channels teams.<team>.slack_channels lists" in errors[0], errors


def test_a_listing_that_failed_the_schema_is_not_judged_again(tmp_path: Path) -> None:
    errors = _errors(tmp_path, _spec('{slack: {channel: "#t1-alerts"}}'), _listing("['#t1 alerts']"))
    assert len(errors) == 1 and "$.teams.t1.slack_channels[0]" in errors[0], errors


# ---------------------------------------------------------------- the platform's receiver of another team


def test_a_spec_cannot_name_the_platforms_receiver_of_another_teams_secret(tmp_path: Path) -> None:
    # ROOTED names `payments-pager` under receivers: with payments' PagerDuty key, for teams.payments.routing.
    assert _errors(tmp_path, _spec("payments-pager")) == [
        "job.yaml:12:12 $.routing.warning: receiver 'payments-pager' (platform.yaml:9:3) uses a secret file of team "
        "'payments' ('/srv/am/secrets/team-payments/pagerduty'): it is that team's integration, and naming it from "
        "a spec of team 't1' would notify team 'payments' of this team's alerts; a receiver teams share keeps its "
        "files below secrets.shared_root"
    ]


def test_the_platform_may_route_a_team_to_a_shared_file_and_its_own_team_may_name_its_own(tmp_path: Path) -> None:
    # Round 34: a receiver holding payments' key file is payments' integration, whichever list names it; routing t1
    # there pages payments' on-call with t1's alerts (tests/hostile/test_platform_destinations.py). Teams share a
    # receiver whose files lie below the shared root.
    pager = "  payments-pager: {pagerduty: {routing_key_file: /srv/am/secrets/team-payments/pagerduty}}\n"
    shared = ROOTED.replace(pager, pager.replace("team-payments/pagerduty", "platform/pd"))
    routed = shared.replace("  t1: {}\n", "  t1: {routing: {warning: payments-pager}}\n")
    fleet = _compiles(tmp_path, BATCH.format(team="t1") + "routing:\n  critical: fallback\n", routed)
    assert [r.receiver for r in fleet.services[0].routes[:2]] == ["fallback", "payments-pager"]
    assert _compiles(tmp_path, _spec("payments-pager", team="payments")).services
    assert shared != ROOTED and _compiles(tmp_path, _spec("payments-pager"), shared).services


def test_a_spec_cannot_name_the_platforms_slack_receiver_of_a_channel_listed_for_another_team(tmp_path: Path) -> None:
    platform = PLATFORM.replace("  t1: {}\n", "  t1: {}\n  finance: {slack_channels: ['#finance-oncall']}\n").replace(
        "receivers:\n", "receivers:\n  finance-slack: {slack: {channel: finance-oncall}}\n"
    )
    errors = _errors(tmp_path, _spec("finance-slack"), platform)
    assert len(errors) == 1 and "posts to Slack channel 'finance-oncall', listed for team 'finance'" in errors[0]
    assert errors[0].endswith("or list the channel for team t1 too"), errors
    both = platform.replace("  t1: {}\n", "  t1: {slack_channels: ['#finance-oncall']}\n")
    assert _compiles(tmp_path, _spec("finance-slack"), both).services
    own_url = platform.replace(
        "channel: finance-oncall}", "channel: finance-oncall, api_url_file: /srv/am/secrets/platform/s}"
    )
    assert _compiles(tmp_path, _spec("finance-slack"), own_url).services  # the platform's own app: not via the list


# ---------------------------------------------------------------- destinations the platform gives another team

HOOK = "https://relay.example/tickets/payments"
GIVEN = MAIL.replace(
    "    routing: {critical: {pagerduty: {routing_key_file: /srv/am/secrets/team-payments/pagerduty}}}\n",
    "    routing:\n"
    "      critical: {pagerduty: {routing_key_file: /srv/am/secrets/team-payments/pagerduty}}\n"
    f"      warning: {{webhook: {{url: '{HOOK}'}}}}\n"
    "      info: {email: {to: payments-digest@acme.example}}\n",
)


def test_a_spec_cannot_write_the_webhook_the_platform_gives_another_team(tmp_path: Path) -> None:
    assert GIVEN != MAIL
    assert _errors(tmp_path, _spec(f'{{webhook: {{url: "{HOOK}"}}}}'), GIVEN) == [
        f"job.yaml:12:28 $.routing.warning.webhook.url: '{HOOK}' is the URL the platform file gives team "
        "'payments' (teams.payments.routing.warning at platform.yaml:7:7): a spec of team 't1' writing it would "
        "file its alerts as that team's; send to your team's own, or ask the platform team to route team t1 there "
        "(teams.t1.routing)"
    ]
    for spelled in (
        "https://Relay.example:443/tickets//payments/?t1=1#x",
        "https://relay.example/tickets/payments/urgent",
        "https://relay.example/tickets/%70ayments",
        "https://relay.example/tickets/t1/../payments",
        "https://relay.example./tickets/payments",
        "https://relay.example/tickets/payments;t1",
        "https://relay.example/tickets;x/payments",
    ):
        errors = _errors(tmp_path, _spec(f'{{webhook: {{url: "{spelled}"}}}}'), GIVEN)
        assert len(errors) == 1 and "teams.payments.routing" in errors[0], (spelled, errors)
    for own in (
        "https://relay.example/tickets/payments-2",
        "https://relay.example/tickets/t1",
        "http://relay.example:8080/tickets/payments",
    ):
        assert _compiles(tmp_path, _spec(f'{{webhook: {{url: "{own}"}}}}'), GIVEN).services, own


def test_a_spec_cannot_write_the_address_the_platform_gives_another_team(tmp_path: Path) -> None:
    # `%` and `!` forms: the routing Postfix does by default (allow_percent_hack, swap_bangpath) for its own domains
    for spelled in (
        "payments-digest@acme.example",
        "Payments-Digest+t1@ACME.example",
        "payments-digest%acme.example@acme.example",
        "acme.example!payments-digest@acme.example",
    ):
        errors = _errors(tmp_path, _spec(f'{{email: {{to: "{spelled}"}}}}'), GIVEN)
        assert len(errors) == 1 and "is the address the platform file gives team 'payments'" in errors[0], errors
    assert _compiles(tmp_path, _spec('{email: {to: "t1@acme.example"}}'), GIVEN).services


def test_the_team_itself_and_a_team_given_the_same_destination_may_write_it(tmp_path: Path) -> None:
    assert _compiles(tmp_path, _spec(f'{{webhook: {{url: "{HOOK}/urgent"}}}}', team="payments"), GIVEN).services
    # Two teams given one destination: a receiver under receivers: both teams' routing names (round 34: the
    # same URL written inline for two teams is refused, tests/hostile/test_platform_destinations.py).
    shared = GIVEN.replace(f"      warning: {{webhook: {{url: '{HOOK}'}}}}\n", "      warning: tickets\n").replace(
        "receivers:\n", f"receivers:\n  tickets: {{webhook: {{url: '{HOOK}'}}}}\n"
    )
    shared = shared.replace("  t1: {}\n", "  t1: {routing: {warning: tickets}}\n")
    assert "warning: tickets\n" in shared and "warning: tickets}" in shared
    assert _compiles(tmp_path, _spec(f'{{webhook: {{url: "{HOOK}"}}}}'), shared).services
