"""PromQL for the model's metrics and SLIs, written once for every target that queries them.

Rates are summed over the whole service (`sum(rate(...))`) so a ratio is traffic-weighted across
instances. The window is text so callers can pass `5m` or Grafana's `$__rate_interval`.
"""

from __future__ import annotations

from decimal import Decimal

from compiler.conventions import LABEL_SERVICE, LABEL_SLO
from compiler.model import slice_queries
from compiler.model.groups import by_clause
from compiler.model.le_spellings import le_matcher
from compiler.model.promql import Matcher, Selector, expand, without_nan
from compiler.model.promql_feed import fed_counters
from compiler.model.promql_regex import full_match
from compiler.model.raw_windows import events_per_second
from compiler.model.scrape_windows import bucket_missed_scrapes
from compiler.model.types import Metric, MetricType, Service, Sli, SliKind
from compiler.model.units import HISTOGRAM_SECONDS, decimal_text

OBSC_SLO_LABELS = (LABEL_SERVICE, LABEL_SLO)  # an SLO record's own labels, overwriting a histogram's


def rate(metric: Metric, window: str, suffix: str = "", by: str = "") -> str:
    """`sum(rate(name{...}[w]))` (the metric's aggregation) for a selector metric, or its expression with
    $window filled."""
    grouping = f" by ({by})" if by else ""
    if metric.selector is not None:
        name = metric.selector.metric + suffix
        return f"{metric.aggregation.value}{grouping}(rate({metric.selector.render(name)}[{window}]))"
    return f"({expand(metric.expr or '', (), window)})"


def failed_share(errors: str, requests: str, between: str = " ") -> str:
    """Share of requests that failed, as the error-rate alert records it and the dashboard plots it: an errors
    series that does not exist yet is 0 failures (client libraries create `code="500"` on the first one), and
    no traffic is no share (not 0/0). `errors` and `requests` are rates as PromQL text."""
    return f"({errors} or 0 * {requests}){between}/{between}({requests} > 0)"


def value(metric: Metric, window: str) -> str:
    """What a metric looks like on a graph: a rate for counters, the expression for gauges."""
    if metric.type is MetricType.COUNTER:
        return rate(metric, window)
    if metric.selector is not None:
        return f"{metric.aggregation.value}({metric.selector.render()})"
    return f"({expand(metric.expr or '', (), window)})"


def quantile(histogram: Metric, q: str, window: str) -> str:
    """`histogram_quantile(q, ...)` over a histogram's buckets summed across instances (`q` as text: 0.99), in
    seconds when the histogram declares a smaller time unit (a `ms` histogram's quantiles are milliseconds).
    Where no `+Inf` bucket exists (a bucket list kept by a relabelling, `le=~"0.1|0.25|1"`, or a hand-written
    exporter) the `_count` stands in for it, as it is that bucket by definition: histogram_quantile is NaN for
    every quantile without it. The p99 alerts and the panels they open read this same text (round 31: the
    panels kept the plain buckets, so a p99 page opened a latency panel without a line)."""
    buckets = rate(histogram, window, "_bucket", "le")
    if histogram.selector is not None:
        count = rate(histogram, window, "_count")
        sel = histogram.selector
        infinite = f"sum(rate({sel.render(sel.metric + '_bucket', (INFINITE_LE,))}[{window}]))"
        buckets = f'{buckets} or (label_replace({count}, "le", "+Inf", "", "") unless on () {infinite})'
    return quantile_in_seconds(histogram, f"histogram_quantile({q}, {buckets})")


# The infinite bucket however an exporter spells it: histogram_quantile reads `le` with Go's ParseFloat, which takes
# `+Inf`, `Inf`, `inf` and `infinity` alike, so the `_count` may stand in only where none of them is there. Matched
# as `le="+Inf"` alone, an `Inf` bucket and the stand-in were two infinite buckets that histogram_quantile added
# up: twice the requests, and every quantile read the highest finite bound (round 52: a healthy service's p99
# at 2.5s, ServiceHighLatencyP99 firing while every request took 50ms).
INFINITE_LE = Matcher("le", "=~", r"\+?(?i:inf|infinity)")


def quantile_in_seconds(histogram: Metric, text: str) -> str:
    """A quantile of `histogram` (PromQL `text`) in seconds, as every latency line and threshold is: a `ms`
    histogram's quantile is multiplied by 0.001."""
    scale = HISTOGRAM_SECONDS.get(histogram.unit, Decimal(1))
    return text if scale == 1 else f"{text} * {decimal_text(scale)}"


