"""A hostile contributor and team-scoped secrets: every way to reach another team's secret file,
or to put a credential in a URL, is a located error before anything is generated."""

from __future__ import annotations

from pathlib import Path

import pytest

from compiler.api import CompileOptions, load_fleet
from compiler.errors import InputError
from compiler.model.secrets import SUGGESTED_BLOCK, looks_secret
from compiler.model.types import Fleet

ROOTS = 'secrets: {team_root: "/srv/am/secrets/team-{team}/", shared_root: /srv/am/secrets/platform/}\n'
PLATFORM = """\
apiVersion: obsc/v1
kind: Platform
teams:
  payments:
    routing: {critical: {pagerduty: {routing_key_file: /srv/am/secrets/team-payments/pagerduty}}}
  t1: {}
receivers:
  fallback: {webhook: {url: "https://relay.example/fallback"}}
  payments-pager: {pagerduty: {routing_key_file: /srv/am/secrets/team-payments/pagerduty}}
alertmanager:
  default_receiver: fallback
"""
ROOTED = PLATFORM.replace("alertmanager:\n", ROOTS + "alertmanager:\n")
# A batch job of another team, with a weekly SLO: nothing like examples/.
BATCH = """\
apiVersion: obsc/v1
service: nightly-export
team: {team}
selector: {{job: nightly-export}}
slos:
  - name: runs
    objective: 95
    period: 7d
    sli: {{raw: {{errors: 'sum(increase(export_failed_total{{$selector}}[$window]))',
                 total: 'sum(increase(export_runs_total{{$selector}}[$window]))'}}}}
"""


def _spec(routing: str, team: str = "t1") -> str:
    return BATCH.format(team=team) + f"routing:\n  critical: {routing}\n"


def _write(root: Path, spec: str, platform: str) -> None:
    (root / "platform.yaml").write_text(platform)
    (root / "job.yaml").write_text(spec)


def _fleet(root: Path) -> Fleet:
    return load_fleet([str(root)], CompileOptions(), {})[0]


def _errors(tmp_path: Path, spec: str, platform: str = ROOTED) -> list[str]:
    _write(tmp_path, spec, platform)
    with pytest.raises(InputError) as caught:
        _fleet(tmp_path)
    return [str(d).replace(str(tmp_path) + "/", "") for d in caught.value.diagnostics]


def _compiles(tmp_path: Path, spec: str, platform: str = ROOTED) -> Fleet:
    _write(tmp_path, spec, platform)
    return _fleet(tmp_path)


# ---------------------------------------------------------------- the theft of the issue


def test_another_teams_secret_paired_with_an_attacker_url_is_refused(tmp_path: Path) -> None:
    spec = _spec(
        '{webhook: {url: "http://attacker:8080/x", credentials_file: /srv/am/secrets/team-payments/pagerduty}}'
    )
    assert _errors(tmp_path, spec) == [
        "job.yaml:12:73 $.routing.critical.webhook.credentials_file: secret file "
        "'/srv/am/secrets/team-payments/pagerduty' belongs to team 'payments': a receiver of team 't1' may only use "
        "files below /srv/am/secrets/team-t1/ (secrets.team_root in platform.yaml); to notify through another "
        "team's or the platform's integration, route to a receiver named under receivers: in platform.yaml"
    ]


def test_the_own_teams_secret_and_the_platforms_named_receivers_still_work(tmp_path: Path) -> None:
    own = _spec('{webhook: {url: "https://relay.example/t1", credentials_file: /srv/am/secrets/team-t1/relay}}')
    assert _compiles(tmp_path, own).services
    named = _spec("payments-pager", team="payments")  # the platform's receiver of the team's own pager
    assert _compiles(tmp_path, named).services[0].routes[0].receiver == "payments-pager"


