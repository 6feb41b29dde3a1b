"""Routing conflicts are located errors naming both places, raised before anything is generated."""

from __future__ import annotations

from pathlib import Path

import pytest

from compiler.api import CompileOptions, load_fleet
from compiler.errors import InputError
from compiler.model.teams import catchall_pages
from compiler.model.types import Fleet, Tier

PLATFORM = """\
apiVersion: obsc/v1
kind: Platform
teams:
  payments:
    routing:
      critical: {pagerduty: {routing_key_file: /etc/am/team-payments/pager}}
      warning: {webhook: {url: "https://tickets.example/hook"}}
receivers:
  fallback: {webhook: {url: "https://fallback.example/hook"}}
  checkout-critical: {pagerduty: {routing_key_file: /etc/am/team-payments/other}}
secrets: {team_root: "/etc/am/team-{team}/", shared_root: /etc/am/platform/}
alertmanager:
  default_receiver: fallback
"""

SPEC = """\
apiVersion: obsc/v1
service: checkout
team: payments
selector: {job: checkout}
"""


def _fleet(root: Path) -> Fleet:
    """The model alone: these errors are raised before any target runs."""
    return load_fleet([str(root)], CompileOptions(), {})[0]


def _errors(tmp_path: Path, spec: str, platform: str = PLATFORM) -> list[str]:
    (tmp_path / "platform.yaml").write_text(platform)
    (tmp_path / "checkout.yaml").write_text(spec)
    with pytest.raises(InputError) as caught:
        _fleet(tmp_path)
    return [str(d).replace(str(tmp_path) + "/", "") for d in caught.value.diagnostics]


def test_the_base_case_compiles(tmp_path: Path) -> None:
    (tmp_path / "platform.yaml").write_text(PLATFORM)
    (tmp_path / "checkout.yaml").write_text(SPEC)
    assert [s.name for s in _fleet(tmp_path).services] == ["checkout"]


def test_inline_secret_in_a_service_is_refused_with_its_location(tmp_path: Path) -> None:
    spec = SPEC + "routing:\n  critical: {pagerduty: {routing_key: 0123abcd}}\n"
    assert _errors(tmp_path, spec) == [
        "checkout.yaml:6:26 $.routing.critical.pagerduty.routing_key: inline secret 'routing_key' is not allowed: "
        "put the secret in a file and set 'routing_key_file' to its path"
    ]


def test_inline_secret_in_the_platform_is_refused_with_its_location(tmp_path: Path) -> None:
    platform = PLATFORM.replace("slack_api_url_file", "x").replace(
        'warning: {webhook: {url: "https://tickets.example/hook"}}',
        'warning: {slack: {channel: "#pay", api_url: "https://hooks.slack.com/services/T/B/X"}}',
    )
    errors = _errors(tmp_path, SPEC, platform)
    secret = [e for e in errors if "inline secret" in e]
    assert secret == [
        "platform.yaml:7:42 $.teams.payments.routing.warning.slack.api_url: inline secret 'api_url' is not allowed: "
        "put the secret in a file and set 'api_url_file' to its path"
    ]


def test_a_spec_receiver_named_like_a_shared_one_steps_aside(tmp_path: Path) -> None:
    """The platform's shared `checkout-critical` and the checkout spec's own pager: both kept, the spec's under
    `service.checkout-critical` (round 32; it was refused as "defined twice", which the docs never promised)."""
    spec = SPEC + "routing:\n  critical: {pagerduty: {routing_key_file: /etc/am/team-payments/checkout}}\n"
    (tmp_path / "platform.yaml").write_text(PLATFORM)
    (tmp_path / "checkout.yaml").write_text(spec)
    service = _fleet(tmp_path).services[0]  # no InputError: both receivers are kept
    assert service.routes[0].receiver == "service.checkout-critical"


def test_same_receiver_name_with_same_settings_is_still_the_services_own(tmp_path: Path) -> None:
    spec = SPEC + "routing:\n  critical: {pagerduty: {routing_key_file: /etc/am/team-payments/other}}\n"
    (tmp_path / "platform.yaml").write_text(PLATFORM)
    (tmp_path / "checkout.yaml").write_text(spec)
    service = _fleet(tmp_path).services[0]
    assert service.routes[0].receiver == "service.checkout-critical"


def test_undefined_receiver_names_the_reference_and_the_receivers_section(tmp_path: Path) -> None:
    errors = _errors(tmp_path, SPEC + "routing:\n  critical: fallbak\n")
    assert errors == [
        "checkout.yaml:6:13 $.routing.critical: receiver 'fallbak' is not defined in receivers: of "
        f"{tmp_path}/platform.yaml (did you mean 'fallback'?)".replace(str(tmp_path) + "/", "")
    ]