def sli_errors(sli: Sli, window: str, by: tuple[str, ...] = (), recorded: str = "") -> str:
    """Rate of bad events over `window` (per group of `by`, a grouped SLO's labels; time slices: the bad bit
    now; error_ratio: the ratio; `recorded`: see spanning_bucket_rate)."""
    if sli.kind in (SliKind.TIME_SLICE, SliKind.FRESHNESS):
        return slice_queries.bad_slice(sli)
    if sli.kind is SliKind.ERROR_RATIO:
        return slice_queries.error_ratio(sli, window)
    if sli.kind is SliKind.RAW:
        return f"({events_per_second(expand(sli.raw_errors or '', (), window), window, sli.raw_per_window)})"
    if sli.kind is SliKind.LATENCY:
        assert sli.latency is not None and sli.latency.selector is not None and sli.threshold_le is not None
        slow = f"{latency_count_rate(sli, window)} - {spanning_bucket_rate(sli, window, recorded)}"
        return f"sum{by_clause(by)}(clamp_min({slow}, 0))"
    if sli.errors is not None:
        return rate(sli.errors, window, by=", ".join(by))
    assert sli.good is not None and sli.total is not None
    # A good-events series that does not exist counts no good events: client libraries create a labelled
    # series (code="200") on its first event, so a fresh pod failing every request has none (read as absent,
    # the difference was empty and the ratio 0: an outage looked healthy).
    total, good = rate(sli.total, window, by=", ".join(by)), rate(sli.good, window, by=", ".join(by))
    if not may_stray(sli, by):
        return f"({total} - ({good} or 0 * {total}))"
    # ...but not when good events exist in a group no total has (a good counter without the group label sums
    # to route=""): a group without good series then says nothing about its own failures, and reading it as
    # all bad paged every group of a healthy service. Its errors stay unrecorded (read as 0) and SLODataMissing
    # says why; a new route failing every request beside correctly labelled good series still reads all bad.
    return f"({total} - ({good} or (0 * {total} unless on () ({good} unless on ({', '.join(by)}) {total}))))"


def may_stray(sli: Sli, by: tuple[str, ...]) -> bool:
    """Whether a grouped SLI's good or bad events can fall in a group no total-events series has: a raw SLI, or
    a good or errors selector whose series are not all total series too (another metric, or a total matcher
    it lacks). Over one metric a series without the group label is in both, so its group has a total."""
    if not by or sli.kind not in (SliKind.RATIO, SliKind.RAW):
        return False
    outcome = sli.errors or sli.good
    if sli.kind is SliKind.RAW or outcome is None or outcome.selector is None or sli.total is None:
        return True
    total = sli.total.selector
    return (
        total is None
        or total.metric != outcome.selector.metric
        or not set(total.matchers) <= set(outcome.selector.matchers)
    )


def stray_outcome(service: Service, sli: Sli, window: str, by: tuple[str, ...]) -> str:
    """The good (or bad) events of a grouped SLI per group that no total-events group has: a counter without the
    group label (its series sum to route="") or a relabelling that rewrites it. They count for no group."""
    if sli.kind is SliKind.RAW:
        outcome, total = sli_rates(service, sli, window, by)
    else:
        part = sli.errors or sli.good
        assert part is not None and sli.total is not None
        outcome, total = rate(part, window, by=", ".join(by)), rate(sli.total, window, by=", ".join(by))
    return f"{outcome} unless on ({', '.join(by)}) {total}"


def unlabelled_labels(sli: Sli) -> tuple[str, ...]:
    """Labels whose absence puts a total-events series outside a ratio SLI's good selector of the same metric:
    one instance writing `status="ok"` for `result="ok"` (or `code` for `grpc_code`) is counted in the total and
    never as good, so a healthy instance burns the budget. A label is one when a series without it (Prometheus
    reads it as "") fails a good matcher and passes every total matcher on it; a pattern the RE2 checker
    refuses claims nothing. () for another metric, or only matchers an absent label passes (`=~".*"`, `!="x"`).

    The errors side is not probed: a total series outside the errors selector is a success, and OpenTelemetry
    writes attributes such as `error.type` on failures alone, so a series without that label is the normal case
    (a probe there would page every correct fleet)."""
    if sli.kind is not SliKind.RATIO or sli.good is None or sli.total is None:
        return ()
    good, total = sli.good.selector, sli.total.selector
    if good is None or total is None or good.metric != total.metric:
        return ()
    return tuple(
        sorted(
            {
                m.label
                for m in good.matchers
                if _absent_passes(m) is False
                and all(_absent_passes(t) is True for t in total.matchers if t.label == m.label)
            }
        )
    )


