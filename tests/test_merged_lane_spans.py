"""Lanes merged into one test group (promtool/cases.merge) are asked at every time any of them checks: one SLO's
case fed until 30m was asked at 1h, where another SLO's pair with its own `for: 1h` checks, and predicted its page
still burning on inputs gone stale (promtool rejected obsc's own test, exit 1: drawn settings seed 302, round 49).
Such a case now runs in a group of its own; one predicted quiet there (what stale inputs give) stays merged."""

from __future__ import annotations

from compiler.targets.prometheus.promtool.cases import AlertCheck, Case, Firing, InputSeries, merge

PAGE = Firing((("alertname", "Burn"), ("slo", "a")), ())
HOUR = 3600


def _case(name: str, fed_samples: int, checked: tuple[int, ...], burns: bool) -> Case:
    series = (InputSeries(f"signal_{name}", (), f"1+0x{fed_samples - 1}"),)
    fired = (PAGE,) if burns else ()
    checks = tuple(AlertCheck(at, "Burn", fired) for at in checked)
    return Case(name, 1800, series, checks, predict=lambda alert, at: fired if alert == "Burn" else ())


def test_a_burning_case_fed_until_30m_is_not_asked_at_1h() -> None:
    short = _case("short", 2, (0, 1800), burns=True)  # samples at 0 and 30m
    held = _case("held", 3, (1800, HOUR), burns=False)  # a pair holding 1h: checked at 30m and 1h
    groups = merge([[short], [held]])
    assert [g.name for g in groups] == ["short", "held"]
    assert all(c.at <= 1800 for c in groups[0].alerts)


def test_a_quiet_short_case_and_one_fed_to_the_end_stay_merged() -> None:
    quiet = _case("quiet", 2, (0, 1800), burns=False)
    whole = _case("whole", 3, (0, 1800), burns=True)  # fed to 1h: asked there, its inputs still hold
    held = _case("held", 3, (1800, HOUR), burns=False)
    assert [g.name for g in merge([[quiet], [whole], [held]])] == ["quiet; whole; held"]