def test_undefined_receiver_in_a_team_is_located_in_the_platform_file(tmp_path: Path) -> None:
    platform = PLATFORM.replace(
        'warning: {webhook: {url: "https://tickets.example/hook"}}', "warning: payments-tickets"
    )
    errors = _errors(tmp_path, SPEC, platform)
    assert errors == [
        "platform.yaml:7:16 $.teams.payments.routing.warning: receiver 'payments-tickets' is not defined in "
        "receivers: of platform.yaml (did you mean 'team-payments-critical'?)"
    ]


def test_team_without_a_critical_route_names_the_spec_and_the_team(tmp_path: Path) -> None:
    platform = PLATFORM.replace("      critical: {pagerduty: {routing_key_file: /etc/am/team-payments/pager}}\n", "")
    platform = platform.replace("alertmanager:\n  default_receiver: fallback\n", "")
    platform += "defaults:\n  routing: {info: fallback}\n"
    errors = _errors(tmp_path, SPEC, platform)
    assert len(errors) == 1
    assert errors[0].startswith("checkout.yaml:3:7 $.team: no receiver for critical alerts: ")  # no routing here
    assert "team 'payments' (platform.yaml:4:3) has no routing.critical" in errors[0]


def test_undefined_team_is_named_when_nothing_routes_a_tier(tmp_path: Path) -> None:
    platform = PLATFORM.replace("alertmanager:\n  default_receiver: fallback\n", "")
    errors = _errors(tmp_path, SPEC.replace("team: payments", "team: billing"), platform)
    assert len(errors) == 3  # critical, warning and info
    assert all("team 'billing' is not defined under teams: in platform.yaml" in e for e in errors)


@pytest.mark.parametrize(
    ("hours", "message"),
    [
        ('{location: Mars/Olympus, weekdays: [monday], times: [{start: "08:00", end: "18:00"}]}', "unknown time zone"),
        ('{weekdays: ["mon"], times: [{start: "08:00", end: "18:00"}]}', "'mon' is not a weekday"),
        ('{weekdays: ["friday:monday"], times: [{start: "08:00", end: "18:00"}]}', "runs backwards"),
        ('{weekdays: [monday], times: [{start: "22:00", end: "06:00"}]}', "overnight window as two ranges"),
        ('{weekdays: [monday], times: [{start: "08:00", end: "24:30"}]}', "times run from 00:00 to 24:00"),
        # a hunt: a 2-minute window got a 5m group interval, and most ticket groups never flushed inside it
        ('{weekdays: [monday], times: [{start: "09:30", end: "09:32"}]}', "shorter than 5 minutes misses most"),
    ],
)
def test_business_hours_alertmanager_would_refuse_are_located(tmp_path: Path, hours: str, message: str) -> None:
    platform = PLATFORM.replace("  payments:\n", f"  payments:\n    business_hours: {hours}\n")
    errors = _errors(tmp_path, SPEC, platform)
    assert len(errors) == 1
    assert errors[0].startswith("platform.yaml:5:")
    assert "$.teams.payments.business_hours." in errors[0]
    assert message in errors[0]


def test_slack_without_any_webhook_url_file_is_located(tmp_path: Path) -> None:
    platform = PLATFORM.replace(
        'warning: {webhook: {url: "https://tickets.example/hook"}}', 'warning: {slack: {channel: "#pay"}}'
    )
    errors = _errors(tmp_path, SPEC, platform)
    assert errors == [
        "platform.yaml:7:24 $.teams.payments.routing.warning.slack: receiver 'team-payments-warning': slack needs a "
        "webhook URL file: set api_url_file here or alertmanager.global.slack_api_url_file in the platform file "
        "(a spec then posts through it only to the channels teams.<team>.slack_channels lists)"
    ]
    fixed = platform + "  global: {slack_api_url_file: /etc/am/platform/slack}\n"
    (tmp_path / "platform.yaml").write_text(fixed)
    assert _fleet(tmp_path).services


def test_email_without_smtp_settings_is_located(tmp_path: Path) -> None:
    errors = _errors(tmp_path, SPEC + "routing:\n  info: {email: {to: team@example.com}}\n")
    assert errors == [
        # `service.`: the platform file writes a `checkout-critical` of its own (the spec's receivers step aside)
        "checkout.yaml:6:17 $.routing.info.email: receiver 'service.checkout-info': email needs "
        "alertmanager.global.smtp_smarthost and alertmanager.global.smtp_from in the platform file"
    ]


