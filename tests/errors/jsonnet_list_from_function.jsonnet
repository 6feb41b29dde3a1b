// SLOs a function writes name no `name:` inside `slos: [...]`: their errors were located at the next list's
// items (the threshold alerts' names below); they point at `slos:`, where the list is written.
local slo(n, o) = {
  name: n,
  objective: o,
  sli: { errors: 'errors', total: 'requests' },
};
{
  apiVersion: 'obsc/v1',
  service: 'checkout',
  team: 'payments',
  selector: { job: 'checkout' },
  metrics: { requests: 'http_requests_total', errors: 'http_requests_total{code=~"5.."}' },
  slos: [slo('availability', 99.9), slo('Bad_Name', 99.5)],
  routing: { critical: { webhook: { url: 'https://h.example/c' } }, warning: { webhook: { url: 'https://h.example/w' } } },
  threshold_alerts: [
    { name: 'RequestsHigh', metric: 'requests', above: '10/m' },
    { name: 'RequestsLow', metric: 'requests', below: '1/m' },
  ],
}
