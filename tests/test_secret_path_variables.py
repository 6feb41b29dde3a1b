"""A secret file path naming a variable is refused wherever the variable stands (round 52, audit52;
secrets.path_problem). Alertmanager 0.25 expands nothing: it reads a file of that literal name.

review53: the errors case spells one variable (`${PD_KEY}`); a lower-case name, a `$(...)` and a variable at the
start of a segment or inside one were each untested, and a pattern narrowed to upper case, to `${`, or matched at the
path's start only passed."""

from __future__ import annotations

import pytest

from compiler.model.secrets import path_problem

ROOT = "/etc/alertmanager/secrets/team-t1/"


@pytest.mark.parametrize("name", ["$pd_key", "${pd_key}", "$(PD_KEY)", "$_KEY", "key-$HOST", "${Key}.txt"])
def test_a_variable_anywhere_in_the_path_is_refused(name: str) -> None:
    assert "names a variable" in (path_problem(ROOT + name) or "")


@pytest.mark.parametrize("name", ["key", "cost$", "price-$5", "a$-b"])
def test_a_dollar_that_names_no_variable_is_a_plain_name(name: str) -> None:
    assert path_problem(ROOT + name) is None
