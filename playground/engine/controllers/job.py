"""The Job controller and the TTL-after-finished controller.

The Job controller runs pods to completion as kube-controller-manager's job-controller does:
`parallelism` pods at a time until `completions` succeed (NonIndexed, or Indexed with one pod
per completion index), failed pods replaced after an exponential back-off (10 s doubling, capped
at 6 minutes), the Job failed once more than `backoffLimit` pods failed (BackoffLimitExceeded)
or it ran past `activeDeadlineSeconds` (DeadlineExceeded), suspension and resumption, and the
status block with its 1.37 conditions (SuccessCriteriaMet/FailureTarget first, Complete/Failed
once no pod is left running). Pods carry the `batch.kubernetes.io/job-tracking` finalizer until
the controller has counted them.

The TTL-after-finished controller deletes finished Jobs `ttlSecondsAfterFinished` after they
finished, waking exactly then.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from playground.engine.controllers import podutil
from playground.engine.controllers.base import Controller
from playground.engine.errors import APIError
from playground.engine.selectors import from_label_selector
from playground.engine.store import Obj, WatchEvent, deep_copy

TRACKING_FINALIZER = "batch.kubernetes.io/job-tracking"
COMPLETION_INDEX = "batch.kubernetes.io/job-completion-index"
JOB_NAME_LABEL = "batch.kubernetes.io/job-name"

POD_FAILURE_BACKOFF = 10.0
MAX_POD_FAILURE_BACKOFF = 360.0

COMPLETIONS_REACHED = ("CompletionsReached", "Reached expected number of succeeded pods")
BACKOFF_LIMIT_EXCEEDED = ("BackoffLimitExceeded", "Job has reached the specified backoff limit")
DEADLINE_EXCEEDED = ("DeadlineExceeded", "Job was active longer than specified deadline")


def finished_condition(job: Obj) -> str | None:
    """`Complete` or `Failed` when the Job has finished, else None."""
    for cond in (job.get("status") or {}).get("conditions") or ():
        if cond.get("type") in ("Complete", "Failed") and cond.get("status") == "True":
            return str(cond["type"])
    return None


def format_indexes(indexes: Iterable[int]) -> str:
    """`0-2,4`: completed indexes as the API writes them."""
    ordered = sorted(set(indexes))
    parts: list[str] = []
    i = 0
    while i < len(ordered):
        j = i
        while j + 1 < len(ordered) and ordered[j + 1] == ordered[j] + 1:
            j += 1
        parts.append(str(ordered[i]) if i == j else f"{ordered[i]}-{ordered[j]}")
        i = j + 1
    return ",".join(parts)


def parse_indexes(text: str) -> set[int]:
    """Inverse of `format_indexes`."""
    found: set[int] = set()
    for part in filter(None, (text or "").split(",")):
        low, _, high = part.partition("-")
        found.update(range(int(low), int(high or low) + 1))
    return found


def _pod_index(pod: Obj) -> int | None:
    value = (pod["metadata"].get("annotations") or {}).get(COMPLETION_INDEX)
    return int(value) if value is not None and str(value).isdigit() else None


class JobController(Controller):
    """kube-controller-manager's job-controller."""

    name = "job-controller"
    watches = ("jobs.batch", "pods")
    pods_by_owner_kind = "Job"

    def keys_for(self, event: WatchEvent) -> Iterable[str]:
        if event.resource == "pods":
            owner = podutil.owner_key(event.obj, "Job")
            if owner is not None:
                yield owner
            return
        yield from super().keys_for(event)

    def resync(self) -> Iterable[str]:
        return self.keys_of("jobs.batch")

    # -- reconcile ------------------------------------------------------------------------
    def reconcile(self, key: str) -> None:
        namespace, _, name = key.partition("/")
        job = self.store.get("jobs.batch", namespace, name)
        if job is None:
            self._release_orphans(namespace, name)
            return
        pods = self._owned_pods(job)
        if finished_condition(job) is not None:
            for pod in pods:
                self._release(pod)
            return
        Sync(self, job, pods).run()

    def _owned_pods(self, job: Obj) -> list[Obj]:
        uid = job["metadata"]["uid"]
        return [obj for resource, obj in self.store.dependents(uid)
                if resource == "pods" and (podutil.controller_ref(obj) or {}).get("uid") == uid]

    def _release_orphans(self, namespace: str, name: str) -> None:
        selector = from_label_selector({"matchLabels": {JOB_NAME_LABEL: name}})
        for pod in self.store.list("pods", namespace, selector):
            ref = podutil.controller_ref(pod)
            if ref and ref.get("kind") == "Job" and self.store.by_uid(ref["uid"]) is None:
                self._release(pod)

    def _release(self, pod: Obj) -> None:
        meta = pod["metadata"]
        if TRACKING_FINALIZER in (meta.get("finalizers") or ()):
            self.api.remove_finalizer("pods", meta["namespace"], meta["name"],
                                      TRACKING_FINALIZER, self.actor)


