"""Drawn fleets against a real Prometheus holding their series: `obsc verify`'s verdicts judged by an oracle read
from the drawing, not from verify.

Each seed draws a few services (request counters, optionally a histogram, ratio and latency SLOs, a `by:` label)
and, for each service, the series a real server would hold for it over the last 3 hours (one sample a minute, as
the platform declares), either as the spec says or with one drawn mismatch:

- `healthy`: every series as written; `counter_reset`: every counter of the service restarts from 0 once (a
  process restart): neither may give a finding (no false alarm);
- `scaled_down`: one of the two targets (and its series) gone 2 hours ago, the other serving: no finding either;
- `missing_bucket`: the histogram lacks the `le` of the latency SLO's threshold: a finding at that threshold;
- `renamed_label`: the series carry the `by:` label under another name: a finding at that `by:`;
- `renamed_target_label`: the service's metrics carry the selector's `namespace` as `kubernetes_namespace` (`up`
  keeps it): a finding at each metric (and raw SLI total) the SLOs read;
- `stale_target`: the target and its series stopped 2 hours ago: a finding at the selector and at each metric
  (and raw SLI total) the server has no series of in the lookback;
- `ha_copies`: every series twice, `replica="a"` and `"b"` (or `prometheus_replica`: an HA pair read without
  deduplication): a finding at the `sli` of each SLO (each event counted twice).

A batch of seeds shares one Prometheus (the service names carry the seed): the series are backfilled with
`promtool tsdb create-blocks-from openmetrics` and the server started on them. Verify's notes are not judged.

    make drawn-verify SEEDS=1-40            # or: python -m tests.drawn_verify 1-40 [--batch 20]
"""

from __future__ import annotations

import argparse
import math
import random
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from compiler.verify import VerifyOptions, verify
from tests.drawn_fleets import seed_list
from tests.e2e.servers import prometheus

STEP = 60  # one sample a minute: the platform's declared scrape interval (1m, the default)
HISTORY = 3 * 3600
STALE_FOR = 2 * 3600
KINDS = ["healthy", "counter_reset", "scaled_down", "missing_bucket", "renamed_label", "renamed_target_label"]
KINDS += ["stale_target", "ha_copies"]
BUCKETS = [[0.005, 0.025, 0.1, 0.25, 0.5, 1, 2.5, 10], [0.1, 0.3, 1.2, 5], [0.05, 0.2, 0.8]]
PLATFORM = {
    "apiVersion": "obsc/v1",
    "kind": "Platform",
    "teams": {
        "team-a": {
            "routing": {
                "critical": {"webhook": {"url": "https://hooks.example.org/a"}},
                "warning": {"webhook": {"url": "https://hooks.example.org/a"}},
            }
        }
    },
    "receivers": {"fallback": {"webhook": {"url": "https://hooks.example.org/fallback"}}},
    "alertmanager": {"default_receiver": "fallback"},
}
Path_ = tuple[object, ...]


@dataclass
class Drawn:
    """One service as drawn: its spec, the mismatch its series carry, and what the server holds for it."""

    name: str
    spec: dict[str, Any]
    kind: str
    base: str  # the request counter's name
    histogram: str | None
    buckets: list[float]
    threshold: float | None  # the latency SLO's threshold, seconds
    by: str | None
    rps: float
    error_share: float
    namespace: str | None
    replica: str = "replica"  # the external label an HA pair stamps (ha_copies)
    expected: set[Path_] = field(default_factory=set)  # findings the oracle requires