@pytest.mark.parametrize(
    "integration",
    [
        "{pagerduty: {routing_key_file: FILE}}",
        '{pagerduty: {routing_key_file: FILE, url: "http://attacker/pd"}}',
        "{opsgenie: {api_key_file: FILE}}",
        '{opsgenie: {api_key_file: FILE, api_url: "http://attacker/og"}}',
        '{slack: {channel: "#x", api_url_file: FILE}}',
        '{webhook: {url: "http://attacker/w", credentials_file: FILE}}',
        "{email: {to: a@attacker.example, auth_password_file: FILE}}",
    ],
)
def test_every_secret_file_setting_is_scoped_to_the_team(tmp_path: Path, integration: str) -> None:
    platform = ROOTED + "  global: {smtp_smarthost: 'smtp:25', smtp_from: a@b.example}\n"
    stolen = _errors(tmp_path, _spec(integration.replace("FILE", "/srv/am/secrets/team-payments/k")), platform)
    assert len(stolen) == 1 and "belongs to team 'payments'" in stolen[0], stolen
    shared = _errors(tmp_path, _spec(integration.replace("FILE", "/srv/am/secrets/platform/k")), platform)
    assert len(shared) == 1 and "is in the shared root" in shared[0], shared
    assert _compiles(tmp_path, _spec(integration.replace("FILE", "/srv/am/secrets/team-t1/k")), platform).services


def test_claiming_to_be_the_other_team_is_stopped_by_the_url_allow_list(tmp_path: Path) -> None:
    # `team:` is whatever the spec says; the allow-list keeps a claimed secret away from foreign hosts.
    platform = ROOTED + "  receiver_url_prefixes: [https://relay.example/, https://events.pagerduty.com/]\n"
    spec = _spec(
        '{webhook: {url: "http://attacker:8080/x", credentials_file: /srv/am/secrets/team-payments/pagerduty}}',
        team="payments",
    )
    errors = _errors(tmp_path, spec, platform)
    assert errors == [
        "job.yaml:12:29 $.routing.critical.webhook.url: 'http://attacker:8080/x' is not under an allowed receiver "
        "URL prefix (https://relay.example/, https://events.pagerduty.com/); the platform team adds prefixes to "
        "alertmanager.receiver_url_prefixes in platform.yaml"
    ]
    lookalike = spec.replace("http://attacker:8080/x", "https://relay.example.attacker.net/x")
    assert len(_errors(tmp_path, lookalike, platform)) == 1
    assert _compiles(tmp_path, spec.replace("http://attacker:8080/x", "https://relay.example/pay"), platform)


# ---------------------------------------------------------------- path games in the string


@pytest.mark.parametrize(
    ("path", "message"),
    [
        ("/srv/am/secrets/team-t1/../team-payments/pagerduty", "has a '.' or '..' segment"),
        ("/srv/am/secrets/team-t1/./k", "has a '.' or '..' segment"),
        ("/srv/am/secrets/team-t1/..", "has a '.' or '..' segment"),
        ("/srv/am/secrets//team-t1/k", "has an empty segment"),
        ("/srv/am/secrets/team-t1/k/", "has an empty segment"),
        ("/srv/am/secrets/team-t1/k\\n", "contains a control character"),
        ("/srv/am/secrets/team-t1", "is outside the team's secret root"),  # the root itself is not a file in it
        ("/srv/am/secrets/team-t1x/k", "belongs to team 't1x'"),  # a name prefix is not a folder prefix
        ("/srv/am/secrets/team-t1-evil/k", "belongs to team 't1-evil'"),
        ("/etc/shadow", "is outside the team's secret root"),
    ],
)
def test_paths_that_only_look_inside_the_root_are_refused(tmp_path: Path, path: str, message: str) -> None:
    errors = _errors(tmp_path, _spec(f'{{pagerduty: {{routing_key_file: "{path}"}}}}'))
    assert len(errors) == 1 and message in errors[0], errors
    assert errors[0].startswith("job.yaml:12:44 $.routing.critical.pagerduty.routing_key_file: secret file ")


def test_a_jsonnet_spec_gets_the_same_scoping(tmp_path: Path) -> None:
    (tmp_path / "platform.yaml").write_text(ROOTED)
    (tmp_path / "job.jsonnet").write_text(
        "{apiVersion: 'obsc/v1', service: 'job', team: 't1', selector: {job: 'job'},\n"
        " routing: {critical: {webhook: {url: 'http://attacker/x',\n"
        "   credentials_file: '/srv/am/secrets/team-' + 'payments/pagerduty'}}}}\n"
    )
    with pytest.raises(InputError) as caught:
        _fleet(tmp_path)
    assert ["belongs to team 'payments'" in str(d) for d in caught.value.diagnostics] == [True]


