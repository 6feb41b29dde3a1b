"""A destination the platform gives a team through a receiver it names (round 33, hunt).

`teams.<team>.routing` may name a receiver under `receivers:` instead of writing one inline. A webhook URL or
an e-mail address carries no credential that says whose it is, so only the routing does: before, a destination
given to a team inline was that team's (model/destinations.py), but one given through a named receiver was no
one's. A spec of team t1 could name `payments-tickets` or write its URL or address into its own receiver (or a
PagerDuty/Opsgenie receiver's URL), and file its alerts in payments' ticket queue.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.hostile.test_secrets import BATCH, MAIL, _compiles, _errors

HOOK = "https://relay.example/tickets/payments"
NAMED = (
    MAIL.replace(
        "    routing: {critical: {pagerduty: {routing_key_file: /srv/am/secrets/team-payments/pagerduty}}}\n",
        "    routing:\n"
        "      critical: {pagerduty: {routing_key_file: /srv/am/secrets/team-payments/pagerduty}}\n"
        "      warning: payments-tickets\n",
    )
    .replace(
        "receivers:\n",
        "receivers:\n"
        f"  payments-tickets: {{webhook: {{url: '{HOOK}'}}, email: {{to: payments-oncall@acme.example}}}}\n",
    )
    .replace("  t1: {}\n", "  t1: {routing: {critical: fallback}}\n")
)  # pages named: the catch-all unnamed is an error
PD_KEY = "routing_key_file: /srv/am/secrets/team-t1/pd"


def _spec(routing: str, team: str = "t1") -> str:
    return BATCH.format(team=team) + f"routing:\n  warning: {routing}\n"


def test_the_fixture_routes_payments_to_the_named_receiver() -> None:
    assert "warning: payments-tickets" in NAMED and f"payments-tickets: {{webhook: {{url: '{HOOK}'}}" in NAMED


@pytest.mark.parametrize(
    ("routing", "where", "what"),
    [
        (f'{{webhook: {{url: "{HOOK}"}}}}', "12:28 $.routing.warning.webhook.url", f"'{HOOK}' is the URL"),
        (f'{{webhook: {{url: "{HOOK}/urgent"}}}}', "12:28 $.routing.warning.webhook.url", "is below the URL"),
        ('{email: {to: "Payments-Oncall+t1@acme.example"}}', "12:25 $.routing.warning.email.to", "is the address"),
        (f'{{pagerduty: {{{PD_KEY}, url: "{HOOK}"}}}}', "12:76 $.routing.warning.pagerduty.url", "is the URL"),
        (
            f'{{opsgenie: {{api_key_file: /srv/am/secrets/team-t1/og, api_url: "{HOOK}/"}}}}',
            "12:75 $.routing.warning.opsgenie.api_url",
            "is the URL",
        ),
    ],
)
def test_a_spec_cannot_write_a_destination_the_platform_gives_another_team_by_name(
    tmp_path: Path, routing: str, where: str, what: str
) -> None:
    errors = _errors(tmp_path, _spec(routing), NAMED)
    assert len(errors) == 1, errors
    assert errors[0].startswith(f"job.yaml:{where}: "), errors
    assert what in errors[0], errors
    given = "(receivers.payments-tickets at platform.yaml:10:3, which teams.payments.routing.warning names)"
    assert f"gives team 'payments' {given}" in errors[0], errors


def test_a_spec_cannot_name_the_receiver_the_platform_gives_another_team(tmp_path: Path) -> None:
    assert _errors(tmp_path, _spec("payments-tickets"), NAMED) == [
        "job.yaml:12:12 $.routing.warning: receiver 'payments-tickets' (platform.yaml:10:3) sends to "
        "'payments-oncall@acme.example', where the platform file sends team 'payments' (teams.payments.routing): it "
        "is that team's "
        "integration, and naming it from a spec of team 't1' would notify team 'payments' of this team's alerts; "
        "the platform file may route team t1 to it (teams.t1.routing), or name it in defaults.routing for every team"
    ]


def test_the_team_itself_a_team_routed_there_and_a_shared_receiver_may_use_it(tmp_path: Path) -> None:
    assert _compiles(tmp_path, _spec("payments-tickets", team="payments"), NAMED).services
    assert _compiles(tmp_path, _spec(f'{{webhook: {{url: "{HOOK}"}}}}', team="payments"), NAMED).services
    both = NAMED.replace("{critical: fallback}}\n", "{critical: fallback, info: payments-tickets}}\n")
    assert both != NAMED
    assert _compiles(tmp_path, _spec("payments-tickets"), both).services
    assert _compiles(tmp_path, _spec(f'{{webhook: {{url: "{HOOK}"}}}}'), both).services
    # named in defaults.routing (or as the default receiver), it is every team's
    for shared in (
        NAMED.replace("alertmanager:\n", "defaults: {routing: {info: payments-tickets}}\nalertmanager:\n"),
        NAMED.replace("default_receiver: fallback", "default_receiver: payments-tickets"),
    ):
        assert shared != NAMED
        assert _compiles(tmp_path, _spec("payments-tickets"), shared).services
        assert _compiles(tmp_path, _spec(f'{{webhook: {{url: "{HOOK}"}}}}'), shared).services
    # a receiver no team's routing names stays the platform's to share, as before
    assert _compiles(tmp_path, _spec("fallback"), NAMED).services
    assert _compiles(tmp_path, _spec('{webhook: {url: "https://relay.example/fallback"}}'), NAMED).services


def test_a_spec_cannot_name_the_platforms_own_slack_app_receiver_given_to_another_team(tmp_path: Path) -> None:
    app = "api_url_file: /srv/am/secrets/platform/slack-oncall"
    platform = NAMED.replace("      warning: payments-tickets\n", "      warning: payments-slack\n").replace(
        "receivers:\n", f"receivers:\n  payments-slack: {{slack: {{channel: '#payments-oncall', {app}}}}}\n"
    )
    errors = _errors(tmp_path, _spec("payments-slack"), platform)
    assert (
        len(errors) == 1 and "sends to '#payments-oncall', where the platform file sends team 'payments'" in errors[0]
    )
    assert _compiles(tmp_path, _spec("payments-slack", team="payments"), platform).services
    # the team's own app may still post to any channel (its own secret root)
    own = '{slack: {channel: "#payments-oncall", api_url_file: /srv/am/secrets/team-t1/slack}}'
    assert _compiles(tmp_path, _spec(own), platform).services
    # through the platform's global URL, the team's slack_channels listing decides, as before
    t1 = "  t1: {routing: {critical: fallback}, slack_channels: ['#payments-oncall']}\n"
    listed = platform.replace(f", {app}}}", "}").replace("  t1: {routing: {critical: fallback}}\n", t1)
    listed = listed.replace(
        "alertmanager:\n  global: {", "alertmanager:\n  global: {slack_api_url_file: /srv/am/secrets/platform/slack, "
    )
    assert listed.count("slack_api_url_file") == 1 and "slack_channels: [" in listed
    assert _compiles(tmp_path, _spec("payments-slack"), listed).services


def test_the_default_receiver_stays_every_teams_though_it_posts_where_a_team_is_given(tmp_path: Path) -> None:
    """The default receiver (and defaults.routing's) is shared by the platform file's own word: naming it is no
    claim on the team whose named receiver posts to the same URL (a mutant that dropped this check survived)."""
    platform = NAMED.replace(
        'fallback: {webhook: {url: "https://relay.example/fallback"}}', f"fallback: {{webhook: {{url: '{HOOK}'}}}}"
    )
    assert platform != NAMED
    assert _compiles(tmp_path, _spec("fallback"), platform).services
