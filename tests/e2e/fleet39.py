"""A fleet nobody here wrote, with the mistakes SREs make, for `obsc verify` against a real Prometheus (round 39):
each exporter answers with the exposition of one service, the specs read it as the SRE wrote them. One healthy
service (cart) shows what must not be found. Used by test_verify_live_series.py, and to record the API's
answers that tests/test_verify_recorded.py replays.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path

from tests.e2e.servers import exporter
from tests.platform_text import sink_platform

SECONDS = ["0.05", "0.1", "0.25", "0.5", "1", "2.5", "5", "10"]
MILLISECONDS = ["1", "2.5", "5", "10", "25", "50", "100", "250", "500", "1000", "2500", "5000", "10000"]


def _histogram(
    name: str, bounds: list[str], count: int, labels: str = "", mean: float = 0.2, reach: int | None = None
) -> str:
    """Cumulative buckets, half the requests in the first, the rest spread up to +Inf (or all by the bucket at
    index `reach`); `_sum` at `mean` per request."""
    sep = "," if labels else ""
    lines = [f"# TYPE {name} histogram"]
    spread = len(bounds) if reach is None else reach
    for i, bound in enumerate(bounds):
        lines.append(
            f'{name}_bucket{{{labels}{sep}le="{bound}"}} {count // 2 + (count // 2) * min(i, spread) // spread}'
        )
    lines.append(f'{name}_bucket{{{labels}{sep}le="+Inf"}} {count}')
    lines += [f"{name}_sum{{{labels}}} {count * mean}", f"{name}_count{{{labels}}} {count}"]
    return "\n".join(lines) + "\n"


def _scrapes() -> Callable[[], int]:
    """The number of this target's scrapes so far: counters grow with it, and the tests wait on it."""
    counter = itertools.count(1)
    return lambda: next(counter)


def cart() -> Callable[[], str]:  # healthy: what must not be found
    scrape = _scrapes()

    def text() -> str:
        n = 1000 + 10 * scrape()
        return (
            "# TYPE http_requests_total counter\n"
            f'http_requests_total{{code="200",route="/a"}} {n}\nhttp_requests_total{{code="500",route="/a"}} 3\n'
            f'http_requests_total{{code="200",route="/b"}} {n}\n'
            + _histogram("http_request_duration_seconds", SECONDS, n, 'route="/a"', reach=3)  # all by 0.5s
            + _histogram("http_request_duration_seconds", SECONDS, n, 'route="/b"', reach=3)
        )

    return text


def billing() -> Callable[[], str]:  # milliseconds in a histogram named _seconds
    scrape = _scrapes()

    def text() -> str:
        n = 1000 + 10 * scrape()
        return f"billing_requests_total {n}\n" + _histogram(
            "billing_request_duration_seconds", MILLISECONDS, n, mean=300
        )

    return text


def search(bounds: list[str]) -> Callable[[], str]:  # one of two instances, the layouts before and after a release
    scrape = _scrapes()

    def text() -> str:
        n = 1000 + 10 * scrape()
        return f"search_requests_total {n}\n" + _histogram("search_latency_seconds", bounds, n)

    return text


def payments() -> Callable[[], str]:  # failures written code="500"; the spec reads code="5xx"
    scrape = _scrapes()

    def text() -> str:
        n = 1000 + 10 * scrape()
        return f'payments_requests_total{{code="200"}} {n}\npayments_requests_total{{code="500"}} 7\n'

    return text


def notify() -> Callable[[], str]:  # no handler label; the spec narrows by one
    scrape = _scrapes()
    return lambda: f'notify_requests_total{{code="200"}} {1000 + 10 * scrape()}\n'


def orders() -> Callable[[], str]:  # no tenant label; a session id new at every scrape
    scrape = _scrapes()

    def text() -> str:
        n = scrape()
        return f'orders_total{{status="ok"}} {1000 + n}\norders_total{{status="failed"}} 2\n' + (
            f'orders_sessions_total{{session="s{n}",status="ok"}} {n}\n'
            f'orders_sessions_total{{session="s{n}",status="failed"}} 0\n'
        )

    return text


