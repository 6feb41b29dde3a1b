"""Grouped SLOs (`by: [route]`): the model, the rules and joins per group, dashboards, runbooks, the cap.

The generated promtool cases (two groups, one burning) run in test_promtool_toolcheck-style below on the
grouped golden spec; the mutation sweep (test_prometheus_mutations.py) kills rules that forget a group;
tests/e2e/test_grouped_slo.py pages on real servers.
"""

from __future__ import annotations

import json
import subprocess
import urllib.parse
from pathlib import Path

import pytest
import yaml

from compiler import conventions as names
from compiler.api import compile_specs
from compiler.errors import InputError
from compiler.model.groups import raw_group_problem
from compiler.targets.prometheus import templates as tmpl
from tests.conftest import ROOT, require_tool
from tests.promtool_helpers import groups_copy, run_by_hold_feed

GOLDEN = ROOT / "tests" / "golden" / "grouped" / "specs"
SPEC = """apiVersion: obsc/v1
service: api
team: core
selector: {job: api}
metrics:
  requests: http_requests_total
  errors: http_requests_total{code=~"5.."}
slos:
  - {name: availability, objective: 99.9, BY sli: {errors: errors, total: requests}}
routing:
  critical: {webhook: {url: "http://relay:8080/page"}}
  warning: {webhook: {url: "http://relay:8080/ticket"}}
  info: {webhook: {url: "http://relay:8080/digest"}}
"""


def _compile(tmp_path: Path, by: str, platform: str = "") -> dict[str, str]:
    (tmp_path / "api.yaml").write_text(SPEC.replace("BY", f"by: {by}," if by else ""))
    if platform:
        (tmp_path / "platform.yaml").write_text(platform)
    bundle = compile_specs([str(tmp_path)]).bundle
    return {a.path: a.content for a in bundle.artifacts}


def _rules(files: dict[str, str]) -> list[dict[str, object]]:
    data = yaml.safe_load(files[names.prometheus_rules_path("api")])
    return [r for g in data["groups"] for r in g["rules"] if r.get("labels", {}).get("slo")]


def test_every_sli_rate_is_summed_by_the_group_labels(tmp_path: Path) -> None:
    rules = _rules(_compile(tmp_path, "[route, tenant]"))
    raw_rates = [r for r in rules if "rate(http_requests_total" in str(r["expr"]) and "record" in r]
    assert raw_rates and all("sum by (route, tenant)(rate(" in str(r["expr"]) for r in raw_rates)
    burns = [r for r in rules if str(r.get("alert", "")).startswith("SLOErrorBudgetBurn")]
    # the short window, the guard, (round 31) the pair's own ALERTS and (round 42) a page's start's hold on them
    # (a ticket starts on its plain ratio, round 43), and (round 50) a page's restart floor's read of the SLO's page,
    # each joined per group, and (round 53) the floor's page-up waiver's reads of a page pair up and of its own firing
    joins = [(str(r["expr"]).count("and on (service, slo, route, tenant)"), r["labels"]["severity"]) for r in burns]
    assert burns and all(n == (7 if severity == "critical" else 3) for n, severity in joins)


def test_an_ungrouped_slo_is_byte_for_byte_what_it_was(tmp_path: Path) -> None:
    files = _compile(tmp_path, "")
    rules = files[names.prometheus_rules_path("api")]
    assert " by (" not in rules.split("obsc-api-key")[0]  # the SLO group: no grouping anywhere
    assert "$labels" not in rules
    # no group join; the one group_left is the page burst record's (round 42), keeping its own `window` label
    assert "group_left" not in "".join(files.values()).replace("ignoring (window) group_left", "")


def test_grouped_alerts_name_their_group_and_dashboards_offer_it(tmp_path: Path) -> None:
    files = _compile(tmp_path, "[route]")
    for rule in _rules(files):
        if str(rule.get("alert", "")).startswith("SLOErrorBudget"):
            notes = rule["annotations"]
            assert isinstance(notes, dict)
            assert (
                "[route={{ $labels.route }}]" in notes["summary"]
                and "route={{ $labels.route }}" in notes["description"]
            )
    dashboard = json.loads(files[names.grafana_dashboard_path("core", "api", names.SERVICE_DASHBOARD)])
    variables = {v["name"]: v for v in dashboard["templating"]["list"]}
    assert variables["route"]["query"] == 'label_values(slo:error_budget_remaining:ratio{service="api"}, route)'
    row = next(p for p in dashboard["panels"] if p["title"].startswith("SLO availability:"))
    table = next(p for p in dashboard["panels"] if p["id"] == row["id"] - 9 + 4)  # the block's row and table
    assert table["type"] == "table" and "Per route" in table["title"]
    exprs = [t["expr"] for p in dashboard["panels"] for t in p.get("targets", [])]
    assert any('route=~"$route"' in e and "group_left" in e for e in exprs)
    fleet = files[names.GRAFANA_FLEET_PATH]
    assert "min by (service, slo) (slo:error_budget_remaining:ratio" in fleet  # worst group per SLO
    page = files[names.runbook_path("api", names.SLO_BURN_FAST, "availability")]
    assert "kept **per `route`**" in page and "burn rate per route" in page


