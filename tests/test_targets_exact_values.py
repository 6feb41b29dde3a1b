"""`targets:` values are matched exactly on `up`, as the selector's are. A pattern there (`job: "cdn-.*"`, a
`pop: "~.+"` meant as "any PoP") or a control character compiled to `up{job="cdn-.*"}`, which no series has:
ServiceDown, `(sum(up{...}) or vector(0)) == 0`, paged from its first evaluation and for good. The selector's own
values were already refused so (build_thresholds.selector_value_problems); now targets' are too, located."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.spec_errors import spec_errors

SPEC = """\
apiVersion: obsc/v1
service: edge
team: t
selector: {{job: cdn-edge}}
targets: {targets}
metrics:
  requests: edge_requests_total
  errors: edge_requests_total{{code=~"5.."}}
slos:
  - {{name: availability, objective: 99.9, sli: {{errors: errors, total: requests}}}}
"""


@pytest.mark.parametrize(
    ("targets", "where", "said"),
    [
        ('{job: "cdn-.*"}', "targets.job", "'cdn-.*' reads as a pattern, and targets values are exact"),
        ('{job: cdn-edge, pop: "~.+"}', "targets.pop", "'~.+' reads as a pattern, and targets values are exact"),
        ('{job: cdn-edge, pop: "a\\tb"}', "targets.pop", "holds a line break or control character"),
    ],
)
def test_a_target_value_no_up_series_has_is_refused(tmp_path: Path, targets: str, where: str, said: str) -> None:
    found = spec_errors(tmp_path, {"edge.yaml": SPEC.format(targets=targets)})
    assert len(found) == 1 and found[0].startswith(f"{where}: ") and said in found[0], found


def test_exact_targets_compile(tmp_path: Path) -> None:
    assert spec_errors(tmp_path, {"edge.yaml": SPEC.format(targets="{job: cdn-edge, pop: ams}")}) == []
