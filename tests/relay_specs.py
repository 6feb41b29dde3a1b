"""The relay fleet several tests replay: a service behind an OpenTelemetry collector (team web) that names the
collector, team obs's, as its relay (`relay:`, round 49)."""

CART = """\
apiVersion: obsc/v1
service: cart
team: web
selector: {service_name: cart-api, span_kind: SPAN_KIND_SERVER}
targets: {job: otel-collector}
targets_via: collector
relay: {service: otel-collector, team: obs}
metrics:
  requests: traces_span_metrics_calls_total
  errors: traces_span_metrics_calls_total{status_code="STATUS_CODE_ERROR"}
slos:
  - {name: availability, objective: 99.9, period: 14d, sli: {errors: errors, total: requests}}
"""
COLLECTOR = """\
apiVersion: obsc/v1
service: otel-collector
team: obs
selector: {job: otel-collector}
metrics:
  requests: otelcol_receiver_accepted_spans_total
  errors: otelcol_receiver_refused_spans_total
slos:
  - {name: intake, objective: 99.9, period: 14d, sli: {errors: errors, total: requests}}
"""
