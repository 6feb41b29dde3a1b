"""The commented starter spec written by `obsc init`."""

from __future__ import annotations

STARTER = """\
# yaml-language-server: $schema=obsc.schema.json   (generate it with: obsc schema > obsc.schema.json)
# Spec for {service}: its SLOs, key metrics, owner and routing. Validate with `obsc validate`.
apiVersion: obsc/v1
service: {service}
team: {team}
description: What {service} does, in one sentence.
selector: {{job: {service}}}            # label matchers that find its series
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
# warning: error rate > 1%, disk > 80%, unusual traffic; info: deploys, new errors, milestones).
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
    return STARTER.format(service=service, team=team)
