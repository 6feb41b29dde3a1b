"""Sloth documents that name the same service (or names that normalise alike) but belong to different teams
are different services: merged, the second team's SLO paged the first team, with the first team's
selector, and the second team's labels landed on the first team's alerts. Now each owner gets its own
spec (`<service>-<team>`, noted); documents of one owner still merge, each keeping its own labels."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from compiler.errors import InputError
from compiler.importers import ImportOptions, import_specs
from tests.conftest import require_shared
from tests.import_helpers import import_and_compile


def _sloth(service: str, labels: str, slo: str, job: str) -> str:
    return f"""\
version: "prometheus/v1"
service: "{service}"
labels: {labels}
slos:
  - name: "{slo}"
    objective: 99.9
    sli:
      events:
        error_query: sum(rate(http_errors_total{{job="{job}"}}[{{{{.window}}}}]))
        total_query: sum(rate(http_requests_total{{job="{job}"}}[{{{{.window}}}}]))
    alerting: {{name: X, page_alert: {{}}, ticket_alert: {{}}}}
"""


@pytest.mark.parametrize("second_name", ["my-service", "My_Service"])
def test_two_teams_naming_one_service_get_a_spec_each(tmp_path: Path, second_name: str) -> None:
    (tmp_path / "a.yaml").write_text(_sloth("my-service", "{owner: alpha}", "availability", "a"))
    (tmp_path / "b.yaml").write_text(_sloth(second_name, '{owner: beta, tier: "1"}', "avail2", "b"))
    imported, compilation = import_and_compile("sloth", [tmp_path / "a.yaml", tmp_path / "b.yaml"], tmp_path / "o")
    found = {
        s.name: (s.team, [m.render() for m in s.selector], dict(s.labels), [slo.name for slo in s.slos])
        for s in compilation.fleet.services
    }
    assert found == {
        "my-service-alpha": ("alpha", ['job="a"'], {"owner": "alpha"}, ["availability"]),
        "my-service-beta": ("beta", ['job="b"'], {"owner": "beta", "tier": "1"}, ["avail2"]),
    }
    apart = {Path(n.location.file).name: n.message for n in imported.notes if "several owners" in n.message}
    assert set(apart) == {"a.yaml", "b.yaml"}
    assert "imported apart as 'my-service-beta' (team 'beta')" in apart["b.yaml"]


def test_one_team_in_two_files_is_one_service_and_each_file_keeps_its_labels(tmp_path: Path) -> None:
    (tmp_path / "a.yaml").write_text(_sloth("shop", "{owner: web, tier: '1'}", "availability", "shop"))
    (tmp_path / "b.yaml").write_text(_sloth("shop", "{owner: web, tier: '2'}", "checkout", "shop"))
    _, compilation = import_and_compile("sloth", [tmp_path / "a.yaml", tmp_path / "b.yaml"], tmp_path / "o")
    (service,) = compilation.fleet.services
    assert (service.name, service.team, dict(service.labels)) == ("shop", "web", {"owner": "web"})
    assert {slo.name: dict(slo.labels) for slo in service.slos} == {
        "availability": {"tier": "1"},
        "checkout": {"tier": "2"},
    }
    assert [m.render() for m in service.selector] == ['job="shop"']


def test_one_team_in_two_files_with_different_jobs_shares_only_the_common_matchers(tmp_path: Path) -> None:
    (tmp_path / "a.yaml").write_text(_sloth("shop", "{owner: web}", "availability", "shop-a"))
    (tmp_path / "b.yaml").write_text(_sloth("shop", "{owner: web}", "checkout", "shop-b"))
    imported, compilation = import_and_compile("sloth", [tmp_path / "a.yaml", tmp_path / "b.yaml"], tmp_path / "o")
    (service,) = compilation.fleet.services
    assert [m.render() for m in service.selector] == ['job="shop"']  # not a's job="shop-a" for b's SLO
    assert any("share no label matcher" in n.message for n in imported.notes)


def test_a_renamed_service_that_collides_with_another_is_an_error(tmp_path: Path) -> None:
    (tmp_path / "a.yaml").write_text(_sloth("shop", "{owner: web}", "availability", "a"))
    (tmp_path / "b.yaml").write_text(_sloth("shop", "{owner: app}", "availability", "b"))
    (tmp_path / "c.yaml").write_text(_sloth("shop-web", "{owner: other}", "availability", "c"))
    files = [str(tmp_path / n) for n in ("a.yaml", "b.yaml", "c.yaml")]
    with pytest.raises(InputError, match=r"service 'shop-web' is also defined at .*a.yaml:2:1; rename one"):
        import_specs("sloth", files, ImportOptions())


def test_events_slis_say_that_obsc_adds_the_guard_and_the_holds(tmp_path: Path) -> None:
    spec = require_shared("corpus/sloth/examples/getting-started.yml")
    imported, _ = import_and_compile("sloth", [spec], tmp_path)
    (note,) = [n for n in imported.notes if n.path == ("slos",) and "unlike Sloth's" in n.message]
    assert "need min_bad_events failed events in their long window" in note.message
    assert "hold 2m / 15m (pages) and 5m (tickets)" in note.message
    assert "set min_bad_events: 0 on an SLO to page on any failure, as Sloth does" in note.message
    text = imported.specs["myservice.yaml"]
    assert "# Burn alerts of event SLIs also need min_bad_events failures" in text
    spec = yaml.safe_load(text)
    assert all("min_bad_events" not in slo for slo in spec["slos"])  # the platform's default applies
