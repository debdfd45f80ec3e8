"""CronJob controller: schedules on virtual time, concurrency policies, history limits."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import yaml

from playground.engine.cluster import Cluster, ClusterConfig
from playground.engine.controllers.cronjob import (
    SCHEDULED_TIMESTAMP,
    CronJobController,
    Schedule,
    job_name,
)
from playground.engine.controllers.job import JobController
from playground.engine.store import Actor, deep_copy

EXAMPLES = (Path(__file__).resolve().parents[2].parent / "shared/conformance/k8s-examples")
SCHEDULER = Actor("scheduler", "default-scheduler")



def silence_kubelets(cluster: Cluster) -> None:
    """These tests play the kubelet themselves: stop the cluster's own, if it has one."""
    kubelet = getattr(cluster, "kubelet", None)
    if kubelet is not None and hasattr(kubelet, "stop_node"):
        for node in cluster.store.list("nodes"):
            kubelet.stop_node(node["metadata"]["name"])

def make_cluster() -> Cluster:
    cluster = Cluster.create(ClusterConfig(clock="manual"))
    silence_kubelets(cluster)
    cluster.controllers.add(JobController(cluster))
    cluster.controllers.add(CronJobController(cluster))
    cluster.settle()
    return cluster


def make_cronjob(name: str = "tick", schedule: str = "*/5 * * * *", **spec: Any) -> dict[str, Any]:
    body: dict[str, Any] = {"schedule": schedule, "jobTemplate": {"spec": {"template": {"spec": {
        "containers": [{"name": "c", "image": "busybox:1.36"}], "restartPolicy": "Never"}}}}}
    body.update(spec)
    return {"apiVersion": "batch/v1", "kind": "CronJob", "metadata": {"name": name}, "spec": body}


def run_pods(cluster: Cluster, phase: str = "Succeeded") -> None:
    """Stand-in kubelet: every pending pod runs to `phase` at once."""
    for pod in cluster.store.list("pods", "default"):
        if pod["status"].get("phase") != "Pending" or pod["metadata"].get("deletionTimestamp"):
            continue
        if not pod["spec"].get("nodeName"):
            bound = deep_copy(pod)
            bound["spec"]["nodeName"] = "worker-1"
            pod = cluster.api.update(bound, SCHEDULER)
        status = {"phase": phase, "containerStatuses": [{"name": "c", "restartCount": 0,
                  "state": {"terminated": {"exitCode": 0 if phase == "Succeeded" else 1,
                                           "finishedAt": cluster.clock.timestamp()}}}]}
        cluster.api.update_status(dict(pod, status=status), Actor("kubelet", "worker-1"))
    cluster.settle()


def jobs(cluster: Cluster) -> list[str]:
    return [j["metadata"]["name"] for j in cluster.store.list("jobs.batch", "default")]


def cronjob(cluster: Cluster, name: str = "tick") -> dict[str, Any]:
    found = cluster.store.get("cronjobs.batch", "default", name)
    assert found is not None
    return found


def messages(cluster: Cluster) -> list[tuple[str, str]]:
    return [(e["reason"], e["message"]) for e in cluster.store.list("events", "default")
            if e["source"]["component"] == "cronjob-controller"]


def minutes(cluster: Cluster) -> int:
    return int(cluster.clock.datetime().timestamp()) // 60


def test_hello_example_runs_every_minute_and_keeps_three() -> None:
    cluster = make_cluster()
    cluster.advance(30)
    cluster.api.create(yaml.safe_load((EXAMPLES / "application/job/cronjob.yaml").read_text()))
    cluster.settle()
    assert jobs(cluster) == []
    start = minutes(cluster)
    for i in range(1, 6):
        cluster.advance(60)
        assert f"hello-{start + i}" in jobs(cluster)
        run_pods(cluster)
    assert jobs(cluster) == [f"hello-{start + i}" for i in (3, 4, 5)]
    status = cronjob(cluster, "hello")["status"]
    assert "active" not in status
    assert status["lastScheduleTime"] == cluster.clock.timestamp(cluster.now - 30)
    assert status["lastSuccessfulTime"] == cluster.clock.timestamp()  # the pod finished now
    reasons = [r for r, _ in messages(cluster)]
    assert reasons.count("SuccessfulCreate") == 5
    assert reasons.count("SawCompletedJob") == 5
    assert ("SuccessfulDelete", f"Deleted job hello-{start + 1}") in messages(cluster)
    assert ("SawCompletedJob", f"Saw completed job: hello-{start + 1}, condition: Complete") \
        in messages(cluster)