# ---------------------------------------------------------------- the platform file's own receivers


def test_a_teams_routing_in_the_platform_file_is_scoped_to_that_team(tmp_path: Path) -> None:
    platform = (
        PLATFORM.replace("team-payments/pagerduty}}}", "team-search/pagerduty}}}", 1) + ROOTS
    )  # teams.payments using search's key
    errors = _errors(tmp_path, _spec("fallback"), platform)
    assert errors == [
        "platform.yaml:5:56 $.teams.payments.routing.critical.pagerduty.routing_key_file: secret file "
        "'/srv/am/secrets/team-search/pagerduty' belongs to team 'search': a receiver of team 'payments' may only "
        "use files below /srv/am/secrets/team-payments/ (secrets.team_root in platform.yaml); to notify through "
        "another team's or the platform's integration, route to a receiver named under receivers: in platform.yaml"
    ]


def test_platform_receivers_may_use_any_declared_root_but_nothing_outside(tmp_path: Path) -> None:
    platform = ROOTED + "  global: {slack_api_url_file: /srv/am/secrets/platform/slack}\n"
    platform = platform.replace(
        "  fallback:", "  sre: {slack: {channel: '#sre', api_url_file: /srv/am/secrets/platform/s}}\n  fallback:"
    )
    assert _compiles(tmp_path, _spec("sre"), platform).services
    outside = platform.replace("/srv/am/secrets/platform/slack}", "/root/.ssh/id_rsa}")
    assert _errors(tmp_path, _spec("sre"), outside) == [
        "platform.yaml:14:32 $.alertmanager.global.slack_api_url_file: secret file '/root/.ssh/id_rsa' is outside "
        "every declared secret root (/srv/am/secrets/platform/ or /srv/am/secrets/team-{team}/ in platform.yaml); "
        "move it below one"
    ]


# ---------------------------------------------------------------- safe by default


def test_without_declared_roots_no_secret_file_is_usable_and_the_message_says_what_to_add(tmp_path: Path) -> None:
    spec = _spec("{webhook: {url: 'https://relay.example/t1', credentials_file: /srv/am/secrets/team-t1/relay}}")
    errors = _errors(tmp_path, spec, PLATFORM)
    assert errors[0] == (
        "job.yaml:12:75 $.routing.critical.webhook.credentials_file: secret file '/srv/am/secrets/team-t1/relay' "
        "cannot be used: platform.yaml declares no secrets.team_root, so obsc cannot tell whose secret it is; add "
        '`secrets: {team_root: "/etc/alertmanager/secrets/team-{team}/", shared_root: '
        "/etc/alertmanager/secrets/platform/}` to platform.yaml and keep team t1's files below "
        "/etc/alertmanager/secrets/team-t1/ (see docs/operations.md)"
    )
    platform_errors = [e for e in errors if e.startswith("platform.yaml")]
    assert len(platform_errors) == 2  # teams.payments and the named receiver: the platform's files too
    assert "declares no secret roots" in platform_errors[1] and "platform.yaml:9:" in platform_errors[1]


def test_a_spec_without_a_platform_file_cannot_use_secret_files(tmp_path: Path) -> None:
    (tmp_path / "job.yaml").write_text(_spec("{pagerduty: {routing_key_file: /etc/alertmanager/secrets/x}}"))
    with pytest.raises(InputError) as caught:
        _fleet(tmp_path)
    assert any("declares no secrets.team_root" in d.message for d in caught.value.diagnostics)


def test_the_suggested_roots_are_accepted_as_written(tmp_path: Path) -> None:
    # The block the "no roots" message tells the user to add, pasted as written.
    platform = PLATFORM.replace("/srv/am/secrets/", "/etc/alertmanager/secrets/") + SUGGESTED_BLOCK + "\n"
    spec = _spec("{pagerduty: {routing_key_file: /etc/alertmanager/secrets/team-t1/pagerduty}}")
    assert _compiles(tmp_path, spec, platform).services


