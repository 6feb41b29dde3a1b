// A Latin-1 byte in a Jsonnet spec: "cannot read: 'utf-8' codec can't decode byte 0xe9 in position 190"
// without a line; now at its line and column, as in a YAML spec.
{
  apiVersion: 'obsc/v1',
  service: 'checkout',
  team: 'payments',
  description: 'Café orders',
  selector: { job: 'checkout' },
}