def test_the_platform_caps_group_labels(tmp_path: Path) -> None:
    with pytest.raises(InputError, match=r"3 group labels .* exceed the platform's cap of 2"):
        _compile(tmp_path, "[a, b, c]")
    platform = "apiVersion: obsc/v1\nkind: Platform\ndefaults: {slo: {max_group_labels: 3}}\nteams: {core: {}}\n"
    assert _rules(_compile(tmp_path, "[a, b, c]", platform))


@pytest.mark.parametrize(
    "sli",
    [
        '{good_when: "probe_ok == 1"}',
        "{last_success: last_ok, max_age: 26h}",
        '{raw: {error_ratio: "sum(rate(x[$window])) / sum(rate(y[$window]))"}}',
    ],
)
def test_slis_without_events_cannot_be_grouped(tmp_path: Path, sli: str) -> None:
    spec = SPEC.replace("BY sli: {errors: errors, total: requests}", f"by: [route], sli: {sli}")
    spec = spec.replace(
        "metrics:\n",
        "metrics:\n  probe_ok: {selector: probe_success, type: gauge, aggregation: min}\n"
        "  last_ok: {selector: job_last_success_timestamp_seconds, type: gauge}\n",
    )
    (tmp_path / "api.yaml").write_text(spec)
    with pytest.raises(InputError, match=r"slos\[0\]\.by: by: is for event SLIs") as caught:
        compile_specs([str(tmp_path)])
    assert len(caught.value.diagnostics) == 1, caught.value


@pytest.mark.parametrize(
    ("expr", "lost"),
    [
        ("sum(rate(x[$window]))", "sum(...) drops route"),
        ("sum without (route) (rate(x[$window]))", "sum(...) drops route"),
        ("sum by (route) (rate(x[$window])) / on(job) sum by (route) (y)", "on(job) match drops route"),
        ("sum by (route) (rate(x[$window]))", ""),
        ("sum(rate(x[$window])) by (code, route)", ""),
        ("rate(x[$window])", ""),
        ("sum without (instance) (rate(x[$window]))", ""),
    ],
)
def test_a_raw_sli_must_keep_its_groups(expr: str, lost: str) -> None:
    assert lost in raw_group_problem(expr, ["route"]) if lost else raw_group_problem(expr, ["route"]) == ""


def test_generated_tests_of_every_grouped_sli_kind_pass_and_catch_a_join_without_groups(tmp_path: Path) -> None:
    """The grouped golden (errors/total, good/total, latency, raw; two labels; a 7d period) passes its own
    generated tests; the same tests fail once one burn alert joins its windows without the group labels."""
    promtool = require_tool("promtool", "PROMTOOL")
    bundle = compile_specs([str(GOLDEN)]).bundle
    for artifact in bundle.artifacts:
        if artifact.path.startswith(names.PROMETHEUS_DIR + "/"):
            (tmp_path / artifact.path).parent.mkdir(parents=True, exist_ok=True)
            (tmp_path / artifact.path).write_text(artifact.content)
    # not the scrapes and holds files (~3.5 promtool CPU-s): their bytes are the golden's (test_golden.py), which
    # test_hold_feed.py runs whole for every golden
    written = (tmp_path / names.PROMETHEUS_TESTS_DIR).glob("*.yaml")
    tests = sorted(str(p) for p in written if not run_by_hold_feed(p.name))
    ok = subprocess.run([promtool, "test", "rules", *tests], capture_output=True, text=True)
    assert ok.returncode == 0, ok.stderr[-3000:]
    rules = tmp_path / names.prometheus_rules_path("blob-store")
    text = rules.read_text()
    broken = text.replace("and on (service, slo, tenant, cluster)", "and on (service, slo)", 1)
    assert broken != text
    rules.write_text(broken)
    # the broken run: only the test groups with a case for that join (7 of 36); the rest were most of its time
    failed = subprocess.run(
        [promtool, "test", "rules", _cases(tests[-1], "above the line fire nothing")],
        capture_output=True,
        text=True,
    )
    assert failed.returncode != 0 and "above the line fire nothing" in failed.stderr


