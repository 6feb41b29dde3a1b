"""ServiceDown held into the burn page (prometheus/down_handover.py), shown at 1m steps in the scrapes file.

One timeline, fed the service's `up` and its page pairs' short-window ratios (recorded series, as the branch
reads them). First the targets are up while a short window burns for longer than every hold: ServiceDown stays
quiet (a burn never starts it; the branch without its own firing state would page there). Then every target down
until ServiceDown fires, back up with only the first window over its line (1.2x) until the plain branches' reach
is over (held: dropped, flipped, raised by half or read as another window, the branch lets it resolve). Then the
hold is handed on: one step each, the next window over its line and those before it under (0.8x), so each window
alone holds it (its term dropped or raised by half, nothing holds it at its step). Last, every window under the
line past the page's `keep_firing_for` (a ServiceDown without a hold keeps firing 5m), where it has resolved: a
term lowered by 40%, flipped, without its burn side or read as a window whose 0.8x is over its line holds it.
One outage with the hold handed on, not one outage a window: 35 steps for a rich service's six windows, not 145
(each step evaluates a 10m subquery at 15s).
"""

from __future__ import annotations

from decimal import Decimal

from compiler import conventions as names
from compiler.model.types import AlertKind, Service, Tier
from compiler.model.units import decimal_text
from compiler.targets.prometheus.down_handover import ShortLine, burning_short_windows
from compiler.targets.prometheus.key_missing import is_missing
from compiler.targets.prometheus.promtool.cases import Case, InputSeries
from compiler.targets.prometheus.promtool.key_common import check
from compiler.targets.prometheus.promtool.key_missing_cases import up_labels
from compiler.targets.prometheus.rule_model import ServiceRules

STEP = 60
OVER, UNDER = Decimal("1.2"), Decimal("0.8")


def handover_cases(service: Service, rules: ServiceRules) -> list[Case]:
    down = [
        r
        for r in rules.alert_rules
        if r.source is not None and r.source.kind is AlertKind.SERVICE_DOWN and not is_missing(r)
    ]
    held = [r for r in down if r.source is not None and r.source.tier is Tier.CRITICAL and "ALERTS{" in r.expr]
    lines = burning_short_windows(service)
    if not held or not lines:
        return []
    # every tier's plain branches past their reach after the return: a window of twice the hold, `keep_firing_for`
    settle = max(2 * r.for_seconds + r.keep_firing_seconds for r in down) // STEP + 3
    fire = max(r.for_seconds for r in down) // STEP + 1  # every tier fires this long after its targets went down
    # every window under the line at the end: past the page's own `keep_firing_for` (a tier without a hold)
    after = max(r.keep_firing_seconds for r in held) // STEP + 3
    ups = ["1"] * (fire + 1)
    over = [_value(line, OVER) for line in lines]
    under = [_value(line, UNDER) for line in lines]
    ratios: list[list[str]] = [[over[0] if n == 0 else "_" for _ in ups] for n in range(len(lines))]
    checks = [check(down, fire * STEP, lambda r: None)]  # a burn alone, targets up: quiet
    start = len(ups)
    ups += ["0"] * (fire + 1) + ["1"] * settle
    for n, values in enumerate(ratios):
        values += ["_"] * (fire + 1) + [over[n] if n == 0 else "_"] * settle
    checks.append(check(down, (start + fire) * STEP, lambda r: 0.0, active_at=start * STEP))
    checks.append(check(held, (len(ups) - 1) * STEP, lambda r: 0.0))
    for n in range(1, len(lines)):  # the hold handed on: window n over, those before it under, the rest unfed
        ups.append("1")
        for m, values in enumerate(ratios):
            values.append(under[m] if m < n else over[m] if m == n else "_")
        checks.append(check(held, (len(ups) - 1) * STEP, lambda r: 0.0))
    ups += ["1"] * after
    for m, values in enumerate(ratios):
        values += [under[m]] * after
    checks.append(check(down, (len(ups) - 1) * STEP, lambda r: None))
    series = [InputSeries("up", up_labels(service), " ".join(ups))]
    for line, values in zip(lines, ratios, strict=True):
        window = line.record.rsplit("rate", 1)[1]  # `slo:sli_error:ratio_rate5m`: recorded with window="5m"
        labels = tuple(sorted({**dict(line.labels), names.LABEL_WINDOW: window}.items()))
        series.append(InputSeries(line.record, labels, " ".join(values)))
    title = f"{held[0].alert}: held after its targets return while a page pair's short window burns, one at a time"
    return [Case(title, STEP, tuple(series), tuple(checks))]


def _value(line: ShortLine, share: Decimal) -> str:
    return decimal_text(line.line * share)
