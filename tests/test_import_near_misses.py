"""A source field spelled near one the importer looks for (`errorQuery` in a Sloth `prometheus/v1` file, which
spells it `error_query`; `slo:` for `slos:`) is named at its key with the spelling meant: the error for the
missing field pointed at its parent, and a typo'd `slos` imported a service without SLOs. A document with no
SLO to import writes no spec (it wrote one with `slos: []` and every alert off)."""

from __future__ import annotations

from pathlib import Path

import pytest

from compiler import importing
from compiler.errors import InputError
from compiler.importers import ImportOptions, import_specs

QUERIES = """    sli:
      events:
        error_query: sum(rate(http_requests_total{job="api",code=~"5.."}[{{.window}}]))
        total_query: sum(rate(http_requests_total{job="api"}[{{.window}}]))
"""
SLOTH = (
    "version: prometheus/v1\nservice: api\nlabels: {owner: payments}\nslos:\n  - name: availability\n"
    "    objective: 99.9\n" + QUERIES + "    alerting:\n      name: ApiErrors\n"
)


def _import(tmp_path: Path, fmt: str, text: str) -> str:
    source = tmp_path / "source.yaml"
    source.write_text(text)
    with pytest.raises(InputError) as refused:
        import_specs(fmt, [str(source)], ImportOptions())
    return "\n".join(str(d) for d in refused.value.diagnostics)


def test_a_tier_spelled_as_the_kubernetes_resource_spells_it_is_dropped_naming_the_spelling_meant(
    tmp_path: Path,
) -> None:
    """Sloth ignores `pageAlert` in a `prometheus/v1` file (its own `validate/good` files have it), so its page
    stays on, as in obsc; the drop now names the spelling that would have switched it off."""
    source = tmp_path / "source.yaml"
    source.write_text(SLOTH + "      pageAlert: {disable: true}\n")
    imported = import_specs("sloth", [str(source)], ImportOptions())
    assert [str(d) for d in imported.dropped if "pageAlert" in str(d)] == [
        f"{source}:13:7 $.slos[0].alerting.pageAlert: not carried over: unknown field, ignored as written; "
        "did you mean 'page_alert'?"
    ]
    assert "alerts: {critical: true, warning: true, info: false}" in imported.specs["api.yaml"]


def test_the_file_form_in_the_resource_and_the_queries_in_camel_case_name_each_key(tmp_path: Path) -> None:
    text = SLOTH.replace("error_query", "errorQuery").replace("total_query", "totalQuery")
    message = _import(tmp_path, "sloth", text)
    assert (
        "source.yaml:9:9 $.slos[0].sli.events.errorQuery: unknown field 'errorQuery'; did you mean 'error_query'?"
        in message
    )
    assert (
        "source.yaml:10:9 $.slos[0].sli.events.totalQuery: unknown field 'totalQuery'; did you mean 'total_query'?"
        in message
    )
    resource = (
        "apiVersion: sloth.slok.dev/v1\nkind: PrometheusServiceLevel\nmetadata: {name: api}\nspec:\n"
        + "\n".join("  " + line for line in SLOTH.splitlines()[1:])
        + "\n"
    )
    message = _import(tmp_path, "sloth", resource)  # the resource spells them errorQuery, totalQuery
    assert (
        "source.yaml:12:11 $.spec.slos[0].sli.events.error_query: unknown field 'error_query'; "
        "did you mean 'errorQuery'?" in message
    ), message


def test_a_misspelled_slos_or_objective_is_named(tmp_path: Path) -> None:
    message = _import(tmp_path, "sloth", SLOTH.replace("slos:", "slo:"))
    assert "source.yaml:4:1 $.slo: unknown field 'slo'; did you mean 'slos'?" in message, message
    message = _import(tmp_path, "sloth", SLOTH.replace("objective:", "objetive:"))
    assert "source.yaml:6:5 $.slos[0].objetive: unknown field 'objetive'; did you mean 'objective'?" in message, message
    assert "source.yaml:5:5 $.slos[0].objective: an SLO needs an objective" in message, message


def test_a_sloth_document_without_slos_writes_no_spec(tmp_path: Path) -> None:
    message = _import(tmp_path, "sloth", SLOTH.split("slos:")[0] + "slos: []\n")
    assert message == f"{tmp_path}/source.yaml:4:1 $.slos: a Sloth spec needs at least one SLO under slos", message


def test_a_pyrra_indicator_misspelled_is_named(tmp_path: Path) -> None:
    text = (
        "apiVersion: pyrra.dev/v1alpha1\nkind: ServiceLevelObjective\nmetadata: {name: api, namespace: payments}\n"
        "spec:\n  target: '99'\n  window: 28d\n  indicator:\n    ratio:\n"
        '      error: {metric: \'http_requests_total{job="api",code=~"5.."}\'}\n'
        "      total: {metric: 'http_requests_total{job=\"api\"}'}\n"
    )
    message = _import(tmp_path, "pyrra", text)
    assert "source.yaml:9:7 $.spec.indicator.ratio.error: unknown field 'error'; did you mean 'errors'?" in message, (
        message
    )


def test_a_document_whose_every_slo_is_dropped_writes_nothing(tmp_path: Path) -> None:
    source = tmp_path / "source.yaml"
    source.write_text(SLOTH.replace(QUERIES, "    sli:\n      plugin: {id: sloth-common/availability}\n"))
    with pytest.raises(InputError) as refused:
        importing.run("sloth", [str(source)], str(tmp_path / "specs"), team=None, period="30d", force=False)
    messages = [d.message for d in refused.value.diagnostics]
    assert "not carried over: Sloth SLI plugins are Go code obsc cannot run; write the SLI as queries" in messages
    assert not (tmp_path / "specs").exists()
