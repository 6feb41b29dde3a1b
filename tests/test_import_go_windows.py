"""Sloth renders its queries as Go templates, so `{{.window}}` has other spellings Sloth reads alike: the root's
field `{{$.window}}` and trim markers `{{- .window -}}` (a dash and a space; Go drops the whitespace on that
side). Each was refused as "the query has no {{.window}}" (round 44), so a spec Sloth renders was not imported.
They import as `{{.window}}` does; a dash without its space (`{{-.window}}`, which Go does not read as a trim
marker) and a misspelled field (`{{.windows}}`) are still refused."""

from __future__ import annotations

from pathlib import Path

import pytest

from compiler.errors import InputError
from compiler.importers import ImportOptions, import_specs

SLOTH = """\
version: prometheus/v1
service: api
labels: {owner: web}
slos:
  - name: availability
    objective: 99.5
    sli:
      events:
        error_query: sum(rate(http_requests_total{job="api",code=~"5.."}[ERRORS]))
        total_query: sum(rate(http_requests_total{job="api"}[TOTAL]))
    alerting: {name: ApiAvailability}
"""
OPENSLO = """\
apiVersion: openslo/v1
kind: SLO
metadata: {name: api-availability, labels: {team: web}}
spec:
  service: api
  indicator:
    metadata: {name: api-errors}
    spec:
      ratioMetric:
        counter: true
        bad:
          metricSource:
            type: Prometheus
            spec: {query: 'sum(increase(http_requests_total{job="api",code="500"}[BAD]))'}
        total:
          metricSource:
            type: Prometheus
            spec: {query: 'sum(increase(http_requests_total{job="api"}[TOTAL]))'}
  timeWindow: [{duration: 28d, isRolling: true}]
  budgetingMethod: Occurrences
  objectives: [{target: 0.995}]
"""
SPELLINGS = ["{{$.window}}", "{{ $.window }}", "{{- .window -}}", " {{- .window -}} ", "{{ .window -}}"]
SPELLINGS += ["{{-\t.window\t-}}"]


def _imported(tmp_path: Path, fmt: str, template: str, first: str, second: str) -> str:
    keys = ("ERRORS", "TOTAL") if fmt == "sloth" else ("BAD", "TOTAL")
    source = tmp_path / f"{fmt}.yaml"
    source.write_text(template.replace(keys[0], first).replace(keys[1], second))
    return import_specs(fmt, [str(source)], ImportOptions()).specs["api.yaml"]


@pytest.mark.parametrize("fmt", ["sloth", "openslo"])
@pytest.mark.parametrize("spelling", SPELLINGS)
def test_go_template_spellings_of_the_window_import_as_the_plain_one(tmp_path: Path, fmt: str, spelling: str) -> None:
    template = SLOTH if fmt == "sloth" else OPENSLO
    plain = _imported(tmp_path, fmt, template, "{{.window}}", "{{.window}}")
    assert _imported(tmp_path, fmt, template, spelling, spelling) == plain
    assert "[$window]" in plain


@pytest.mark.parametrize("spelling", ["{{-.window}}", "{{.window-}}", "{{.windows}}", "{{ .Window }}"])
def test_a_window_go_does_not_render_is_still_refused(tmp_path: Path, spelling: str) -> None:
    with pytest.raises(InputError, match=r"sloth.yaml:9:9 \$.slos\[0\].sli.events.error_query: the query has no"):
        _imported(tmp_path, "sloth", SLOTH, spelling, "{{.window}}")