# ---------------------------------------------------------------- declarations that would open a hole


@pytest.mark.parametrize(
    ("secrets", "message"),
    [
        ('{team_root: "/srv/am/{team}/", shared_root: /srv/am/platform/}', "overlaps the team roots"),
        ('{team_root: "/srv/am/{team}/", shared_root: /srv/am/}', "overlaps the team roots"),
        ('{team_root: "/srv/am/team-{team}/", shared_root: /srv/am/team-x/}', "overlaps the team roots"),
        ('{team_root: "/{team}/"}', "in the first folder"),
        ("{team_root: /srv/am/secrets/}", "must contain {team} exactly once"),
        ('{team_root: "/srv/{team}/{team}/"}', "must contain {team} exactly once"),
        ('{team_root: "/srv/am/../{team}/"}', "'.' or '..' segment"),
        ("{shared_root: /}", "every file of the machine"),
        ('{shared_root: "/srv/{team}/"}', "may not contain {team}"),
    ],
)
def test_secret_roots_that_would_leak_are_refused(tmp_path: Path, secrets: str, message: str) -> None:
    platform = PLATFORM.replace(
        "    routing: {critical: {pagerduty: {routing_key_file: /srv/am/secrets/team-payments/pagerduty}}}\n", ""
    )
    platform = platform.replace(
        "  payments-pager: {pagerduty: {routing_key_file: /srv/am/secrets/team-payments/pagerduty}}\n", ""
    )
    errors = _errors(
        tmp_path,
        _spec("fallback"),
        platform.replace("teams:\n  payments:\n", "").replace("  t1: {}\n", "") + f"secrets: {secrets}\n",
    )
    assert len(errors) == 1 and message in errors[0], errors
    assert errors[0].startswith("platform.yaml:7:")


@pytest.mark.parametrize(
    "prefix", ["https://relay.example", "https://u:p@relay.example/", "ftp://relay.example/", "https://r.example/?a=1"]
)
def test_url_prefixes_that_would_admit_other_hosts_are_refused(tmp_path: Path, prefix: str) -> None:
    platform = ROOTED + f"  receiver_url_prefixes: ['{prefix}']\n"
    errors = _errors(tmp_path, _spec("fallback"), platform)
    assert any(e.startswith("platform.yaml:13:") and "$.alertmanager.receiver_url_prefixes[0]" in e for e in errors)


# ---------------------------------------------------------------- credentials inside URLs


@pytest.mark.parametrize(
    "url",
    [
        "https://user:pw@relay.example/x",
        "https://token@relay.example/x",
        "https://relay.example/x?token=abc",
        "https://relay.example/x?routing_key=abc",
        "https://relay.example/x?a=1&apiKey=abc",
        "https://relay.example/x?X-Amz-Signature=abc",
        "https://relay.example/x?sig=abc",
        "https://relay.example/x?client_secret=abc",
        "https://relay.example/x#access_token=abc",
        "https://relay.example/x?PASSWORD=abc",
        "https://hooks.slack.com/services/T0/B0/XXXX",
        "https://discord.com/api/webhooks/1/abc",
        # found by a hunt: other Slack webhook kinds, a host with its trailing dot, '//', an API version,
        # Teams' older host, a function key; and more services whose URL is the secret
        "https://hooks.slack.com/workflows/T0/A0/123/abc",
        "https://hooks.slack.com/triggers/T0/123/abc",
        "https://hooks.slack.com./services/T0/B0/X",
        "https://HOOKS.slack.com//services/T0/B0/X",
        "https://hooks.slack.com/%73ervices/T0/B0/X",
        "https://discord.com/api/v10/webhooks/1/abc",
        "https://canary.discord.com//api/webhooks/1/abc",
        "https://outlook.office.com/webhook/a@b/IncomingWebhook/c/d",
        "https://acme.webhook.office.com/webhookb2/a@b/IncomingWebhook/c/d",
        "https://x.azurewebsites.net/api/alert?code=abc",
        "https://hooks.zapier.com/hooks/catch/1/abc/",
        "https://maker.ifttt.com/trigger/alert/with/key/abc",
        # round 24: more services whose URL carries the key in its path
        "https://events.pagerduty.com/integration/0123456789abcdef0123456789abcdef/enqueue",
        "https://events.eu.pagerduty.com/integration/0123456789abcdef0123456789abcdef/enqueue",
        "https://alert.victorops.com/integrations/generic/20131114/alert/0a1b2c3d-4e5f/ops",
        "https://webexapis.com/v1/webhooks/incoming/Y2lzY29zcGFyazovL3VzL1dFQkhPT0sv",
        "https://oncall-prod-us-central-0.grafana.net/oncall/integrations/v1/alertmanager/Kq3lOOKrrlMJsAZDf2U7d1iK1/",
        "http://oncall.internal.example:8080/integrations/v1/alertmanager/Kq3lOOKrrlMJsAZDf2U7d1iK1/",
    ],
)
def test_receiver_urls_with_credentials_are_refused(tmp_path: Path, url: str) -> None:
    errors = _errors(tmp_path, _spec(f'{{webhook: {{url: "{url}"}}}}'))
    assert len(errors) == 1 and errors[0].startswith("job.yaml:12:29 $.routing.critical.webhook.url: "), errors
    assert "secret" in errors[0] or "credential" in errors[0]


