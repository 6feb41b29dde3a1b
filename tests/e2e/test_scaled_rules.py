"""The live tests' time scaling (scaled_rules.py) scales what stands for time and nothing else."""

from __future__ import annotations

import pytest

from tests.e2e.scaled_rules import scale_expr, scale_groups, scaled

SCALE = 60


def test_ranges_steps_and_offsets_are_scaled() -> None:
    expr = 'count_over_time((sum(rate(x{job="a"}[15m])) >= 0.1)[2h:15m] offset 6d23h) and y offset 1w'
    assert scale_expr(expr, SCALE) == (
        'count_over_time((sum(rate(x{job="a"}[15000ms])) >= 0.1)[120000ms:15000ms] offset 10020000ms) '
        "and y offset 10080000ms"
    )


def test_a_recorded_rate_times_its_windows_seconds_stays_a_count() -> None:
    expr = 'slo:sli_errors:rate5m{window="5m"} * 300 - 1.000001 > slo:sli_total:rate30m * 1800 * (3.36 * 0.0005)'
    assert scale_expr(expr, SCALE) == (
        'slo:sli_errors:rate5m{window="5m"} * 5 - 1.000001 > slo:sli_total:rate30m * 30 * (3.36 * 0.0005)'
    )


def test_names_labels_and_other_numbers_are_left() -> None:
    expr = 'service:requests:rate5m{service="a",window="30m",instance="h:8080"} > 300 and z * 604800'
    assert scale_expr(expr, SCALE) == expr


def test_holds_and_group_intervals_are_scaled_and_unkept_rules_go() -> None:
    groups = [
        {
            "name": "g",
            "interval": "5m",
            "rules": [
                {"alert": "A", "expr": "up[1h]", "for": "15m", "keep_firing_for": "2m"},
                {"record": "r", "expr": "up"},
            ],
        },
        {"name": "empty", "rules": [{"record": "r", "expr": "up"}]},
    ]
    scaled = scale_groups(groups, SCALE, lambda rule: "alert" in rule)
    assert scaled == [
        {
            "name": "g",
            "interval": "5000ms",
            "rules": [{"alert": "A", "expr": "up[60000ms]", "for": "15000ms", "keep_firing_for": "2000ms"}],
        }
    ]


def test_every_duration_form_is_scaled_and_a_millisecond_nudge_stays_one() -> None:
    # ServiceDown's moments: twice the hold less a millisecond, so a subquery reading both ends takes 40 steps, not 41;
    # scaled it is 10s less 1ms (9999.98ms rounded to 10s would read 41 again)
    expr = "sum_over_time(up[9m59s999ms:15s])[5m:1m] offset 1h2m3s4ms"
    assert scale_expr(expr, SCALE) == "sum_over_time(up[9999ms:250ms])[5000ms:1000ms] offset 62054ms"
    assert scaled("1m0s1ms", SCALE) == "1001ms" and scaled("1y", SCALE) == "525600000ms"


def test_a_duration_the_scale_leaves_no_length_to_is_refused() -> None:
    with pytest.raises(AssertionError):
        scaled("59ms", SCALE)
