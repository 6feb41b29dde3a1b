"""promql_feed: the counters the generated data-missing tests feed a free-PromQL SLI (raw, error ratio), and
only where fed counters surely give its probe a sample (promtool agrees, rising or flat)."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
import yaml

from compiler.model.promql import Matcher
from compiler.model.promql_feed import fed_counters
from compiler.targets.prometheus.promtool.series import satisfy
from tests.conftest import require_tool

SURE = [
    'sum(rate(x_total{job="a"}[5m]))',
    'sum(sum(rate(x_total{job="a",code=~"5.."}[5m])) by (region))',
    'max((sum(rate(x_total{r="f"}[5m])) or 0 * sum(rate(x_total[5m]))) / sum(rate(y_total[5m])))',
    "sum(increase(x_total[5m])) * 60 - sum(irate(y_total[5m]))",
]
UNSURE = [
    "sum(rate(x_total[5m])) > 0",  # a value test: no sample at rate 0
    "sum(rate(x_total[5m] offset 1h))",  # nothing an hour back in a test's stretch
    "rate(x_total[5m]) / rate(y_total[5m])",  # two metrics' label sets need not match
    "sum by (a) (rate(x_total[5m])) / sum by (a) (rate(y_total[5m]))",
    "sum(rate(x_total[5m])) and sum(rate(y_total[5m]))",
    "histogram_quantile(0.9, sum by (le) (rate(x_bucket[5m])))",
    'sum(rate({__name__=~"x_.*"}[5m]))',
    "sum(up)",
    "1",
]


def test_the_counters_of_a_probe_are_its_selectors() -> None:
    assert fed_counters(SURE[1]) == [("x_total", (Matcher("job", "=", "a"), Matcher("code", "=~", "5..")))]
    assert [m for m, _ in fed_counters(SURE[2]) or []] == ["x_total", "x_total", "y_total"]


@pytest.mark.parametrize("probe", UNSURE)
def test_a_probe_that_may_hold_no_sample_is_not_fed(probe: str) -> None:
    assert fed_counters(probe) is None


def test_fed_counters_give_every_accepted_probe_a_sample(tmp_path: Path) -> None:
    """promtool: an alert on `absent(probe)` stays quiet with the counters fed rising, then flat."""
    promtool = require_tool("promtool", "PROMTOOL")
    rules = [{"alert": f"Absent{n}", "expr": f"absent({p})"} for n, p in enumerate(SURE)]
    (tmp_path / "rules.yaml").write_text(yaml.safe_dump({"groups": [{"name": "g", "rules": rules}]}))
    series = {}
    for probe in SURE:
        for metric, matchers in fed_counters(probe) or []:
            labels = satisfy(matchers)  # as the generated tests pick them
            assert labels is not None
            series[f"{metric}{{{','.join(f'{k}={v!r}' for k, v in sorted(labels.items()))}}}"] = "0+1x10 10+0x10"
    checks = [{"eval_time": t, "alertname": r["alert"], "exp_alerts": []} for t in ("5m", "15m") for r in rules]
    test = {
        "rule_files": ["rules.yaml"],
        "tests": [
            {
                "interval": "1m",
                "input_series": [{"series": k, "values": v} for k, v in series.items()],
                "alert_rule_test": checks,
            }
        ],
    }
    (tmp_path / "test.yaml").write_text(yaml.safe_dump(test))
    done = subprocess.run([promtool, "test", "rules", "test.yaml"], cwd=tmp_path, capture_output=True, text=True)
    assert done.returncode == 0, done.stdout[-2000:]
