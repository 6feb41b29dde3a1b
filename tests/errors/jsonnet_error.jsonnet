local base = { apiVersion: 'obsc/v1', service: 'checkout', team: 'payments' };
base + {
  selector: { job: 'checkout' },
  slos: [{ name: 'availability', objective: target, sli: { errors: 'errors', total: 'requests' } }],
}
