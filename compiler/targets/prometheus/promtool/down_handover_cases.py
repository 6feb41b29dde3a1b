"""ServiceDown held into the burn page (prometheus/down_handover.py), shown at 1m steps in the scrapes file.

One timeline, fed the service's `up` and its page pairs' short-window ratios (recorded series, as the branch
reads them). First the targets are up while a short window burns for longer than every hold: ServiceDown stays
quiet (a burn never starts it; the branch without its own firing state would page there). Then, for each short
window in turn: every target down until ServiceDown fires, back up with only that window over its line (1.2x)
until the plain branches' reach is over (held: dropped, flipped, raised by half or read as another window, the
branch lets it resolve), then under the line (0.8x: lowered by 40%, or the branch without its burn side, still
holds it) past the page's `keep_firing_for` (a ServiceDown without a hold keeps firing 5m), where it has resolved.
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
    # under the line to the end of each stretch: past the page's own `keep_firing_for` (a tier without a hold)
    after = max(r.keep_firing_seconds for r in held) // STEP + 3
    ups = ["1"] * (fire + 1)
    ratios = [[_value(line, OVER) if n == 0 else "_" for _ in ups] for n, line in enumerate(lines)]
    checks = [check(down, fire * STEP, lambda r: None)]  # a burn alone, targets up: quiet
    for n, line in enumerate(lines):
        start = len(ups)
        ups += ["0"] * (fire + 1) + ["1"] * (settle + after)
        for m, values in enumerate(ratios):
            own = [_value(line, OVER)] * settle + [_value(line, UNDER)] * after
            values += ["_"] * (fire + 1) + (own if m == n else ["_"] * (settle + after))
        checks.append(check(down, (start + fire) * STEP, lambda r: 0.0, active_at=start * STEP))
        checks.append(check(held, (start + fire + settle) * STEP, lambda r: 0.0))
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