def test_tiers_left_to_the_catch_all_receiver_are_explained(tmp_path: Path) -> None:
    platform = PLATFORM.replace('      warning: {webhook: {url: "https://tickets.example/hook"}}\n', "")
    (tmp_path / "platform.yaml").write_text(platform)
    (tmp_path / "checkout.yaml").write_text(SPEC)
    _, notes = load_fleet([str(tmp_path)], CompileOptions(), {})
    routing_notes = [n for n in notes if "catch-all" in n or "nobody" in n]
    assert routing_notes == [
        "checkout: warning alerts go to the catch-all default receiver 'fallback': no routing.warning in this spec, "
        "in teams.payments or in platform defaults.routing",
        "checkout: info alerts notify nobody: no routing.info in this spec, in teams.payments or in platform "
        "defaults.routing (info never falls back to the default receiver)",
    ]


def test_a_misspelled_team_is_a_located_error_with_did_you_mean(tmp_path: Path) -> None:
    errors = _errors(tmp_path, SPEC.replace("team: payments", "team: paymnets"))
    assert errors == [
        "checkout.yaml:3:7 $.team: team 'paymnets' is not defined under teams: in platform.yaml (did you mean "
        "'payments'?); add it there (teams: {paymnets: {}} inherits the platform's routing) or fix the name"
    ]


def test_a_team_far_from_any_defined_one_lists_them(tmp_path: Path) -> None:
    platform = PLATFORM.replace("teams:\n", "teams:\n  search: {}\n")
    errors = _errors(tmp_path, SPEC.replace("team: payments", "team: ledger-ops"), platform)
    assert len(errors) == 1
    assert "team 'ledger-ops' is not defined under teams: in platform.yaml (defined: payments, search)" in errors[0]


def test_without_a_teams_section_any_team_routes_like_every_other(tmp_path: Path) -> None:
    """No registry to misspell against: every team's alerts follow defaults.routing and the default receiver."""
    platform = PLATFORM.split("teams:\n")[0] + PLATFORM.split("receivers:\n", 1)[1].join(["receivers:\n", ""])
    (tmp_path / "platform.yaml").write_text(platform)
    (tmp_path / "checkout.yaml").write_text(SPEC.replace("team: payments", "team: anything"))
    assert [s.team for s in _fleet(tmp_path).services] == ["anything"]


def test_pages_left_to_the_catch_all_are_located_at_the_team_or_the_routing(tmp_path: Path) -> None:
    """A page of a team the platform lists, landing in the platform's catch-all, reaches someone else, not the
    service's on-call: a located error at the spec's routing where it writes one, else at its team. Without a
    teams: registry every team routes alike, as the platform says: a warning (`catchall_pages`)."""
    unlisted = PLATFORM.split("teams:\n")[0] + PLATFORM.split("receivers:\n", 1)[1].join(["receivers:\n", ""])
    (tmp_path / "platform.yaml").write_text(unlisted)
    (tmp_path / "checkout.yaml").write_text(SPEC.replace("team: payments", "team: anything"))
    assert catchall_pages(_fleet(tmp_path).services) == [
        "team 'anything': pages of 1 service(s) (checkout) go to the catch-all default receiver 'fallback': no "
        "routing.critical in their specs or platform defaults.routing, and no teams: section to list the team in"
    ]
    listed = PLATFORM.replace("      critical: {pagerduty: {routing_key_file: /etc/am/team-payments/pager}}\n", "")
    errors = _errors(tmp_path, SPEC, listed)
    assert errors == [
        "checkout.yaml:3:7 $.team: pages of team 'payments' would go to the catch-all default receiver 'fallback' of "
        "alertmanager.default_receiver (platform.yaml), which no routing names for them: no routing.critical here, in "
        "teams.payments or in platform defaults.routing; name the receiver that pages this team's on-call in one of "
        "them (routing.critical: fallback there sends its pages to the catch-all on purpose)"
    ]
    errors = _errors(tmp_path, SPEC + "routing: {warning: fallback}\n", listed)
    assert len(errors) == 1 and errors[0].startswith("checkout.yaml:5:10 $.routing: pages of team 'payments' "), errors
    # named on purpose, anywhere in the lookup order, the catch-all takes them without a word
    for named in (SPEC + "routing: {critical: fallback}\n", SPEC):
        platform = listed if "routing" in named else listed + "defaults: {routing: {critical: fallback}}\n"
        (tmp_path / "checkout.yaml").write_text(named)
        (tmp_path / "platform.yaml").write_text(platform)
        assert _fleet(tmp_path).services[0].route(Tier.CRITICAL).receiver == "fallback"  # type: ignore[union-attr]


def test_the_internal_no_one_receiver_cannot_be_named_to_drop_pages(tmp_path: Path) -> None:
    """obsc-unrouted exists only for unrouted info; a spec naming it would silence its own pages."""
    errors = _errors(tmp_path, SPEC + "routing: {critical: obsc-unrouted}\n")
    assert len(errors) == 1
    assert "$.routing.critical: receiver 'obsc-unrouted' is not defined" in errors[0]
