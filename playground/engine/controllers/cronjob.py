"""The CronJob controller: Jobs on a cron schedule, in virtual time.

Like kube-controller-manager's cronjob-controller (v2), it works out the most recent schedule
time that has not been run (since `status.lastScheduleTime`, or the CronJob's creation),
honours `startingDeadlineSeconds`, `suspend`, `timeZone` and the concurrency policies (Allow,
Forbid, Replace), creates the Job `<cronjob>-<scheduled time in minutes since the epoch>`,
keeps `status.active`, `lastScheduleTime` and `lastSuccessfulTime`, deletes finished Jobs
beyond the history limits, and then sleeps until exactly the next schedule time: one clock
wake-up per run, no polling. Schedules are parsed by `croniter` (the standard five fields and
the `@hourly`-style macros, with day-of-month/day-of-week ORed as in Vixie cron).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from croniter import CroniterBadCronError, CroniterBadDateError, croniter

from playground.engine.controllers import podutil
from playground.engine.controllers.base import Controller
from playground.engine.controllers.job import finished_condition
from playground.engine.errors import APIError
from playground.engine.store import Obj, WatchEvent, deep_copy

SCHEDULED_TIMESTAMP = "batch.kubernetes.io/cronjob-scheduled-timestamp"
TOO_MANY_MISSED = 100


def job_name(cronjob_name: str, scheduled: datetime) -> str:
    """`hello-29123456`: the scheduled time in minutes since the Unix epoch."""
    return f"{cronjob_name}-{int(scheduled.timestamp()) // 60}"


def _rfc3339(moment: datetime) -> str:
    if moment.utcoffset() == timedelta(0):
        return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    return moment.isoformat(timespec="seconds")


def _parse(stamp: str) -> datetime:
    return datetime.fromisoformat(stamp)


class Schedule:
    """A parsed cron schedule in one time zone."""

    def __init__(self, expression: str, zone: Any) -> None:
        self.expression = expression
        self.zone = zone
        croniter(expression, datetime(2000, 1, 1, tzinfo=zone))  # raises when unparseable

    def next_after(self, moment: datetime) -> datetime:
        """The first schedule time strictly after `moment`."""
        nxt: datetime = croniter(self.expression, moment.astimezone(self.zone)).get_next(datetime)
        return nxt

    def latest_at_or_before(self, moment: datetime) -> datetime:
        """The last schedule time at or before `moment`."""
        local = moment.astimezone(self.zone)
        prev: datetime = croniter(self.expression, local).get_prev(datetime)
        following = self.next_after(prev)
        return following if following <= local else prev


class CronJobController(Controller):
    """kube-controller-manager's cronjob-controller."""

    name = "cronjob-controller"
    watches = ("cronjobs.batch", "jobs.batch")

    def keys_for(self, event: WatchEvent) -> Iterable[str]:
        if event.resource == "jobs.batch":
            owner = podutil.owner_key(event.obj, "CronJob")
            if owner is not None:
                yield owner
            return
        yield from super().keys_for(event)

    def resync(self) -> Iterable[str]:
        return self.keys_of("cronjobs.batch")

    # -- reconcile ------------------------------------------------------------------------
    def reconcile(self, key: str) -> None:
        namespace, _, name = key.partition("/")
        cronjob = self.store.get("cronjobs.batch", namespace, name)
        if cronjob is None:
            return
        jobs = self._owned_jobs(cronjob)
        status = deep_copy(cronjob.get("status") or {})
        self._track_jobs(cronjob, jobs, status)
        if not cronjob["metadata"].get("deletionTimestamp"):
            self._schedule(cronjob, key, status)
        self._write(cronjob, status)
        self._clean_up(self.store.get("cronjobs.batch", namespace, name) or cronjob)

    def _owned_jobs(self, cronjob: Obj) -> list[Obj]:
        uid = cronjob["metadata"]["uid"]
        return [obj for resource, obj in self.store.dependents(uid)
                if resource == "jobs.batch"
                and (podutil.controller_ref(obj) or {}).get("uid") == uid]

    def _track_jobs(self, cronjob: Obj, jobs: list[Obj], status: dict[str, Any]) -> None:
        active = list(status.get("active") or [])
        uids = {ref.get("uid") for ref in active}
        for job in sorted(jobs, key=lambda j: j["metadata"]["name"]):
            meta = job["metadata"]
            finished = finished_condition(job)
            if finished is None:
                if meta["uid"] not in uids:
                    self.recorder.record(cronjob, "Warning", "UnexpectedJob",
                                         "Saw a job that the controller did not create or "
                                         f"forgot: {meta['name']}", component=self.name)
                continue
            if meta["uid"] in uids:
                active = [ref for ref in active if ref.get("uid") != meta["uid"]]
                uids.discard(meta["uid"])
                self.recorder.record(cronjob, "Normal", "SawCompletedJob",
                                     f"Saw completed job: {meta['name']}, condition: {finished}",
                                     component=self.name)
            completed = (job.get("status") or {}).get("completionTime")
            if finished == "Complete" and completed:
                last = status.get("lastSuccessfulTime")
                if last is None or _parse(completed) > _parse(last):
                    status["lastSuccessfulTime"] = completed
        existing = {j["metadata"]["uid"] for j in jobs}
        for ref in list(active):
            if ref.get("uid") not in existing:
                self.recorder.record(cronjob, "Normal", "MissingJob",
                                     f"Active job went missing: {ref.get('name')}",
                                     component=self.name)
                active.remove(ref)
        if active:
            status["active"] = active
        else:
            status.pop("active", None)

    def _schedule(self, cronjob: Obj, key: str, status: dict[str, Any]) -> None:
        spec = cronjob.get("spec") or {}
        zone: Any = UTC
        if spec.get("timeZone"):
            try:
                zone = ZoneInfo(spec["timeZone"])
            except (ZoneInfoNotFoundError, ValueError) as exc:
                self.recorder.record(cronjob, "Warning", "UnknownTimeZone",
                                     f'invalid timeZone: "{spec["timeZone"]}": {exc}',
                                     component=self.name)
                return
        if spec.get("suspend"):
            return
        try:
            schedule = Schedule(str(spec.get("schedule", "")), zone)
        except (CroniterBadCronError, CroniterBadDateError, ValueError, KeyError) as exc:
            self.recorder.record(cronjob, "Warning", "UnparseableSchedule",
                                 f'unparseable schedule: "{spec.get("schedule", "")}" : {exc}',
                                 component=self.name)
            return
        now = self.clock.datetime()
        earliest = _parse(status.get("lastScheduleTime")
                          or cronjob["metadata"]["creationTimestamp"])
        deadline = spec.get("startingDeadlineSeconds")
        if deadline is not None:
            earliest = max(earliest, now - timedelta(seconds=int(deadline)))
        self._wake_at(schedule.next_after(now), key)
        scheduled = schedule.latest_at_or_before(now)
        if scheduled <= earliest:
            return
        self._warn_if_many_missed(cronjob, schedule, earliest, scheduled)
        if deadline is not None and scheduled + timedelta(seconds=int(deadline)) < now:
            self.recorder.record(cronjob, "Warning", "MissSchedule",
                                 "Missed scheduled time to start a job: "
                                 f"{scheduled.astimezone(UTC).strftime('%a, %d %b %Y %H:%M:%S +0000')}",
                                 component=self.name)
            return
        name = job_name(cronjob["metadata"]["name"], scheduled)
        if any(ref.get("name") == name for ref in status.get("active") or ()):
            return
        active = status.get("active") or []
        policy = spec.get("concurrencyPolicy", "Allow")
        if policy == "Forbid" and active:
            self.recorder.record(cronjob, "Normal", "JobAlreadyActive",
                                 "Not starting job because prior execution is running and "
                                 "concurrency policy is Forbid", component=self.name)
            return
        if policy == "Replace":
            for ref in list(active):
                self._delete_job(cronjob, ref.get("namespace", ""), ref.get("name", ""))
                active = [r for r in active if r.get("uid") != ref.get("uid")]
            status["active"] = active
        job = self._job_from_template(cronjob, name, scheduled)
        try:
            created = self.api.create(job, self.actor)
        except APIError as exc:
            existing = self.store.get("jobs.batch", cronjob["metadata"]["namespace"], name)
            if existing is None or (podutil.controller_ref(existing) or {}).get("uid") != \
                    cronjob["metadata"]["uid"]:
                self.recorder.record(cronjob, "Warning", "FailedCreate",
                                     f"Error creating job: {exc}", component=self.name)
                return
            created = existing
        else:
            self.recorder.record(cronjob, "Normal", "SuccessfulCreate",
                                 f"Created job {name}", component=self.name)
        meta = created["metadata"]
        status["active"] = list(status.get("active") or []) + [{
            "apiVersion": "batch/v1", "kind": "Job", "name": meta["name"],
            "namespace": meta["namespace"], "resourceVersion": meta["resourceVersion"],
            "uid": meta["uid"]}]
        status["lastScheduleTime"] = _rfc3339(scheduled.astimezone(UTC))

    def _warn_if_many_missed(self, cronjob: Obj, schedule: Schedule, earliest: datetime,
                             scheduled: datetime) -> None:
        missed = 0
        moment = scheduled
        while moment > earliest and missed <= TOO_MANY_MISSED:
            missed += 1
            moment = croniter(schedule.expression, moment).get_prev(datetime)
        if missed > TOO_MANY_MISSED:
            self.recorder.record(cronjob, "Warning", "TooManyMissedTimes",
                                 f"too many missed start times: {missed}. Set or decrease "
                                 ".spec.startingDeadlineSeconds or check clock skew",
                                 component=self.name)

    def _wake_at(self, moment: datetime, key: str) -> None:
        delay = (moment - self.clock.datetime()).total_seconds()
        self.wake_after(max(0.0, delay), key)

    def _job_from_template(self, cronjob: Obj, name: str, scheduled: datetime) -> Obj:
        template = (cronjob.get("spec") or {}).get("jobTemplate") or {}
        tmpl_meta = template.get("metadata") or {}
        annotations = dict(tmpl_meta.get("annotations") or {})
        annotations[SCHEDULED_TIMESTAMP] = _rfc3339(scheduled)
        meta: dict[str, Any] = {"name": name, "namespace": cronjob["metadata"]["namespace"],
                                "annotations": annotations,
                                "ownerReferences": [podutil.owner_reference(cronjob)]}
        if tmpl_meta.get("labels"):
            meta["labels"] = dict(tmpl_meta["labels"])
        return {"apiVersion": "batch/v1", "kind": "Job", "metadata": meta,
                "spec": deep_copy(template.get("spec") or {})}

    # -- writes ---------------------------------------------------------------------------
    def _delete_job(self, cronjob: Obj, namespace: str, name: str) -> bool:
        try:
            self.api.delete("jobs.batch", namespace, name, self.actor, propagation="Background")
        except APIError as exc:
            self.recorder.record(cronjob, "Warning", "FailedDelete", f"Deleted job: {exc}",
                                 component=self.name)
            return False
        self.recorder.record(cronjob, "Normal", "SuccessfulDelete", f"Deleted job {name}",
                             component=self.name)
        return True

    def _write(self, cronjob: Obj, status: dict[str, Any]) -> None:
        if status != (cronjob.get("status") or {}):
            self.api.update_status(dict(cronjob, status=status), self.actor)

    def _clean_up(self, cronjob: Obj) -> None:
        spec = cronjob.get("spec") or {}
        jobs = self._owned_jobs(cronjob)
        for kind, limit_field in (("Complete", "successfulJobsHistoryLimit"),
                                  ("Failed", "failedJobsHistoryLimit")):
            limit = spec.get(limit_field)
            if limit is None:
                continue
            finished = sorted((j for j in jobs if finished_condition(j) == kind
                               and not j["metadata"].get("deletionTimestamp")),
                              key=_start_key)
            for job in finished[:max(0, len(finished) - int(limit))]:
                self._delete_job(cronjob, job["metadata"]["namespace"],
                                 job["metadata"]["name"])


def _start_key(job: Obj) -> tuple[int, str, str]:
    start = (job.get("status") or {}).get("startTime")
    return (0 if start else 1, start or "", job["metadata"]["name"])
