"""The rule-file pruning of tests/promtool_helpers.py: a scenario test that loads a cut rule file is only as
strong as the cut, since a check whose rule went missing can pass on nothing (`exp_samples: []`, a count
`or vector(0)` expecting 0). Each case here keeps a rule some check depends on in a way that is easy to miss."""

from __future__ import annotations

import yaml

from tests.promtool_helpers import rules_checked_by, rules_read_by

RULES = """\
groups:
  - name: g-slo
    rules:
      - {record: "job:total:rate5m", expr: 'sum(rate(reqs_total[5m]))'}
      - {record: "job:errors:rate5m", expr: 'sum(rate(reqs_total{code="500"}[5m]))'}
      - {record: "job:error:ratio5m", expr: 'job:errors:rate5m / job:total:rate5m'}
      - {record: "job:unread:rate5m", expr: 'sum(rate(other_total[5m]))'}
      - alert: Burn
        expr: 'job:error:ratio5m > 0.1'
        labels: {burn_window: fast}
        annotations: {summary: "{{ $value }}"}
  - name: g-key
    rules:
      - {record: "job:error:ratio5m", expr: 'job:errors:rate5m / job:total:rate5m * 1'}
      - {alert: Down, expr: 'up == 0'}
  - name: g-coarse
    rules:
      - {record: "job:errors:rate1d", expr: 'sum(rate(reqs_total{code="500"}[1d]))'}
      - {alert: Burn, expr: 'job:errors:rate1d > 1', labels: {burn_window: slow}}
"""


def _kept(text: str) -> dict[str, list[str]]:
    """Group name → the names of its rules (records and alerts), in file order."""
    return {g["name"]: [r.get("record") or r["alert"] for r in g["rules"]] for g in yaml.safe_load(text)["groups"]}


def test_a_record_read_only_by_a_kept_alert_is_kept_through_the_records_it_reads() -> None:
    kept = _kept(rules_read_by(RULES, alert=lambda rule: rule["alert"] == "Burn"))
    # the ratio in both groups that record it, and the two rates the ratio reads; the unread rate goes
    assert kept == {
        "g-slo": ["job:total:rate5m", "job:errors:rate5m", "job:error:ratio5m", "Burn"],
        "g-key": ["job:error:ratio5m"],
        "g-coarse": ["job:errors:rate1d", "Burn"],
    }
    assert "annotations" not in rules_read_by(RULES, alert=lambda rule: True)


def test_a_check_expecting_nothing_of_a_record_keeps_that_record() -> None:
    # `exp_samples: []` on a record passes trivially if the record is not loaded
    kept = _kept(rules_checked_by(RULES, ['job:unread:rate5m{code="x"}']))
    assert kept == {"g-slo": ["job:unread:rate5m"]}


def test_an_alert_named_by_a_check_keeps_every_rule_of_that_name() -> None:
    # ALERTS{alertname="Burn"} sees both pairs, whatever their labels
    kept = _kept(rules_checked_by(RULES, ['count(ALERTS{alertname="Burn",alertstate="firing"}) or vector(0)']))
    assert [name for names in kept.values() for name in names].count("Burn") == 2
    assert "Down" not in str(kept)


def test_alerts_read_without_one_exact_name_keep_every_alert() -> None:
    for expr in (
        'count(ALERTS{alertstate="firing"}) or vector(0)',
        "ALERTS",
        'ALERTS{alertname=~"Bu.*"}',
        'ALERTS{alertname!="Burn"}',
        '{__name__="ALERTS", alertname="Burn"}',
        '{__name__=~"ALERT.+", alertname="Burn"}',  # ALERTS by a pattern, the word nowhere
        "ALERTS{alertname='Down'}",  # a quoting the parser does not read: every alert, not none
    ):
        kept = _kept(rules_checked_by(RULES, [expr]))
        assert sorted(n for names in kept.values() for n in names if n[0].isupper()) == ["Burn", "Burn", "Down"], expr


def test_a_name_matcher_keeps_every_record() -> None:
    # the regex's literal text names no record: the records it matches must stay all the same
    kept = _kept(rules_checked_by(RULES, ['count({__name__=~"job:error.*"}) or vector(0)']))
    records = [n for names in kept.values() for n in names if ":" in n]
    assert sorted(set(records)) == sorted(
        {"job:total:rate5m", "job:errors:rate5m", "job:error:ratio5m", "job:unread:rate5m", "job:errors:rate1d"}
    )


def _alerts_kept(text: str) -> list[tuple[str, str]]:
    """(name, burn_window) of every alert kept, sorted."""
    rules = [r for g in yaml.safe_load(text)["groups"] for r in g["rules"] if "alert" in r]
    return sorted((r["alert"], str((r.get("labels") or {}).get("burn_window", ""))) for r in rules)