# What tells one writer of a series from another: its scrape target. A pod writing another label name has
# none of its series with the good label; a correct one may have some without it beside labelled ones.
WRITER_LABELS = ("job", "instance")


def unlabelled_total(sli: Sli, window: str) -> str | None:
    """Total-events series with traffic over `window` without a label of `unlabelled_labels`, from a scrape
    target (WRITER_LABELS) none of whose total series has it (each label apart, joined by `or`); None when
    there is none.

    Only whole targets: OpenTelemetry writes `http.response.status_code` only when a response was received
    or sent, so a correct client or server also has series without it (a timeout, a refused connection,
    with `error.type`); they are failures the ratio counts as such, not another label name. A target with
    the label on none of its series is what an instance writing another name looks like."""
    total = sli.total.selector if sli.total is not None else None
    labels = unlabelled_labels(sli)
    if total is None or not labels:
        return None
    writers = ", ".join(WRITER_LABELS)
    probes = [
        f"(rate({total.render(extra=(Matcher(label, '=', ''),))}[{window}]) > 0"
        f" unless on ({writers}) {total.render(extra=(Matcher(label, '!=', ''),))})"
        for label in labels
    ]
    return " or ".join(probes)


def errors_family(sli: Sli, selector: tuple[Matcher, ...]) -> Selector | None:
    """A failures counter of its own name (`checkout_failures_total` over `http_requests_total`), in a ratio SLI
    or a raw one's errors query, with only the matchers it shares with its total (ratio) or the service
    (raw): renamed away, its rate read as no failures and nothing said so. None when the errors are the
    total's own metric (they vanish with it), share no matcher with it (which series are this service's
    cannot be told), or a raw query reads anything but one counter's rate (what it needs cannot be told)."""
    found = _errors_and_family(sli, selector)
    return None if found is None else found[1]


def _errors_and_family(sli: Sli, selector: tuple[Matcher, ...]) -> tuple[tuple[Matcher, ...], Selector] | None:
    """(the errors selector's matchers, errors_family) or None."""
    if sli.kind is SliKind.RAW:
        errors = fed_counters(expand(sli.raw_errors or "", selector, "5m"))
        totals = fed_counters(expand(sli.raw_total or "", selector, "5m"))
        if errors is None or totals is None or len(errors) != 1 or errors[0][0] in {m for m, _ in totals}:
            return None
        metric, matchers = errors[0]
        own = tuple(m for m in matchers if m in selector)
        return (matchers, Selector(metric, own)) if own else None
    if sli.kind is not SliKind.RATIO or sli.errors is None or sli.total is None:
        return None
    part, total = sli.errors.selector, sli.total.selector
    if part is None or total is None or part.metric == total.metric:
        return None
    shared = tuple(m for m in part.matchers if m in total.matchers)
    return (part.matchers, Selector(part.metric, shared)) if shared else None


def errors_family_rate(sli: Sli, selector: tuple[Matcher, ...], window: str) -> str | None:
    """`sum(rate(<errors_family>[window]))`: what SLODataMissing asks to exist beside the total."""
    family = errors_family(sli, selector)
    return None if family is None else f"sum(rate({family.render()}[{window}]))"


def _absent_passes(matcher: Matcher) -> bool | None:
    """Whether a series without the matcher's label passes it (Prometheus reads a missing label as ""); None
    for a pattern the RE2 checker refuses."""
    if matcher.op in ("=", "!="):
        return (matcher.value == "") is (matcher.op == "=")
    matched = full_match(matcher.value, "")
    return None if matched is None else matched is (matcher.op == "=~")


def sli_total(sli: Sli, window: str, by: tuple[str, ...] = (), recorded: str = "") -> str:
    """Rate of all events over `window` (per group of `by`; time slices and error_ratio: a series that exists
    when there is data)."""
    if sli.kind in (SliKind.TIME_SLICE, SliKind.FRESHNESS):
        return slice_queries.gauge_values(sli)
    if sli.kind is SliKind.ERROR_RATIO:
        return f"max({expand(sli.error_ratio or '', (), window)})"
    if sli.kind is SliKind.RAW:
        return f"({events_per_second(expand(sli.raw_total or '', (), window), window, sli.raw_per_window)})"
    if sli.kind is SliKind.LATENCY:
        return (
            f"sum{by_clause(by)}({latency_count_rate(sli, window)} and {spanning_bucket_rate(sli, window, recorded)})"
        )
    assert sli.total is not None
    return rate(sli.total, window, by=", ".join(by))


