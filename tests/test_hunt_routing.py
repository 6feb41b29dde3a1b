"""Routing and receivers as a newcomer's fleet and a hostile contributor in a shared repository use them:
each input is either refused at its line or routed as written. The model alone (no targets, no tools)."""

from __future__ import annotations

from pathlib import Path

import pytest

from compiler.api import CompileOptions, load_fleet
from compiler.errors import InputError
from compiler.model.types import Fleet, SecretPolicy
from compiler.targets.alertmanager.operator import ANNOTATION_HOURS, secret_ref, team_config

PLATFORM = """\
apiVersion: obsc/v1
kind: Platform
secrets: {team_root: "/srv/am/secrets/team-{team}/", shared_root: /srv/am/secrets/platform/}
teams:
  payments:
    routing: {critical: {pagerduty: {routing_key_file: /srv/am/secrets/team-payments/pagerduty}}}
  t1: {routing: {critical: fallback}}  # named: pages left to the catch-all unnamed are an error
receivers:
  fallback: {webhook: {url: "https://relay.example/fallback"}}
alertmanager:
  default_receiver: fallback
"""
T1 = "  t1: {routing: {critical: fallback}}"
# A batch job of team t1, nothing like examples/.
JOB = """\
apiVersion: obsc/v1
service: nightly-export
team: t1
selector: {job: nightly-export}
"""
# A service of team payments that writes its own pager inline.
CHECKOUT = """\
apiVersion: obsc/v1
service: checkout
team: payments
selector: {job: checkout}
routing: {critical: {pagerduty: {routing_key_file: /srv/am/secrets/team-payments/checkout}}}
"""


def _load(root: Path, specs: dict[str, str], platform: str = PLATFORM) -> Fleet:
    root.mkdir(parents=True, exist_ok=True)
    (root / "platform.yaml").write_text(platform)
    for name, text in specs.items():
        (root / name).write_text(text)
    return load_fleet([str(root)], CompileOptions(), {})[0]


def _errors(root: Path, specs: dict[str, str], platform: str = PLATFORM) -> list[str]:
    with pytest.raises(InputError) as caught:
        _load(root, specs, platform)
    return [str(d).replace(str(root) + "/", "") for d in caught.value.diagnostics]


# ---------------------------------------------------------------- another team's receiver, named


@pytest.mark.parametrize(
    ("receiver", "written_at"),
    [("team-payments-critical", "platform.yaml:6:15"), ("checkout-critical", "checkout.yaml:5:11")],
)
def test_a_spec_cannot_page_another_teams_inline_receiver_by_name(
    tmp_path: Path, receiver: str, written_at: str
) -> None:
    # Another team's inline receiver holds that team's routing key and pages its on-call.
    job = JOB + f"routing: {{critical: {receiver}}}\n"
    assert _errors(tmp_path, {"job.yaml": job, "checkout.yaml": CHECKOUT}) == [
        f"job.yaml:5:21 $.routing.critical: receiver {receiver!r} belongs to team 'payments' (written at "
        f"{written_at}): a spec of team 't1' may name only receivers under receivers: in the platform file, "
        "or its own team's; to share one, the platform team names it there"
    ]


def test_the_platforms_receivers_and_the_own_teams_may_be_named(tmp_path: Path) -> None:
    refund = CHECKOUT.replace("service: checkout", "service: refunds").replace("routing:", "routing_:")
    refund = refund.replace(
        "routing_: {critical: {pagerduty: {routing_key_file: /srv/am/secrets/team-payments/checkout}}}",
        "routing: {critical: checkout-critical, warning: team-payments-critical}",
    )
    fleet = _load(
        tmp_path,
        {"job.yaml": JOB + "routing: {critical: fallback}\n", "checkout.yaml": CHECKOUT, "refunds.yaml": refund},
    )
    routes = {s.name: [r.receiver for r in s.routes] for s in fleet.services}
    assert routes["refunds"][:2] == ["checkout-critical", "team-payments-critical"]
    assert routes["nightly-export"][0] == "fallback"


