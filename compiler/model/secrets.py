"""Who may use which secret file, and receiver URLs that must not carry credentials.

The platform file declares the roots (`secrets.team_root` with `{team}`, `secrets.shared_root`).
A receiver written for a team (a service spec's routing, or `teams.<team>.routing`) may only name
files below that team's root; the platform's own receivers (`receivers:`, `defaults.routing`,
`alertmanager.global`) may use the shared root or any team's root. Without declared roots no secret
file is usable: in a multi-team repository an undeclared policy must not mean "anything goes".

Checks read only the path *string*: obsc never opens a secret file. So the string must be plain
(absolute, no '.', '..' or empty segments) for "below the root" to mean what it says.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl, unquote, urlsplit

from compiler import conventions
from compiler.model import email_domains
from compiler.model.go_url import go_url_problem
from compiler.model.types import SecretPolicy
from compiler.model.url_hosts import address_problem, host_problem

TEAM = "{team}"
TEAM_NAME = re.compile(conventions.NAME)  # the schema's name pattern, for matching team roots
# What a platform file without roots is told to add: disjoint roots that also fit the Prometheus
# Operator's mount layout (/etc/alertmanager/secrets/<Secret>/<key>): one Secret per team.
SUGGESTED_TEAM_ROOT = "/etc/alertmanager/secrets/team-{team}/"
SUGGESTED_SHARED_ROOT = "/etc/alertmanager/secrets/platform/"
SUGGESTED_BLOCK = f'secrets: {{team_root: "{SUGGESTED_TEAM_ROOT}", shared_root: {SUGGESTED_SHARED_ROOT}}}'  # valid YAML
NO_PLATFORM = "the platform file (platform.yaml beside the specs)"
DOCS = "docs/operations.md"

Problems = list[tuple[tuple[str | int, ...], str]]  # (path below the checked node, message)


@dataclass(frozen=True)
class Owner:
    """Whose receiver is being checked: a team (its specs and teams.<team>.routing) or the platform (None)."""

    team: str | None
    policy: SecretPolicy


# ---------------------------------------------------------------- the platform's declaration


def platform_policy(
    data: Mapping[str, Any], file: str, unknown: bool = False, real_folder: str = ""
) -> tuple[SecretPolicy, Problems]:
    """The declared policy, and the problems of its declaration and of alertmanager.global (platform paths);
    `unknown`: `secrets:` failed the schema (or is misspelt), so no secret file is judged against it;
    `real_folder`: the real path of the folder the platform file was found in (the loader's)."""
    am = data.get("alertmanager") or {}
    policy_, problems = policy(data.get("secrets") or {}, am, file)
    policy_ = dataclasses.replace(policy_, platform_real_folder=real_folder)
    if unknown:
        policy_ = dataclasses.replace(policy_, roots_unknown=True)
    problems += [
        (("alertmanager", "global", *where), m) for where, m in global_problems(am.get("global") or {}, policy_)
    ]
    problems += link_problems({k: data[k] for k in ("grafana_url", "runbook_url") if k in data}, ())
    for team, body in sorted((data.get("teams") or {}).items()):
        problems += link_problems((body or {}).get("links") or {}, ("teams", team, "links"))
    return policy_, problems


def policy(raw: Mapping[str, Any], am: Mapping[str, Any], platform_file: str) -> tuple[SecretPolicy, Problems]:
    """The declared policy (`secrets:` and the allow-lists of `alertmanager:`) and the problems of its
    declaration (paths relative to the platform document)."""
    problems: Problems = []
    team_root = _root(raw.get("team_root"), ("secrets", "team_root"), problems, team=True)
    shared_root = _root(raw.get("shared_root"), ("secrets", "shared_root"), problems, team=False)
    if team_root and shared_root and _overlap(team_root, shared_root):
        problems.append(
            (
                ("secrets", "shared_root"),
                f"shared root {shared_root} overlaps the team roots {team_root}: a spec claiming a team named like "
                f"a folder of the shared root would read the platform's secrets; keep them apart, e.g. "
                f"team_root: {SUGGESTED_TEAM_ROOT} and shared_root: {SUGGESTED_SHARED_ROOT}",
            )
        )
    spec_dir = raw.get("team_spec_dir")
    if spec_dir is not None and (message := _spec_dir_problem(str(spec_dir))):
        problems.append((("secrets", "team_spec_dir"), f"{str(spec_dir)!r}: {message}"))
        spec_dir = None
    prefixes = tuple(str(p) for p in am.get("receiver_url_prefixes") or ())
    problems += [
        (("alertmanager", "receiver_url_prefixes", i), m) for i, p in enumerate(prefixes) if (m := _prefix_problem(p))
    ]
    domains = tuple(str(d) for d in am.get("receiver_email_domains") or ())
    problems += [
        (("alertmanager", "receiver_email_domains", i), m)
        for i, d in enumerate(domains)
        if (m := email_domains.entry_problem(d))
    ]
    folder = str(spec_dir).rstrip("/") + "/" if spec_dir else ""
    refused = any(where[:2] in (("secrets", "team_root"), ("secrets", "shared_root")) for where, _ in problems)
    found = SecretPolicy(team_root, shared_root, prefixes, domains, platform_file=platform_file, team_spec_dir=folder)
    return dataclasses.replace(found, roots_unknown=refused), problems


def _spec_dir_problem(pattern: str) -> str | None:
    if pattern.startswith("/"):
        return "write it relative to the platform file, e.g. teams/{team}/"
    message = path_problem("/" + pattern.rstrip("/"))
    if message is None and pattern.count(TEAM) != 1:
        message = "must contain {team} exactly once, e.g. teams/{team}/"
    return message


def _root(value: Any, where: tuple[str | int, ...], problems: Problems, *, team: bool) -> str:
    if value is None:
        return ""
    text = str(value).rstrip("/") if str(value) != "/" else "/"
    message = path_problem(text)
    if message is None and not _segments(text):
        message = "the root '/' would let every file of the machine be used as a secret"
    if message is None and team:
        segments = _segments(text)
        if text.count(TEAM) != 1:
            message = "the team root must contain {team} exactly once, e.g. " + SUGGESTED_TEAM_ROOT
        elif TEAM in segments[0]:
            message = (
                "{team} in the first folder would let a spec claiming a team named 'etc' or 'root' read system "
                "files; put the team folders in a dedicated parent, e.g. " + SUGGESTED_TEAM_ROOT
            )
    elif message is None and TEAM in text:
        message = "the shared root is one folder for the platform: it may not contain {team}"
    if message:
        problems.append((where, f"{str(value)!r}: {message}"))
        return ""
    return text + "/"


def _overlap(team_root: str, shared_root: str) -> bool:
    """True when some team's root and the shared root contain one another (or are equal)."""
    for pattern, segment in zip(_segments(team_root), _segments(shared_root), strict=False):
        if TEAM in pattern:
            head, tail = pattern.split(TEAM)
            if not re.fullmatch(re.escape(head) + TEAM_NAME.pattern + re.escape(tail), segment):
                return False
        elif pattern != segment:
            return False
    return True


def _prefix_problem(prefix: str) -> str | None:
    # A prefix must end its host with '/': "https://hooks.example" would also admit hooks.example.evil.net.
    parts = _split(prefix)
    if parts is None or parts.scheme not in ("http", "https") or not parts.hostname:
        return f"{prefix!r} is not an http(s) URL prefix, e.g. https://events.pagerduty.com/"
    if "@" in parts.netloc or parts.query or parts.fragment or "?" in prefix or "#" in prefix:
        return f"{prefix!r}: a URL prefix is scheme://host[:port]/path/ without credentials, query or fragment"
    if not parts.path.startswith("/"):
        return f"{prefix!r} must end its host with '/' (else {prefix}.evil.example would match); write {prefix}/"
    if _path_escapes(prefix):
        return f"{prefix!r} has a '.' or '..' path segment or a backslash; write the plain path"
    return None


# ---------------------------------------------------------------- secret files


# Alertmanager 0.25 expands no variable: it reads a file of that literal name, and a deploy step that expands it
# reads a path obsc never checked (round 52: `team-t1/${VAR}` compiled while `$VAR/key` was refused).
_VARIABLE = re.compile(r"\$[({]?[A-Za-z_]")


def path_problem(path: str) -> str | None:
    """Why `path` is not a plain absolute path (the only kind whose prefix says where it points)."""
    if not path.startswith("/"):
        return "must be an absolute path"
    if any(ord(c) < 32 or ord(c) == 127 for c in path):
        return "contains a control character"
    if _VARIABLE.search(path):
        return "names a variable ($NAME, ${NAME}, $(NAME)), which Alertmanager never expands; write the file's path"
    segments = path[1:].split("/")
    if "" in segments[:-1] or (segments[-1] == "" and path != "/"):
        return "has an empty segment ('//' or a trailing '/'); write it plainly"
    if "." in segments or ".." in segments:
        return "has a '.' or '..' segment; write the plain path (obsc checks the string, it never reads the file)"
    return None


def file_problem(path: str, owner: Owner) -> str | None:
    """Why `owner` may not use the secret file `path`, or None."""
    shown = repr(path)
    message = path_problem(path)
    if message:
        return f"secret file {shown} {message}"
    policy_, team = owner.policy, owner.team
    if policy_.roots_unknown:  # the roots' own error says what to fix; "declares no root" would be untrue
        return None
    where = policy_.platform_file or NO_PLATFORM
    if team is not None:
        if not policy_.team_root:
            return (
                f"secret file {shown} cannot be used: {where} declares no secrets.team_root, so obsc cannot tell "
                f"whose secret it is; add `{SUGGESTED_BLOCK}` to {where} and keep team {team}'s files below "
                f"{team_root(SUGGESTED_TEAM_ROOT, team)} (see {DOCS})"
            )
        own = team_root(policy_.team_root, team)
        if _below(path, own):
            return None
        other = owning_team(path, policy_.team_root)
        if other is not None:
            why = f"belongs to team {other!r}"
        elif policy_.shared_root and _below(path, policy_.shared_root):
            why = "is in the shared root, which only the platform's named receivers may use"
        else:
            why = "is outside the team's secret root"
        return (
            f"secret file {shown} {why}: a receiver of team {team!r} may only use files below {own} "
            f"(secrets.team_root in {where}); to notify through another team's or the platform's "
            f"integration, route to a receiver named under receivers: in {where}"
        )
    roots = [r for r in (policy_.shared_root, policy_.team_root) if r]
    if not roots:
        return (
            f"secret file {shown} cannot be used: {where} declares no secret roots; add `{SUGGESTED_BLOCK}` to "
            f"{where} and keep the platform's own files below {SUGGESTED_SHARED_ROOT} (see {DOCS})"
        )
    if _below(path, policy_.shared_root) or owning_team(path, policy_.team_root) is not None:
        return None
    declared = " or ".join(roots)
    return f"secret file {shown} is outside every declared secret root ({declared} in {where}); move it below one"


def team_root(pattern: str, team: str) -> str:
    return pattern.replace(TEAM, team)


def owning_team(path: str, pattern: str) -> str | None:
    """The team whose root holds `path` (strictly below it), or None."""
    if not pattern:
        return None
    head, tail = pattern.split(TEAM)
    found = re.match(re.escape(head) + f"({TEAM_NAME.pattern})" + re.escape(tail), path)
    return found.group(1) if found and len(path) > found.end() else None


def holding_folder(path: str, policy_: SecretPolicy) -> tuple[str, str] | None:
    """(name, path below it) of the folder that stands for the owner of `path`: for a team's file the folder
    of the team root that holds the team's name (one per team, wherever {team} sits in the root), for the
    platform's the shared root's own folder; None for a path below no declared root."""
    team = owning_team(path, policy_.team_root)
    if team is not None:
        segments = _segments(policy_.team_root)
        at = next(i for i, segment in enumerate(segments) if TEAM in segment)
        folder = "/" + "/".join(team_root(s, team) for s in segments[: at + 1]) + "/"
        return team_root(segments[at], team), path[len(folder) :]
    if policy_.shared_root and _below(path, policy_.shared_root):
        return _segments(policy_.shared_root)[-1], path[len(policy_.shared_root) :]
    return None


def _below(path: str, root: str) -> bool:
    # Roots end with '/', paths are plain: a string prefix is a whole-segment prefix.
    return bool(root) and path.startswith(root) and len(path) > len(root)


def _segments(path: str) -> list[str]:
    return [s for s in path.split("/") if s]


# ---------------------------------------------------------------- URLs

# Which *_file setting holds what a URL would otherwise carry, by (integration or "global", key).
_FILE_FORM = {
    ("webhook", "url"): "'credentials_file' (sent as Authorization: Bearer)",
    ("pagerduty", "url"): "'routing_key_file'",
    ("opsgenie", "api_url"): "'api_key_file'",
    ("global", "pagerduty_url"): "'routing_key_file' on each pagerduty receiver",
    ("global", "opsgenie_api_url"): "'api_key_file' on each opsgenie receiver",
}
# Query/fragment parameter names that carry secrets: whole words, and fragments of run-together names.
_SECRET_WORDS = frozenset(
    (
        *("token", "key", "secret", "password", "passwd", "pwd", "pass", "passphrase", "sig", "signature"),
        *("auth", "authorization", "credential", "credentials", "bearer", "jwt", "session", "sessionid", "sid"),
        *("hmac", "apikey", "code"),  # `code`: an Azure Functions key, an OAuth code
    )
)
_SECRET_PARTS = ("token", "secret", "passw", "apikey", "signature", "credential", "bearer", "privatekey", "accesskey")
# Services whose webhook URL path is itself the secret (host, or any subdomain of it; a path pattern read on the
# path with '//' collapsed and percent-escapes decoded; no host: a path shape that is the secret on any host), and
# where that URL belongs instead. A whole host where every URL is a webhook (Slack's, Teams' connectors): its other
# paths (workflows, triggers) are secrets too.
_RELAY = "Alertmanager 0.25 cannot read a webhook URL from a file (url_file is 0.26+): relay through a service"
_DISCORD = re.compile(r"/api/(?:v\d+/)?webhooks/", re.IGNORECASE)
# OnCall's token is 25 letters and digits: a relay's own `/integrations/v1/alertmanager/team-a` is no secret.
_ONCALL = re.compile(r".*/integrations/v1/[a-z_]+/[A-Za-z0-9]{20,}/?$", re.IGNORECASE)
_PAGERDUTY = "use pagerduty: {routing_key_file} with the integration key in that file"
_PATH_SECRETS = (
    ("hooks.slack.com", re.compile("/"), "a Slack webhook URL", "use slack: {channel, api_url_file}"),
    ("discord.com", _DISCORD, "a Discord webhook URL", _RELAY),
    ("discordapp.com", _DISCORD, "a Discord webhook URL", _RELAY),
    ("webhook.office.com", re.compile("/"), "a Microsoft Teams webhook URL", _RELAY),
    ("outlook.office.com", re.compile("/webhook", re.IGNORECASE), "a Microsoft Teams webhook URL", _RELAY),
    ("outlook.office365.com", re.compile("/webhook", re.IGNORECASE), "a Microsoft Teams webhook URL", _RELAY),
    ("api.telegram.org", re.compile("/bot", re.IGNORECASE), "a Telegram bot URL", _RELAY),
    ("hooks.zapier.com", re.compile("/hooks/", re.IGNORECASE), "a Zapier webhook URL", _RELAY),
    ("maker.ifttt.com", re.compile("/trigger/", re.IGNORECASE), "an IFTTT webhook URL", _RELAY),
    # An integration key in the path (`/integration/<key>/enqueue`); the Events API's `/v2/enqueue` has none.
    ("pagerduty.com", re.compile("/integration/", re.IGNORECASE), "a PagerDuty integration URL", _PAGERDUTY),
    ("alert.victorops.com", re.compile("/integrations/", re.IGNORECASE), "a Splunk On-Call REST endpoint", _RELAY),
    ("webexapis.com", re.compile("/v1/webhooks/incoming/", re.IGNORECASE), "a Webex incoming webhook URL", _RELAY),
    # Grafana OnCall's integration URL ends in its token, on Grafana Cloud or a self-hosted engine alike: any host.
    ("", _ONCALL, "a Grafana OnCall integration URL", _RELAY),
)


def url_problem(url: str, kind: str, key: str, policy_: SecretPolicy) -> str | None:
    """Why `url` (setting `key` of integration `kind`, or of "global") may not be written, or None."""
    form = _FILE_FORM.get((kind, key), "a *_file setting")
    message = credential_problem(url, "alertmanager.yml", f"put the secret in a file and use {form}", receiver=True)
    message = message or go_url_problem(url)  # Python's urlsplit takes what Alertmanager's Go parser refuses
    message = message or host_problem(url)  # a look-alike of another host
    if message is None and policy_.url_prefixes and _path_escapes(url):
        message = (
            f"{url!r} has a '.' or '..' path segment or a backslash (perhaps percent-encoded): the server resolves "
            "them, so the URL could leave its allowed receiver URL prefix; write the plain path"
        )
    if message is None and policy_.url_prefixes and not any(_under(url, p) for p in policy_.url_prefixes):
        where = policy_.platform_file or NO_PLATFORM
        allowed = ", ".join(policy_.url_prefixes)
        message = (
            f"{url!r} is not under an allowed receiver URL prefix ({allowed}); the platform team adds "
            f"prefixes to alertmanager.receiver_url_prefixes in {where}"
        )
    return message


def _under(url: str, prefix: str) -> bool:
    # Scheme and host are case-insensitive (HTTPS://Relay.example/ is https://relay.example/); the path is not.
    return _host_lowered(url).startswith(_host_lowered(prefix))


def _host_lowered(url: str) -> str:
    scheme_end = url.find("://")
    if scheme_end < 0:
        return url
    host_end = url.find("/", scheme_end + 3)
    host_end = len(url) if host_end < 0 else host_end
    return url[:host_end].lower() + url[host_end:]


def _path_escapes(url: str) -> bool:
    """Whether the URL's path could resolve outside its own text: dot segments, or a backslash some servers
    read as '/', also percent-encoded (twice: %252e%252e is '..' to a server that decodes again)."""
    decoded = unquote(unquote(_split(url).path))
    return "\\" in decoded or any(segment in (".", "..") for segment in decoded.split("/"))


def link_problems(links: Mapping[str, Any], base: tuple[str | int, ...]) -> Problems:
    """Credentials in links (spec and team `links:`, grafana_url, runbook_url): they land in committed files. And
    links no browser opens (a port past 65535, an unclosed [IPv6 host): they were written into every alert."""
    fix = "link to the page without credentials (it should ask for a login itself)"
    found: Problems = []
    for key, url in sorted(links.items()):
        broken = _split_error(str(url)) if "://" in str(url) else ""  # a port past 65535, an unclosed [IPv6 host
        message = (
            f"{str(url)!r} is not a valid URL ({broken}): every link to it would be broken"
            if broken
            else credential_problem(str(url), "dashboards and runbooks", fix, receiver=False) or host_problem(str(url))
        )
        if message:
            found.append(((*base, key), message))
    return found


def credential_problem(url: str, written_into: str, fix: str, *, receiver: bool, user_ok: bool = False) -> str | None:
    """`user_ok`: a user name without a password (`ssh://git@host` in prose) is no credential."""
    parts = _split(url)
    if parts is None or not parts.hostname or any(ord(c) <= 32 or ord(c) == 127 for c in url):
        return f"{url!r} is not a valid URL" if receiver else None  # runbook_url may be a relative {path}
    if "@" in parts.netloc and not (user_ok and parts.password is None):
        return f"URL carries a credential (userinfo before '@'): it would be written into {written_into}; {fix}"
    for name, _ in parse_qsl(parts.query, keep_blank_values=True) + parse_qsl(parts.fragment, keep_blank_values=True):
        if looks_secret(name):
            return f"URL parameter {name!r} looks like a credential: it would be written into {written_into}; {fix}"
    host = parts.hostname.lower().rstrip(".")  # `hooks.slack.com.` is the same host
    path = re.sub("/+", "/", unquote(unquote(parts.path)))
    for domain, secret_path, what, instead in _PATH_SECRETS:
        if (not domain or host == domain or host.endswith("." + domain)) and secret_path.match(path):
            return f"{what} is itself a secret: it would be written into {written_into}; {instead if receiver else fix}"
    return None


def looks_secret(name: str) -> bool:
    spaced = re.sub(r"([a-z0-9])([A-Z])", r"\1 \2", name).lower()
    words = [w for w in re.split(r"[^a-z0-9]+", spaced) if w]
    joined = "".join(words)
    return any(w in _SECRET_WORDS for w in words) or any(p in joined for p in _SECRET_PARTS)


def _split(url: str) -> Any:
    return None if _split_error(url) else urlsplit(url)


def _split_error(url: str) -> str:
    """Why `url` cannot be split into its parts (Python's words, e.g. "Port out of range 0-65535"), or ""."""
    try:
        urlsplit(url).port  # noqa: B018 - raises ValueError on a malformed port
    except ValueError as exc:
        return str(exc)
    return ""


# ---------------------------------------------------------------- receivers and global


def receiver_problems(body: Mapping[str, Any], owner: Owner) -> Problems:
    """Problems of one raw receiver ({kind: settings}), paths relative to the receiver."""
    found: Problems = []
    for kind, settings in sorted(body.items()):
        for key, message in _settings_problems(str(kind), settings or {}, owner):
            found.append(((kind, key), message))
    return found


def global_problems(am_global: Mapping[str, Any], policy_: SecretPolicy) -> Problems:
    """Problems of `alertmanager.global` (platform-owned), paths relative to it."""
    return [((key,), m) for key, m in _settings_problems("global", am_global, Owner(None, policy_))]


def _settings_problems(kind: str, settings: Mapping[str, Any], owner: Owner) -> Iterator[tuple[str, str]]:
    for key, value in sorted(settings.items()):
        if not isinstance(value, str):
            continue
        message = None
        if key.endswith("_file"):
            message = file_problem(value, owner)
        elif key == "url" or key.endswith("_url"):
            message = url_problem(value, kind, key, owner.policy)
        elif (kind, key) == ("email", "to"):
            where = owner.policy.platform_file or NO_PLATFORM
            message = address_problem(value) or email_domains.recipient_domain_problem(
                value, owner.policy.email_domains, where
            )
        if message:
            yield key, message
