local secrets = import '../../../../etc/hostname';
{ apiVersion: 'obsc/v1', service: 'checkout', team: 'payments', selector: { job: secrets } }
