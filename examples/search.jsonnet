// A latency-critical gRPC service on a 28d period, written in Jsonnet with a platform library.
local grpc = import 'lib/grpc.libsonnet';

grpc.service('search', team='search', job='search-api') + {
  description: 'Query API behind the search box; p99 latency matters more than anything.',
  slos: [
    grpc.availability(99.95, period='28d'),
    { name: 'latency', objective: 99.5, period: '28d', sli: { latency: 'latency', threshold: '100ms' } },
  ],
  alerts: { latency_p99: { critical: '500ms', warning: '250ms' } },
}