def _cases(test_file: str, case: str) -> str:
    """A copy of a generated test file (beside it) with only its test groups that hold `case`."""
    path = Path(test_file)
    return str(groups_copy(path, lambda group: case in str(group["name"]), path.with_suffix(".cases.yaml").name))


STRAY = """apiVersion: obsc/v1
service: fern
team: core
selector: {job: fern}
metrics: {requests: fern_requests_total, oks: fern_successes_total, fails: fern_failures_total}
slos:
  - {name: oks, objective: 99.9, by: [route], sli: {good: oks, total: requests}}
  - {name: fails, objective: 99.9, by: [route], sli: {errors: fails, total: requests}}
routing:
  critical: {webhook: {url: "http://relay:8080/page"}}
  warning: {webhook: {url: "http://relay:8080/ticket"}}
"""


def test_generated_tests_feed_good_and_bad_counters_without_the_group_label(tmp_path: Path) -> None:
    """A good or errors counter on its own metric can lack the group label: SLODataMissing counts its events
    with no total group, a generated scenario feeds it so, and the tests fail once the rule forgets that."""
    promtool = require_tool("promtool", "PROMTOOL")
    (tmp_path / "specs").mkdir()
    (tmp_path / "specs" / "fern.yaml").write_text(STRAY)
    bundle = compile_specs([str(tmp_path / "specs")]).bundle
    for artifact in bundle.artifacts:
        if artifact.path.startswith(names.PROMETHEUS_DIR + "/"):
            (tmp_path / artifact.path).parent.mkdir(parents=True, exist_ok=True)
            (tmp_path / artifact.path).write_text(artifact.content)
    tests = sorted(str(p) for p in (tmp_path / names.PROMETHEUS_TESTS_DIR).glob("*.yaml"))
    assert "good or bad events without its group labels" in "".join(Path(t).read_text() for t in tests)
    # both runs: only the test groups with the scenario for it (they pass on the rule as written, fail on the
    # broken one); the rest of fern's generated tests judge other rules (~5 promtool CPU-s)
    cases = [_cases(t, "without its group labels") for t in tests if "without its group labels" in Path(t).read_text()]
    ok = subprocess.run([promtool, "test", "rules", *cases], capture_output=True, text=True)
    assert ok.returncode == 0, ok.stderr[-3000:]
    rules = tmp_path / names.prometheus_rules_path("fern")
    text = rules.read_text()
    # both alerts, and their silent-group branches; the good SLI's errors rules (5 windows, coarse)
    assert text.count("unless on (route)") == 2 + 2 + 6
    # the alerts' count of events without a total group made a count of those with one
    lines = text.split("\n")
    count = "unless on (route)", "and on (route)"
    broken = [ln.replace(*count) if ln.strip().startswith("count(") else ln for ln in lines]
    assert broken != lines
    rules.write_text("\n".join(broken))
    failed = subprocess.run([promtool, "test", "rules", *cases], capture_output=True, text=True)
    assert failed.returncode != 0 and "without its group labels" in failed.stderr


