"""A metric matcher every value passes, in place of the service's, reads every service's series.

`requests: http_requests_total{job=~".+"}` replaced the service's `job="batch-export"` (a metric's own `=~` wins over
the service's matcher on its label) and validated OK: the SLO's total was every team's requests, so this service's
failures were diluted by the whole fleet's traffic and its pages were dead; in an errors selector every team's
failures paged this service. With `service_selector: false`, `{instance=~".*"}` passed as "a matcher of its own"
and read every team's series too (a bare name was already refused). Each is now a located error.
"""

from __future__ import annotations

import copy

import pytest

from tests.hostile.test_input_copied_text import _problems
from tests.hostile.test_input_names import SERVICE


@pytest.mark.parametrize("pattern", [".+", ".*", "(.*)", "(?s).*", ".+|x"])
def test_a_pattern_every_job_passes_in_place_of_the_services_job_is_a_located_error(pattern: str) -> None:
    service = copy.deepcopy(SERVICE)
    service["metrics"]["requests"] = f'exports_total{{job=~"{pattern}"}}'
    problems = [p for p in _problems(service) if "with a pattern every value passes" in p]
    assert len(problems) == 1 and " $.metrics.requests: job=~" in problems[0], problems


def test_an_unscoped_metric_with_a_matcher_that_pins_nothing_is_a_located_error() -> None:
    service = copy.deepcopy(SERVICE)
    service["metrics"]["cert"] = {
        "selector": 'probe_ssl_earliest_cert_expiry{instance=~".*",job!="x"}',
        "type": "gauge",
        "aggregation": "min",
        "service_selector": False,
    }
    service["threshold_alerts"] = [{"name": "CertExpiring", "metric": "cert", "within": "14d"}]
    problems = [p for p in _problems(service) if "keeps none of the service selector's labels" in p]
    assert len(problems) == 1 and " $.metrics.cert.service_selector: " in problems[0], problems


@pytest.mark.parametrize(
    "selector", ['exports_total{job=~"batch-export|batch-export-v2"}', 'exports_total{job=~"export-.*"}']
)
def test_a_pattern_that_names_some_jobs_still_compiles(selector: str) -> None:
    service = copy.deepcopy(SERVICE)
    service["metrics"]["requests"] = selector
    service["metrics"]["errors"] = selector.replace("}", ',outcome="failed"}')
    assert _problems(service) == []