class Sync:
    """One pass of the job controller over one Job (`syncJob`)."""

    def __init__(self, controller: JobController, job: Obj, pods: list[Obj]) -> None:
        self.c = controller
        self.job = job
        self.pods = pods
        self.spec = job.get("spec") or {}
        self.status: dict[str, Any] = deep_copy(job.get("status") or {})
        self.now = controller.clock.now
        self.stamp = controller.clock.timestamp()
        self.key = f"{job['metadata']['namespace']}/{job['metadata']['name']}"
        self.indexed = self.spec.get("completionMode") == "Indexed"

    # -- helpers --------------------------------------------------------------------------
    def _condition(self, type_: str) -> dict[str, Any] | None:
        for cond in self.status.get("conditions") or ():
            if cond.get("type") == type_:
                return cond
        return None

    def _set_condition(self, type_: str, status: str, reason: str, message: str) -> None:
        conditions = self.status.setdefault("conditions", [])
        existing = self._condition(type_)
        if existing is not None:
            if existing.get("status") != status:
                existing["lastTransitionTime"] = self.stamp
            existing.update(status=status, reason=reason, message=message,
                            lastProbeTime=self.stamp)
            return
        conditions.append({"type": type_, "status": status, "lastProbeTime": self.stamp,
                           "lastTransitionTime": self.stamp, "reason": reason,
                           "message": message})

    def _is_true(self, type_: str) -> bool:
        cond = self._condition(type_)
        return bool(cond and cond.get("status") == "True")

    def _delete(self, pod: Obj) -> None:
        meta = pod["metadata"]
        if meta.get("deletionTimestamp"):
            return
        try:
            self.c.api.delete("pods", meta["namespace"], meta["name"], self.c.actor)
        except APIError:
            return
        self.c.recorder.record(self.job, "Normal", "SuccessfulDelete",
                               f"Deleted pod: {meta['name']}", component=self.c.name)

    # -- the pass -------------------------------------------------------------------------
    def run(self) -> None:
        failing = self._is_true("FailureTarget")
        succeeding = self._is_true("SuccessCriteriaMet")
        self._count_finished(failing or succeeding)
        active = [p for p in self.pods if podutil.is_active(p)]
        terminating = [p for p in self.pods if p["metadata"].get("deletionTimestamp")
                       and (p.get("status") or {}).get("phase") not in ("Succeeded", "Failed")]

        suspended = bool(self.spec.get("suspend"))
        if not failing and not succeeding:
            self._suspension(suspended)
            if not suspended and not self.status.get("startTime"):
                self.status["startTime"] = self.stamp
            failure = self._failure(active)
            if failure is not None:
                self._set_condition("FailureTarget", "True", *failure)
                self.c.recorder.record(self.job, "Warning", failure[0], failure[1],
                                       component=self.c.name)
                failing = True
            elif self._succeeded_enough(active):
                self._set_condition("SuccessCriteriaMet", "True", *COMPLETIONS_REACHED)
                succeeding = True

        if failing or succeeding or suspended:
            for pod in active:
                self._delete(pod)
            if failing:
                self._count_finished(True)
            active = []
        else:
            active = self._manage(active)

        self.pods = self.c._owned_pods(self.job)
        terminating = [p for p in self.pods if p["metadata"].get("deletionTimestamp")
                       and (p.get("status") or {}).get("phase") not in ("Succeeded", "Failed")]
        if (failing or succeeding) and not terminating and not active:
            if failing:
                cond = self._condition("FailureTarget") or {}
                self._set_condition("Failed", "True", cond.get("reason", ""),
                                    cond.get("message", ""))
            else:
                self._set_condition("Complete", "True", *COMPLETIONS_REACHED)
                self.status["completionTime"] = self.stamp
                self.c.recorder.record(self.job, "Normal", "Completed", "Job completed",
                                       component=self.c.name)
        self._write(active, terminating)

    def _count_finished(self, finishing: bool) -> None:
        """Count newly finished pods (those still holding the tracking finalizer)."""
        succeeded = int(self.status.get("succeeded") or 0)
        failed = int(self.status.get("failed") or 0)
        indexes = parse_indexes(self.status.get("completedIndexes", ""))
        for pod in self.pods:
            meta = pod["metadata"]
            if TRACKING_FINALIZER not in (meta.get("finalizers") or ()):
                continue
            phase = (pod.get("status") or {}).get("phase")
            bound = bool((pod.get("spec") or {}).get("nodeName"))
            if phase == "Succeeded":
                index = _pod_index(pod)
                if not self.indexed:
                    succeeded += 1
                elif index is not None and index not in indexes:
                    indexes.add(index)
                    succeeded += 1
            elif phase == "Failed" or (meta.get("deletionTimestamp")
                                       and (finishing or not bound)):
                failed += 1
            else:
                continue
            self.c._release(pod)
        if succeeded:
            self.status["succeeded"] = succeeded
        if failed:
            self.status["failed"] = failed
        if self.indexed:
            self.status["completedIndexes"] = format_indexes(indexes)
        self.pods = self.c._owned_pods(self.job)

    def _suspension(self, suspended: bool) -> None:
        cond = self._condition("Suspended")
        was = bool(cond and cond.get("status") == "True")
        if suspended and not was:
            self._set_condition("Suspended", "True", "JobSuspended", "Job suspended")
            self.c.recorder.record(self.job, "Normal", "Suspended", "Job suspended",
                                   component=self.c.name)
        elif not suspended and was:
            self._set_condition("Suspended", "False", "JobResumed", "Job resumed")
            self.status["startTime"] = self.stamp
            self.c.recorder.record(self.job, "Normal", "Resumed", "Job resumed",
                                   component=self.c.name)

    def _failure(self, active: list[Obj]) -> tuple[str, str] | None:
        limit = int(self.spec.get("backoffLimit", 6))
        failed = int(self.status.get("failed") or 0)
        restart_policy = ((self.spec.get("template") or {}).get("spec") or {}).get(
            "restartPolicy", "Never")
        if failed > limit:
            return BACKOFF_LIMIT_EXCEEDED
        if restart_policy == "OnFailure" and limit >= 0:
            restarts = sum(int(cs.get("restartCount") or 0) for pod in active
                           for cs in (pod.get("status") or {}).get("containerStatuses") or ())
            if restarts and restarts >= limit:
                return BACKOFF_LIMIT_EXCEEDED
        deadline = self.spec.get("activeDeadlineSeconds")
        start = self.status.get("startTime")
        if deadline is not None and start and not self.spec.get("suspend"):
            ends = self.c.clock.seconds_at(start) + int(deadline)
            if ends <= self.now + 1e-9:
                return DEADLINE_EXCEEDED
            self.c.wake_after(ends - self.now, self.key)
        return None

    def _succeeded_enough(self, active: list[Obj]) -> bool:
        succeeded = int(self.status.get("succeeded") or 0)
        completions = self.spec.get("completions")
        if completions is None:
            return succeeded > 0 and not active
        return succeeded >= int(completions)

    # -- pods -----------------------------------------------------------------------------
    def _backoff_wait(self) -> float:
        """Seconds until a replacement may be created after recent failures."""
        last_success = max((self._finished_at(p) for p in self.pods
                            if (p.get("status") or {}).get("phase") == "Succeeded"),
                           default=float("-inf"))
        failures = sorted(t for p in self.pods
                          if (p.get("status") or {}).get("phase") == "Failed"
                          and (t := self._finished_at(p)) > last_success)
        if not failures:
            return 0.0
        delay = min(POD_FAILURE_BACKOFF * 2 ** (len(failures) - 1), MAX_POD_FAILURE_BACKOFF)
        return max(0.0, failures[-1] + delay - self.now)

    def _finished_at(self, pod: Obj) -> float:
        latest: float | None = None
        for cs in (pod.get("status") or {}).get("containerStatuses") or ():
            stamp = ((cs.get("state") or {}).get("terminated") or {}).get("finishedAt")
            if stamp:
                at = self.c.clock.seconds_at(stamp)
                latest = at if latest is None else max(latest, at)
        if latest is None:
            ready = podutil.condition(pod, "Ready") or {}
            stamp = ready.get("lastTransitionTime") or pod["metadata"].get("creationTimestamp")
            latest = self.c.clock.seconds_at(stamp) if stamp else self.now
        return latest

    def _manage(self, active: list[Obj]) -> list[Obj]:
        parallelism = int(self.spec.get("parallelism", 1))
        completions = self.spec.get("completions")
        succeeded = int(self.status.get("succeeded") or 0)
        if self.indexed:
            done = parse_indexes(self.status.get("completedIndexes", ""))
            running = {_pod_index(p) for p in active}
            missing = [i for i in range(int(completions or 0))
                       if i not in done and i not in running]
            # duplicates of one index: keep the oldest
            seen: set[int | None] = set()
            for pod in sorted(active, key=lambda p: p["metadata"].get("creationTimestamp", "")):
                index = _pod_index(pod)
                if index in seen or index in done:
                    self._delete(pod)
                    active = [p for p in active if p is not pod]
                seen.add(index)
            want = min(parallelism, len(missing) + len(active))
            to_create: list[int | None] = list(missing[:max(0, want - len(active))])
        else:
            remaining = parallelism if completions is None else \
                min(parallelism, max(0, int(completions) - succeeded))
            if completions is None and succeeded > 0:
                remaining = len(active)
            if len(active) > remaining:
                surplus = sorted(active, key=lambda p: (podutil.is_ready(p),
                                                        p["metadata"].get("creationTimestamp",
                                                                          "")),
                                 )[:len(active) - remaining]
                for pod in surplus:
                    self._delete(pod)
                active = [p for p in active if p not in surplus]
            to_create = [None] * max(0, remaining - len(active))
        if not to_create:
            return active
        wait = self._backoff_wait()
        if wait > 0:
            self.c.wake_after(wait, self.key)
            return active
        for index in to_create:
            created = self._create(index)
            if created is not None:
                active.append(created)
        return active

    def _create(self, index: int | None) -> Obj | None:
        meta = self.job["metadata"]
        name = meta["name"]
        template = self.spec.get("template") or {}
        extra = {COMPLETION_INDEX: str(index)} if index is not None else None
        pod = podutil.pod_from_template(
            template, namespace=meta["namespace"], owner=self.job,
            generate_name=f"{name}-{index}-" if index is not None else f"{name}-",
            extra_labels=extra)
        pod_meta = pod["metadata"]
        pod_meta["finalizers"] = list(pod_meta.get("finalizers") or []) + [TRACKING_FINALIZER]
        if index is not None:
            pod_meta.setdefault("annotations", {})[COMPLETION_INDEX] = str(index)
            pod["spec"].setdefault("hostname", f"{name}-{index}")
        try:
            created = self.c.api.create(pod, self.c.actor)
        except APIError as exc:
            self.c.recorder.record(self.job, "Warning", "FailedCreate", f"Error creating: {exc}",
                                   component=self.c.name)
            return None
        self.c.recorder.record(self.job, "Normal", "SuccessfulCreate",
                               f"Created pod: {created['metadata']['name']}",
                               component=self.c.name)
        return created

    # -- status ---------------------------------------------------------------------------
    def _write(self, active: list[Obj], terminating: list[Obj]) -> None:
        status = self.status
        count = len([p for p in active if podutil.is_active(p)])
        if count:
            status["active"] = count
        else:
            status.pop("active", None)
        status["ready"] = sum(1 for p in active if podutil.is_ready(p))
        status["terminating"] = len(terminating)
        status["uncountedTerminatedPods"] = {}
        if self.indexed and not status.get("completedIndexes"):
            status.pop("completedIndexes", None)
        if status != (self.job.get("status") or {}):
            self.c.api.update_status(dict(self.job, status=status), self.c.actor)