def test_receivers_of_a_multi_document_file_belong_to_each_documents_team(tmp_path: Path) -> None:
    # One file, two teams: t1's own inline receiver is t1's, not the last document's team.
    own = JOB + "routing: {critical: {pagerduty: {routing_key_file: /srv/am/secrets/team-t1/pd}}}\n"
    fleet = _load(tmp_path, {"both.yaml": own + "---\n" + CHECKOUT})
    assert {s.name: s.routes[0].receiver for s in fleet.services} == {
        "nightly-export": "nightly-export-critical",
        "checkout": "checkout-critical",
    }
    # ...and a t1 document still may not name the payments document's receiver beside it.
    borrow = JOB + "routing: {critical: checkout-critical}\n"
    assert _errors(tmp_path / "b", {"both.yaml": CHECKOUT + "---\n" + borrow}) == [
        "both.yaml:11:21 $.routing.critical: receiver 'checkout-critical' belongs to team 'payments' (written at "
        "both.yaml:5:11): a spec of team 't1' may name only receivers under receivers: in the platform file, "
        "or its own team's; to share one, the platform team names it there"
    ]


# ---------------------------------------------------------------- labels routing and inhibition read


def test_service_labels_may_not_replace_the_labels_routing_reads(tmp_path: Path) -> None:
    # They were dropped under obsc's own without a word (and `alertname` written into every rule).
    job = JOB + "labels: {team: payments, slo: availability, tier: batch}\n"
    errors = _errors(tmp_path, {"job.yaml": job})
    assert [e.split(": label ")[0] for e in errors] == ["job.yaml:5:10 $.labels.team", "job.yaml:5:26 $.labels.slo"]
    assert all("is obsc's own (routing and inhibition read it)" in e for e in errors)


# ---------------------------------------------------------------- --format prometheus-operator: Secret names


@pytest.mark.parametrize(
    ("team_root", "path", "expected"),
    [
        # a subfolder of t1's root named like payments' folder named payments' Secret
        ("/srv/am/team-{team}/", "/srv/am/team-t1/Team-Payments/pagerduty", ("team-t1", "Team-Payments-pagerduty")),
        # {team} above the last folder: every team's file named one shared Secret `am`
        ("/srv/{team}/am/", "/srv/t1/am/pagerduty", ("t1", "am-pagerduty")),
        ("/srv/am/team-{team}/", "/srv/am/team-t1/pagerduty", ("team-t1", "pagerduty")),  # the usual layout
        ("/srv/am/team-{team}/", "/srv/am/platform/slack", ("platform", "slack")),  # the shared root
    ],
)
def test_operator_secrets_of_a_team_name_only_its_own_secret(
    team_root: str, path: str, expected: tuple[str, str]
) -> None:
    policy = SecretPolicy(team_root=team_root, shared_root="/srv/am/platform/")
    assert secret_ref(path, policy) == {"name": expected[0], "key": expected[1]}


# ---------------------------------------------------------------- receiver_url_prefixes


PREFIXED = (
    PLATFORM
    + "  receiver_url_prefixes: [https://relay.example/hooks/, https://relay.example/fallback, https://Events.PagerDuty.com/]\n"
)


@pytest.mark.parametrize(
    "url",
    [
        "https://relay.example/hooks/../admin/purge",
        "https://relay.example/hooks/%2e%2e/admin",
        "https://relay.example/hooks/%252E%252E/admin",  # decoded twice by some servers
        "https://relay.example/hooks/..%5cadmin",
        "https://relay.example/hooks/./x",
    ],
)
def test_a_url_under_a_prefix_cannot_climb_out_of_it(tmp_path: Path, url: str) -> None:
    job = JOB + f'routing: {{critical: {{webhook: {{url: "{url}"}}}}}}\n'
    errors = _errors(tmp_path, {"job.yaml": job}, PREFIXED)
    assert len(errors) == 1 and errors[0].startswith("job.yaml:5:37 $.routing.critical.webhook.url: "), errors
    assert "could leave its allowed receiver URL prefix" in errors[0]


