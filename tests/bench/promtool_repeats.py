"""How often the suite hands promtool an input it already ran, and what those repeats cost: the measure a verdict
memo for identical promtool inputs would have to beat (issue 15).

A wrapper put first on PATH (and as $PROMTOOL) runs the real promtool and logs, per call, a digest of its input
with paths set aside (the arguments that are not files; each file named by its bytes and, for `test rules`, by the
bytes of the rule files it loads), promtool's own CPU-s (wait4) and the test that called it ($PYTEST_CURRENT_TEST,
which xdist workers pass to their children). A call whose digest an earlier call logged is a repeat: a memo keyed
by those bytes could have answered it. The wrapper is a Python process of its own (~0.03 CPU-s a call), so the
run's own figures are not the suite's; the summary counts promtool's CPU only.

Round 52 (2026-12-06 23:19-23:49, load 35-54, 2 cores shared; `-n 2`): test_prometheus_mutations,
test_promtool_long, test_slo_properties and the slice, traffic, openslo, group-silent and burn-gap replays (115
passed; test_sloth_behaviour's 9 skipped without ../shared) made 179 promtool calls, 324.5 CPU-s. 3 repeated an
earlier call's input, 0.30 CPU-s (0.1%): test_prometheus_mutations' unlabelled-total tests running the unmutated
file again, and one test_traffic_stopped call. The wrapper costs ~0.034 CPU-s a call, more than a memo would save.

    python -m tests.bench.promtool_repeats OUT -- -n 2 tests/test_promtool_long.py
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

# Run with `python -S`: stdlib only, so that each call costs as little as the wrapper can.
_WRAPPER = r'''#!{python} -S
import glob, hashlib, os, sys

REAL, LOG = {real!r}, {log!r}


def loaded_by(test):
    """The rule files a promtool test file loads (its `rule_files:` list, block or flow), relative to the file."""
    names, inside, base = [], False, os.path.dirname(test)
    with open(test, encoding="utf-8", errors="replace") as handle:
        lines = handle.read().splitlines()
    for line in lines:
        if line.startswith("rule_files:"):
            rest = line[len("rule_files:"):].strip()
            names += [n.strip().strip("'\"") for n in rest.strip("[]").split(",") if n.strip()] if rest else []
            inside = not rest
        elif inside and line.lstrip().startswith("- "):
            names.append(line.lstrip()[2:].strip().strip("'\""))
        elif inside and line.strip() and not line.startswith((" ", "-")):
            inside = False
    return [f for n in names for f in sorted(glob.glob(os.path.join(base, n))) or [os.path.join(base, n)]]


def bytes_of(path):
    try:
        with open(path, "rb") as handle:
            return hashlib.sha256(handle.read()).digest()
    except OSError:
        return b"missing " + path.encode()


args = sys.argv[1:]
whole = hashlib.sha256(repr([a for a in args if not os.path.isfile(a)]).encode())
testing = args[:2] == ["test", "rules"]
for name in (a for a in args if os.path.isfile(a)):
    whole.update(bytes_of(name))
    for rules in loaded_by(name) if testing else ():
        whole.update(bytes_of(rules))
child = os.fork()
if child == 0:
    os.execv(REAL, [REAL, *args])
_, status, usage = os.wait4(child, 0)
test = os.environ.get("PYTEST_CURRENT_TEST", "-").split(" ")[0]
with open(LOG, "a", encoding="utf-8") as log:
    log.write(f"{{whole.hexdigest()}}\t{{usage.ru_utime + usage.ru_stime:.3f}}\t{{' '.join(args[:2])}}\t{{test}}\n")
code = os.waitstatus_to_exitcode(status)
sys.exit(code if code >= 0 else 128 - code)
'''


def install(folder: Path, real: str) -> tuple[Path, Path]:
    """The wrapper (as `folder/bin/promtool`, running `real`) and the log it appends to."""
    (folder / "bin").mkdir(parents=True, exist_ok=True)
    wrapper, log = folder / "bin" / "promtool", folder / "calls.log"
    wrapper.write_text(_WRAPPER.format(python=sys.executable, real=real, log=str(log)), encoding="utf-8")
    wrapper.chmod(0o755)
    return wrapper, log


@dataclass(frozen=True)
class Repeats:
    calls: int
    cpu: float
    repeated: int
    repeated_cpu: float
    by_module: tuple[tuple[str, int, float], ...]  # module, repeated calls, their CPU-s; costliest first


def summarise(log: Path) -> Repeats:
    """The calls of a wrapper's log, and those whose input an earlier call had."""
    seen: set[str] = set()
    rows = [line.split("\t") for line in log.read_text(encoding="utf-8").splitlines()]
    module_calls: Counter[str] = Counter()
    module_cpu: dict[str, float] = {}
    for digest, spent, _, test in rows:
        if digest in seen:
            module = test.split("::")[0]
            module_calls[module] += 1
            module_cpu[module] = module_cpu.get(module, 0.0) + float(spent)
        seen.add(digest)
    by_module = tuple((m, module_calls[m], spent) for m, spent in sorted(module_cpu.items(), key=lambda ms: -ms[1]))
    cpu = sum(float(spent) for _, spent, _, _ in rows)
    return Repeats(len(rows), cpu, sum(module_calls.values()), sum(module_cpu.values()), by_module)


def report(repeats: Repeats) -> str:
    share = repeats.repeated_cpu / repeats.cpu if repeats.cpu else 0.0
    lines = [
        f"promtool calls {repeats.calls}, {repeats.cpu:.1f} CPU-s; repeating an earlier call's input: "
        f"{repeats.repeated}, {repeats.repeated_cpu:.2f} CPU-s ({share:.1%})"
    ]
    lines += [f"  {module}: {count} calls, {spent:.2f} CPU-s" for module, count, spent in repeats.by_module]
    return "\n".join(lines)


def main(argv: Sequence[str]) -> int:
    if len(argv) < 2 or argv[1] != "--":
        print(__doc__.strip().splitlines()[-1].strip(), file=sys.stderr)
        return 2
    real = os.environ.get("PROMTOOL") or shutil.which("promtool")
    if not real:
        print("promtool is not installed", file=sys.stderr)
        return 2
    out = Path(argv[0]).resolve()
    wrapper, log = install(out, real)
    env = {**os.environ, "PATH": f"{wrapper.parent}{os.pathsep}{os.environ.get('PATH', '')}", "PROMTOOL": str(wrapper)}
    code = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", *argv[2:]], env=env
    ).returncode
    if log.exists():
        print(report(summarise(log)))
    return code


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