class TTLAfterFinishedController(Controller):
    """kube-controller-manager's ttl-after-finished-controller."""

    name = "ttl-after-finished-controller"
    watches = ("jobs.batch",)

    def resync(self) -> Iterable[str]:
        return self.keys_of("jobs.batch")

    def reconcile(self, key: str) -> None:
        namespace, _, name = key.partition("/")
        job = self.store.get("jobs.batch", namespace, name)
        if job is None or job["metadata"].get("deletionTimestamp"):
            return
        ttl = (job.get("spec") or {}).get("ttlSecondsAfterFinished")
        finished = finished_condition(job)
        if ttl is None or finished is None:
            return
        status = job.get("status") or {}
        stamp = status.get("completionTime") if finished == "Complete" else None
        if stamp is None:
            cond: dict[str, Any] = next((c for c in status.get("conditions") or ()
                                         if c.get("type") == finished), {})
            stamp = cond.get("lastTransitionTime")
        if not stamp:
            return
        expires = self.clock.seconds_at(stamp) + int(ttl)
        if expires > self.clock.now + 1e-9:
            self.wake_after(expires - self.clock.now, key)
            return
        try:
            self.api.delete("jobs.batch", namespace, name, self.actor, propagation="Foreground")
        except APIError:
            pass  # deleted meanwhile
