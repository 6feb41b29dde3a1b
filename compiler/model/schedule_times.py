"""A freshness SLI whose last success is the time a job was scheduled, started or created (round 50).

kube-state-metrics writes a CronJob's `kube_cronjob_status_last_schedule_time` (when its controller last created a
Job), `kube_cronjob_next_schedule_time` (when it will next), `kube_job_status_start_time` and the objects'
`_created`: none of them says a run succeeded. A newcomer's hourly CronJob read the schedule time as its last
success with `max_age: 2h`: replayed with promtool, every run failing from the 3rd hour left it fresh, and the SLO
raised nothing in 6 hours, while `kube_cronjob_status_last_successful_time` ticketed SLOFreshnessStale from hour 4
(and the next schedule time, always ahead of now, can never be stale). A located warning at `last_success`: a team
may mean "the CronJob is still being scheduled" (suspended, or its controller stuck), which these do measure.
"""

from __future__ import annotations

from collections.abc import Sequence

from compiler.errors import Diagnostic
from compiler.model.types import Service, SliKind

# kube-state-metrics' times that are no success, and what each one is
_NOT_SUCCESS = {
    "kube_cronjob_status_last_schedule_time": "when the CronJob last created a Job, whether it then ran or failed",
    "kube_cronjob_next_schedule_time": "when the CronJob will next create a Job, a time ahead of now, never stale",
    "kube_cronjob_created": "when the CronJob object was created",
    "kube_job_status_start_time": "when a Job started, whether it then succeeded or failed",
    "kube_job_created": "when a Job object was created, whether it then succeeded or failed",
}


def schedule_time_warnings(services: Sequence[Service]) -> list[Diagnostic]:
    """A located warning at each freshness SLO whose last success reads a schedule, start or creation time."""
    found = []
    for service in services:
        for index, slo in enumerate(service.slos):
            gauge = slo.sli.gauge
            if slo.sli.kind is not SliKind.FRESHNESS or gauge is None:
                continue
            # a last success is a series selector (an expr is refused at build)
            series = gauge.selector.metric if gauge.selector is not None else ""
            if series in _NOT_SUCCESS:
                where = ("slos", index, "sli", "last_success")
                found.append(Diagnostic(slo.location, where, _message(slo.name, series)))
    return found


def _message(slo: str, series: str) -> str:
    return (
        f"SLO {slo!r}: last_success reads {series}, {_NOT_SUCCESS[series]}: it says nothing of a run that "
        "succeeded, so a job whose every run fails stays fresh and the SLO never fires (replayed: an hourly "
        "CronJob failing every run for 6 hours raised nothing at max_age: 2h); read "
        "kube_cronjob_status_last_successful_time (a CronJob's last Job that succeeded) or "
        "kube_job_status_completion_time (set only when a Job succeeds), or a timestamp the job writes when it "
        "succeeds; keep this reading only to watch that the CronJob is still scheduled"
    )
