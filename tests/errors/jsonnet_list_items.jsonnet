// Errors inside a list's items point at the item's own key: they all pointed at `slos:` (Jsonnet's output has
// no positions, and items of a list were not looked for in the source).
local sli = { errors: 'errors', total: 'requests' };
{
  apiVersion: 'obsc/v1',
  service: 'checkout',
  team: 'payments',
  selector: { job: 'checkout' },
  metrics: { requests: 'http_requests_total', errors: 'http_requests_total{code=~"5.."}' },
  slos: [
    { name: 'availability', objective: 99.9, sli: sli },
    { name: 'quoted', objective: '99.5', period: '30days', sli: sli },
    {
      objective: 99,
      name: 'typo',
      sli: { errors: 'errors', totl: 'requests' },
    },
  ],
}
