"""Round 51, a fleet nobody here wrote: a newcomer's CoreDNS spec counted `rcode!="NOERROR"` as failed lookups.
NXDOMAIN is an answer (no such name), and on Kubernetes most of a pod's lookups (ndots:5 tries each search domain
first); REFUSED, FORMERR and NOTIMP answer the caller's query. Replayed below with promtool: a healthy cluster DNS
answering 60% NXDOMAIN, no SERVFAIL, paged its 99.9% SLO; `rcode="SERVFAIL"` read it quiet. Compiled without a word
before; now a located warning at the metric."""

from __future__ import annotations

from pathlib import Path

import pytest

from compiler.model import dns_rcodes
from compiler.model.promql import Matcher
from tests.cli_helpers import run_obsc
from tests.conftest import require_tool
from tests.test_healthy_lines import PLATFORM  # one team, data
from tests.test_sli_semantics import _firing, _promtool, _rules

SPEC = """apiVersion: obsc/v1
service: cluster-dns
team: data
selector: {{job: coredns}}
metrics:
  requests: coredns_dns_responses_total
  {metric}: '{selector}'
slos: [{{name: availability, objective: 99.9, sli: {{{metric}: {metric}, total: requests}}}}]
alerts: {{traffic_anomaly: false}}
"""
RESPONSES = "coredns_dns_responses_total"


def _err(tmp_path: Path, capsys: pytest.CaptureFixture[str], metric: str, selector: str) -> str:
    (tmp_path / "platform.yaml").write_text(PLATFORM)
    (tmp_path / "cluster-dns.yaml").write_text(SPEC.format(metric=metric, selector=selector))
    result = run_obsc(capsys, "validate", str(tmp_path))
    assert result.code == 0, result.err
    return result.err


@pytest.mark.parametrize(
    ("metric", "selector", "said"),
    [
        ("errors", f'{RESPONSES}{{rcode!="NOERROR"}}', "counts as failed lookups NXDOMAIN, REFUSED, FORMERR, NOTIMP:"),
        ("errors", f'{RESPONSES}{{rcode!~"NOERROR|NXDOMAIN"}}', "counts as failed lookups REFUSED, FORMERR, NOTIMP:"),
        ("errors", f'{RESPONSES}{{rcode=~"SERVFAIL|NXDOMAIN"}}', "counts as failed lookups NXDOMAIN:"),  # named
        ("good", f'{RESPONSES}{{rcode="NOERROR"}}', "leaves out of the good answers NXDOMAIN, REFUSED, FORMERR,"),
        ("errors", 'coredns_forward_responses_total{rcode!="NOERROR"}', "counts as failed lookups NXDOMAIN,"),
    ],
    ids=["not-noerror", "not-noerror-nor-nxdomain", "nxdomain-named", "good-noerror", "forward-plugin"],
)
def test_answers_to_the_caller_counted_as_failed_lookups_are_warned_at_the_metric(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], metric: str, selector: str, said: str
) -> None:
    err = _err(tmp_path, capsys, metric, selector)
    column = 5 + len(metric)  # the selector's value, after `  {metric}: `
    assert f"cluster-dns.yaml:7:{column} $.metrics.{metric}: warning: this selector {said}" in err, err
    assert err.count('a DNS server fails with SERVFAIL: rcode="SERVFAIL"') == 1, err  # the SLI and the alert: once


@pytest.mark.parametrize(
    ("metric", "selector"),
    [
        ("errors", f'{RESPONSES}{{rcode="SERVFAIL"}}'),
        ("errors", f'{RESPONSES}{{rcode=~"SERVFAIL|REFUSED"}}'),  # REFUSED named: the spec's choice
        ("good", f'{RESPONSES}{{rcode!="SERVFAIL"}}'),
        ("good", f'{RESPONSES}{{rcode=~"NOERROR|NXDOMAIN|REFUSED|FORMERR|NOTIMP"}}'),
    ],
    ids=["servfail", "servfail-refused-named", "good-not-servfail", "good-answers-named"],
)
def test_server_failures_alone_are_not_warned_of(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], metric: str, selector: str
) -> None:
    assert "failed lookups" not in _err(tmp_path, capsys, metric, selector)
    assert "good answers" not in _err(tmp_path, capsys, metric, selector)


def test_counted_bad_reads_rcode_only() -> None:
    assert dns_rcodes.counted_bad([Matcher("code", "!=", "NOERROR")], as_good=False) == ()
    assert dns_rcodes.counted_bad([Matcher("rcode", "!=", "NOERROR")], as_good=False)[0] == "NXDOMAIN"


def test_a_healthy_cluster_dns_pages_on_nxdomain_read_as_failures_and_not_on_servfail(tmp_path: Path) -> None:
    require_tool("promtool")
    # 1000 answers a minute for 45 minutes: 400 NOERROR, 600 NXDOMAIN (search domains), no SERVFAIL
    series = {'up{job="coredns",instance="a"}': "1x45"}
    for rcode, per_minute in (("NOERROR", 400), ("NXDOMAIN", 600), ("SERVFAIL", 0)):
        series[f'{RESPONSES}{{job="coredns",instance="a",rcode="{rcode}"}}'] = f"0+{per_minute}x45"
    (tmp_path / "platform.yaml").write_text(PLATFORM)
    for name, errors, pages in (("not-noerror", 'rcode!="NOERROR"', 2), ("servfail", 'rcode="SERVFAIL"', 0)):
        folder = tmp_path / name
        folder.mkdir()
        (folder / "platform.yaml").write_text(PLATFORM)
        spec = SPEC.format(metric="errors", selector=f"{RESPONSES}{{{errors}}}")
        rules = _rules(folder, "cluster-dns", spec)
        checks = [
            _firing("SLOErrorBudgetBurnFast", "5m", min(pages, 1)),
            _firing("SLOErrorBudgetBurnFast", "40m", pages),
        ]
        assert _promtool(folder, rules, "cluster-dns", series, checks, ({},)) == "", name  # a server with history
