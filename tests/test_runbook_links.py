"""Every runbook page opens the dashboard panel its alert's notification opens.

Found by a hunt: SLODataMissing's page linked the whole service dashboard while its notification's
`dashboard_url` opened the SLO's burn-rate panel: on-call reading the page looked at another view than the one
the page's own alert pointed to. A grouped alert's `var-<label>` is filled from the alert's labels in the
notification (a Go template); the page, one per alert name, cannot name the group, so it is compared without it.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

from compiler import conventions as names
from compiler.api import CompileOptions, compile_specs
from tests.conftest import ROOT

SPEC_SETS = [*sorted((ROOT / "tests" / "golden").glob("*/specs")), ROOT / "examples"]
# A group variable the alert sets from its labels, unconditionally or only when it has the label (`{{ with }}`):
# the page, one per alert, opens the panel for every group.
_TEMPLATED_VARIABLE = re.compile(
    r"\{\{ with \$labels\.[^}]*\}\}&var-[^=&]+=\{\{[^}]*\}\}\{\{ end \}\}"  # set when the alert has the label
    r"|&var-[^=&]+=\{\{[^}]*\}\}"  # set always
)
_PAGE_DASHBOARD = re.compile(r"^- Dashboard: (\S+)$", re.MULTILINE)


def _alerts(files: dict[str, str]) -> list[dict[str, object]]:
    rules = []
    for path, text in files.items():
        if path.startswith("prometheus/rules/") and path.endswith(".yaml"):
            for group in yaml.safe_load(text)["groups"]:
                rules += [rule for rule in group["rules"] if "alert" in rule]
    return rules


@pytest.mark.parametrize("specs", SPEC_SETS, ids=lambda p: p.parent.name if p.name == "specs" else p.name)
def test_each_page_opens_the_panel_its_alert_opens(specs: Path) -> None:
    compilation = compile_specs([str(specs)], CompileOptions(jobs=1))
    files = {a.path: a.content for a in compilation.bundle.artifacts}
    compared = 0
    for rule in _alerts(files):
        annotations = rule.get("annotations") or {}
        assert isinstance(annotations, dict)
        opened = annotations.get("dashboard_url")
        if not annotations.get(names.ANNOTATION_RUNBOOK) or not opened:
            continue
        labels = rule["labels"]
        assert isinstance(labels, dict)
        service, alert = labels["service"], str(rule["alert"])
        page = names.runbook_path(service, alert, labels.get("slo"))  # a key alert's page is the service's
        page = page if page in files else names.runbook_path(service, alert, None)
        said = _PAGE_DASHBOARD.search(files[page])
        assert said is not None, page
        assert said.group(1) == _TEMPLATED_VARIABLE.sub("", str(opened)), (rule["alert"], page)
        compared += 1
    assert compared > 0
