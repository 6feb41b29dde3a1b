"""The tests' memo of amtool routing answers (tests/routing_memo.py) recalls an answer only for the same binary,
the same config bytes and the same labels and receivers: any other byte is replayed."""

from __future__ import annotations

from pathlib import Path

import pytest

from compiler.toolcheck import amtool_routes
from compiler.toolcheck.amtool_routes import Case
from tests.routing_memo import remembered_routes


def test_an_answer_is_recalled_only_for_the_same_binary_bytes_labels_and_receivers(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    asked: list[tuple[str, str, Case]] = []

    def route_once(amtool: str, config: Path, case: Case) -> tuple[bool, str]:
        asked.append((amtool, config.read_text(), case))
        return True, case.receivers[0]

    monkeypatch.setattr(amtool_routes, "route_once", route_once)
    binary, other_binary = str(tmp_path / "amtool"), str(tmp_path / "amtool-2")
    config = tmp_path / "alertmanager.yml"
    config.write_text("route: {receiver: r}\n")
    case = Case("svc", "A", (("team", "t"),), ("r",))
    with remembered_routes():
        assert amtool_routes.route_once(binary, config, case) == (True, "r")
        assert amtool_routes.route_once(binary, tmp_path / "alertmanager.yml", case) == (True, "r")  # recalled
        assert amtool_routes.route_once(binary, config, Case("other", "B", case.labels, ("r",))) == (True, "r")
        assert len(asked) == 1  # only the row's name differed: amtool is not given it
        amtool_routes.route_once(other_binary, config, case)
        amtool_routes.route_once(binary, config, Case("svc", "A", (("team", "u"),), ("r",)))
        amtool_routes.route_once(binary, config, Case("svc", "A", case.labels, ("q",)))
        config.write_text("route: {receiver: q}\n")
        amtool_routes.route_once(binary, config, case)
    assert [(a[0], a[2].labels, a[2].receivers) for a in asked[1:]] == [
        (other_binary, (("team", "t"),), ("r",)),
        (binary, (("team", "u"),), ("r",)),
        (binary, (("team", "t"),), ("q",)),
        (binary, (("team", "t"),), ("r",)),
    ]
    assert asked[-1][1] == "route: {receiver: q}\n"
    assert amtool_routes.route_once is route_once  # put back after the block