@pytest.mark.parametrize(
    ("integration", "fix"),
    [
        ('{pagerduty: {routing_key_file: F, url: "https://pd.example/v2?routing_key=k"}}', "'routing_key_file'"),
        ('{opsgenie: {api_key_file: F, api_url: "https://og.example/?apiKey=k"}}', "'api_key_file'"),
        ('{webhook: {url: "https://a:b@relay.example/"}}', "'credentials_file' (sent as Authorization: Bearer)"),
    ],
)
def test_each_url_field_names_its_file_form(tmp_path: Path, integration: str, fix: str) -> None:
    errors = _errors(tmp_path, _spec(integration.replace("F", "/srv/am/secrets/team-t1/k")))
    assert len(errors) == 1 and errors[0].endswith(f"put the secret in a file and use {fix}"), errors


@pytest.mark.parametrize(
    ("key", "url", "fix"),
    [
        (
            "pagerduty_url",
            "https://pd.example/v2/enqueue?routing_key=k",
            "'routing_key_file' on each pagerduty receiver",
        ),
        ("opsgenie_api_url", "https://ops:pw@api.opsgenie.com/", "'api_key_file' on each opsgenie receiver"),
    ],
)
def test_platform_global_urls_are_checked_too(tmp_path: Path, key: str, url: str, fix: str) -> None:
    platform = ROOTED + f"  global: {{{key}: '{url}'}}\n"
    errors = _errors(tmp_path, _spec("fallback"), platform)
    assert (
        len(errors) == 1 and errors[0].startswith("platform.yaml:13:") and f"$.alertmanager.global.{key}:" in errors[0]
    )
    assert errors[0].endswith(fix)


@pytest.mark.parametrize(
    "url",
    [
        "https://relay.example/x?team=payments&region=eu&monkey=1",
        "https://relay.example/hooks/keyboard-alerts",  # 'key' in a path is not a parameter
        "https://relay.example/x?author=me",
        "https://slack.com/help/articles/alerts",  # not the webhooks host
        "https://discord.com/channels/1/2",
        "https://outlook.office.com/mail/",
        "https://events.pagerduty.com/v2/enqueue",  # the Events API: the key travels in the body
        "https://relay.example/integrations/v1/alertmanager/team-payments",  # a relay's route name, no token
    ],
)
def test_ordinary_urls_are_not_mistaken_for_credentials(tmp_path: Path, url: str) -> None:
    assert _compiles(tmp_path, _spec(f'{{webhook: {{url: "{url}"}}}}')).services


