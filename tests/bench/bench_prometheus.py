"""Prometheus target benchmark (`python -m tests.bench.bench_prometheus`).

A fleet of N services × 3 SLOs with every key-metric alert: wall time of `obsc compile --no-validate`,
of `promtool check rules` over the whole fleet (one call), of `promtool test rules` over a sample of
services (one call, extrapolated to the fleet), and rules per SLO.

Not a test: nothing here asserts. Figures compare commits on one machine.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[2]
SERVICES = int(os.environ.get("OBSC_BENCH_SERVICES", "1000"))
TESTED = int(os.environ.get("OBSC_BENCH_TESTED_SERVICES", "20"))  # promtool test sample size

PLATFORM = """\
apiVersion: obsc/v1
kind: Platform
runbook_url: https://runbooks.example/{path}
grafana_url: https://grafana.example
defaults:
  period: 30d
  metrics:
    cpu: sum(rate(container_cpu_usage_seconds_total{$selector}[5m])) / sum(kube_pod_cpu_limits{$selector})
    memory: sum(container_memory_working_set_bytes{$selector}) / sum(machine_memory_bytes{$selector})
  routing:
    critical: {webhook: {url: "http://127.0.0.1:9/critical"}}
    warning: {webhook: {url: "http://127.0.0.1:9/warning"}}
    info: {webhook: {url: "http://127.0.0.1:9/info"}}
"""

SERVICE = """\
apiVersion: obsc/v1
service: {name}
team: team-{team}
selector: {{job: {name}}}
metrics:
  requests: http_requests_total
  errors: http_requests_total{{code=~"5.."}}
  latency: http_request_duration_seconds
  build_info: app_build_info
  disk: 1 - sum(node_filesystem_avail_bytes{{$selector}}) / sum(node_filesystem_size_bytes{{$selector}})
slos:
  - {{name: availability, objective: 99.9, sli: {{errors: errors, total: requests}}, min_traffic: 1/m}}
  - {{name: latency, objective: 99, sli: {{latency: latency, threshold: 300ms}}}}
  - name: jobs
    objective: 99.5
    period: 28d
    sli:
      raw:
        errors: sum(rate(jobs_total{{$selector,outcome="failed"}}[$window]))
        total: sum(rate(jobs_total{{$selector}}[$window]))
alerts:
  error_rate: {{critical: 10%, warning: 2%}}
  latency_p99: {{critical: 2s, warning: 800ms}}
"""


def write_fleet(root: Path, services: int) -> Path:
    specs = root / "specs"
    specs.mkdir(parents=True)
    (specs / "platform.yaml").write_text(PLATFORM)
    for i in range(services):
        name = f"svc-{i:04d}"
        (specs / f"{name}.yaml").write_text(SERVICE.format(name=name, team=i % 20))
    return specs


def timed(argv: list[str], cwd: Path) -> tuple[float, subprocess.CompletedProcess[str]]:
    start = time.perf_counter()
    done = subprocess.run(argv, cwd=cwd, capture_output=True, text=True)
    return time.perf_counter() - start, done


def rules_per_slo(rule_file: Path) -> Counter[str]:
    data = yaml.safe_load(rule_file.read_text())
    return Counter(r["labels"]["slo"] for g in data["groups"] for r in g["rules"] if "slo" in r.get("labels", {}))


def main() -> None:
    promtool = os.environ.get("PROMTOOL") or shutil.which("promtool")
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        specs = write_fleet(root, SERVICES)
        out = root / "out"
        wall, done = timed(
            [sys.executable, "-m", "compiler", "compile", str(specs), "--out", str(out), "--no-validate"], ROOT
        )
        if done.returncode != 0:
            print(f"compile failed: {done.stderr[-2000:]}")
            return
        rule_files = sorted((out / "prometheus/rules").glob("*.yaml"))
        rules = sum(
            1
            for f in rule_files
            for line in f.read_text().splitlines()
            if line.lstrip().startswith(("- record:", "- alert:"))
        )
        print(f"compile {SERVICES} services x 3 SLOs, full key-metric alerts (--no-validate): {wall:.2f}s")
        per_slo = rules_per_slo(rule_files[0])
        print(f"  {rules} rules in {len(rule_files)} files; rules per SLO (alerts included): {dict(per_slo)}")
        if promtool is None:
            print("  promtool not installed: check/test figures skipped")
            return
        relative = [str(f.relative_to(out)) for f in rule_files]
        wall, done = timed([promtool, "check", "rules", *relative], out)
        print(f"promtool check rules, {len(relative)} files in one call: {wall:.2f}s (exit {done.returncode})")
        sample = sorted(str(p.relative_to(out)) for p in (out / "prometheus/tests").glob("*.test.yaml"))
        services = sorted({Path(p).name.split(".")[0] for p in sample})[:TESTED]
        chosen = [p for p in sample if Path(p).name.split(".")[0] in services]
        wall, done = timed([promtool, "test", "rules", *chosen], out)
        per_service = wall / max(1, len(services))
        print(
            f"promtool test rules, {len(services)} services ({len(chosen)} files) in one call: {wall:.2f}s "
            f"(exit {done.returncode}); {per_service:.2f}s per service, ~{per_service * SERVICES / 60:.0f} min "
            f"for all {SERVICES}"
        )


if __name__ == "__main__":
    main()
