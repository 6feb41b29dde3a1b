{
  apiVersion: 'obsc/v1',
  service: 'checkout',
  team: 'payments',
  selector: { job: 'checkout' },
  slos: [{ name: 'availability', objective: 99.9, sli: { errors: 'errors', totl: 'requests' } }],
}
