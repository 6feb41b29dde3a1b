"""A stop (Ctrl-C, SIGTERM) that Python wraps in another exception is still a stop: exit 130, no traceback.

Found by `make test`: Ctrl-C landing while a dataclass was created during obsc's imports reached the top as
`RuntimeError: Error calling __set_name__ ...` (Python 3.11 wraps what `__set_name__` raises), printed a
traceback, and would have read as "internal error" once the command runs.
"""

from __future__ import annotations

import subprocess
import sys

import pytest

from compiler.stops import is_stop
from compiler.ui import failures
from tests.conftest import ROOT


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


# A finder that makes `import compiler.cli` create such a class, as a stop landing mid-import does.
_IMPORT_STOPPED = """
import importlib.abc, importlib.util, sys
class Named:
    def __set_name__(self, owner, name):
        raise KeyboardInterrupt
class Loader(importlib.abc.Loader):
    def create_module(self, spec):
        return None
    def exec_module(self, module):
        type("Ctx", (), {"field": Named()})
class Finder(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path, target=None):
        return importlib.util.spec_from_loader(name, Loader()) if name == "compiler.cli" else None
sys.meta_path.insert(0, Finder())
sys.argv = ["obsc", "--version"]
from compiler.entry import main
main()
"""


def test_a_wrapped_stop_during_the_imports_exits_130_without_a_traceback() -> None:
    done = subprocess.run([sys.executable, "-c", _IMPORT_STOPPED], cwd=ROOT, capture_output=True, text=True)
    assert done.returncode == 130, done.stderr
    assert "Traceback" not in done.stderr


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
