// Platform library for gRPC services instrumented with go-grpc-prometheus.
{
  service(name, team, job):: {
    apiVersion: 'obsc/v1',
    service: name,
    team: team,
    selector: { job: job },
    metrics: {
      requests: 'grpc_server_handled_total',
      errors: 'grpc_server_handled_total{grpc_code=~"Unknown|Internal|Unavailable|DataLoss|DeadlineExceeded"}',
      latency: 'grpc_server_handling_seconds{grpc_type="unary"}',  // streams are timed over their life
    },
  },
  availability(objective, period='30d'):: {
    name: 'availability',
    objective: objective,
    period: period,
    sli: { errors: 'errors', total: 'requests' },
  },
}
