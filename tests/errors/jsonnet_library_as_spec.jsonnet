// Round 43 (a newcomer): a library of functions named .jsonnet in the spec folder evaluates to {} (its fields are
// hidden) and was told "missing required key" for apiVersion, selector, service and team.
{
  service(name, team):: { apiVersion: 'obsc/v1', service: name, team: team, selector: { job: name } },
}