def test_an_alerts_read_keeps_the_alerts_its_exact_matchers_can_see() -> None:
    # A series of ALERTS carries the rule's name and its static labels over its expression's: Burn's slow pair
    # never gives burn_window="fast"; Down might (its expression's labels pass through), so it stays.
    for expr, want in (
        ('ALERTS_FOR_STATE{burn_window="fast"}', [("Burn", "fast"), ("Down", "")]),
        ('ALERTS{alertname="Burn",burn_window="slow",alertstate="firing"}', [("Burn", "slow")]),
        ('ALERTS{alertname="Burn",burn_window=~"fast|x"}', [("Burn", "fast"), ("Burn", "slow")]),
        ('ALERTS{alertname="Burn",burn_window!="slow"}', [("Burn", "fast"), ("Burn", "slow")]),
        ('ALERTS{burn_window="\\x66ast"}', [("Burn", "fast"), ("Burn", "slow"), ("Down", "")]),  # escapes unread
        ('ALERTS{burn_window="medium"}', [("Down", "")]),
    ):
        assert _alerts_kept(rules_checked_by(RULES, [expr])) == want, expr


def test_a_kept_alert_reading_its_own_alerts_keeps_no_other_alert() -> None:
    # a burn pair's hold reads its own ALERTS: the pairs and alerts it cannot see, and what they read, go
    hold = 'ALERTS{alertname="Burn",burn_window="slow"}'
    held = RULES.replace("expr: 'job:errors:rate1d > 1'", f"expr: 'job:errors:rate1d > 1 or {hold}'")
    kept = rules_read_by(held, alert=lambda rule: rule.get("labels", {}).get("burn_window") == "slow")
    assert _alerts_kept(kept) == [("Burn", "slow")]
    assert _kept(kept) == {"g-coarse": ["job:errors:rate1d", "Burn"]}


def test_a_label_only_a_template_or_yaml_types_give_is_not_compared() -> None:
    # `{{ $labels.x }}` may expand to anything; a YAML true is "true" to Prometheus, not Python's "True"
    for value in ("'{{ $labels.tier }}'", "true", "1"):
        rules = RULES.replace("labels: {burn_window: slow}", f"labels: {{burn_window: {value}}}")
        for wanted in ("true", "1", "fast"):
            kept = _alerts_kept(rules_checked_by(rules, [f'ALERTS{{alertname="Burn",burn_window="{wanted}"}}']))
            assert [k for k in kept if k[1] != "fast"] == [("Burn", str(yaml.safe_load(value)))], (value, wanted, kept)


def test_a_kept_rule_reading_alerts_keeps_every_alert() -> None:
    # a record counting every firing alert (no name, no label of a rule matched): each alert must be loaded
    meta = RULES + "      - {record: 'job:firing:count', expr: 'count(ALERTS{alertstate=\"firing\"})'}\n"
    kept = _kept(rules_checked_by(meta, ["job:firing:count"]))
    assert sorted(n for names in kept.values() for n in names if n[0].isupper()) == ["Burn", "Burn", "Down"]
    assert "job:error:ratio5m" in kept["g-slo"]  # and what those alerts read


def test_groups_keep_their_order_and_empty_ones_go() -> None:
    kept = _kept(rules_checked_by(RULES, ['ALERTS{alertname="Down"}', "job:errors:rate1d"]))
    assert list(kept) == ["g-key", "g-coarse"]


SLOS = """\
groups:
  - name: g
    rules:
      - {record: "slo:errors:rate5m", expr: 'sum(rate(e_total[5m]))', labels: {slo: a}}
      - {record: "slo:errors:rate5m", expr: 'sum(rate(e_total{k="b"}[5m]))', labels: {slo: b}}
      - {record: "slo:errors:rate5m", expr: 'sum by (slo) (rate(e_total[5m]))'}
      - {record: "slo:errors:rate5m", expr: 'sum(rate(e_total{k="1"}[5m]))', labels: {slo: 1}}
      - {alert: BurnA, expr: 'slo:errors:rate5m{service="s",slo="a"} > 1'}
"""


def test_a_record_whose_static_label_no_read_matches_goes() -> None:
    # a rule's static labels override its expression's: slo="a" never sees the record labelled slo: b, and a
    # file of several SLOs loads only the records of the one checked (the rest cost promtool every step)
    def records(exprs: list[str], alert: str = "") -> list[str]:
        text = rules_read_by(SLOS, exprs, alert=lambda rule: rule["alert"] == alert)
        return [str(r["expr"]) for g in yaml.safe_load(text)["groups"] for r in g["rules"] if "record" in r]

    a, b, unlabelled, numbered = (str(r["expr"]) for r in yaml.safe_load(SLOS)["groups"][0]["rules"][:4])
    assert records([], "BurnA") == [a, unlabelled, numbered]  # a YAML 1 is not compared
    assert records(['slo:errors:rate5m{slo="b"}']) == [b, unlabelled, numbered]
    for seen_by_all in ('slo:errors:rate5m{slo=~"a"}', 'slo:errors:rate5m{slo!="a"}', "slo:errors:rate5m[5m]",
                        "sum(slo:errors:rate5m)", 'slo:errors:rate5m{slo="\\x61"}'):  # fmt: skip
        assert records([seen_by_all]) == [a, b, unlabelled, numbered], seen_by_all
    assert records(['slo:errors:rate5m_other{slo="a"}', 'xslo:errors:rate5m{slo="a"}']) == []
