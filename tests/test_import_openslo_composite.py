"""`obsc import openslo` of a composite SLO (OpenSLO v1: an objective naming its own `indicator` or
`indicatorRef`, each objective judging its own SLI, weighted by `compositeWeight`). obsc has no composite SLO;
read with the SLO's own indicator, the second objective held the first one's SLI to its target (a 99.9% on
the payment handler became a 99.9% on the front page, a page for a healthy front and nothing for a failing
payment). It is refused at each such objective, located, exit 2, nothing written; an SLO with no indicator
at all says so (it read "no SLI named None")."""

from __future__ import annotations

from pathlib import Path

import pytest

from compiler.errors import ExitCode
from tests.cli_helpers import run_obsc


def _ratio(handler: str, indent: str) -> str:
    """An inline OpenSLO indicator over the shop's requests of one handler, indented to sit at `indent`."""
    total = 'sum(rate(http_requests_total{job="shop",handler="HANDLER"}[{{.window}}]))'.replace("HANDLER", handler)
    bad = total.replace('"}', '",code=~"5.."}')
    source = "{metricSource: {type: Prometheus, spec: {query: 'QUERY'}}}"
    lines = [
        f"metadata: {{name: {handler}}}",
        "spec:",
        "  ratioMetric:",
        "    counter: true",
        "    bad: " + source.replace("QUERY", bad),
        "    total: " + source.replace("QUERY", total),
    ]
    return "".join(f"{indent}{line}\n" for line in lines)


def _slo(objectives: str, indicator: bool = True) -> str:
    head = "apiVersion: openslo/v1\nkind: SLO\nmetadata: {name: journey}\nspec:\n  service: shop\n"
    own = "  indicator:\n" + _ratio("front", "    ") if indicator else ""
    rest = "  timeWindow: [{duration: 28d, isRolling: true}]\n  budgetingMethod: Occurrences\n  objectives:\n"
    return head + own + rest + objectives


PAYMENT = "  - displayName: payment\n    target: 0.999\n    compositeWeight: 2\n    indicator:\n" + _ratio(
    "pay", "      "
)
FRONT = "  - displayName: front\n    target: 0.99\n"


def _import(tmp_path: Path, capsys: pytest.CaptureFixture[str], text: str) -> tuple[int, str, Path]:
    source, out = tmp_path / "journey.yaml", tmp_path / "specs"
    source.write_text(text)
    result = run_obsc(capsys, "import", "openslo", str(source), "--out", str(out))
    return result.code, result.err, out


def _line_of(text: str, needle: str) -> int:
    return next(n for n, line in enumerate(text.splitlines(), 1) if needle in line)


@pytest.mark.parametrize("own", ["indicator", "indicatorRef"])
def test_an_objective_with_its_own_sli_is_refused_at_it(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], own: str
) -> None:
    payment = PAYMENT if own == "indicator" else PAYMENT.split("    indicator:")[0] + "    indicatorRef: pay\n"
    text = _slo(FRONT + payment)
    code, err, out = _import(tmp_path, capsys, text)
    line = _line_of(text, f"    {own}:")
    assert code == ExitCode.BAD_INPUT, err
    assert f"journey.yaml:{line}:5 $.spec.objectives[1].{own}: composite SLOs" in err, err
    assert "as an SLO of its own" in err and "nothing was written" in err and "Traceback" not in err
    assert not out.exists()


def test_objectives_that_all_name_their_sli_say_so_and_not_that_the_slo_has_none(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    front = FRONT + "    indicator:\n" + _ratio("front", "      ")
    code, err, out = _import(tmp_path, capsys, _slo(front + PAYMENT, indicator=False))
    assert code == ExitCode.BAD_INPUT, err
    assert err.count("composite SLOs") == 2 and "$.spec.objectives[0].indicator" in err, err
    assert "indicatorRef" not in err.split("composite SLOs")[0] and "None" not in err, err
    assert not out.exists()


def test_an_slo_without_an_indicator_says_it_needs_one(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, err, out = _import(tmp_path, capsys, _slo(FRONT, indicator=False))
    assert code == ExitCode.BAD_INPUT, err
    assert "journey.yaml:4:1 $.spec: an SLO needs an indicator or an indicatorRef" in err, err
    assert "None" not in err and not out.exists()


def test_one_sli_for_every_objective_still_imports_each_with_its_target(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, err, out = _import(tmp_path, capsys, _slo(FRONT + "  - displayName: strict\n    targetPercent: 99.9\n"))
    assert code == ExitCode.OK, err
    spec = (out / "shop.yaml").read_text()
    assert "name: journey-front\n  objective: 99\n" in spec and "name: journey-strict\n  objective: 99.9\n" in spec
