"""Job controller and TTL-after-finished controller."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from playground.engine.cluster import Cluster, ClusterConfig
from playground.engine.controllers.job import (
    TRACKING_FINALIZER,
    JobController,
    TTLAfterFinishedController,
    format_indexes,
    parse_indexes,
)
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
    cluster.controllers.add(TTLAfterFinishedController(cluster))
    cluster.settle()
    return cluster


def make_job(name: str = "work", **spec: Any) -> dict[str, Any]:
    body: dict[str, Any] = {"template": {"spec": {
        "containers": [{"name": "c", "image": "busybox:1.36"}], "restartPolicy": "Never"}}}
    body.update(spec)
    return {"apiVersion": "batch/v1", "kind": "Job", "metadata": {"name": name}, "spec": body}


def pods(cluster: Cluster, *, live: bool = True) -> list[dict[str, Any]]:
    return [p for p in cluster.store.list("pods", "default")
            if not live or ((p["status"].get("phase") in ("Pending", "Running"))
                            and not p["metadata"].get("deletionTimestamp"))]


def finish(cluster: Cluster, pod: dict[str, Any], phase: str, *, ready: bool = False) -> None:
    """Stand-in kubelet: bind if needed, then run the pod to `phase`."""
    if not pod["spec"].get("nodeName"):
        bound = deep_copy(pod)
        bound["spec"]["nodeName"] = "worker-1"
        pod = cluster.api.update(bound, SCHEDULER)
    stamp = cluster.clock.timestamp()
    if phase == "Running":
        status = {"phase": "Running", "conditions": [
            {"type": "Ready", "status": "True" if ready else "False",
             "lastTransitionTime": stamp}]}
    else:
        status = {"phase": phase, "containerStatuses": [{"name": "c", "restartCount": 0, "state": {
            "terminated": {"exitCode": 0 if phase == "Succeeded" else 1,
                           "reason": "Completed" if phase == "Succeeded" else "Error",
                           "finishedAt": stamp}}}]}
    cluster.api.update_status(dict(pod, status=status), Actor("kubelet", "worker-1"))
    cluster.settle()


def reap(cluster: Cluster) -> None:
    """Stand-in kubelet: finish terminating pods."""
    for pod in cluster.store.list("pods", "default"):
        if pod["metadata"].get("deletionTimestamp") and not pod["metadata"].get("finalizers"):
            cluster.api.remove_now("pods", "default", pod["metadata"]["name"],
                                   Actor("kubelet", "worker-1"))
    cluster.settle()


def job(cluster: Cluster, name: str = "work") -> dict[str, Any]:
    found = cluster.store.get("jobs.batch", "default", name)
    assert found is not None
    return found


def conditions(cluster: Cluster, name: str = "work") -> dict[str, tuple[str, str]]:
    return {c["type"]: (c["reason"], c["message"])
            for c in job(cluster, name)["status"].get("conditions", [])
            if c["status"] == "True"}


def messages(cluster: Cluster) -> list[tuple[str, str]]:
    return [(e["reason"], e["message"]) for e in cluster.store.list("events", "default")
            if e["source"]["component"] == "job-controller"]


def test_pi_example_completes_once_its_pod_succeeds() -> None:
    cluster = make_cluster()
    cluster.api.create(yaml.safe_load((EXAMPLES / "controllers/job.yaml").read_text()))
    cluster.settle()
    [pod] = pods(cluster)
    assert pod["metadata"]["name"].startswith("pi-") and len(pod["metadata"]["name"]) == 8
    assert TRACKING_FINALIZER in pod["metadata"]["finalizers"]
    assert pod["metadata"]["labels"]["batch.kubernetes.io/job-name"] == "pi"
    status = job(cluster, "pi")["status"]
    assert status["active"] == 1 and status["ready"] == 0 and "startTime" in status
    finish(cluster, pod, "Running", ready=True)
    assert job(cluster, "pi")["status"]["ready"] == 1
    cluster.advance(10)
    finish(cluster, cluster.store.get("pods", "default", pod["metadata"]["name"]), "Succeeded")
    status = job(cluster, "pi")["status"]
    assert status["succeeded"] == 1 and "active" not in status
    assert status["terminating"] == 0 and status["uncountedTerminatedPods"] == {}
    assert status["completionTime"] == cluster.clock.timestamp()
    assert conditions(cluster, "pi") == {
        "SuccessCriteriaMet": ("CompletionsReached", "Reached expected number of succeeded pods"),
        "Complete": ("CompletionsReached", "Reached expected number of succeeded pods")}
    assert [c["type"] for c in status["conditions"]] == ["SuccessCriteriaMet", "Complete"]
    done = cluster.store.get("pods", "default", pod["metadata"]["name"])
    assert TRACKING_FINALIZER not in (done["metadata"].get("finalizers") or [])
    assert messages(cluster) == [("SuccessfulCreate", f"Created pod: {pod['metadata']['name']}"),
                                 ("Completed", "Job completed")]


def test_completions_and_parallelism() -> None:
    cluster = make_cluster()
    cluster.api.create(make_job(completions=5, parallelism=2))
    cluster.settle()
    assert len(pods(cluster)) == 2
    while pods(cluster):
        assert len(pods(cluster)) <= 2
        finish(cluster, pods(cluster)[0], "Succeeded")
    status = job(cluster)["status"]
    assert status["succeeded"] == 5
    assert len(pods(cluster, live=False)) == 5
    assert "Complete" in conditions(cluster)


def test_indexed_job_labels_each_pod_with_its_index() -> None:
    cluster = make_cluster()
    cluster.api.create(make_job(completions=3, parallelism=3, completionMode="Indexed"))
    cluster.settle()
    live = pods(cluster)
    indexes = sorted(p["metadata"]["annotations"]["batch.kubernetes.io/job-completion-index"]
                     for p in live)
    assert indexes == ["0", "1", "2"]
    for pod in live:
        index = pod["metadata"]["labels"]["batch.kubernetes.io/job-completion-index"]
        assert pod["metadata"]["name"].startswith(f"work-{index}-")
        assert pod["spec"]["hostname"] == f"work-{index}"
    by_index = {p["metadata"]["labels"]["batch.kubernetes.io/job-completion-index"]: p
                for p in live}
    finish(cluster, by_index["1"], "Succeeded")
    assert job(cluster)["status"]["completedIndexes"] == "1"
    finish(cluster, by_index["0"], "Succeeded")
    finish(cluster, by_index["2"], "Succeeded")
    assert job(cluster)["status"]["completedIndexes"] == "0-2"
    assert "Complete" in conditions(cluster)


def test_failed_pods_are_replaced_with_exponential_back_off_then_backoff_limit() -> None:
    cluster = make_cluster()
    cluster.api.create(make_job(backoffLimit=2))
    cluster.settle()
    waits = []
    for _ in range(3):
        [pod] = pods(cluster)
        started = cluster.now
        finish(cluster, pod, "Failed")
        if conditions(cluster).get("FailureTarget"):
            break
        assert pods(cluster) == []  # back-off before the replacement
        while not pods(cluster):
            cluster.advance(1)
        waits.append(cluster.now - started)
    assert waits == [10, 20]
    assert job(cluster)["status"]["failed"] == 3
    assert conditions(cluster)["Failed"] == ("BackoffLimitExceeded",
                                             "Job has reached the specified backoff limit")
    assert ("BackoffLimitExceeded", "Job has reached the specified backoff limit") in \
        messages(cluster)


def test_active_deadline_fails_the_job_and_deletes_its_pods() -> None:
    cluster = make_cluster()
    cluster.api.create(make_job(activeDeadlineSeconds=30))
    cluster.settle()
    [pod] = pods(cluster)
    finish(cluster, pod, "Running", ready=True)
    cluster.advance(29)
    assert "FailureTarget" not in conditions(cluster)
    cluster.advance(1)
    assert conditions(cluster)["FailureTarget"] == (
        "DeadlineExceeded", "Job was active longer than specified deadline")
    assert "Failed" not in conditions(cluster)  # its pod is still terminating
    reap(cluster)
    assert conditions(cluster)["Failed"][0] == "DeadlineExceeded"
    assert job(cluster)["status"]["failed"] == 1
    assert ("SuccessfulDelete", f"Deleted pod: {pod['metadata']['name']}") in messages(cluster)


def test_ttl_after_finished_deletes_the_job() -> None:
    cluster = make_cluster()
    cluster.api.create(make_job(ttlSecondsAfterFinished=100))
    cluster.settle()
    finish(cluster, pods(cluster)[0], "Succeeded")
    cluster.advance(99)
    assert cluster.store.get("jobs.batch", "default", "work") is not None
    cluster.advance(1)
    assert cluster.store.get("jobs.batch", "default", "work") is None
    assert cluster.store.list("pods", "default") == []


def test_suspend_deletes_pods_and_resume_restarts() -> None:
    cluster = make_cluster()
    cluster.api.create(make_job(suspend=True))
    cluster.settle()
    assert pods(cluster) == []
    assert conditions(cluster) == {"Suspended": ("JobSuspended", "Job suspended")}
    assert "startTime" not in job(cluster)["status"]
    resumed = deep_copy(job(cluster))
    resumed["spec"]["suspend"] = False
    cluster.advance(5)
    cluster.api.update(resumed)
    cluster.settle()
    assert len(pods(cluster)) == 1
    cond = next(c for c in job(cluster)["status"]["conditions"] if c["type"] == "Suspended")
    assert (cond["status"], cond["reason"], cond["message"]) == ("False", "JobResumed",
                                                                 "Job resumed")
    assert job(cluster)["status"]["startTime"] == cluster.clock.timestamp()


def test_deleting_the_job_releases_pod_finalizers() -> None:
    cluster = make_cluster()
    cluster.api.create(make_job(parallelism=2, completions=2))
    cluster.settle()
    cluster.api.delete("jobs.batch", "default", "work")
    cluster.settle()
    left = cluster.store.list("pods", "default")
    assert all(p["metadata"].get("deletionTimestamp") for p in left)
    assert all(TRACKING_FINALIZER not in (p["metadata"].get("finalizers") or []) for p in left)
    reap(cluster)
    assert cluster.store.list("pods", "default") == []


@pytest.mark.parametrize(("indexes", "text"), [
    ([], ""), ([0], "0"), ([0, 1, 2, 4], "0-2,4"), ([5, 3, 4, 9, 10], "3-5,9-10")])
def test_completed_indexes_format(indexes: list[int], text: str) -> None:
    assert format_indexes(indexes) == text
    assert parse_indexes(text) == set(indexes)
