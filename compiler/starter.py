"""The commented starter files written by `obsc init`: a service spec, or the platform file."""

from __future__ import annotations

from string import Template

from compiler.spec.yaml_scalar import scalar

STARTER = """\
# yaml-language-server: $schema=obsc.schema.json   (from this file's folder: obsc schema > obsc.schema.json)
# Spec for {service}: its SLOs, key metrics, owner and routing. Validate with `obsc validate`.
apiVersion: obsc/v1
service: {service_value}
team: {team_value}
description: What {service} does, in one sentence.
selector: {{job: {service_value}}}            # label matchers that find its series
links:
  repo: https://github.com/acme/{service}

metrics:                               # named once, reused by SLOs, alerts and dashboards
  requests: http_requests_total        # counter of all requests
  errors: http_requests_total{{code=~"5.."}}
  latency: http_request_duration_seconds   # histogram base name

slos:
  - name: availability
    objective: 99.9                    # percent of good requests
    sli: {{errors: errors, total: requests}}
  - name: latency
    objective: 99
    period: 30d                        # default 30d
    sli: {{latency: latency, threshold: 300ms}}

# Key-metric alerts start from the platform table (critical: error rate > 10%, p99 > 5s, down;
# warning: error rate > 1%, CPU, memory and disk > 80%, disk full within 24h, unusual traffic;
# info: deploys, new errors, milestones).
alerts:
  error_rate: {{warning: 2%}}            # tune a tier
  # traffic_anomaly: false             # or switch an alert off

# Who hears about each tier; omit a tier to inherit your team's or the platform's receiver.
# Secrets are file paths below your team's secret root (`secrets:` in the platform file), never
# inline, e.g. {{pagerduty: {{routing_key_file: /etc/alertmanager/secrets/team-{team}/pagerduty}}}}.
routing:
  critical: {{webhook: {{url: "http://alert-relay.example:8080/{team}/page"}}}}
  warning: {{webhook: {{url: "http://alert-relay.example:8080/{team}/ticket"}}}}
  info: {{webhook: {{url: "http://alert-relay.example:8080/{team}/digest"}}}}
"""


def starter_spec(service: str, team: str) -> str:
    return STARTER.format(service=service, team=team, service_value=scalar(service), team_value=scalar(team))


PLATFORM = """\
# yaml-language-server: $$schema=obsc.schema.json   (from this file's folder: obsc schema > obsc.schema.json)
# Platform defaults: every service spec beside this file inherits them and may override them.
# obsc reads platform.yaml from the spec directory (or the file named by --platform); check it with
# `obsc validate DIR` once a service spec is there too (`obsc init SERVICE` writes one).
apiVersion: obsc/v1
kind: Platform
# Runbook links in every alert; {path} is runbooks/<service>/<alert>.md of the generated tree.
runbook_url: https://github.com/acme/monitoring/blob/main/generated/{path}
grafana_url: https://grafana.example.com    # dashboard links in notifications

defaults:
  period: 30d                          # SLO period unless a spec says otherwise
  # metrics: {cpu: ..., memory: ...}   # shared key-metric queries; $$selector is each service's selector
  routing:                             # tiers that neither a team nor a spec routes
    info: {webhook: {url: "http://alert-relay.example:8080/platform/digest"}}

# Secrets are files Alertmanager reads, never inline values. A team's receivers may only use files
# below its team_root ({team} filled in); shared_root is for the platform's own receivers.
secrets:
  team_root: /etc/alertmanager/secrets/team-{team}/
  shared_root: /etc/alertmanager/secrets/platform/

teams:                                 # routing and links shared by all of a team's services
  $team_key:
    routing:
      critical: {webhook: {url: "http://alert-relay.example:8080/$team/page"}}
      warning: {webhook: {url: "http://alert-relay.example:8080/$team/ticket"}}
      # critical: {pagerduty: {routing_key_file: /etc/alertmanager/secrets/team-$team/pagerduty}}

receivers:                             # named receivers; routing may name them instead of repeating them
  platform-fallback: {webhook: {url: "http://alert-relay.example:8080/platform/unrouted"}}

alertmanager:
  default_receiver: platform-fallback  # what no route matches ends here: never dropped silently
  global:
    resolve_timeout: 5m
"""


def starter_platform(team: str) -> str:
    """The commented starter platform file written by `obsc init --platform`."""
    return Template(PLATFORM).substitute(team=team, team_key=scalar(team))