# A latency SLI reads each histogram series (an instance, a route...) by itself: its requests (see
# latency_count_rate) less its threshold bucket are its slow requests. A series without that bucket (a build
# with other buckets, mid-deploy) counts neither as good nor as bad: summed apart, its requests were all slow (a
# false page). SLODataMissing names it.
# A series' slow rate below 0 (its bucket out-counting its requests) is no request at all but rate()'s
# extrapolation: a bound respelled in place (0.3, then 3e-01 after a restart) is two bucket series, and the one
# that stopped is extrapolated past its last sample while the `_count` is not. Each series is clamped at 0, so
# it cannot cancel another's slow requests; the sum of the clamped needs no clamp of its own.
def latency_count_rate(sli: Sli, window: str) -> str:
    """The request rate per series of a latency SLI's histogram: its `+Inf` bucket (`le` dropped), its `_count`
    where it has none (a relabelling that keeps some buckets). Not `_count` first: OpenMetrics leaves it out of
    a histogram without `_sum` (the SLI then read no data, every slow request unseen), and an exporter whose
    `_count` lags its buckets undercounted the slow requests (round 30)."""
    assert sli.latency is not None and sli.latency.selector is not None
    sel = sli.latency.selector
    every = sel.render(sel.metric + "_bucket", (Matcher("le", "=", "+Inf"),))
    count = sel.render(sel.metric + "_count")
    return f"(sum without (le) (rate({every}[{window}])) or rate({count}[{window}]))"


def threshold_bucket_rate(sli: Sli, window: str) -> str:
    """The threshold bucket's rate per series, `le` dropped so that it matches the series' `_count`; summed
    so that two spellings of one bound (a client library upgraded in place) add up instead of clashing."""
    assert sli.latency is not None and sli.latency.selector is not None and sli.threshold_le is not None
    sel = sli.latency.selector
    bucket = sel.render(sel.metric + "_bucket", (le_matcher(sli.threshold_le),))
    return f"sum without (le) (rate({bucket}[{window}]))"


# A series whose threshold bucket appeared or vanished inside the window (a release that changed the buckets of
# a pod or host keeping its name) has requests over the whole window and a bucket over part of it: the
# difference read every request outside the bucket's part as slow, and a healthy service paged for an hour after
# the release (round 33). Such a series counts neither way until the window has passed, as a series without the
# bucket does: it is left out where it had requests and no bucket at the window's end or start. The SLO rules
# read that set from one record (`recorded`: its selector; `unbucketed_now` the record's query) now and `offset
# <window>`; a runbook's query, pasted where no record may exist, reads the raw series' instants itself.
def spanning_bucket_rate(sli: Sli, window: str, recorded: str = "") -> str:
    """threshold_bucket_rate, less the series that had requests and no threshold bucket now or at the window's
    start."""
    if recorded:
        unless = f"unless ignoring ({', '.join(OBSC_SLO_LABELS)})"
        ends = [f"{unless} {recorded}", f"{unless} {recorded} offset {window}"]
    else:
        ends = [f"unless {unbucketed_now(sli, at='')}", f"unless {unbucketed_now(sli, at=f' offset {window}')}"]
    return f"({threshold_bucket_rate(sli, window)} {ends[0]} {ends[1]})"


# A threshold bucket is gone when it has no sample now (a Prometheus scrape that loses a series marks it stale), or
# when its series missed a minute's scrapes and one more of those its requests' series had over the window.
# Where nothing writes a staleness marker (an agent remote-writing, a federation), a vanished bucket's last sample
# stays visible for the 5m lookback while its rate stops, and every request of those minutes read as slow (a
# healthy 99.95% SLO paged, round 46). One scrape writes a histogram's series with one timestamp, so a present
# bucket has as many samples as its `+Inf` bucket; fewer misses are let through: a remote-write shard may deliver
# the bucket a little after the `+Inf` bucket. Counted at the platform's scrape interval, at least 2
# (model/scrape_windows.bucket_missed_scrapes), this holds at any interval up to half the window.
BUCKET_SCRAPES_WINDOW = "5m"  # the lookback: two scrapes at the slowest interval obsc accepts (2m30s)