def draw_service(r: random.Random, name: str, mismatch: str | None = None) -> Drawn:
    selector: dict[str, str] = {"job": name}
    namespace = r.choice([None, "prod"])
    if namespace:
        selector["namespace"] = namespace
    base = r.choice(["http_requests_total", f"{name.replace('-', '_')}_requests_total"])
    pin = r.choice(["", 'route!~"/health.*"'])
    join = lambda *parts: ", ".join(p for p in parts if p)  # noqa: E731
    metrics: dict[str, Any] = {"requests": f"{base}{{{pin}}}" if pin else base}
    bad = 'code=~"5.."'
    metrics["errors"] = f"{base}{{{join(pin, bad)}}}"
    histogram, buckets, threshold = None, [], None
    slos: list[dict[str, Any]] = []
    by = "cluster" if r.random() < 0.5 else None
    availability: dict[str, Any] = {"name": "availability", "objective": r.choice([99, 99.5, 99.9])}
    availability["period"] = r.choice(["7d", "28d", "30d"])
    availability["sli"] = {"errors": "errors", "total": "requests"}
    if r.random() < 0.3:  # a raw SLI, its regex escaped as PromQL wants (`\\d`): obsc must ask it as written
        rate = f"sum{' by (cluster)' if by else ''}(rate({base}{{$selector%s}}[$window]))"
        availability["sli"] = {"raw": {"errors": rate % ',code=~"5\\\\d\\\\d"', "total": rate % ""}}
    if by:
        availability["by"] = [by]
    slos.append(availability)
    if r.random() < 0.6 or mismatch == "missing_bucket":
        histogram = r.choice(["http_request_duration_seconds", f"{name.replace('-', '_')}_duration_seconds"])
        buckets = r.choice(BUCKETS)
        hist: dict[str, Any] = {"selector": histogram}
        if r.random() < 0.5:
            hist["buckets"] = buckets
        metrics["latency"] = hist
        threshold = r.choice(buckets[:-1])
        latency = {"name": "latency", "objective": r.choice([95, 99]), "period": availability["period"]}
        latency["sli"] = {"latency": "latency", "threshold": f"{threshold * 1000:g}ms"}
        slos.append(latency)
    spec = {"apiVersion": "obsc/v1", "service": name, "team": "team-a", "selector": selector, "metrics": metrics}
    spec["slos"] = slos
    if histogram and max(buckets) <= 5:
        spec["alerts"] = {"latency_p99": False}  # the built-in 5s line at or over the largest bucket: refused or found
    needs = {"missing_bucket": histogram, "renamed_label": by, "renamed_target_label": namespace}
    kinds = [k for k in KINDS if needs.get(k, True)]
    kind = mismatch or r.choice(kinds)
    drawn = Drawn(name, spec, kind, base, histogram, buckets, threshold, by, r.choice([0.5, 2, 10]), 0.001, namespace)
    drawn.error_share = r.choice([0.0005, 0.002])
    drawn.replica = r.choice(["replica", "prometheus_replica", "rule_replica"])  # each name a pair stamps
    judge(drawn)
    return drawn


def judge(d: Drawn) -> None:
    """The oracle: the findings each mismatch must give (and may give besides), from the drawing alone."""
    gone = {("metrics", m) for m in d.spec["metrics"]}  # series the SLOs read that the server lacks
    if "raw" in d.spec["slos"][0]["sli"]:
        gone.add(("slos", 0, "sli", "raw", "total"))  # (its errors are asked only where the total has series)
    if d.kind == "missing_bucket":
        d.expected = {("slos", 1, "sli", "threshold")}
    elif d.kind == "renamed_label":
        d.expected = {("slos", 0, "by")}
    elif d.kind == "renamed_target_label":
        d.expected = gone
    elif d.kind == "stale_target":
        d.expected = {("selector",)} | gone
    elif d.kind == "ha_copies":
        d.expected = {("slos", i, "sli") for i in range(len(d.spec["slos"]))}


def draw(seed: int) -> list[Drawn]:
    r = random.Random(f"drawn-verify-{seed}")
    return [draw_service(r, f"v{seed}-{n}") for n in range(r.randint(1, 4))]


# -- the series a server holds for a drawn service
def _labels(labels: dict[str, str]) -> str:
    return "{" + ",".join(f'{k}="{v}"' for k, v in sorted(labels.items())) + "}"


def _copies(d: Drawn) -> list[dict[str, str]]:
    return [{d.replica: "a"}, {d.replica: "b"}] if d.kind == "ha_copies" else [{}]


def _share_under(bound: float) -> float:
    """The share of requests at or under `bound` seconds (a median of about 70ms)."""
    return 1 - math.exp(-bound / 0.1)