def inventory() -> Callable[[], str]:  # a "counter" that goes down at every other scrape: a gauge
    scrape = _scrapes()
    return lambda: f"inventory_items_total {100 + 50 * (scrape() % 2)}\ninventory_failed_total 0\n"


def ledger() -> Callable[[], str]:  # seconds in a histogram named _milliseconds (the spec says unit: ms)
    scrape = _scrapes()

    def text() -> str:
        n = 1000 + 10 * scrape()
        return f"ledger_ops_total {n}\n" + _histogram("ledger_commit_milliseconds", SECONDS, n)

    return text


def llm() -> Callable[[], str]:  # `latency` times the whole generation (5-60 s); the SLO reads the first token
    scrape = _scrapes()

    def text() -> str:
        n = 100 + 20 * scrape()  # every bucket grows by a whole number each scrape: the p99 is 58s exactly
        whole = {"1": 0, "2.5": 0, "5": 0, "10": n // 5, "20": n * 3 // 5, "30": n * 17 // 20, "60": n, "+Inf": n}
        return (
            "# TYPE llm_request_duration_seconds histogram\n"
            + "".join(f'llm_request_duration_seconds_bucket{{le="{le}"}} {c}\n' for le, c in whole.items())
            + f"llm_request_duration_seconds_sum {n * 25}\nllm_request_duration_seconds_count {n}\n"
            + _histogram("llm_time_to_first_token_seconds", SECONDS, n, reach=4)
        )

    return text


# job -> its exporters, and whether its targets carry the namespace label the platform says `up` has
JOBS: dict[str, tuple[list[Callable[[], Callable[[], str]]], bool]] = {
    "cart": ([cart], True),
    "billing": ([billing], True),
    "search": ([lambda: search(["0.1", "0.25", "0.5"]), lambda: search(["0.1", "0.3", "1"])], True),
    "payments": ([payments], True),
    "notify": ([notify], True),
    "orders": ([orders], True),
    "inventory": ([inventory], True),
    "fx": ([notify], False),
    "ledger": ([ledger], True),
    "llm": ([llm], True),  # a static config's targets, without the namespace target_labels says they carry
}

PLATFORM = sink_platform("defaults: {period: 7d, target_labels: [namespace]}\n")
HEAD = "apiVersion: obsc/v1\nteam: shop\n"
SPECS = {
    "cart": """service: cart
selector: {job: cart, namespace: shop}
metrics:
  requests: http_requests_total
  errors: http_requests_total{code=~"5.."}
  latency: http_request_duration_seconds
slos:
  - {name: availability, objective: 99.5, by: [route], sli: {errors: errors, total: requests}}
  - {name: latency, objective: 99, by: [route], sli: {latency: latency, threshold: 250ms}}
alerts:
  latency_p99: {critical: 5s}
""",
    "billing": """service: billing
selector: {job: billing, namespace: shop}
metrics:
  requests: billing_requests_total
  latency: billing_request_duration_seconds
slos:
  - {name: latency, objective: 99, sli: {latency: latency, threshold: 1s}}
""",
    "search": """service: search
selector: {job: search, namespace: shop}
metrics:
  requests: search_requests_total
  latency: search_latency_seconds
slos:
  - {name: latency, objective: 99, sli: {latency: latency, threshold: 250ms}}
alerts:
  latency_p99: {critical: 500ms}
""",
    "payments": """service: payments
selector: {job: payments, namespace: shop}
metrics:
  requests: payments_requests_total
  errors: payments_requests_total{code="5xx"}
slos:
  - {name: availability, objective: 99.5, sli: {errors: errors, total: requests}}
""",
    "notify": """service: notify
selector: {job: notify, namespace: shop}
metrics:
  requests: notify_requests_total{handler=~"/api/.+"}
  errors: notify_requests_total{handler=~"/api/.+", code=~"5.."}
slos:
  - {name: availability, objective: 99.5, sli: {errors: errors, total: requests}}
""",
    "orders": """service: orders
selector: {job: orders, namespace: shop}
metrics:
  requests: orders_total
  errors: orders_total{status="failed"}
  sessions: {selector: orders_sessions_total, type: counter}
  session_failures: {selector: 'orders_sessions_total{status="failed"}', type: counter}
slos:
  - {name: availability, objective: 99.5, by: [tenant], sli: {errors: errors, total: requests}}
  - {name: per-session, objective: 99, by: [session], sli: {errors: session_failures, total: sessions}}
""",
    "inventory": """service: inventory
selector: {job: inventory, namespace: shop}
metrics:
  requests: inventory_items_total
  errors: inventory_failed_total
slos:
  - {name: availability, objective: 99.5, sli: {errors: errors, total: requests}}
""",
    "fx": """service: fx
selector: {job: fx, namespace: shop}
metrics:
  requests: notify_requests_total
  errors: notify_requests_total{code=~"5.."}
slos:
  - {name: availability, objective: 99.5, sli: {errors: errors, total: requests}}
""",
    "ledger": """service: ledger
selector: {job: ledger, namespace: shop}
metrics:
  requests: ledger_ops_total
  latency: {selector: ledger_commit_milliseconds, unit: ms}
slos:
  - {name: latency, objective: 99, sli: {latency: latency, threshold: 5ms}}
""",
    "llm": """service: llm
selector: {job: llm, namespace: shop}
metrics:
  requests: llm_request_duration_seconds_count
  latency: llm_request_duration_seconds
  first_token: llm_time_to_first_token_seconds
slos:
  - {name: first-token, objective: 95, sli: {latency: first_token, threshold: 1s}}
""",
    "relayed": """service: relayed
selector: {job: cart, namespace: shop}
targets: {job: otel-collector, namespace: shop}
targets_via: collector
metrics:
  requests: http_requests_total
  errors: http_requests_total{code=~"5.."}
slos:
  - {name: availability, objective: 99.5, sli: {errors: errors, total: requests}}
""",
    "carts": """service: carts
selector: {job: cart, namespace: shop}
targets: '{job=~"kart|carts", namespace="shop"}'
metrics:
  requests: http_requests_total
  errors: http_requests_total{code=~"5.."}
slos:
  - {name: availability, objective: 99.5, sli: {errors: errors, total: requests}}
""",
}


def write_specs(directory: Path) -> dict[str, Path]:
    (directory / "platform.yaml").write_text(PLATFORM)
    out = {}
    for name, text in SPECS.items():
        out[name] = directory / f"{name}.yaml"
        out[name].write_text(HEAD + text)
    return out


@contextmanager
def scrape_config(path: Path) -> Iterator[Path]:
    """Every job's exporters started, and a prometheus.yml at `path` scraping them each second."""
    with ExitStack() as stack:
        jobs = []
        for job, (makers, namespaced) in JOBS.items():
            targets = [stack.enter_context(exporter(make())) for make in makers]
            labels = ", labels: {namespace: shop}" if namespaced else ""
            jobs.append(f"  - {{job_name: {job}, static_configs: [{{targets: {targets}{labels}}}]}}")
        path.write_text("global: {scrape_interval: 1s}\nscrape_configs:\n" + "\n".join(jobs) + "\n")
        yield path


# What verify finds: (service, the spec line's text, the finding's path, what it must say)
FOUND: list[tuple[str, str, tuple[object, ...], str]] = [
    (
        "billing",
        "latency: billing_request_duration_seconds",
        ("metrics", "latency"),
        "billing_request_duration_seconds looks like milliseconds read as seconds: its buckets run from le=1 to "
        "le=10000 and its mean observation (_sum / _count) is over 100 times the 1s the spec expects",
    ),
    (
        "search",
        "threshold: 250ms",
        ("slos", 0, "sli", "threshold"),
        '1 of the 2 series of search_latency_seconds_bucket{job="search",namespace="shop"} have no bucket at 0.25s '
        "now while the others have it: two bucket layouts at once",
    ),
    (
        "payments",
        'errors: payments_requests_total{code="5xx"}',
        ("metrics", "errors"),
        "code=\"5xx\" is text where every code value of payments_requests_total is a number (its values: '200', "
        "'500'): no event will ever be counted; write the value as the series spell it (code=~\"5..\")",
    ),
    (
        "notify",
        "requests: notify_requests_total",
        ("metrics", "requests"),
        'no series for notify_requests_total{handler=~"/api/.+",job="notify",namespace="shop"} in the last 1h, but '
        'notify_requests_total{job="notify",namespace="shop"} has series: none of its series has a `handler` label, '
        'so handler=~"/api/.+" matches nothing ever',
    ),
    (
        "notify",
        "errors: notify_requests_total",
        ("metrics", "errors"),
        'no series for notify_requests_total{handler=~"/api/.+",code=~"5..",job="notify",namespace="shop"} in the '
        "last 1h, but notify_requests_total",
    ),
    (
        "orders",
        "by: [tenant]",
        ("slos", 0, "by"),
        "SLO 'availability': no series of its total carries `tenant` in the last 1h, so every event is one group",
    ),
    ("orders", "by: [session]", ("slos", 1, "by"), "SLO 'per-session': `session` churns: "),
    (
        "inventory",
        "requests: inventory_items_total",
        ("metrics", "requests"),
        'inventory_items_total{job="inventory",namespace="shop"} goes down like a gauge: 1 of its 1 series dropped',
    ),
    (
        "fx",
        "selector:",
        ("selector",),
        'targets match {job="fx"}, but not namespace="shop": they carry no namespace; the platform\'s '
        "defaults.target_labels says `up` carries namespace",
    ),
    (
        "ledger",
        "latency: {selector: ledger_commit_milliseconds, unit: ms}",
        ("metrics", "latency"),
        "latency_p99 (critical): the line 5s is not below the largest bucket of "
        'ledger_commit_milliseconds_bucket{job="ledger",namespace="shop"} (0.01s): p99 is never computed above it, '
        "so the alert can never fire; lower the line or add larger buckets to the histogram (or, if its buckets "
        "are seconds, write unit: s: le=10 then reads as 10s)",
    ),
    (
        "llm",
        "latency: llm_request_duration_seconds",
        ("metrics", "latency"),
        'latency_p99 (critical): the p99 of llm_request_duration_seconds_bucket{job="llm",namespace="shop"} is '
        "58s over the last 1h and 58s over the last 5m, already past the line of 5s (the built-in table): "
        "ServiceHighLatencyP99 fires as soon as these rules are loaded",
    ),
    (  # the consequence of the milliseconds found above: a p99 of 10000 "seconds" pages at once
        "billing",
        "latency: billing_request_duration_seconds",
        ("metrics", "latency"),
        'latency_p99 (critical): the p99 of billing_request_duration_seconds_bucket{job="billing",namespace="shop"} '
        "is 10000s over the last 1h and 10000s over the last 5m, already past the line of 5s (the built-in table)",
    ),
    (  # a sixth of its requests above its largest bucket, 1s
        "search",
        "latency_p99: {critical: 500ms}",
        ("alerts", "latency_p99"),
        'latency_p99 (critical): the p99 of search_latency_seconds_bucket{job="search",namespace="shop"} is 1s over '
        "the last 1h and 1s over the last 5m, already past the line of 0.5s (",
    ),
    (
        "relayed",
        "targets:",
        ("targets",),
        ": they are the relay of targets_via, and SLOTrafficStopped pages only while the relay's up reports, so a "
        "total outage of the service pages nothing",
    ),
    (
        "carts",
        "targets:",
        ("targets",),
        'no scrape target matches up{job=~"kart|carts",namespace="shop"} in the last 1h: the targets: labels are '
        'not on `up` (job=~"kart|carts" matches no job on up (',
    ),
]