def test_hosts_compare_without_case_and_prefixes_must_be_plain(tmp_path: Path) -> None:
    job = JOB + 'routing: {critical: {webhook: {url: "https://events.pagerduty.com/x"}}}\n'
    assert _load(tmp_path / "a", {"job.yaml": job}, PREFIXED).services
    upper = job.replace("https://events.pagerduty.com/x", "https://RELAY.example/hooks/x")
    assert _load(tmp_path / "b", {"job.yaml": upper}, PREFIXED).services
    bad = PLATFORM + "  receiver_url_prefixes: [https://relay.example/, https://r.example/a/../]\n"
    assert _errors(tmp_path / "c", {"job.yaml": JOB}, bad) == [
        "platform.yaml:12:51 $.alertmanager.receiver_url_prefixes[1]: 'https://r.example/a/../' has a '.' or '..' "
        "path segment or a backslash; write the plain path"
    ]


# ---------------------------------------------------------------- names that collide


@pytest.mark.parametrize(
    ("service", "taken"),
    [("platform", "platform-critical"), ("team-payments", "team-payments-critical")],
)
def test_a_service_named_like_the_platform_or_a_team_keeps_its_own_receiver(
    tmp_path: Path, service: str, taken: str
) -> None:
    # Its inline receiver took the name of the platform's (or team payments') inline one: "defined twice".
    platform = PLATFORM.replace(
        "receivers:\n", 'defaults: {routing: {critical: {webhook: {url: "https://relay.example/sre"}}}}\nreceivers:\n'
    )
    spec = JOB.replace("service: nightly-export", f"service: {service}")
    spec += 'routing: {critical: {webhook: {url: "https://relay.example/own"}}}\n'
    fleet = _load(tmp_path, {"job.yaml": spec}, platform)
    own = fleet.services[0].routes[0].receiver
    assert own == f"service.{service}-critical"
    assert fleet.receiver(own).integrations[0].settings == (("url", "https://relay.example/own"),)  # type: ignore[union-attr]
    assert fleet.receiver(taken) is not None and fleet.receiver(taken) != fleet.receiver(own)


def test_a_service_named_like_a_platform_receiver_keeps_its_own_receiver(tmp_path: Path) -> None:
    # The platform team named a shared receiver after the service (`checkout-critical`); the service's inline
    # pager took that name too: "receiver 'checkout-critical' is defined twice", the spec refused (or, with the
    # same settings, one receiver that other teams' specs could name as the platform's).
    platform = PLATFORM.replace(
        "receivers:\n", 'receivers:\n  checkout-critical: {webhook: {url: "https://relay.example/checkout"}}\n'
    )
    fleet = _load(tmp_path, {"checkout.yaml": CHECKOUT}, platform)
    own = fleet.services[0].routes[0].receiver
    assert own == "service.checkout-critical"
    assert fleet.receiver(own).integrations[0].settings[0][0] == "routing_key_file"  # type: ignore[union-attr]
    assert fleet.receiver("checkout-critical").integrations[0].kind == "webhook"  # type: ignore[union-attr]


# ---------------------------------------------------------------- business hours


@pytest.mark.parametrize(("zone", "kept"), [("Etc/UTC", True), ("GMT", True), ("Europe/Lisbon", False)])
def test_operator_keeps_business_hours_in_any_name_of_utc(tmp_path: Path, zone: str, kept: bool) -> None:
    # v1alpha1 has no time zone: hours in UTC are expressible, whatever the zone's name; others are dropped.
    times = '[{start: "08:00", end: "18:00"}]'
    hours = f'    business_hours: {{location: {zone}, weekdays: ["monday:friday"], times: {times}}}\n'
    t1 = "  t1:\n    routing: {critical: fallback}\n" + hours.rstrip("\n")
    fleet = _load(tmp_path, {"job.yaml": JOB}, PLATFORM.replace(T1, t1, 1))
    config = team_config(fleet, "t1", fleet.services)
    assert ("muteTimeIntervals" in config["spec"]) is kept
    assert (ANNOTATION_HOURS in config["metadata"]["annotations"]) is not kept


