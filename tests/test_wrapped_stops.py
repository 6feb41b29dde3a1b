"""A stop (Ctrl-C, SIGTERM) that Python wraps in another exception is still a stop: exit 130, no traceback.

Found by `make test`: Ctrl-C landing while a dataclass was created during obsc's imports reached the top as
`RuntimeError: Error calling __set_name__ ...` (Python 3.11 wraps what `__set_name__` raises), printed a
traceback, and would have read as "internal error" once the command runs. (Since round 21 a stop during the
imports ends obsc at once, raising nothing: tests/test_stop_at_start.py.)
"""

from __future__ import annotations

import pytest

from compiler.stops import is_stop
from compiler.ui import failures


class _StopsWhenNamed:
    def __set_name__(self, owner: type, name: str) -> None:
        raise KeyboardInterrupt


def _wrapped_stop() -> BaseException:
    try:
        type("Ctx", (), {"field": _StopsWhenNamed()})
    except BaseException as error:  # the wrapper is what this helper returns
        return error
    raise AssertionError("class creation did not raise")


def test_python_wraps_a_stop_raised_while_a_class_is_created() -> None:
    error = _wrapped_stop()
    assert not isinstance(error, KeyboardInterrupt)  # on 3.11 a RuntimeError caused by it
    assert is_stop(error)
    assert not is_stop(RuntimeError("a bug")) and not is_stop(ValueError())


def test_a_wrapped_stop_while_a_command_runs_is_an_interruption_not_a_bug(
    capsys: pytest.CaptureFixture[str],
) -> None:
    def invoke(settings: object) -> None:
        raise _wrapped_stop()

    with pytest.raises(SystemExit) as exit_:
        failures.run(invoke, [])
    assert exit_.value.code == 130
    err = capsys.readouterr().err
    assert "interrupted" in err and "internal error" not in err
