// A spec written with a hidden field by mistake (round 43, a newcomer: open (5)): `service::` is left out of
// Jsonnet's output, and obsc said only "missing required key 'service'". A function (`name(x)::`) and a field
// forced visible (`:::`) are no such mistake.
{
  title(x):: 'Checkout ' + x,
  apiVersion: 'obsc/v1',
  service:: 'checkout',
  team::: 'payments',
  selector: { job: 'checkout' },
  metrics: {
    requests: 'http_requests_total',
    errors: 'http_requests_total{code=~"5.."}',
  },
  slos: [{ name: 'availability', objective: 99.9, sli: { errors: 'errors', total: 'requests' } }],
}