# ---------------------------------------------------------------- a team without specs yet


@pytest.mark.parametrize("receiver", ["payments-pagr", "obsc-unrouted"])
def test_a_teams_routing_is_checked_before_it_has_specs(tmp_path: Path, receiver: str) -> None:
    # Its fallback branch is written all the same: a typo failed amtool (exit 1, no location, or a broken file
    # with --no-validate), and obsc's internal no-one receiver silently dropped the team's pages.
    platform = PLATFORM.replace(
        "routing: {critical: {pagerduty: {routing_key_file: /srv/am/secrets/team-payments/pagerduty}}}",
        f"routing: {{critical: {receiver}}}",
    )
    errors = _errors(tmp_path, {"job.yaml": JOB}, platform)
    assert len(errors) == 1, errors
    assert errors[0].startswith(
        f"platform.yaml:6:25 $.teams.payments.routing.critical: receiver {receiver!r} is not defined in receivers:"
    )


def test_an_undefined_receiver_is_looked_for_in_the_platform_file_not_a_spec_named_platform(tmp_path: Path) -> None:
    spec = JOB.replace("service: nightly-export", "service: platform")
    spec += 'routing: {critical: {webhook: {url: "https://relay.example/own"}}, warning: fallbak}\n'
    errors = _errors(tmp_path, {"a-platform.yaml": spec})
    assert errors == [
        "a-platform.yaml:5:77 $.routing.warning: receiver 'fallbak' is not defined in receivers: of platform.yaml "
        "(did you mean 'fallback'?)"
    ]


# ---------------------------------------------------------------- the platform's routing, decided by a spec


def test_the_platforms_routing_may_not_name_another_teams_spec_receiver(tmp_path: Path) -> None:
    # Found by a hunt (round 20): teams.payments.routing named `checkout-critical`, payments' own pager written
    # inline in their checkout spec. Once checkout was renamed and team t1 wrote a service `checkout` with its own
    # webhook, every payments page with no spec'd service (a mixin's, a hand-written rule) went to t1's URL
    # (amtool: team=payments severity=critical -> checkout-critical), and no line of the platform file changed.
    platform = PLATFORM.replace(
        "routing: {critical: {pagerduty: {routing_key_file: /srv/am/secrets/team-payments/pagerduty}}}",
        "routing: {critical: checkout-critical}",
    )
    assert _load(tmp_path / "own", {"checkout.yaml": CHECKOUT}, platform).receiver("checkout-critical")
    taken = CHECKOUT.replace("team: payments", "team: t1").replace(
        "{pagerduty: {routing_key_file: /srv/am/secrets/team-payments/checkout}}",
        '{webhook: {url: "https://t1.example/pages"}}',
    )
    assert _errors(tmp_path / "taken", {"checkout.yaml": taken}, platform) == [
        "platform.yaml:6:25 $.teams.payments.routing.critical: receiver 'checkout-critical' is written inline in a "
        "spec of team 't1' (checkout.yaml:5:11): whoever edits that spec would decide where the alerts of team "
        "'payments' go; name a receiver under receivers: in the platform file"
    ]
    everyone = PLATFORM.replace(
        "alertmanager:\n", "defaults: {routing: {warning: nightly-export-warning}}\nalertmanager:\n"
    )
    job = JOB + 'routing: {warning: {webhook: {url: "https://t1.example/tickets"}}}\n'
    errors = _errors(tmp_path / "defaults", {"job.yaml": job}, everyone)
    assert len(errors) == 1 and errors[0].startswith("platform.yaml:10:31 $.defaults.routing.warning: receiver "), (
        errors
    )
    assert "would decide where the alerts of every team go" in errors[0]


# ---------------------------------------------------------------- send_resolved of a shared receiver, decided by a spec