def test_a_grouped_alert_opens_its_dashboard_on_its_own_group(tmp_path: Path) -> None:
    """Each burn and budget alert of a grouped SLO links the burn panel with every group variable set to the
    alert's own group (the variables default to All: a page for one route opened every route's lines).
    Prometheus renders the link: promtool expands it for a route holding `/`, `&` and a space."""
    promtool = require_tool("promtool", "PROMTOOL")
    files = _compile(tmp_path, "[route, tenant]")
    dashboard = json.loads(files[names.grafana_dashboard_path("core", "api", names.SERVICE_DASHBOARD)])
    panels = {p["id"]: p for p in dashboard["panels"]}
    group = {"route": "/v1/a b&c", "tenant": "t-1"}
    alerts = [r for r in _rules(files) if str(r.get("alert", "")).startswith("SLO")]  # not the slo's key alerts
    grouped = [r for r in alerts if r["alert"] != names.SLO_DATA_MISSING]
    assert len(grouped) >= 4
    for rule in grouped:
        annotations = rule["annotations"]
        assert isinstance(annotations, dict)
        url = tmpl.render(annotations["dashboard_url"], 1.0, None, group)
        query = urllib.parse.parse_qs(urllib.parse.urlsplit(url).query)
        assert query["var-route"] == [group["route"]] and query["var-tenant"] == [group["tenant"]], url
        exprs = [t["expr"] for t in panels[int(query["viewPanel"][0])]["targets"]]
        assert all('route=~"$route"' in e and 'tenant=~"$tenant"' in e for e in exprs)
    # the same text as Prometheus expands it (`urlquery`), checked by promtool on an alert carrying the group
    link = grouped[0]["annotations"]["dashboard_url"]  # type: ignore[index]
    rules = {
        "groups": [
            {
                "name": "link",
                "rules": [
                    {
                        "alert": "Link",
                        "expr": 'label_replace(label_replace(vector(1), "route", "/v1/a b&c", "", ""), '
                        '"tenant", "t-1", "", "")',
                        "annotations": {"dashboard_url": link},
                    }
                ],
            }
        ]
    }
    expected = {"exp_labels": group, "exp_annotations": {"dashboard_url": tmpl.render(link, 1.0, None, group)}}
    unit = {
        "rule_files": ["link.rules.yaml"],
        "tests": [
            {
                "input_series": [],
                "alert_rule_test": [{"eval_time": "0m", "alertname": "Link", "exp_alerts": [expected]}],
            }
        ],
    }
    (tmp_path / "link.rules.yaml").write_text(yaml.safe_dump(rules))
    (tmp_path / "link.test.yaml").write_text(yaml.safe_dump(unit))
    run = subprocess.run([promtool, "test", "rules", str(tmp_path / "link.test.yaml")], capture_output=True, text=True)
    assert run.returncode == 0, run.stdout[-2000:] + run.stderr[-2000:]


def test_a_grouped_slo_data_missing_link_sets_the_group_only_when_the_alert_has_it(tmp_path: Path) -> None:
    """Found by a hunt (round 31): SLODataMissing of a grouped SLO linked every group, though a latency SLO's
    alert fires per group lacking the threshold bucket. Its link now sets the group when the alert carries it
    and stays plain for the `absent()` branch (an empty `var-route=` would select no group); promtool expands
    both as the generated text says."""
    promtool = require_tool("promtool", "PROMTOOL")
    files = _compile(tmp_path, "[route, tenant]")
    (rule,) = [r for r in _rules(files) if r.get("alert") == names.SLO_DATA_MISSING]
    link = rule["annotations"]["dashboard_url"]  # type: ignore[index]
    group = {"route": "/v1/a b&c", "tenant": "t-1"}
    url = tmpl.render(link, 1.0, None, group)
    query = urllib.parse.parse_qs(urllib.parse.urlsplit(url).query)
    assert query["var-route"] == [group["route"]] and query["var-tenant"] == [group["tenant"]], url
    plain = tmpl.render(link, 1.0, None, {})
    assert "var-" not in plain, plain
    grouped_expr = 'label_replace(label_replace(vector(1), "route", "/v1/a b&c", "", ""), "tenant", "t-1", "", "")'
    rules = {
        "groups": [
            {
                "name": "link",
                "rules": [
                    {"alert": "Grouped", "expr": grouped_expr, "annotations": {"dashboard_url": link}},
                    {"alert": "Absent", "expr": "vector(1)", "annotations": {"dashboard_url": link}},
                ],
            }
        ]
    }
    cases = [
        {
            "eval_time": "0m",
            "alertname": "Grouped",
            "exp_alerts": [{"exp_labels": group, "exp_annotations": {"dashboard_url": url}}],
        },
        {
            "eval_time": "0m",
            "alertname": "Absent",
            "exp_alerts": [{"exp_labels": {}, "exp_annotations": {"dashboard_url": plain}}],
        },
    ]
    unit = {"rule_files": ["link.rules.yaml"], "tests": [{"input_series": [], "alert_rule_test": cases}]}
    (tmp_path / "link.rules.yaml").write_text(yaml.safe_dump(rules))
    (tmp_path / "link.test.yaml").write_text(yaml.safe_dump(unit))
    run = subprocess.run([promtool, "test", "rules", str(tmp_path / "link.test.yaml")], capture_output=True, text=True)
    assert run.returncode == 0, run.stdout[-2000:] + run.stderr[-2000:]
