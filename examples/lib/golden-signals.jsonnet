// A platform standard dashboard: a function of the service model (top-level argument `service`).
function(service) {
  title: service.name + ' / golden signals',
  tags: ['obsc', 'standard', service.team],
}