def test_wakes_exactly_at_the_schedule_time_without_polling() -> None:
    cluster = make_cluster()
    cluster.api.create(make_cronjob())
    cluster.settle()
    assert cluster.clock.peek() is not None
    pending = [t for t in cluster.clock.pending() if t.target == "cronjob-controller"]
    assert [t.when for t in pending] == [300.0]
    cluster.advance(299)
    assert jobs(cluster) == []
    cluster.advance(1)
    [name] = jobs(cluster)
    scheduled = datetime(2026, 1, 1, 0, 5, tzinfo=UTC)
    assert name == job_name("tick", scheduled)
    created = cluster.store.get("jobs.batch", "default", name)
    assert created["metadata"]["annotations"][SCHEDULED_TIMESTAMP] == "2026-01-01T00:05:00Z"
    assert created["metadata"]["ownerReferences"][0]["kind"] == "CronJob"
    active = cronjob(cluster)["status"]["active"]
    assert [(a["kind"], a["name"]) for a in active] == [("Job", name)]


def test_forbid_skips_while_a_job_runs() -> None:
    cluster = make_cluster()
    cluster.api.create(make_cronjob(schedule="* * * * *", concurrencyPolicy="Forbid"))
    cluster.advance(60)
    cluster.advance(60)
    assert len(jobs(cluster)) == 1
    assert ("JobAlreadyActive", ("Not starting job because prior execution is running and "
                                 "concurrency policy is Forbid")) in messages(cluster)


def test_allow_runs_concurrently() -> None:
    cluster = make_cluster()
    cluster.api.create(make_cronjob(schedule="* * * * *"))
    cluster.advance(180)
    assert len(jobs(cluster)) == 3
    assert len(cronjob(cluster)["status"]["active"]) == 3


def test_replace_deletes_the_running_job() -> None:
    cluster = make_cluster()
    cluster.api.create(make_cronjob(schedule="* * * * *", concurrencyPolicy="Replace"))
    cluster.advance(60)
    [first] = jobs(cluster)
    cluster.advance(60)
    assert first not in jobs(cluster) and len(jobs(cluster)) == 1
    assert ("SuccessfulDelete", f"Deleted job {first}") in messages(cluster)


def test_suspend_stops_scheduling() -> None:
    cluster = make_cluster()
    cluster.api.create(make_cronjob(schedule="* * * * *", suspend=True))
    cluster.advance(600)
    assert jobs(cluster) == []


def test_starting_deadline_misses_late_runs() -> None:
    cluster = make_cluster()
    cluster.api.create(make_cronjob(schedule="* * * * *", startingDeadlineSeconds=10,
                                    suspend=True))
    cluster.advance(90)
    resumed = deep_copy(cronjob(cluster))
    resumed["spec"]["suspend"] = False
    cluster.api.update(resumed)
    cluster.settle()
    # 00:01 was 30 s ago, outside the 10 s window: skipped, as the real controller does
    assert jobs(cluster) == []
    cluster.advance(30)
    assert jobs(cluster) == [job_name("tick", datetime(2026, 1, 1, 0, 2, tzinfo=UTC))]


def test_failed_jobs_history_limit() -> None:
    cluster = make_cluster()
    cronjob_manifest = make_cronjob(schedule="* * * * *", failedJobsHistoryLimit=1)
    cronjob_manifest["spec"]["jobTemplate"]["spec"]["backoffLimit"] = 0
    cluster.api.create(cronjob_manifest)
    for _ in range(3):
        cluster.advance(60)
        run_pods(cluster, "Failed")
    assert len(jobs(cluster)) == 1


def test_time_zone_shifts_the_schedule() -> None:
    schedule = Schedule("0 9 * * *", __import__("zoneinfo").ZoneInfo("Europe/Paris"))
    moment = datetime(2026, 1, 1, 0, 0, tzinfo=UTC)
    assert schedule.next_after(moment).astimezone(UTC) == datetime(2026, 1, 1, 8, 0, tzinfo=UTC)
    assert Schedule("0 9 * * *", UTC).latest_at_or_before(
        datetime(2026, 1, 2, 9, 0, tzinfo=UTC)) == datetime(2026, 1, 2, 9, 0, tzinfo=UTC)


def test_unparseable_schedule_is_reported() -> None:
    cluster = make_cluster()
    created = cluster.api.create(make_cronjob(), Actor("controller", "test"))
    broken = deep_copy(created)
    broken["spec"]["schedule"] = "61 * * * *"
    cluster.api.update(broken, Actor("controller", "test"))
    cluster.settle()
    assert any(r == "UnparseableSchedule" for r, _ in messages(cluster))
