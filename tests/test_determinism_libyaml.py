"""A spec gets the same verdict on every machine: obsc reads specs with libyaml only. PyYAML's pure-Python reader,
the fallback before, refuses a tab after `key:` that libyaml reads, so the same spec compiled on a laptop and
failed with exit 2 in a CI image whose PyYAML was built without libyaml. Such a PyYAML is now exit 3, named."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import yaml

from tests.conftest import ROOT

_SPEC = """\
apiVersion: obsc/v1
service: tabby
team: edge
selector: {job:\ttabby}
metrics:
  requests:\ttabby_requests_total
  errors: tabby_requests_total{code=~"5.."}
slos:
  - {name: availability, objective: 99.9, sli: {errors: errors, total: requests}}
"""

# run first by the child interpreter: PyYAML as built without libyaml
_WITHOUT_LIBYAML = """\
import yaml
for name in [n for n in dir(yaml) if n.startswith("C") and n[1:2].isupper()]:
    delattr(yaml, name)
yaml.__with_libyaml__ = False
"""


def _compile(tmp_path: Path, without_libyaml: bool) -> subprocess.CompletedProcess[str]:
    specs = tmp_path / "specs"
    specs.mkdir(exist_ok=True)
    (specs / "platform.yaml").write_bytes((ROOT / "specs" / "platform.yaml").read_bytes())
    (specs / "tabby.yaml").write_text(_SPEC)
    site = tmp_path / "site"
    site.mkdir(exist_ok=True)
    (site / "sitecustomize.py").write_text(_WITHOUT_LIBYAML if without_libyaml else "")
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(site), str(ROOT)]))
    out = tmp_path / ("out-pure" if without_libyaml else "out")
    command = [sys.executable, "-m", "compiler", "compile", str(specs), "--out", str(out), "--no-validate", "-q"]
    return subprocess.run(command, cwd=tmp_path, env=env, capture_output=True, text=True, check=False)


def test_a_spec_libyaml_reads_is_not_refused_as_bad_input_without_libyaml(tmp_path: Path) -> None:
    assert yaml.__with_libyaml__, "this test needs libyaml to compare with"
    assert _compile(tmp_path, without_libyaml=False).returncode == 0

    pure = _compile(tmp_path, without_libyaml=True)
    assert pure.returncode == 3, pure.stderr
    assert "PyYAML was built without libyaml" in pure.stderr
    assert "pip install --force-reinstall PyYAML" in pure.stderr
    assert "Traceback" not in pure.stderr
    assert not (tmp_path / "out-pure").exists()
