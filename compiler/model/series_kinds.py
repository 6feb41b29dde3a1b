"""What a series is by its name: the conventions client libraries follow, and recording rules' rates, ratios and
averages (`job:http_requests:rate5m`), which are not counters.

obsc reads a counter by its rate of change. A recorded rate declared `type: counter` (as the untyped-requests error
offered) was read that way too: a rate of steady traffic changes by about 0, so a total outage never paged, and noisy
traffic read its ups as events. Prometheus names recorded series `level:metric:operations`; the operations part says
whether a running total is left."""

from __future__ import annotations

import re

# An operation after which the series counts no running total: a rate (per second), an increase over a window
# (which falls as well as rises), a ratio, a change or an average. A duration may follow (`rate5m`, `increase1h`).
_NOT_A_TOTAL = re.compile(r"(?:i?rate|increase|ratio|i?delta|deriv|avg|mean)(?:\d+[smhdwy])*")
_WINDOWED = re.compile(r"\d+[smhdwy]$")
_COUNTER_SUFFIXES = ("_total", "_count", "_sum")  # a name ending like a counter is read as one


def recorded_operation(series: str) -> str | None:
    """The operation in `series`'s recording-rule name that leaves no running total (`rate5m`), else None. A name
    without colons (`job_http_requests_rate5m`: not every team writes the convention) is read by its last part
    only, and only with a window: `sample_rate` or `cache_hit_ratio` may be anything."""
    if series.endswith(_COUNTER_SUFFIXES):
        return None
    if ":" not in series:
        head, _, last = series.rpartition("_")
        return last if head and _NOT_A_TOTAL.fullmatch(last) and _WINDOWED.search(last) else None
    operations = series.rsplit(":", 1)[1]
    return next((part for part in operations.split("_") if _NOT_A_TOTAL.fullmatch(part)), None)


# A CloudWatch exporter's series (the Prometheus project's cloudwatch_exporter and YACE name them alike):
# `aws_<namespace>_<metric>_<statistic>`, a gauge of one period's statistic (the requests of that minute), never
# a running total, and absent for a period without datapoints. Its `_sum` ends like a histogram's counter, so a
# ratio SLI read it with rate(): about 0 while the count held steady (a whole outage at a steady request rate never
# paged, promtool, round 40) and every dip read as a counter reset.
_CLOUDWATCH_STATISTIC = re.compile(r"aws_\w+?_(sum|sample_count|average|maximum|minimum|p\d+(?:_\d+)?)")
_CLIENT_HISTOGRAM = re.compile(r"\w+_(seconds|bytes)_sum")  # an SDK's own histogram (`aws_..._seconds_sum`)


def cloudwatch_statistic(series: str) -> str | None:
    """The statistic a CloudWatch exporter's series holds per period (`sum`), else None."""
    match = _CLOUDWATCH_STATISTIC.fullmatch(series)
    return match.group(1) if match and not _CLIENT_HISTOGRAM.fullmatch(series) else None


def _cloudwatch_problem(series: str, read_by_sli: bool, errors: bool) -> str | None:
    statistic = cloudwatch_statistic(series)
    if statistic is None:
        return None
    said = (
        f"{series} is a CloudWatch exporter's {statistic} per period (aws_<namespace>_<metric>_<statistic>), a gauge, "
        "not a counter: obsc reads a counter by its per-second rate of change, which is 0 while the per-period "
        "value holds steady, so a whole outage at a steady request rate would never page"
    )
    if not read_by_sli:
        return f"{said}; say `type: gauge` to compare it as it is"
    summed = f"'sum(sum_over_time({series}{{$selector}}[$window] offset 10m))'"
    raw = f"errors: {summed}, total: ..." if errors else f"errors: ..., total: {summed}"
    return (
        f"{said}; add its periods up in a raw SLI, sli: {{raw: {{{raw}, per: window}}}} (the sums are events per "
        "window: obsc divides them by the window's seconds), the offset being the exporter's delay_seconds (its "
        "samples carry the period's time, minutes in the past: without it the 5m windows read nothing); "
        "docs/slo-kinds.md has the recipe"
    )