@pytest.mark.parametrize(
    ("name", "secret"),
    [
        ("token", True),
        ("access_token", True),
        ("accessToken", True),
        ("X-Amz-Signature", True),
        ("apikey", True),
        ("api-key", True),
        ("routing_key", True),
        ("client_secret", True),
        ("pwd", True),
        ("sig", True),
        ("team", False),
        ("region", False),
        ("monkey", False),
        ("author", False),
        ("keyboard", False),
        ("page", False),
        ("code", True),
    ],
)
def test_what_looks_like_a_credential_parameter(name: str, secret: bool) -> None:
    assert looks_secret(name) is secret


# ---------------------------------------------------------------- the operator's Secrets


CLASHING_ROOTS = 'secrets: {team_root: "/etc/am/teams/{team}/", shared_root: /etc/am/platform/}\n'


def test_a_team_whose_operator_secret_would_be_the_platforms_is_refused(tmp_path: Path) -> None:
    # With --format prometheus-operator a team's files are keys of the Secret named after its folder and the
    # platform's of the shared root's: team `platform` would read the platform's (found by a hunt).
    platform = (
        PLATFORM.replace("alertmanager:\n", CLASHING_ROOTS + "alertmanager:\n")
        .replace("/srv/am/secrets/team-payments/", "/etc/am/teams/payments/")
        .replace("  t1: {}\n", "  t1: {}\n  platform: {}\n")
    )
    spec = _spec(
        '{webhook: {url: "https://evil.example/", credentials_file: /etc/am/teams/platform/slack}}', "platform"
    )
    clash = (
        "team 'platform': with --format prometheus-operator its secret files (below /etc/am/teams/platform/) and "
        "the platform's (below /etc/am/platform/) would be keys of one Secret, 'platform', so its receivers could "
        "read the platform's secrets; in platform.yaml use roots whose folders no team name can make equal, e.g. "
        "team_root: /etc/alertmanager/secrets/team-{team}/ and shared_root: /etc/alertmanager/secrets/platform/"
    )
    assert _errors(tmp_path, spec, platform) == [
        f"job.yaml:3:7 $.team: {clash}",
        f"platform.yaml:7:3 $.teams.platform: {clash}",
    ]
    # the other teams keep their secrets
    assert _compiles(tmp_path, _spec("fallback"), platform.replace("  platform: {}\n", "")).services


def test_names_are_dns_labels_so_no_two_teams_share_an_operator_secret(tmp_path: Path) -> None:
    # `payments-` would be read from Secret `payments` (the operator's names drop a trailing '-'), and
    # `obsc-payments-` is no valid Kubernetes name: such a name is refused at its line.
    errors = _errors(tmp_path, _spec("fallback", "payments-"))
    assert errors == [
        "job.yaml:3:7 $.team: 'payments-' is not a valid name; names are lowercase letters, digits and '-', "
        "starting with a letter and not ending with '-' (they become file names, URLs and label values)"
    ]


# ---------------------------------------------------------------- who may say `team: payments`


def _claims(tmp_path: Path, where: str, team: str, spec_dir: str = "teams/{team}/") -> list[str]:
    roots = f'secrets: {{team_root: "/srv/am/secrets/team-{{team}}/", team_spec_dir: "{spec_dir}"}}\n'
    tmp_path.mkdir(exist_ok=True)
    (tmp_path / "platform.yaml").write_text(PLATFORM.replace("alertmanager:\n", roots + "alertmanager:\n"))
    spec = tmp_path / where / "job.yaml"
    spec.parent.mkdir(parents=True, exist_ok=True)
    spec.write_text(_spec(f"{{pagerduty: {{routing_key_file: /srv/am/secrets/team-{team}/pagerduty}}}}", team=team))
    try:
        _fleet(tmp_path)
    except InputError as caught:
        return [str(d).replace(str(tmp_path) + "/", "") for d in caught.diagnostics]
    return []