# The platform's ticket hook sends no resolves and its digest mail none by default; payments pages by PagerDuty.
SHARED = PLATFORM.replace(
    "alertmanager:\n  default_receiver: fallback\n",
    '  tickets: {webhook: {url: "https://tickets.example/hook"}}\n'
    "  digest: {email: {to: digest@corp.example}}\n"
    "defaults: {routing: {warning: tickets, info: digest}}\n"
    "alertmanager:\n  default_receiver: fallback\n  send_resolved: {warning: false}\n"
    '  global: {smtp_smarthost: "smtp.corp.example:25", smtp_from: am@corp.example}\n',
)


def test_a_spec_cannot_change_whether_a_shared_receiver_sends_resolves_for_other_teams(tmp_path: Path) -> None:
    # One send_resolved per receiver, its most urgent tier's: t1 paging into the ticket hook turned resolves on
    # for payments' tickets, and t1's tickets in the digest made every team's digest repeat itself.
    job = JOB + "routing: {critical: tickets}\n"
    assert _errors(tmp_path / "pages", {"job.yaml": job, "checkout.yaml": CHECKOUT}, SHARED) == [
        "job.yaml:5:21 $.routing.critical: receiver 'tickets' also serves warning alerts of team 'payments', which "
        "the platform sends without resolved notifications (send_resolved: false); a receiver has one "
        "send_resolved, its most urgent tier's, so routing critical alerts to it here would turn them on for every "
        "team it serves: route to a receiver the platform shares for this tier, or one of this team's own",
    ]
    by_default = SHARED.replace("  send_resolved: {warning: false}\n", "")  # info sends none by default
    job = JOB + "routing: {warning: digest}\n"
    assert _errors(tmp_path / "tickets", {"job.yaml": job, "checkout.yaml": CHECKOUT}, by_default) == [
        "job.yaml:5:20 $.routing.warning: receiver 'digest' also serves info alerts of team 'payments', which the "
        "platform sends without resolved notifications (send_resolved: false); a receiver has one send_resolved, "
        "its most urgent tier's, so routing warning alerts to it here would turn them on for every team it serves: "
        "route to a receiver the platform shares for this tier, or one of this team's own",
    ]


def test_a_spec_paging_into_the_catch_all_is_told_whose_alerts_it_changes(tmp_path: Path) -> None:
    # The root route's receiver serves alerts of no team (and of teams without a route of the tier). Drawn fleet
    # 194 (round 41) was told "also serves warning alerts of alerts of no team".
    platform = PLATFORM.replace(T1, '  t1: {routing: {critical: {webhook: {url: "https://t1.example/pages"}}}}')
    platform = platform.replace(
        "default_receiver: fallback\n", "default_receiver: fallback\n  send_resolved: {warning: false}\n"
    )
    job = JOB + "routing: {critical: fallback}\n"
    assert _errors(tmp_path, {"job.yaml": job}, platform) == [
        "job.yaml:5:21 $.routing.critical: receiver 'fallback' also serves warning alerts of no team, which the "
        "platform sends without resolved notifications (send_resolved: false); a receiver has one send_resolved, "
        "its most urgent tier's, so routing critical alerts to it here would turn them on for every team it serves: "
        "route to a receiver the platform shares for this tier, or one of this team's own",
    ]


def test_a_shared_receiver_may_serve_tiers_alike_or_one_teams_own_tiers(tmp_path: Path) -> None:
    # The same tier as the platform's own routes, a less urgent one, or a receiver that always resolves: no change.
    same = JOB + "routing: {warning: tickets, info: tickets, critical: fallback}\n"
    assert _load(tmp_path / "same", {"job.yaml": same, "checkout.yaml": CHECKOUT}, SHARED).receiver("tickets")
    # The platform file itself pages t1 into the ticket hook: its own decision, so t1's spec may do it too.
    decided = SHARED.replace("{routing: {critical: fallback}}", "{routing: {critical: tickets}}")
    job = JOB + "routing: {critical: tickets}\n"
    assert _load(tmp_path / "decided", {"job.yaml": job, "checkout.yaml": CHECKOUT}, decided).receiver("tickets")
