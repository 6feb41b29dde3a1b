// A platform standard dashboard: the four golden signals (traffic, errors, latency, saturation) and the
// error budget of every SLO, for any service that lists `golden-signals` under `dashboards:`.
//
// obsc calls this function once per such service with `service`, a JSON rendering of the service model
// (fields documented in compiler/targets/grafana/standard.py): ready-made PromQL for each metric and SLO,
// the datasource to use, and the UIDs to link to. obsc sets the dashboard's uid itself, and checks the
// result like its own dashboards (SDK round trip, lint, promtool), so panels spell out every field.
// It runs once per service: join strings with `+` (the `%` operator, std.format, is several times slower).
function(service)
  local ds = service.grafana.datasource;
  local metric(name) = if std.objectHas(service.metrics, name) then service.metrics[name] else null;
  local requests = metric('requests');
  local latency = metric('latency');
  local saturation = [m for m in [metric('cpu'), metric('memory'), metric('disk')] if m != null];
  // obsc keeps cpu, memory and disk shares of capacity: 0-1 (unit '' or percentunit) or 0-100 (percent),
  // scaled here to the Saturation panel's 0-1 (`percentunit`; 75 would show as 7500%).
  local share(m) = if m.unit == 'percent' then '(' + m.query + ') / 100' else m.query;
  // obsc's own dashboard of the service when it has one (service_uid is null otherwise), else the fleet's.
  local home = if service.dashboard.service_uid != null then {
    title: service.name + ' / service',
    tooltip: 'SLOs, alerts and runbooks of ' + service.name,
    uid: service.dashboard.service_uid,
  } else {
    title: 'SLO fleet overview',
    tooltip: 'Error budget and burn rate of every SLO',
    uid: service.dashboard.fleet_uid,
  };

  // A query kept per group (a grouped SLO's `by:`, a metric's `sum by (queue)`) has one series per group:
  // its legend names the group, or a stat shows every group's value under one name. One whose labels its text
  // does not tell (a line per instance) gets Grafana's auto legend, which names each line by what sets it apart.
  local named(x, text) =
    if x.labels_untold then '__auto' else if x.groups_legend == '' then text else x.groups_legend + ' ' + text;
  local target(ref, expr, legend) = {
    datasource: ds,
    expr: expr,
    instant: false,
    legendFormat: legend,
    range: true,
    refId: ref,
  };
  local steps(base, more=[]) = {
    mode: 'absolute',
    steps: [{ color: base, value: null }] + more,
  };
  local panel(id, type, title, description, unit, targets, w, h, options, custom=null, thresholds=steps('green')) = {
    datasource: ds,
    description: description,
    fieldConfig: {
      defaults: { thresholds: thresholds, unit: unit } + (if custom == null then {} else { custom: custom }),
      overrides: [],
    },
    gridPos: { h: h, w: w, x: 0, y: 0 },  // placed below
    id: id,
    options: options,
    repeatDirection: 'h',
    targets: [target(std.char(65 + i), targets[i][1], targets[i][0]) for i in std.range(0, std.length(targets) - 1)],
    title: title,
    transparent: false,
    type: type,
  };
  local graph(id, title, description, unit, targets) = panel(
    id, 'timeseries', title, description, unit, targets, 12, 8,
    options={
      legend: { calcs: [], displayMode: 'list', placement: 'bottom', showLegend: true },
      tooltip: { mode: 'multi', sort: 'desc' },
    },
    custom={ fillOpacity: 10, lineWidth: 1, showPoints: 'never', spanNulls: false },
  );
  local budget(id, slo, w) = panel(
    id, 'stat', slo.name + ' budget left',
    'Share of the ' + slo.period + ' error budget of SLO ' + slo.name + ' (' + slo.objective + '%) not yet spent.',
    'percentunit', [[named(slo, 'budget left'), slo.queries.budget_remaining]], w, 5,
    options={
      colorMode: 'value',
      graphMode: 'area',
      justifyMode: 'auto',
      orientation: 'auto',
      percentChangeColorMode: 'standard',
      reduceOptions: { calcs: ['lastNotNull'], fields: '', values: false },
      showPercentChange: false,
      textMode: 'auto',
      wideLayout: true,
    },
    // green from the line below which SLOErrorBudgetLow reports a low budget (null: the SLO reports none)
    thresholds=steps('red', [{ color: 'orange', value: 0 }] + (
      if slo.budget_left != null then [{ color: 'green', value: slo.budget_left }] else []
    )),
  );

  local signals = [p for p in [
    // a counter's unit is its rate's: the spec's (a worker's 'ops'), requests per second without one
    if requests != null then graph(
      1, 'Traffic', 'Requests per second.', if requests.unit != '' then requests.unit else 'reqps',
      [['requests/s', requests.rate]]
    ),
    // error_ratio, not errors.rate / requests.rate: no errors series yet is 0 failures, as the alert reads it
    if service.error_ratio != null then graph(
      2, 'Errors', 'Share of requests that fail.', 'percentunit', [['errors', service.error_ratio]]
    ),
    if latency != null && latency.quantiles != null then graph(
      3, 'Latency', 'Request latency quantiles.', 's', [[q, latency.quantiles[q]] for q in ['p50', 'p95', 'p99']]
    ),
    if saturation != [] then graph(
      4, 'Saturation', 'Utilisation of the resources the platform measures.', 'percentunit',
      [[named(m, m.title), share(m)] for m in saturation]
    ),
  ] if p != null];
  // Two signals per line of 8 units, then one line of SLO budgets.
  local placed = [
    signals[i] { gridPos+: { x: 12 * std.mod(i, 2), y: 8 * std.floor(i / 2) } }
    for i in std.range(0, std.length(signals) - 1)
  ];
  local top = 8 * std.ceil(std.length(signals) / 2);
  local slos = service.slos;
  local width = if slos == [] then 24 else std.max(4, std.floor(24 / std.length(slos)));
  local budgets = [
    budget(10 + i, slos[i], width) { gridPos+: { x: std.mod(width * i, 24), y: top + 5 * std.floor(width * i / 24) } }
    for i in std.range(0, std.length(slos) - 1)
  ];

  {
    annotations: {},
    description: 'Traffic, errors, latency and saturation of ' + service.name + ', and the error budget of its SLOs.',
    editable: false,
    fiscalYearStartMonth: 0,
    graphTooltip: 1,
    links: [{
      asDropdown: false,
      icon: 'dashboard',
      includeVars: true,
      keepTime: true,
      tags: [],
      targetBlank: false,
      title: home.title,
      tooltip: home.tooltip,
      type: 'link',
      url: '/d/' + home.uid,
    }],
    panels: placed + budgets,
    refresh: '1m',
    schemaVersion: 41,
    tags: service.grafana.tags + ['golden-signals'],
    templating: {
      list: [{
        allowCustomValue: true,
        auto: false,
        auto_count: 30,
        auto_min: '10s',
        includeAll: false,
        label: 'Data source',
        multi: false,
        name: service.grafana.datasource_variable,
        query: 'prometheus',
        skipUrlSync: false,
        type: 'datasource',
      }],
    },
    time: { from: 'now-24h', to: 'now' },
    timezone: 'browser',
    title: service.name + ' / golden signals',
  }