def service_series(d: Drawn, now: int) -> Iterator[str]:
    start = now - HISTORY
    stale = now - STALE_FOR
    reset = start + HISTORY // 2 if d.kind == "counter_reset" else None
    group_label = "cluster_name" if d.kind == "renamed_label" else "cluster"
    for copy in _copies(d):
        for i, cluster in enumerate(("eu1", "us1")):
            gone = d.kind == "stale_target" or (d.kind == "scaled_down" and i == 1)
            times = range(start, (stale if gone else now) + 1, STEP)
            target = {"job": d.name, "instance": f"{d.name}-{i}:8080", **copy}
            if d.namespace:
                target["namespace"] = d.namespace
            yield from (f"up{_labels(target)} 1 {t}" for t in times)
            own = {**target, group_label: cluster}
            if d.kind == "renamed_target_label":
                own["kubernetes_namespace"] = own.pop("namespace")

            def counter(labels: dict[str, str], per_second: float, times: range = times) -> Iterator[str]:
                for t in times:
                    since = t - reset if reset is not None and t >= reset else t - start
                    yield f"{_labels(labels)} {per_second * since:.3f} {t}"

            for code, share in (("200", 1 - d.error_share), ("500", d.error_share)):
                yield from (d.base + line for line in counter({**own, "code": code}, d.rps * share))
            if d.histogram is None:
                continue
            bounds = [b for b in d.buckets if not (d.kind == "missing_bucket" and b == d.threshold)]
            for bound in bounds:
                le = {**own, "le": f"{bound:g}"}
                yield from (f"{d.histogram}_bucket" + line for line in counter(le, d.rps * _share_under(bound)))
            yield from (f"{d.histogram}_bucket" + line for line in counter({**own, "le": "+Inf"}, d.rps))
            yield from (f"{d.histogram}_count" + line for line in counter(own, d.rps))
            yield from (f"{d.histogram}_sum" + line for line in counter(own, d.rps * 0.1))


# -- a batch: specs, one server, verify per seed, the oracle's verdicts
def write_specs(root: Path, seed: int, services: list[Drawn]) -> Path:
    specs = root / f"seed{seed}"
    specs.mkdir(parents=True)
    (specs / "platform.yaml").write_text(yaml.safe_dump(PLATFORM, sort_keys=False))
    for d in services:
        (specs / f"{d.name}.yaml").write_text(yaml.safe_dump(d.spec, sort_keys=False))
    return specs


def violations(services: list[Drawn], specs: Path, findings: list[tuple[str, Path_, str]]) -> list[str]:
    """What verify said against what the drawing says: a missing expected finding is a false ok, a finding neither
    expected nor allowed a false alarm."""
    out: list[str] = []
    for d in services:
        spec = str(specs / f"{d.name}.yaml")
        said = {path: message for file, path, message in findings if file == spec}
        out += [f"{d.name} {d.kind}: no finding at {list(path)}" for path in sorted(d.expected - set(said), key=str)]
        for path, message in sorted(said.items(), key=str):
            if path not in d.expected:
                out.append(f"{d.name} {d.kind}: false alarm at {list(path)}: {message[:160]}")
    spec_files = {str(specs / f"{d.name}.yaml") for d in services}
    out += [f"elsewhere {file} {list(path)}: {m[:120]}" for file, path, m in findings if file not in spec_files]
    return out


def run_batch(seeds: list[int], work: Path) -> dict[int, tuple[list[Drawn], list[str]]]:
    """Draw each seed, backfill one server with every seed's series, verify each seed's specs against it."""
    now = int(time.time()) // STEP * STEP
    drawn = {seed: draw(seed) for seed in seeds}
    source = work / "history.om"
    with source.open("w") as out:
        for services in drawn.values():
            for d in services:
                out.writelines(line + "\n" for line in service_series(d, now))
        out.write("# EOF\n")
    tsdb = work / "tsdb"
    argv = ["promtool", "tsdb", "create-blocks-from", "openmetrics", "--max-block-duration=4h", str(source), str(tsdb)]
    subprocess.run(argv, check=True, capture_output=True)
    config = work / "prometheus.yml"
    config.write_text(yaml.safe_dump({"global": {"scrape_interval": "1m", "evaluation_interval": "1m"}}))
    results: dict[int, tuple[list[Drawn], list[str]]] = {}
    with prometheus("prometheus", config, tsdb, work, ["--storage.tsdb.retention.time=400d"]) as server:
        for seed, services in drawn.items():
            specs = write_specs(work, seed, services)
            report = verify([str(specs)], VerifyOptions(server.url, retries=0))
            findings = [(f.location.file, tuple(f.path), f.message) for f in report.findings]
            results[seed] = (services, violations(services, specs, findings))
    return results


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("seeds", help="e.g. 1-40 or 3,7,10-12")
    parser.add_argument("--batch", type=int, default=25, help="seeds sharing one Prometheus")
    args = parser.parse_args()
    seeds = seed_list(args.seeds)
    bad = 0
    for i in range(0, len(seeds), args.batch):
        with tempfile.TemporaryDirectory(prefix="drawn-verify-") as tmp:
            for seed, (services, problems) in run_batch(seeds[i : i + args.batch], Path(tmp)).items():
                kinds = ",".join(d.kind for d in services)
                print("\t".join([str(seed), kinds, *problems]), flush=True)
                bad += bool(problems)
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