def recorded_counter_problem(series: str, read_by_sli: bool, errors: bool = False) -> str | None:
    """Why `series`, read as a counter, is not one; `read_by_sli`: an SLI counts its events (requests, errors, a
    ratio SLI's good or total), so the way on is a raw SLI over the recorded values (`errors`: as its errors, else
    as its total), else `type: gauge`."""
    if cloudwatch := _cloudwatch_problem(series, read_by_sli, errors):
        return cloudwatch
    operation = recorded_operation(series)
    if operation is None:
        return None
    said = (
        f"{series} is named as a recording rule's {operation} (level:metric:operations), not a counter: obsc reads a "
        "counter by its per-second rate of change, which is about 0 while the recorded value holds steady, so an "
        "outage would never page"
    )
    if read_by_sli:
        mean = f"'sum(avg_over_time({series}{{$selector}}[$window]))'"
        raw = f"errors: {mean}, total: ..." if errors else f"errors: ..., total: {mean}"
        return (
            f"{said}; name the counter it is recorded from, or read the recorded values as they are in a raw SLI: "
            f"sli: {{raw: {{{raw}}}}}"
        )
    return f"{said}; say `type: gauge` to compare it as it is, or name the counter it is recorded from"


def recorded_histogram_problem(series: str) -> str | None:
    """Why a histogram named as a recording rule's output cannot be read as one: obsc reads `<name>_bucket{le}` and
    `<name>_count` and takes their rates. A recorded bucket series (`job:x_seconds_bucket:rate5m`) or a recorded
    rate (`job:x_seconds:rate5m`) has no such series, so its SLI read nothing (only SLODataMissing said so, at run
    time) and its p99 page, without a latency SLO, nothing at all. Two parts (`cluster:x_seconds`) may be
    `level:metric`, summed buckets kept as counters (`cluster:x_seconds_bucket`): read as written, unless the
    first part is itself a bucket or count series (`x_seconds_bucket:sum`) or the second one operation
    (`x_seconds:rate5m`)."""
    parts = series.split(":")
    if len(parts) < 2:
        return None
    base = re.sub(r"_(bucket|count|sum)$", "", parts[-2])
    whole = parts[-1] if _NOT_A_TOTAL.fullmatch(parts[-1]) else None  # `x_seconds:rate5m`, not `cluster:x_rate_seconds`
    operation = recorded_operation(series) if len(parts) > 2 else whole
    if base == parts[-2] and operation is None:
        return None
    what = f"its operation {operation}" if operation else f"its metric a histogram's {parts[-2].removeprefix(base)}"
    return (
        f"{series} is named as a recording rule's output (level:metric:operations, {what}), not a histogram: obsc "
        f"reads a histogram by its base name, as {series}_bucket and {series}_count counters and their rates, "
        "which match nothing here, so its SLI and p99 would have no data (a p99 alert without a latency SLO would "
        f"say nothing); name the histogram it is recorded from ({base or 'its base name'}), or read the recorded "
        "buckets in a raw SLI (sli: {raw: {errors: ..., total: ...}})"
    )


def kind_by_name(name: str) -> str | None:
    """What a series is by the naming conventions every client library follows. `_count` and `_sum` are a
    histogram's or summary's counters, and also exporters' gauges (`pg_stat_activity_count`): neither is
    assumed (deriv() of that gauge is right, and was refused), but neither is a bucket. A recorded rate, ratio or
    mean (`job:http_requests:rate5m`) is no counter: rate() of it reads about 0 while traffic is steady."""
    if name.endswith("_total"):
        return "counter"
    if name.endswith(("_count", "_sum")):
        return "_count or _sum series"
    if name.endswith("_bucket"):
        return "bucket"
    return "recorded rate" if recorded_operation(name) else None