def test_with_team_spec_dir_only_the_teams_folder_may_claim_the_team(tmp_path: Path) -> None:
    assert _claims(tmp_path / "a", "teams/payments", "payments") == []
    assert _claims(tmp_path / "b", "teams/t1", "payments") == [
        "teams/t1/job.yaml:3:7 $.team: only specs below b/teams/payments/ may belong to team 'payments' "
        "(secrets.team_spec_dir in b/platform.yaml): that folder's owners are who may speak for the team and use its "
        "secrets; move the spec there".replace("b/", "")
    ]
    assert len(_claims(tmp_path / "c", "teams/payments-evil", "payments")) == 1  # a name prefix is not a folder
    assert len(_claims(tmp_path / "d", ".", "payments")) == 1


@pytest.mark.parametrize("spec_dir", ["/srv/specs/{team}/", "teams/", "../{team}/", "teams/{team}/{team}/"])
def test_team_spec_dirs_that_prove_nothing_are_refused(tmp_path: Path, spec_dir: str) -> None:
    errors = _claims(tmp_path, "teams/t1", "t1", spec_dir)
    assert len(errors) == 1 and "$.secrets.team_spec_dir: " in errors[0], errors


# ---------------------------------------------------------------- links land in committed dashboards and runbooks


def test_credentials_in_links_are_refused_in_specs_teams_and_platform_urls(tmp_path: Path) -> None:
    platform = ROOTED.replace(
        "  payments:\n", "  payments:\n    links: {oncall: 'https://pd.example/s?token=abc'}\n"
    ).replace("kind: Platform\n", "kind: Platform\ngrafana_url: https://admin:pw@grafana.example\n")
    spec = _spec("fallback").replace("selector:", "links: {repo: 'https://git.example/r#access_token=x'}\nselector:")
    errors = _errors(tmp_path, spec, platform)
    assert [e.split(": ")[0] for e in errors] == [
        "job.yaml:4:15 $.links.repo",
        "platform.yaml:3:14 $.grafana_url",
        "platform.yaml:6:21 $.teams.payments.links.oncall",
    ]
    assert all(
        "would be written into dashboards and runbooks; link to the page without credentials" in e for e in errors
    )
    relative = ROOTED.replace("kind: Platform\n", "kind: Platform\nrunbook_url: ../runbooks/{path}\n")
    assert _compiles(tmp_path, _spec("fallback"), relative).services


def test_credentials_in_the_platforms_text_are_refused_too(tmp_path: Path) -> None:
    # Found by a hunt (round 20): a spec's and the platform's free text were not read for credentials (the
    # spec's fields are pinned by tests/errors/credentials_in_text.yaml), so every service inherited these.
    platform = ROOTED.replace(
        "kind: Platform\n",
        "kind: Platform\ndefaults:\n"
        "  tier_labels: {critical: {console: 'https://ops:pw@console.example/'}}\n"
        "  metrics: {cpu: {expr: 'sum(rate(cpu_seconds_total{$selector}[$window]))', "
        "title: 'CPU (https://stats.example/q?api_key=abc)'}}\n",
    )
    errors = _errors(tmp_path, _spec("fallback"), platform)
    assert [e.split(": ")[0] for e in errors] == [
        "platform.yaml:4:37 $.defaults.tier_labels.critical.console",
        "platform.yaml:5:84 $.defaults.metrics.cpu.title",
    ]
    assert all(
        "would be written into the generated rules, dashboards or runbooks and the notifications" in e for e in errors
    )


@pytest.mark.parametrize(
    "text",
    [
        "clone ssh://git@github.com/acme/export (a user name is not a secret)",
        "see https://wiki.example/export?orgId=1&var-job=export, or mailto:ops@example.com",
        "no URL at all: token=abc",
    ],
)
def test_text_without_a_credential_compiles(tmp_path: Path, text: str) -> None:
    spec = _spec("fallback").replace("selector:", f"description: '{text}'\nselector:")
    assert _compiles(tmp_path, spec).services


@pytest.mark.parametrize(
    "url", ["javascript:alert(document.cookie)//{path}", "data:text/html,<script>x</script>{path}", "file:///{path}"]
)
def test_a_runbook_url_that_is_not_http_is_refused(tmp_path: Path, url: str) -> None:
    # Found by a hunt: any scheme was written into every alert's runbook_url and every dashboard link.
    platform = ROOTED.replace("kind: Platform\n", f"kind: Platform\nrunbook_url: '{url}'\n")
    errors = _errors(tmp_path, _spec("fallback"), platform)
    scheme = url.split(":", 1)[0]
    assert errors == [
        f"platform.yaml:3:14 $.runbook_url: runbook_url is a {scheme}: URL; write an http(s) URL or a path in "
        "the output tree (the default, {path})"
    ]


