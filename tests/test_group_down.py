"""ServiceDown of one group: a service whose SLOs are kept `by: [region]` with every target of one region down.

Before round 27 ServiceDown summed every target's `up`, so with `eu` all 0 and `us` healthy it stayed quiet, and
the eu SLO had no events to burn: nobody was called (promtool). Now a branch per group of a split that `up`
carries fires with that group's labels and `down_group`; a whole-service outage still fires the whole alert, in
the same notification group (service, no slo), and only the whole one silences the service's other alerts.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from tests.cli_helpers import run_obsc
from tests.promtool_helpers import promtool_report

PLATFORM = """\
apiVersion: obsc/v1
kind: Platform
teams:
  web:
    routing:
      critical: {webhook: {url: "https://pager.example.com/web"}}
      warning: {webhook: {url: "https://tickets.example.com/web"}}
"""
API = """\
apiVersion: obsc/v1
service: api
team: web
selector: {job: api}
metrics:
  requests: http_requests_total
  errors: http_requests_total{code=~"5.."}
slos:
  - {name: availability, objective: 99.9, by: [BY], sli: {errors: errors, total: requests}}
"""
DOWN_GROUP = "down_group"  # names.LABEL_DOWN_GROUP, spelled here so the test fails on the code before it
FIRING = 'ALERTS{alertname="ServiceDown", alertstate="firing"}'


def _compile(tmp_path: Path, capsys: pytest.CaptureFixture[str], by: str) -> Path:
    specs = tmp_path / "specs"
    specs.mkdir()
    (specs / "platform.yaml").write_text(PLATFORM)
    (specs / "api.yaml").write_text(API.replace("BY", by))
    out = tmp_path / "out"
    result = run_obsc(capsys, "compile", str(specs), "--out", str(out), "--no-validate")
    assert result.code == 0, result.err
    return out


def _alert_labels(region: str | None) -> dict[str, str]:
    labels = {"alertname": "ServiceDown", "alertstate": "firing", "service": "api", "severity": "critical"}
    labels["team"] = "web"
    if region is not None:
        labels.update({"region": region, DOWN_GROUP: "region"})
    return labels


def _report(tmp_path: Path, out: Path, series: dict[str, str], expected: list[dict[str, str]]) -> str:
    (tmp_path / "api.yaml").write_text((out / "prometheus/rules/api.yaml").read_text())
    check = {"expr": FIRING, "eval_time": "10m", "exp_samples": [{"labels": _text(e), "value": 1} for e in expected]}
    return promtool_report(tmp_path, "api.yaml", series, [check])


def _text(labels: dict[str, str]) -> str:
    return "ALERTS{" + ", ".join(f'{k}="{v}"' for k, v in sorted(labels.items()) if k != "__name__") + "}"


def test_every_target_of_one_region_down_pages_with_the_region(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = _compile(tmp_path, capsys, "region")
    series = {
        'up{job="api", instance="eu-1", region="eu"}': "0x20",
        'up{job="api", instance="eu-2", region="eu"}': "0x20",
        'up{job="api", instance="us-1", region="us"}': "1x20",
    }
    assert _report(tmp_path, out, series, [_alert_labels("eu")]) == ""


def test_a_whole_outage_pages_the_whole_service_in_one_group(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = _compile(tmp_path, capsys, "region")
    nothing = {'up{job="other", instance="x"}': "1x20"}
    assert _report(tmp_path, out, nothing, [_alert_labels(None)]) == ""
    series = {
        'up{job="api", instance="eu-1", region="eu"}': "0x20",
        'up{job="api", instance="us-1", region="us"}': "0x20",
    }
    both = [_alert_labels(None), _alert_labels("eu"), _alert_labels("us")]
    assert _report(tmp_path, out, series, both) == ""
    # ... all in one notification group: the page's group_by has no region nor down_group
    config = yaml.safe_load((out / "alertmanager/alertmanager.yml").read_text())
    grouped = [node.get("group_by") for node in _nodes(config["route"]) if node.get("group_by")]
    assert grouped and all("region" not in g and DOWN_GROUP not in g for g in grouped)
    # ... and a region's ServiceDown silences nothing of the regions still up
    sources = [
        r["source_matchers"] for r in config["inhibit_rules"] if 'alertname="ServiceDown"' in r["source_matchers"]
    ]
    assert sources and all(f'{DOWN_GROUP}=""' in s for s in sources)


def _loop(start: int, end: int, every: int) -> str:
    """up 1 until `start`, then up one minute in `every` until `end` (a crash loop)."""
    return " ".join("1" if m < start or (m - start) % every == every - 1 else "0" for m in range(end + 1))


def _firing_at(minute: int, expected: list[dict[str, str]]) -> dict[str, object]:
    return {
        "expr": FIRING,
        "eval_time": f"{minute}m",
        "exp_samples": [{"labels": _text(e), "value": 1} for e in expected],
    }


def test_one_region_in_a_crash_loop_pages_with_the_region(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Round 28's hunt: eu's only instance up one minute in four (a crash loop; its clients refused, which its own
    metrics never count) while us reports: each restart reset the group's hold, and nothing paged in 90 minutes.
    The group's branch now also holds while the group was down most of twice the hold, as the whole one's does."""
    out = _compile(tmp_path, capsys, "region")
    (tmp_path / "api.yaml").write_text((out / "prometheus/rules/api.yaml").read_text())
    series = {
        'up{job="api", instance="eu-1", region="eu"}': _loop(30, 90, 4),
        'up{job="api", instance="us-1", region="us"}': "1x90",
    }
    checks = [_firing_at(29, []), *(_firing_at(m, [_alert_labels("eu")]) for m in (45, 60, 75, 90))]
    assert promtool_report(tmp_path, "api.yaml", series, checks) == ""