def unbucketed_now(sli: Sli, at: str = "", without: tuple[str, ...] = ()) -> str:
    """The series of a latency SLI that have requests and no threshold bucket at an instant (`at`: an offset),
    `le` and `without` dropped (a record drops the labels its own rule labels would overwrite): no bucket
    sample now, or bucket_missed_scrapes(sli.scrape_seconds) of its requests' samples missed."""
    assert sli.latency is not None and sli.latency.selector is not None and sli.threshold_le is not None
    sel, dropped = sli.latency.selector, ", ".join(("le", *without))
    every = sel.render(sel.metric + "_bucket", (Matcher("le", "=", "+Inf"),))
    count = sel.render(sel.metric + "_count")
    bucket = sel.render(sel.metric + "_bucket", (le_matcher(sli.threshold_le),))
    requests = f"(sum without ({dropped}) ({every}{at}) or sum without ({dropped}) ({count}{at}))"

    def samples(series: str) -> str:
        return f"sum without ({dropped}) (count_over_time({series}[{BUCKET_SCRAPES_WINDOW}]{at}))"

    scraped = f"({samples(every)} or {samples(count)})"
    kept = f"{samples(bucket)} > {scraped} - {bucket_missed_scrapes(sli.scrape_seconds)}"
    return f"({requests} unless ({kept} and sum without ({dropped}) ({bucket}{at})))"


def unbucketed_series(sli: Sli, window: str = "") -> str:
    """The series of a latency SLI that have no threshold bucket now (the SLI cannot see them) and have
    requests over `window`, or without one have counted any. Counted at all is SLODataMissing's reading: a
    quiet service (a request every few minutes) has 5m windows without one, each restarted the alert's hold,
    and a bucket gone for 90 minutes was never reported (round 46); an hour's window tripled the generated
    data-missing scenarios. A series that never counted a request (a pod just started) is not one."""
    if window:
        return f"{latency_count_rate(sli, window)} > 0 and {unbucketed_now(sli)}"
    return f"{unbucketed_now(sli)} > 0"


def sli_error_ratio(sli: Sli, window: str) -> str:
    if sli.kind in (SliKind.TIME_SLICE, SliKind.FRESHNESS, SliKind.ERROR_RATIO):
        return slice_queries.sli_error_ratio(sli, window)
    return f"{sli_errors(sli, window)} / {sli_total(sli, window)}"


def up(service: Service) -> str:
    """The `up` series of the service's scrape targets (its `targets:`, not the metrics' selector)."""
    body = ",".join(m.render() for m in service.targets)
    return f"up{{{body}}}"


def up_per_group(service: Service, split: tuple[str, ...]) -> str:
    """Targets up per group of `split` (model.down_groups): what ServiceDown's group branch compares with 0, and
    the Instances panel plots. Targets without the labels are no group."""
    return f"sum by ({', '.join(split)}) ({up_in_groups(service, split)})"


def up_in_groups(service: Service, split: tuple[str, ...]) -> str:
    """The service's `up` series that carry every label of `split`: targets without them are no group."""
    present = ",".join(f'{label}!=""' for label in split)
    whole = up(service)
    return f"{whole[:-1]},{present}}}" if whole != "up{}" else f"up{{{present}}}"


def sli_rates(service: Service, sli: Sli, window: str, by: tuple[str, ...] = (), recorded: str = "") -> tuple[str, str]:
    """(bad, total) event rates over `window`, each one series without labels, for recording rules.

    A raw SLI is free PromQL: it is summed so that stray labels cannot break the ratio's label match, and
    `$selector` is filled with the service's matchers here in case the model left it in.
    The window is only ever inserted into the text, never read: the SLO rules make every window's queries
    from one text (targets/prometheus/slo.py).
    """
    if sli.kind is SliKind.RAW:
        bad = events_per_second(expand(sli.raw_errors or "", service.selector, window), window, sli.raw_per_window)
        total = events_per_second(expand(sli.raw_total or "", service.selector, window), window, sli.raw_per_window)
        return f"sum{by_clause(by)}({bad})", f"sum{by_clause(by)}({total})"
    return sli_errors(sli, window, by, recorded), sli_total(sli, window, by, recorded)


def utilisation(metric: Metric, window: str) -> str:
    """A 0-1 saturation signal: the expression as written, or a gauge selector aggregated as the metric says
    (by default max: the busiest instance); a metric declaring `unit: percent` (0-100) is divided by 100."""
    if metric.selector is not None:
        signal = f"{metric.aggregation.value}({without_nan(metric.selector.render())})"
    else:
        signal = f"({expand(metric.expr or '', (), window)})"
    return f"{signal} / 100" if metric.unit == "percent" else signal