# ---------------------------------------------------------------- e-mail recipients (receiver_email_domains)

MAIL = ROOTED.replace(
    "alertmanager:\n", "alertmanager:\n  global: {smtp_smarthost: 'smtp.acme.example:25', smtp_from: am@acme.example}\n"
)


def test_an_email_receiver_outside_the_allowed_domains_is_refused_wherever_it_is_written(tmp_path: Path) -> None:
    # The URL allow-list does not reach an address: a spec claiming payments could mail payments' pages anywhere.
    platform = MAIL + "  receiver_email_domains: [acme.example, Partner.example]\n"
    spec = _spec('{email: {to: "pager@attacker.example"}}', team="payments")
    assert _errors(tmp_path, spec, platform) == [
        "job.yaml:12:26 $.routing.critical.email.to: 'pager@attacker.example' is not at an allowed e-mail domain "
        "(acme.example, Partner.example); the platform team adds domains to alertmanager.receiver_email_domains "
        "in platform.yaml"
    ]
    for lookalike in ("pager@acme.example.attacker.net", "pager@mail.acme.example", "pager@acme-example.net"):
        assert len(_errors(tmp_path, spec.replace("pager@attacker.example", lookalike), platform)) == 1, lookalike
    # the relay forms a mail server at an allowed domain sends on (Postfix's allow_percent_hack, swap_bangpath)
    for relayed in ("pager%attacker.example@acme.example", "attacker.example!pager@acme.example"):
        errors = _errors(tmp_path, spec.replace("pager@attacker.example", relayed), platform)
        assert len(errors) == 1 and "names another mail domain in its local part" in errors[0], (relayed, errors)
    for allowed in ("pager@acme.example", "Pager@ACME.Example", "x@partner.example"):
        assert _compiles(tmp_path, spec.replace("pager@attacker.example", allowed), platform).services, allowed
    # the platform's own receivers and a team's routing in the platform file answer to the same list
    named = platform.replace(
        '"https://relay.example/fallback"}}',
        '"https://relay.example/fallback"}}\n  mail: {email: {to: ops@gmail.example}}',
    )
    assert [e.split(" ")[1] for e in _errors(tmp_path, _spec("fallback"), named)] == ["$.receivers.mail.email.to:"]
    team_mail = platform.replace("  t1: {}\n", "  t1: {routing: {warning: {email: {to: t1@evil.example}}}}\n")
    assert [e.split(" ")[1] for e in _errors(tmp_path, _spec("fallback"), team_mail)] == [
        "$.teams.t1.routing.warning.email.to:"
    ]


def test_without_the_list_any_domain_is_accepted(tmp_path: Path) -> None:
    assert _compiles(tmp_path, _spec('{email: {to: "pager@anywhere.example"}}'), MAIL).services


@pytest.mark.parametrize(
    ("entry", "says"),
    [
        ("*.acme.example", "list each domain whole"),
        (".acme.example", "list each domain whole"),
        ("ops@acme.example", "is not a domain"),
        ("https://acme.example/", "is not a domain"),
        ("acme.example.", "is not a domain name"),
        ("localhost", "is not a domain name"),
        ("acme..example", "is not a domain name"),
        ("-acme.example", "is not a domain name"),
    ],
)
def test_email_domain_entries_that_could_not_match_as_meant_are_refused(tmp_path: Path, entry: str, says: str) -> None:
    platform = MAIL + f"  receiver_email_domains: [acme.example, '{entry}']\n"
    errors = _errors(tmp_path, _spec("fallback"), platform)
    assert len(errors) == 1 and "$.alertmanager.receiver_email_domains[1]:" in errors[0] and says in errors[0], errors
    assert errors[0].startswith("platform.yaml:14:")