def test_a_region_removed_ends_its_page_and_one_back_resolves(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """eu in a crash loop is drained at 60m (its targets removed): the group is gone, not down, so its page ends
    with its series as the plain condition's does (the crash-loop branches count only groups that report now; they
    read the loop's last 10 minutes before). ap, down from 30m to 60m, resolves within twice the hold after it is
    back, as the whole service's page does (round 51: a group's branches read as the service's)."""
    out = _compile(tmp_path, capsys, "region")
    (tmp_path / "api.yaml").write_text((out / "prometheus/rules/api.yaml").read_text())
    series = {
        'up{job="api", instance="eu-1", region="eu"}': _loop(30, 60, 4) + " stale",
        'up{job="api", instance="ap-1", region="ap"}': "1x30 0x30 1x30",
        'up{job="api", instance="us-1", region="us"}': "1x90",
    }
    both = [_alert_labels("ap"), _alert_labels("eu")]
    checks = [_firing_at(29, []), *(_firing_at(m, both) for m in (45, 59))]
    checks += [_firing_at(m, [_alert_labels("ap")]) for m in (62, 64, 71)] + [_firing_at(m, []) for m in (72, 90)]
    assert promtool_report(tmp_path, "api.yaml", series, checks) == ""


def test_a_metric_label_splits_nothing(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """`route` is not on `up`: ServiceDown stays one alert for the whole service (no group's `label_replace` mark;
    the whole service's page names `down_group=""` where it reads its own ALERTS series: down_handover.py)."""
    out = _compile(tmp_path, capsys, "route")
    assert f'"{DOWN_GROUP}", "' not in (out / "prometheus/rules/api.yaml").read_text()


def _nodes(node: dict[str, object]) -> list[dict[str, object]]:
    children = node.get("routes") or []
    assert isinstance(children, list)
    return [node, *(n for child in children for n in _nodes(child))]


def test_the_crash_loop_sentence_names_the_group(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A group's page reads its crash loop on the group's targets and moments (round 51): its description's
    crash-loop sentence names the group where the alert carries it, in both branches (review52's hand mutants
    dropping either name passed every ServiceDown test; only the goldens caught them)."""
    rules = (_compile(tmp_path, capsys, "region") / "prometheus" / "rules" / "api.yaml").read_text()
    where = "{{ with $labels.region }} with region {{ . }}{{ end }}"
    assert f"every instance{where} was up at half or fewer of its scrapes" in rules
    assert f"or the service{where} had an instance up at half or fewer of its moments" in rules
