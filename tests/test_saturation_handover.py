"""A firing CPU, memory or disk alert whose signal vanishes hands over to its missing-data twin without a gap
(round 26's known limit). The alert read its signal's last value for 5 minutes and kept firing 5 more, while
the twin fires only after max(for, 10m) without series: 15m by default, so a page or ticket resolved and
nothing was up for 5 minutes (a 30m disk-full hold: 20), a resolve for a saturation problem that may still be
there. The alerts now read the last value until the twin takes over, as threshold alerts do. A signal whose
twin is switched off (`missing: ignore`) ends its alert 10 minutes after it goes, as a gauge's did. A CPU
signal is a rate: it faded over its 5m window after its counters went (a full core read 0.3 before it was
gone), which ended the page a minute in; it is now recorded only while a counter it rates is there. Inputs written
here by hand, 1m steps; `stale` where an exporter goes or a label is lost. The targets stay up throughout."""

from __future__ import annotations

from pathlib import Path

from tests.test_sli_semantics import _promtool, _rules

USAGE = 'sum(rate(container_cpu_usage_seconds_total{$selector,container!=""}[$window]))'
LIMITS = 'sum(kube_pod_container_resource_limits{$selector,resource="cpu"})'
MEMORY = 'sum(kube_pod_container_resource_limits{$selector,resource="memory"})'
SPEC = f"""apiVersion: obsc/v1
service: api
team: core
selector: {{job: api}}
metrics:
  cpu: {USAGE} / {LIMITS}
  memory: sum(container_memory_working_set_bytes{{$selector}}) / {MEMORY}
  disk: 1 - sum(node_filesystem_avail_bytes{{$selector}}) / sum(node_filesystem_size_bytes{{$selector}})
alerts:
  cpu: {{warning: 80%, critical: 95%}}
  disk: false
  disk_full: {{critical: {{threshold: 2h, for: 30m}}, warning: false}}
"""
SEL = 'job="api",instance="i1"'
MINUTES = 110


def _up(alert: str, severity: str, at: int, count: int) -> dict[str, object]:
    """How many `alert`s of `severity` fire at minute `at`, whatever their data label (the alert or its twin)."""
    expr = f'count(ALERTS{{alertname="{alert}",alertstate="firing",severity="{severity}"}}) or vector(0)'
    return {"expr": expr, "eval_time": f"{at}m", "exp_samples": [{"labels": "{}", "value": count}]}


def _inputs(**series: str) -> dict[str, str]:
    return {f"up{{{SEL}}}": f"1x{MINUTES}", **series}


def test_a_cpu_page_whose_usage_series_lose_their_label_stays_one_page(tmp_path: Path) -> None:
    # a full core against a limit of one from the start; at 40m a cAdvisor upgrade drops `container`: the
    # usage series the selector reads are gone (stale), the page must stay up until its twin pages instead
    rules = _rules(tmp_path, "api", SPEC)
    series = _inputs(
        **{
            f'container_cpu_usage_seconds_total{{{SEL},container="app"}}': "0+60x40 stale",
            f'kube_pod_container_resource_limits{{{SEL},resource="cpu"}}': f"1x{MINUTES}",
        }
    )
    # (the rate reaches the line 4 minutes in: extrapolation stops at the counter's start)
    checks = [_up("ServiceCPUSaturation", "critical", m, 1) for m in range(21, MINUTES)]
    assert _promtool(tmp_path, rules, "api", series, checks) == ""


def test_a_memory_ticket_whose_exporter_goes_stays_one_ticket(tmp_path: Path) -> None:
    # the default memory ticket (80%, 15m): the working set at 90% until kube-state-metrics' limits vanish
    rules = _rules(tmp_path, "api", SPEC)
    series = _inputs(
        **{
            f"container_memory_working_set_bytes{{{SEL}}}": f"900x{MINUTES}",
            f'kube_pod_container_resource_limits{{{SEL},resource="memory"}}': "1000x40 stale",
        }
    )
    checks = [_up("ServiceMemorySaturation", "warning", m, 1) for m in range(17, MINUTES)]
    assert _promtool(tmp_path, rules, "api", series, checks) == ""


def test_a_disk_fill_page_held_30m_stays_one_page_when_the_node_exporter_goes(tmp_path: Path) -> None:
    # half full, filling 0.5% a minute (full in 100 minutes, under the 2h horizon); the node exporter goes at
    # 45m: the prediction read its last value 5 minutes, and the twin (held 30m, its `for`) came 20 minutes later
    rules = _rules(tmp_path, "api", SPEC)
    series = _inputs(
        **{
            f"node_filesystem_size_bytes{{{SEL}}}": "1000x45 stale",
            f"node_filesystem_avail_bytes{{{SEL}}}": "500-5x45 stale",
        }
    )
    checks = [_up("ServiceDiskFillingUp", "critical", m, 1) for m in range(32, MINUTES)]
    assert _promtool(tmp_path, rules, "api", series, checks) == ""


def test_a_signal_whose_twin_is_switched_off_still_ends_its_alert(tmp_path: Path) -> None:
    # missing: ignore (a sidecar's containers that come and go): no twin, so the usage going is the recovery:
    # its last value read 5 minutes and kept firing 5 more (the fading rate had ended it a minute in)
    rules = _rules(
        tmp_path, "api", SPEC.replace("cpu: {warning: 80%, critical: 95%}", "cpu: {critical: 95%, missing: ignore}")
    )
    series = _inputs(
        **{
            f'container_cpu_usage_seconds_total{{{SEL},container="app"}}': "0+60x40 stale",
            f'kube_pod_container_resource_limits{{{SEL},resource="cpu"}}': f"1x{MINUTES}",
        }
    )
    checks = [_up("ServiceCPUSaturation", "critical", m, n) for m, n in ((30, 1), (47, 1), (60, 0), (90, 0))]
    assert _promtool(tmp_path, rules, "api", series, checks) == ""
